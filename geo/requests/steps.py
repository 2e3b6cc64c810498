"""Moving a request through its workflow (optimistic locking on its version), and its history."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.accounts import Principal, allowed, record
from geo.cities import CityInfo
from geo.errors import (
    PreconditionRequiredError,
    StaleVersionError,
)
from geo.requests.schemas import (
    Receipt,
)
from geo.requests.types import TYPES, RequestNotFoundError, RequestType, handling_opds
from geo.requests.workflow import IllegalTransitionError


def write_event(
    session: Session,
    principal: Principal,
    city_id: int,
    request_id: int,
    *,
    transition: str | None,
    from_status: str | None,
    to_status: str,
    fields: Mapping[str, Any],
) -> None:
    session.execute(
        text(
            "INSERT INTO request_event (city_id, request_id, actor_id, actor, transition,"
            " from_status, to_status, public_note, internal_note, fields)"
            " VALUES (:c, :r, :uid, :actor, :t, :f, :to, :pub, :internal, CAST(:fields AS jsonb))"
        ),
        {
            "c": city_id,
            "r": request_id,
            "uid": principal.user_id,
            "actor": principal.username,
            "t": transition,
            "f": from_status,
            "to": to_status,
            "pub": fields.get("public_note"),
            "internal": fields.get("internal_note"),
            "fields": orjson.dumps(
                {k: v for k, v in fields.items() if k not in {"public_note", "internal_note"}}
            ).decode(),
        },
    )


def transition(
    session: Session,
    principal: Principal,
    city: CityInfo,
    request_id: int,
    *,
    name: str,
    fields: Mapping[str, Any],
    expected_version: int | None,
) -> Receipt:
    """Take one workflow step on a request, guarded by its version (optimistic locking).

    Raises:
        PreconditionRequiredError: No expected version given (HTTP 428).
        RequestNotFoundError: No such request in this city, or one the principal may not see.
        StaleVersionError: Someone changed the request since that version (HTTP 412).
        IllegalTransitionError: Not a step allowed now for this principal (HTTP 409).
        TransitionFieldsError: A required field is missing (HTTP 422).
    """
    if expected_version is None:
        raise PreconditionRequiredError("send If-Match with the request's version ETag")
    row = session.execute(
        text(
            "SELECT id, type, code, status, version, opd_code, kecamatan_code, kelurahan_code,"
            " submitted_by, attrs FROM service_request WHERE city_id = :c AND id = :id FOR UPDATE"
        ),
        {"c": city.id, "id": request_id},
    ).first()
    if row is None:
        raise RequestNotFoundError(f"no request {request_id} in {city.name}")
    kind = TYPES[row.type]
    own = principal.user_id is not None and principal.user_id == row.submitted_by
    if not own and not (
        allowed(principal, "requests.update", city_id=city.id) and may_handle(principal, row, kind)
    ):
        # not the submitter's and not of the principal's OPD: as if it did not exist
        raise RequestNotFoundError(f"no request {request_id} in {city.name}")
    if row.version != expected_version:
        raise StaleVersionError(
            f"request {row.code} changed since version {expected_version} (now {row.version});"
            " reload it and try again"
        )
    roles = set(principal.roles()) | ({"pemohon"} if own else set())
    acting = acting_roles(principal, set(roles), row, name, kind)
    allowed_now = [
        t.name
        for t in kind.workflow.available(row.status, roles)
        if t.roles & acting_roles(principal, set(roles), row, t.name, kind)
    ]
    if name not in allowed_now:
        shown = ", ".join(allowed_now) or "none"
        raise IllegalTransitionError(
            f"'{name[:64]}' cannot be taken from status '{row.status}'; allowed now: {shown}",
            allowed_now,
        )
    step = kind.workflow.take(row.status, name, acting, fields)
    if kind.check_step is not None:  # e.g. the target school's capacity (school transfers)
        fields = dict(fields) | kind.check_step(session, city.id, row.attrs or {}, name)
    session.execute(
        text(
            "UPDATE service_request SET status = :s, version = version + 1, updated_at = now(),"
            " status_changed_at = now() WHERE city_id = :c AND id = :id"
        ),
        {"s": step.target, "c": city.id, "id": request_id},
    )
    write_event(
        session,
        principal,
        city.id,
        request_id,
        transition=name,
        from_status=row.status,
        to_status=step.target,
        fields=fields,
    )
    if kind.after_step is not None:  # e.g. an approved permit's parcel (geo.permits)
        kind.after_step(session, principal, city.id, request_id, kind.workflow.transition(name))
    record(
        session,
        principal,
        "requests.transition",
        city_id=city.id,
        object_type="service_request",
        object_id=str(request_id),
        before={"status": row.status, "version": row.version},
        after={"status": step.target, "version": row.version + 1, "transition": name},
    )
    return Receipt(
        id=request_id,
        code=row.code,
        type=row.type,
        status=step.target,
        kelurahan=row.kelurahan_code,
        kecamatan=row.kecamatan_code,
        opd=row.opd_code,
        version=row.version + 1,
    )


def may_handle(principal: Principal, row: Any, kind: RequestType) -> bool:
    """Staff of the OPDs handling it (and of its kecamatan, when scoped); city admins all;
    the roles its type names as handlers (within their kecamatan, when scoped)."""
    opds = handling_opds(kind, row.opd_code)
    schools = {str(row.attrs.get(f)) for f in kind.school_fields} if kind.school_fields else set()
    for grant in principal.grants:
        if grant.role in {"admin_kota", "admin"}:
            return True
        if grant.role == "sekolah" and grant.npsn is not None and grant.npsn in schools:
            return True
        if grant.role in kind.handler_roles and grant.kecamatan in (None, row.kecamatan_code):
            return True
        if (
            grant.role == "opd_staff"
            and grant.opd in opds
            and grant.kecamatan in (None, row.kecamatan_code)
        ):
            return True
    return False


def acting_roles(
    principal: Principal, roles: set[str], row: Any, name: str, kind: RequestType
) -> set[str]:
    """The roles that count for this step: ``opd_staff`` only for the OPD the step names."""
    step = kind.workflow.transition(name)
    wanted_opd = (step.opd if step else None) or row.opd_code
    if "opd_staff" in roles and not any(
        g.role == "opd_staff" and g.opd == wanted_opd and g.kecamatan in (None, row.kecamatan_code)
        for g in principal.grants
    ):
        roles.discard("opd_staff")
    if "sekolah" in roles:  # a school's staff act only from the states of their school's side
        side = kind.school_sides.get(row.status)
        school = row.attrs.get(side) if side and row.attrs else None
        if school is None or not any(
            g.role == "sekolah" and g.npsn == school for g in principal.grants
        ):
            roles.discard("sekolah")
    return roles
