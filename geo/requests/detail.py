"""One request as its staff read it: the detail, its private data (audited), its documents."""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.accounts import Principal, allowed, record
from geo.cities import CityInfo
from geo.errors import AuthenticationRequiredError, NotFoundError, PermissionDeniedError
from geo.requests.deadlines import due_sql, report_due_at
from geo.requests.nearby import similar_nearby
from geo.requests.nik import mask_nik
from geo.requests.queries import READ, READ_PERSONAL, row_sql, to_row, visibility
from geo.requests.schemas import (
    StaffContact,
    StaffDeadlines,
    StaffDocument,
    StaffPrivate,
    StaffRequestDetail,
    StaffSimilar,
    StaffTimelineEntry,
    StaffTransition,
)
from geo.requests.steps import acting_roles, may_handle
from geo.requests.types import TYPES, RequestNotFoundError


class DocumentNotFoundError(NotFoundError):
    """No such document on this request."""

    code = "document-not-found"
    title = "Document not found"


def _visible_row(
    session: Session, principal: Principal, city: CityInfo, request_id: int, action: str
) -> Any:
    vis, params = visibility(principal, action, city.id)
    row = session.execute(
        text(
            row_sql(
                f"r.city_id = :c AND r.id = :id AND {vis}",
                extra=", r.attrs, ST_AsGeoJSON(r.geom, 6) AS geometry, ST_AsText(r.geom) AS wkt",
            )
        ),
        params | due_sql("r")[1] | {"c": city.id, "id": request_id},
    ).first()
    if row is None:
        raise RequestNotFoundError(f"no request {request_id} in {city.name}")
    return row


def _may_read_personal(
    session: Session, principal: Principal, city: CityInfo, request_id: int
) -> bool:
    try:
        vis, params = visibility(principal, READ_PERSONAL, city.id, prefix="p")
    except (AuthenticationRequiredError, PermissionDeniedError):
        return False
    found = session.execute(
        text(f"SELECT 1 FROM service_request r WHERE r.city_id = :c AND r.id = :id AND {vis}"),  # noqa: S608 - fixed fragments; values bound
        params | {"c": city.id, "id": request_id},
    ).first()
    return found is not None


def _transitions(principal: Principal, city: CityInfo, row: Any) -> list[StaffTransition]:
    """The steps ``principal`` may take now, by the checks of ``steps.transition``."""
    kind = TYPES[row.type]
    own = principal.user_id is not None and principal.user_id == row.submitted_by
    handles = own or (
        allowed(principal, "requests.update", city_id=city.id) and may_handle(principal, row, kind)
    )
    if not handles:
        return []
    roles = set(principal.roles()) | ({"pemohon"} if own else set())
    wf = kind.workflow
    return [
        StaffTransition(
            name=t.name,
            label=wf.transition_labels.get(t.name, t.name),
            to_status=t.target,
            requires=list(t.requires),
        )
        for t in wf.available(row.status, roles)
        if t.roles & acting_roles(principal, set(roles), row, t.name, kind)
    ]


def request_detail(
    session: Session, principal: Principal, city: CityInfo, request_id: int
) -> StaffRequestDetail:
    """One request as its staff see it: fields, documents, timeline, steps open to the principal,
    possible duplicates, deadlines, and whether the principal may read its personal data.

    Raises:
        AuthenticationRequiredError, PermissionDeniedError: Not staff of this city.
        RequestNotFoundError: No such request, or one the principal does not handle.
    """
    row = _visible_row(session, principal, city, request_id, READ)
    kind = TYPES[row.type]
    docs = session.execute(
        text(
            "SELECT id, slot, filename, media_type, size_bytes, sha256 FROM request_attachment"
            " WHERE city_id = :c AND request_id = :r ORDER BY id"
        ),
        {"c": city.id, "r": request_id},
    ).all()
    labels = {**kind.documents, **kind.optional_documents}
    events = session.execute(
        text(
            "SELECT e.at, e.actor_id, e.actor, u.display_name, e.transition, e.from_status,"
            " e.to_status, e.public_note, e.internal_note, e.fields FROM request_event e"
            " LEFT JOIN app_user u ON u.id = e.actor_id"
            " WHERE e.city_id = :c AND e.request_id = :r ORDER BY e.id"
        ),
        {"c": city.id, "r": request_id},
    ).all()
    paid = [e.at for e in events if e.to_status == kind.workflow.report_due_after]
    vis, vis_params = visibility(principal, READ, city.id)
    near = similar_nearby(session, city.id, row.type, row.wkt, exclude_id=row.id)
    seen = (
        set(
            session.execute(
                text(
                    f"SELECT r.id FROM service_request r WHERE r.city_id = :c AND r.id = ANY(:ids)"  # noqa: S608 - fixed fragments; values bound
                    f" AND {vis}"
                ),
                vis_params | {"c": city.id, "ids": [s.id for s in near]},
            ).scalars()
        )
        if near
        else set()
    )
    base = to_row(row).model_dump()
    return StaffRequestDetail(
        **base,
        geometry=orjson.loads(row.geometry),
        attrs=row.attrs,
        priority=row.priority,
        documents=[
            StaffDocument(
                id=d.id,
                slot=d.slot,
                slot_label=labels.get(d.slot, d.slot),
                filename=d.filename,
                media_type=d.media_type,
                size_bytes=d.size_bytes,
                sha256=d.sha256,
            )
            for d in docs
        ],
        timeline=[
            StaffTimelineEntry(
                at=e.at,
                actor=_actor(e, row.submitted_by),
                transition=e.transition,
                from_status=e.from_status,
                to_status=e.to_status,
                public_note=e.public_note,
                internal_note=e.internal_note,
                fields=e.fields or {},
            )
            for e in events
        ],
        transitions=_transitions(principal, city, row),
        similar=[
            StaffSimilar(
                id=s.id,
                code=s.code,
                status=s.status,
                distance_m=round(s.distance_m, 1),
                created_at=s.created_at,
            )
            for s in near
            if s.id in seen
        ],
        deadlines=StaffDeadlines(
            step_due_at=row.due_at,
            lpj_due_at=report_due_at(paid[-1]) if paid else None,
            overdue=row.overdue,
        ),
        private_allowed=_may_read_personal(session, principal, city, request_id),
    )


def _actor(event: Any, submitted_by: int | None) -> str:
    """Staff by display name; the submitter (logged in or anonymous) as ``Pemohon``."""
    if event.actor_id is None and event.actor == "anonymous":
        return "Pemohon"
    if event.actor_id is not None and event.actor_id == submitted_by:
        return "Pemohon"
    return str(event.display_name or event.actor)


def _masked(value: Any) -> Any:
    """``value`` with every ``nik`` inside it masked."""
    if isinstance(value, dict):
        return {
            k: mask_nik(v) if k == "nik" and isinstance(v, str) else _masked(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_masked(v) for v in value]
    return value


def read_private(
    session: Session,
    principal: Principal,
    city: CityInfo,
    request_id: int,
    *,
    ip: str | None = None,
) -> StaffPrivate:
    """The personal data of a request, every NIK masked; the read is written to the audit log.

    Raises:
        AuthenticationRequiredError, PermissionDeniedError: May not read personal data here.
        RequestNotFoundError: No such request, or one the principal does not handle.
    """
    vis, params = visibility(principal, READ_PERSONAL, city.id)
    row = session.execute(
        text(
            "SELECT p.name, p.nik, p.phone, p.email, p.address, p.extra"  # noqa: S608 - fixed fragments; values bound
            " FROM service_request r JOIN request_private p"
            "  ON p.city_id = r.city_id AND p.request_id = r.id"
            f" WHERE r.city_id = :c AND r.id = :id AND {vis}"
        ),
        params | {"c": city.id, "id": request_id},
    ).first()
    if row is None:
        raise RequestNotFoundError(f"no request {request_id} in {city.name}")
    record(
        session,
        principal,
        READ_PERSONAL,
        city_id=city.id,
        object_type="service_request",
        object_id=str(request_id),
        ip=ip,
    )
    return StaffPrivate(
        contact=StaffContact(
            name=row.name,
            nik=mask_nik(row.nik) if row.nik else None,
            phone=row.phone,
            email=row.email,
            address=row.address,
        ),
        private=_masked(row.extra or {}),
    )


def document_of(
    session: Session,
    principal: Principal,
    city: CityInfo,
    request_id: int,
    document_id: int,
    *,
    ip: str | None = None,
) -> StaffDocument:
    """A document of a request the principal may read (the read is audit-logged).

    Raises:
        AuthenticationRequiredError, PermissionDeniedError: Not staff of this city.
        RequestNotFoundError: No such request, or one the principal does not handle.
        DocumentNotFoundError: The request has no such document.
    """
    vis, params = visibility(principal, READ, city.id)
    found = session.execute(
        text(f"SELECT r.type FROM service_request r WHERE r.city_id = :c AND r.id = :id AND {vis}"),  # noqa: S608 - fixed fragments; values bound
        params | {"c": city.id, "id": request_id},
    ).first()
    if found is None:
        raise RequestNotFoundError(f"no request {request_id} in {city.name}")
    d = session.execute(
        text(
            "SELECT id, slot, filename, media_type, size_bytes, sha256 FROM request_attachment"
            " WHERE city_id = :c AND request_id = :r AND id = :d"
        ),
        {"c": city.id, "r": request_id, "d": document_id},
    ).first()
    if d is None:
        raise DocumentNotFoundError(f"request {request_id} has no document {document_id}")
    kind = TYPES[found.type]
    record(
        session,
        principal,
        "requests.read_document",
        city_id=city.id,
        object_type="request_attachment",
        object_id=str(document_id),
        detail={"request_id": request_id, "slot": d.slot},
        ip=ip,
    )
    return StaffDocument(
        id=d.id,
        slot=d.slot,
        slot_label={**kind.documents, **kind.optional_documents}.get(d.slot, d.slot),
        filename=d.filename,
        media_type=d.media_type,
        size_bytes=d.size_bytes,
        sha256=d.sha256,
    )


def visible_request_type(
    session: Session, principal: Principal, city: CityInfo, request_id: int
) -> str:
    """The type of a request the principal may read as staff (``requests.read``, the detail's
    rule), e.g. before showing its permit check.

    Raises:
        AuthenticationRequiredError, PermissionDeniedError: Not staff of this city.
        RequestNotFoundError: No such request, or one the principal does not handle.
    """
    return str(_visible_row(session, principal, city, request_id, READ).type)
