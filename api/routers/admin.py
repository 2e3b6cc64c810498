"""``/admin``: the audit log and the user list (personal data: every read is audited)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from sqlalchemy.orm import Session

from api.auth import PrincipalDep, client_ip, requires
from api.auth_schemas import (
    AuditEntryPublic,
    AuditPagePublic,
    GrantPublic,
    UserAdminPublic,
    UserListPublic,
)
from api.deps import SessionDep
from api.routers.auth import city_slug
from geo.accounts import Principal, authorize, list_audit, list_users, record
from geo.cities import get_city

router = APIRouter(prefix="/admin", tags=["admin"])
PRIVATE = {"Cache-Control": "private, no-store"}
Filter = Annotated[str | None, Query(max_length=64)]
CityFilter = Annotated[
    str | None,
    Query(max_length=64, description="City slug; default: the administrator's own city"),
]


def scoped_city(
    session: Session, principal: Principal, slug: str | None, action: str
) -> int | None:
    """The city an admin request reads: the one named, else the administrator's own.

    A city administrator asking for another city gets 403; a deployment administrator
    without a city reads everything (audit) or the deployment administrators (users).
    """
    city_id = get_city(session, slug).id if slug else principal.city_id
    authorize(principal, action, city_id=city_id)
    return city_id


@router.get(
    "/audit",
    **requires("audit.read"),
    summary="The audit log (newest first)",
    response_model=AuditPagePublic,
)
def get_audit(
    *,
    request: Request,
    response: Response,
    session: SessionDep,
    principal: PrincipalDep,
    city: CityFilter = None,
    action: Filter = None,
    actor: Filter = None,
    object_type: Filter = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> AuditPagePublic:
    """Logins, failed logins, logouts, writes and reads of personal data, filtered by action,
    actor, object type and time. Reading it is itself written to the log."""
    city_id = scoped_city(session, principal, city, "audit.read")
    page = list_audit(
        session,
        principal,
        city_id=city_id,
        action=action,
        actor=actor,
        object_type=object_type,
        since=since,
        until=until,
        limit=limit,
        offset=offset,
    )
    filters = {
        "action": action,
        "actor": actor,
        "object_type": object_type,
        "since": since.isoformat() if since else None,
        "until": until.isoformat() if until else None,
        "limit": limit,
        "offset": offset,
    }
    record(
        session,
        principal,
        "audit.read",
        city_id=city_id,
        object_type="audit_log",
        detail={k: v for k, v in filters.items() if v is not None},
        ip=client_ip(request),
    )
    response.headers.update(PRIVATE)
    return AuditPagePublic(
        entries=[AuditEntryPublic.model_validate(e, from_attributes=True) for e in page.entries],
        number_matched=page.total,
        limit=limit,
        offset=offset,
    )


@router.get(
    "/users",
    **requires("users.manage"),
    summary="Users of a city, with their emails",
    response_model=UserListPublic,
)
def get_users(
    *,
    request: Request,
    response: Response,
    session: SessionDep,
    principal: PrincipalDep,
    city: CityFilter = None,
) -> UserListPublic:
    """Every account of the city with roles, email and last login. Emails are personal data:
    each read is written to the audit log."""
    city_id = scoped_city(session, principal, city, "users.manage")
    users = list_users(session, city_id=city_id)
    record(
        session,
        principal,
        "users.read",
        city_id=city_id,
        object_type="app_user",
        detail={"count": len(users), "personal_data": ["email", "display_name"]},
        ip=client_ip(request),
    )
    slug = city_slug(session, city_id)
    response.headers.update(PRIVATE)
    return UserListPublic(
        users=[
            UserAdminPublic(
                id=u.id,
                username=u.username,
                display_name=u.display_name,
                email=u.email,
                city=slug,
                active=u.active,
                roles=[GrantPublic.of(g) for g in u.grants],
                created_at=u.created_at,
                last_login_at=u.last_login_at,
            )
            for u in users
        ]
    )
