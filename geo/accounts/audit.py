"""The audit log: who did what, when, from where; append-only in the database."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import bindparam, text
from sqlalchemy.orm import Session
from sqlalchemy.types import DateTime, Integer, String

from geo.accounts.access import authorize
from geo.accounts.identity import Principal
from geo.accounts.throttle import clean_ip
from geo.errors import InvalidInputError

MAX_LIMIT = 1000


@dataclass(frozen=True)
class AuditEntry:
    """One row of the audit log."""

    id: int
    at: datetime
    city_id: int | None
    actor_id: int | None
    actor: str
    ip: str | None
    action: str
    object_type: str | None
    object_id: str | None
    before: Any
    after: Any
    detail: Any


@dataclass(frozen=True)
class AuditPage:
    """A page of the audit log, newest first, with the number of entries matching in all."""

    entries: list[AuditEntry]
    total: int
    limit: int
    offset: int


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal | UUID):
        return str(value)
    if isinstance(value, set | frozenset | tuple):
        return sorted(value, key=str) if isinstance(value, set | frozenset) else list(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, default=_plain, ensure_ascii=False)


_INSERT = text(
    "INSERT INTO audit_log (city_id, actor_id, actor, ip, action, object_type, object_id,"
    " before, after, detail)"
    " VALUES (:city_id, :actor_id, :actor, CAST(:ip AS inet), :action, :object_type,"
    " :object_id, CAST(:before AS jsonb), CAST(:after AS jsonb), CAST(:detail AS jsonb))"
)


def record(
    session: Session,
    principal: Principal,
    action: str,
    *,
    city_id: int | None = None,
    object_type: str | None = None,
    object_id: object = None,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    detail: Mapping[str, Any] | None = None,
    ip: str | None = None,
) -> None:
    """Append one entry to the audit log (in the caller's transaction).

    Args:
        session: The database session.
        principal: Who acted (its username becomes the actor; ``cli:<os user>`` for the CLI).
        action: What happened, dotted (``auth.login``, ``users.create``, ...).
        city_id: The city concerned; default the principal's city.
        object_type: The kind of object (``app_user``, ``api_token``, ...).
        object_id: Its id (kept as text).
        before: The object's relevant fields before the change (JSON-serialisable).
        after: The same fields after it.
        detail: Anything else worth keeping (filters of a read, a reason).
        ip: The client's address (junk is stored as NULL).
    """
    session.execute(
        _INSERT,
        {
            "city_id": city_id if city_id is not None else principal.city_id,
            "actor_id": principal.user_id,
            "actor": principal.username[:64],
            "ip": clean_ip(ip),
            "action": action[:64],
            "object_type": object_type[:64] if object_type else None,
            "object_id": None if object_id is None else str(object_id)[:128],
            "before": _json(before),
            "after": _json(after),
            "detail": _json(detail),
        },
    )


_FILTER = (
    " FROM audit_log a"
    " WHERE (CAST(:city_id AS integer) IS NULL OR a.city_id = :city_id)"
    "   AND (CAST(:action AS text) IS NULL OR a.action = :action"
    "        OR (:prefix IS NOT NULL AND starts_with(a.action, :prefix)))"
    "   AND (CAST(:actor AS text) IS NULL OR a.actor = :actor)"
    "   AND (CAST(:object_type AS text) IS NULL OR a.object_type = :object_type)"
    "   AND (CAST(:since AS timestamptz) IS NULL OR a.at >= :since)"
    "   AND (CAST(:until AS timestamptz) IS NULL OR a.at < :until)"
)
_FILTER_TYPES = (
    bindparam("city_id", type_=Integer()),
    bindparam("action", type_=String()),
    bindparam("prefix", type_=String()),
    bindparam("actor", type_=String()),
    bindparam("object_type", type_=String()),
    bindparam("since", type_=DateTime(timezone=True)),
    bindparam("until", type_=DateTime(timezone=True)),
)
_PAGE = text(
    "SELECT a.id, a.at, a.city_id, a.actor_id, a.actor, host(a.ip) AS ip, a.action,"
    " a.object_type, a.object_id, a.before, a.after, a.detail, count(*) OVER () AS total"
    + _FILTER
    + " ORDER BY a.at DESC, a.id DESC LIMIT :limit OFFSET :offset"
).bindparams(*_FILTER_TYPES)
_COUNT = text("SELECT count(*)" + _FILTER).bindparams(*_FILTER_TYPES)


def list_audit(
    session: Session,
    principal: Principal,
    *,
    city_id: int | None = None,
    action: str | None = None,
    actor: str | None = None,
    object_type: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 100,
    offset: int = 0,
) -> AuditPage:
    """Read the audit log, newest first (the read itself is not recorded here).

    Args:
        session: The database session.
        principal: The reader; needs ``audit.read``. A city administrator reads only their
            city (the default when ``city_id`` is None); a deployment administrator reads
            one city, or every entry when ``city_id`` is None.
        city_id: Only entries of this city.
        action: Only this action; ``auth.*`` for every action starting with ``auth.``.
        actor: Only entries of this actor (a username, ``anonymous``, ``cli:<os user>``).
        object_type: Only entries about this kind of object.
        since: Only entries at or after this time.
        until: Only entries before this time.
        limit: Page size, 1 to 1000.
        offset: Entries to skip.

    Returns:
        The page and the number of matching entries.

    Raises:
        AuthenticationRequiredError, PermissionDeniedError: As ``authorize("audit.read")``.
        InvalidInputError: ``limit`` or ``offset`` out of range.
    """
    effective_city = city_id if city_id is not None else principal.city_id
    authorize(principal, "audit.read", city_id=effective_city)
    if not 1 <= limit <= MAX_LIMIT or offset < 0:
        raise InvalidInputError(f"limit must be 1 to {MAX_LIMIT} and offset at least 0")
    prefix = action[:-1] if action and action.endswith(".*") else None
    params = {
        "city_id": effective_city,
        "action": action,
        "prefix": prefix,
        "actor": actor,
        "object_type": object_type,
        "since": since,
        "until": until,
    }
    rows = session.execute(_PAGE, {**params, "limit": limit, "offset": offset}).mappings().all()
    # past the last page the window count is missing: count apart
    total = rows[0]["total"] if rows else session.execute(_COUNT, params).scalar_one()
    entries = [AuditEntry(**{k: v for k, v in row.items() if k != "total"}) for row in rows]
    return AuditPage(entries=entries, total=int(total), limit=limit, offset=offset)
