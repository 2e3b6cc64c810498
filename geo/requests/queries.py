"""What OPD staff read of requests: the table, one request, its private data and documents."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import orjson
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.accounts import PERMISSIONS, Principal, allowed, authorize, record
from geo.cities import CityInfo
from geo.errors import AuthenticationRequiredError, InvalidInputError, NotFoundError
from geo.errors import PermissionDeniedError as _Denied
from geo.requests.deadlines import day_start, due_sql, report_due_at
from geo.requests.nearby import similar_nearby
from geo.requests.nik import mask_nik
from geo.requests.schemas import (
    StaffContact,
    StaffDeadlines,
    StaffDocument,
    StaffPrivate,
    StaffRequestDetail,
    StaffRequestPage,
    StaffRequestRow,
    StaffSimilar,
    StaffTimelineEntry,
    StaffTransition,
)
from geo.requests.steps import _acting_roles, _may_handle
from geo.requests.types import TYPES, RequestNotFoundError, handling_opds

READ = "requests.read"
READ_PERSONAL = "requests.read_personal"
# roles whose grants see the whole city (as steps.py lets them handle every request)
CITY_WIDE = frozenset({"admin_kota", "admin"})
SORT_KEYS = ("created_at", "status_changed_at", "title", "kelurahan", "status")
DEFAULT_SORT = "-created_at"
MAX_LIMIT = 200
MAX_OFFSET = 10_000_000
# the exact total is counted up to this many rows; past it the page says total_exact=false
TOTAL_CAP = 10_000
_CODE_RE = re.compile(r"^[A-Za-z0-9._\-]{1,32}$")
_STATE_ORDER = [s for _, kind in sorted(TYPES.items()) for s in kind.workflow.states]


class DocumentNotFoundError(NotFoundError):
    """No such document on this request."""

    code = "document-not-found"
    title = "Document not found"


@dataclass(frozen=True)
class RequestFilter:
    """Which requests of a city to list or count (every value optional)."""

    type: str | None = None
    status: tuple[str, ...] = ()
    kelurahan: str | None = None
    kecamatan: str | None = None
    opd: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    q: str | None = None
    overdue: bool | None = None
    sort: str = DEFAULT_SORT
    limit: int = 50
    offset: int = 0


def visibility(
    principal: Principal, action: str, city_id: int, *, prefix: str = "v"
) -> tuple[str, dict[str, Any]]:
    """The SQL predicate (on alias ``r``) of the requests ``principal`` may read under ``action``.

    Mirrors who handles a request (geo/requests/steps.py): staff of the OPD it is routed to or
    of an OPD one of its workflow's steps names, within their kecamatan when the grant is
    limited to one; city administrators (and grants with no OPD, e.g. inspectors) the city.

    Raises:
        AuthenticationRequiredError, PermissionDeniedError: As ``authorize`` for the city.
    """
    authorize(principal, action, city_id=city_id)
    roles = PERMISSIONS[action].roles or frozenset()
    clauses: list[str] = []
    params: dict[str, Any] = {}
    for i, g in enumerate(principal.grants):
        if g.role not in roles:
            continue
        if g.role in CITY_WIDE:
            return "TRUE", {}
        parts = []
        if g.opd is not None:
            types = sorted(n for n, k in TYPES.items() if g.opd in handling_opds(k, None))
            parts.append(f"(r.opd_code = :{prefix}_opd{i} OR r.type = ANY(:{prefix}_types{i}))")
            params |= {f"{prefix}_opd{i}": g.opd, f"{prefix}_types{i}": types}
        if g.kecamatan is not None:
            parts.append(f"r.kecamatan_code = :{prefix}_kec{i}")
            params[f"{prefix}_kec{i}"] = g.kecamatan
        if not parts:
            return "TRUE", {}
        clauses.append("(" + " AND ".join(parts) + ")")
    return ("(" + " OR ".join(clauses) + ")" if clauses else "FALSE"), params


def check_filter(f: RequestFilter) -> None:
    """Refuse unknown types, statuses, sort keys and malformed codes, naming each field.

    Raises:
        InvalidInputError: With one field error per bad value.
    """
    errors: list[dict[str, str]] = []

    def bad(name: str, message: str) -> None:
        errors.append({"field": name, "in": "query", "message": message})

    if f.type is not None and f.type not in TYPES:
        bad("type", f"unknown request type; known: {', '.join(sorted(TYPES))}")
    kinds = [TYPES[f.type]] if f.type in TYPES else list(TYPES.values())
    states = {s for k in kinds for s in k.workflow.states}
    unknown = [s[:32] for s in f.status if s not in states]
    if unknown:
        bad("status", f"unknown status {', '.join(unknown)}; known: {', '.join(sorted(states))}")
    for name, value in (("kelurahan", f.kelurahan), ("kecamatan", f.kecamatan), ("opd", f.opd)):
        if value is not None and not _CODE_RE.match(value):
            bad(name, "not a code (letters, digits, '.', '-', '_'; at most 32)")
    if f.date_from and f.date_to and f.date_from > f.date_to:
        bad("from", "after 'to'")
    if f.q is not None and len(f.q) > 100:
        bad("q", "at most 100 characters")
    key = f.sort[1:] if f.sort.startswith("-") else f.sort
    if key not in SORT_KEYS:
        bad("sort", f"one of {', '.join(k for s in SORT_KEYS for k in (s, '-' + s))}")
    if not 1 <= f.limit <= MAX_LIMIT:
        bad("limit", f"between 1 and {MAX_LIMIT}")
    if not 0 <= f.offset <= MAX_OFFSET:
        bad("offset", f"between 0 and {MAX_OFFSET}")
    if errors:
        raise InvalidInputError(
            "invalid value for: " + ", ".join(e["field"] for e in errors), errors
        )


def where_of(f: RequestFilter, city_id: int, vis: str) -> tuple[str, dict[str, Any]]:
    """The WHERE clause (alias ``r``) of a filter, the visibility predicate included."""
    conds = ["r.city_id = :c", vis]
    params: dict[str, Any] = {"c": city_id}
    if f.type is not None:
        conds.append("r.type = :type")
        params["type"] = f.type
    if f.status:
        conds.append("r.status = ANY(:status)")
        params["status"] = list(f.status)
    for name, column in (("kelurahan", "kelurahan_code"), ("kecamatan", "kecamatan_code")):
        value = getattr(f, name)
        if value is not None:
            conds.append(f"r.{column} = :{name}")
            params[name] = value
    if f.opd is not None:
        conds.append("r.opd_code = :opd")
        params["opd"] = f.opd
    if f.date_from is not None:
        conds.append("r.created_at >= :from_at")
        params["from_at"] = day_start(f.date_from)
    if f.date_to is not None:
        conds.append("r.created_at < :to_at")
        params["to_at"] = day_start(f.date_to + timedelta(days=1))
    if f.q:
        escaped = f.q.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        conds.append("(r.code ILIKE :q OR r.title ILIKE :q)")
        params["q"] = f"%{escaped}%"
    if f.overdue is not None:
        due, due_params = due_sql("r")
        params |= due_params
        conds.append(f"coalesce({due} < now(), false) = :overdue")
        params["overdue"] = f.overdue
    return " AND ".join(conds), params


def _row_sql(where: str, order: str = "") -> str:
    due, _ = due_sql("r")
    return (
        "SELECT r.id, r.code, r.type, r.status, r.title, r.kelurahan_code, k.name AS kelurahan,"  # noqa: S608 - fixed fragments; values bound
        " r.kecamatan_code, kc.name AS kecamatan, r.opd_code, r.created_at, r.status_changed_at,"
        " r.version, r.demo, r.priority, r.submitted_by, r.attrs,"
        " ST_X(ST_PointOnSurface(r.geom)) AS lon, ST_Y(ST_PointOnSurface(r.geom)) AS lat,"
        f" {due} AS due_at, coalesce({due} < now(), false) AS overdue,"
        " CAST(floor(extract(epoch FROM now() - r.status_changed_at) / 86400) AS int) AS age_days"
        " FROM service_request r"
        " LEFT JOIN admin_area k ON k.city_id = r.city_id AND k.level = 'kelurahan'"
        "  AND k.code = r.kelurahan_code"
        " LEFT JOIN admin_area kc ON kc.city_id = r.city_id AND kc.level = 'kecamatan'"
        "  AND kc.code = r.kecamatan_code"
        f" WHERE {where}{order}"
    )


def _row(r: Any) -> StaffRequestRow:
    kind = TYPES.get(r.type)
    label = kind.workflow.state_labels.get(r.status, r.status) if kind else r.status
    return StaffRequestRow(
        id=r.id,
        code=r.code,
        type=r.type,
        status=r.status,
        status_label=label,
        title=r.title,
        kelurahan_code=r.kelurahan_code,
        kelurahan=r.kelurahan,
        kecamatan_code=r.kecamatan_code,
        kecamatan=r.kecamatan,
        opd=r.opd_code,
        created_at=r.created_at,
        status_changed_at=r.status_changed_at,
        step_age_days=max(0, r.age_days),
        due_at=r.due_at,
        overdue=r.overdue,
        lon=r.lon,
        lat=r.lat,
        version=r.version,
        demo=r.demo,
    )


def list_requests(
    session: Session, principal: Principal, city: CityInfo, f: RequestFilter
) -> StaffRequestPage:
    """One page of the staff table: the requests of ``city`` the principal may read.

    ``total`` counts every match up to :data:`TOTAL_CAP` (``total_exact`` false past it).

    Raises:
        AuthenticationRequiredError, PermissionDeniedError: Not staff of this city.
        InvalidInputError: A bad filter value (see :func:`check_filter`).
    """
    vis, vis_params = visibility(principal, READ, city.id)
    check_filter(f)
    where, params = where_of(f, city.id, vis)
    params |= vis_params | due_sql("r")[1]
    key = f.sort.lstrip("-")
    way = "DESC" if f.sort.startswith("-") else "ASC"
    column = {
        "created_at": "r.created_at",
        "status_changed_at": "r.status_changed_at",
        "title": "r.title",
        "kelurahan": "k.name",
        "status": "array_position(CAST(:state_order AS text[]), r.status)",
    }[key]
    if key == "status":
        params["state_order"] = _STATE_ORDER
    order = f" ORDER BY {column} {way}, r.id {way} LIMIT :limit OFFSET :offset"
    rows = session.execute(
        text(_row_sql(where, order)), params | {"limit": f.limit, "offset": f.offset}
    ).all()
    counted = session.execute(
        text(f"SELECT count(*) FROM (SELECT 1 FROM service_request r WHERE {where} LIMIT :cap) s"),  # noqa: S608 - fixed fragments; values bound
        params | {"cap": TOTAL_CAP + 1},
    ).scalar_one()
    return StaffRequestPage(
        items=[_row(r) for r in rows],
        total=min(counted, TOTAL_CAP),
        total_exact=counted <= TOTAL_CAP,
        limit=f.limit,
        offset=f.offset,
    )


def _visible_row(
    session: Session, principal: Principal, city: CityInfo, request_id: int, action: str
) -> Any:
    vis, params = visibility(principal, action, city.id)
    row = session.execute(
        text(
            _row_sql(f"r.city_id = :c AND r.id = :id AND {vis}").replace(
                " FROM service_request r",
                ", ST_AsGeoJSON(r.geom, 6) AS geometry, ST_AsText(r.geom) AS wkt"
                " FROM service_request r",
                1,
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
    except (AuthenticationRequiredError, _Denied):
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
        allowed(principal, "requests.update", city_id=city.id) and _may_handle(principal, row, kind)
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
        if t.roles & _acting_roles(principal, set(roles), row, t.name, kind)
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
    base = _row(row).model_dump()
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
