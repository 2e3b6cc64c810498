"""What OPD staff read of requests: who sees which, the filters, the table."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

import orjson
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.accounts import PERMISSIONS, Principal, authorize
from geo.cities import CityInfo
from geo.errors import InvalidInputError
from geo.requests.deadlines import day_start, due_sql
from geo.requests.schemas import (
    StaffRequestPage,
    StaffRequestRow,
)
from geo.requests.types import TYPE_LIMITED_ROLES, TYPES, handling_opds, types_handled_by

READ = "requests.read"
READ_PERSONAL = "requests.read_personal"
# roles whose grants see the whole city (as steps.py lets them handle every request)
CITY_WIDE = frozenset({"admin_kota", "admin"})
SORT_KEYS = ("created_at", "status_changed_at", "title", "kelurahan", "status")
DEFAULT_SORT = "-created_at"
MAX_LIMIT = 200
MAX_OFFSET = 10_000_000
# the total is counted exactly up to this many rows (a few ms at 1M requests); past it the
# planner's estimate is given with total_exact=false (as the items' numberMatched does)
TOTAL_CAP = 1_000
# a page by creation time with a status filter is picked per status while the entries read,
# statuses x (offset + limit), stay under this; past it one walk of the whole filter
PER_STATUS_CAP = 20_000
_CODE_RE = re.compile(r"^[A-Za-z0-9._\-]{1,32}$")
_KELURAHAN_JOIN = (
    " LEFT JOIN admin_area k ON k.city_id = r.city_id AND k.level = 'kelurahan'"
    " AND k.code = r.kelurahan_code"
)
_STATE_ORDER = [s for _, kind in sorted(TYPES.items()) for s in kind.workflow.states]


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
    limited to one; city administrators (and grants with no OPD, e.g. inspectors) the city;
    roles a type names as its handlers (Dishub's for ``saran_transport``) the requests of
    those types only, wherever routed.

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
        if g.role in TYPE_LIMITED_ROLES:
            parts.append(f"r.type = ANY(:{prefix}_handled{i})")
            params[f"{prefix}_handled{i}"] = types_handled_by(g.role)
        elif g.opd is not None:
            types = sorted(n for n, k in TYPES.items() if g.opd in handling_opds(k, None))
            params[f"{prefix}_opd{i}"] = g.opd
            if types:  # the OPD takes steps of these types: it sees all their requests
                parts.append(f"(r.opd_code = :{prefix}_opd{i} OR r.type = ANY(:{prefix}_types{i}))")
                params[f"{prefix}_types{i}"] = types
            else:
                parts.append(f"r.opd_code = :{prefix}_opd{i}")
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


def row_sql(where: str, order: str = "", *, extra: str = "") -> str:
    """The SELECT of staff rows (alias ``r``) with ``extra`` columns, for fixed fragments only."""
    due, _ = due_sql("r")
    return (
        "SELECT r.id, r.code, r.type, r.status, r.title, r.kelurahan_code, k.name AS kelurahan,"  # noqa: S608 - fixed fragments; values bound
        " r.kecamatan_code, kc.name AS kecamatan, r.opd_code, r.created_at, r.status_changed_at,"
        " r.version, r.demo, r.priority, r.submitted_by,"
        # the point, a line's start (where its kelurahan is), a point on the area (0009, 0014)
        " ST_X(r.geom_point) AS lon, ST_Y(r.geom_point) AS lat,"
        f" {due} AS due_at, coalesce({due} < now(), false) AS overdue,"
        " CAST(floor(extract(epoch FROM now() - r.status_changed_at) / 86400) AS int) AS age_days"
        f"{extra}"
        " FROM service_request r"
        f"{_KELURAHAN_JOIN}"
        " LEFT JOIN admin_area kc ON kc.city_id = r.city_id AND kc.level = 'kecamatan'"
        "  AND kc.code = r.kecamatan_code"
        f" WHERE {where}{order}"
    )


def to_row(r: Any) -> StaffRequestRow:
    """A staff row from a row of :func:`row_sql`."""
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


def _per_status(f: RequestFilter, city_id: int, vis: str, each: str) -> tuple[str, dict[str, Any]]:
    """``each`` (a SELECT's tail after its WHERE) once per status of ``f``, as ``UNION ALL``:
    every branch reads ``(city_id, status, created_at)`` (migration 0010) for one status."""
    where, params = where_of(replace(f, status=()), city_id, vis)
    parts = []
    for i, status in enumerate(dict.fromkeys(f.status)):
        params[f"st{i}"] = status
        parts.append(
            f"(SELECT r.id, r.created_at FROM service_request r WHERE {where}"  # noqa: S608 - fixed fragments; values bound
            f" AND r.status = :st{i}{each})"
        )
    return " UNION ALL ".join(parts), params


def _page_per_status(
    f: RequestFilter, city_id: int, vis: str, way: str
) -> tuple[str, dict[str, Any]]:
    """The page's ids by creation time when ``f`` names statuses: per status the first
    ``offset + limit`` ids, merged (PostgreSQL merges the branches in order and stops).

    Walking ``(city_id, created_at)`` and discarding the rows of other statuses reads tens of
    thousands of rows for a status that is rare among recent requests; this reads at most
    ``offset + limit`` entries per status.
    """
    order = f" ORDER BY r.created_at {way}, r.id {way}"
    merged, params = _per_status(f, city_id, vis, f"{order} LIMIT :per_status")
    params["per_status"] = f.offset + f.limit
    page = f"SELECT r.id FROM ({merged}) r{order} LIMIT :limit OFFSET :offset"  # noqa: S608 - fixed fragments; values bound
    return page, params


def _count_sql(f: RequestFilter, city_id: int, vis: str, where: str) -> tuple[str, dict[str, Any]]:
    """The capped count of ``f``'s matches; with statuses, per status through its index (in
    index order, so the planner does not pick a sequential scan hoping to stop early)."""
    if f.status:
        merged, params = _per_status(f, city_id, vis, " ORDER BY r.created_at DESC LIMIT :cap")
        return f"SELECT count(*) FROM (SELECT 1 FROM ({merged}) u LIMIT :cap) s", params  # noqa: S608 - fixed fragments; values bound
    matching = f"SELECT 1 FROM service_request r WHERE {where}"  # noqa: S608 - fixed fragments; values bound
    return f"SELECT count(*) FROM ({matching} LIMIT :cap) s", {}  # noqa: S608 - fixed fragments; values bound


def list_requests(
    session: Session, principal: Principal, city: CityInfo, f: RequestFilter
) -> StaffRequestPage:
    """One page of the staff table: the requests of ``city`` the principal may read.

    ``total`` is exact up to :data:`TOTAL_CAP` matches, the planner's estimate past it
    (``total_exact`` false).

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
    order = f" ORDER BY {column} {way}, r.id {way}"
    # the page's ids first (index order, narrow rows), then names, points and due dates of those
    if key == "created_at" and f.status and len(f.status) * (f.offset + f.limit) <= PER_STATUS_CAP:
        page, status_params = _page_per_status(f, city.id, vis, way)
        params |= status_params
    else:
        join = _KELURAHAN_JOIN if key == "kelurahan" else ""
        page = (
            f"SELECT r.id FROM service_request r{join} WHERE {where}{order}"  # noqa: S608 - fixed fragments; values bound
            " LIMIT :limit OFFSET :offset"
        )
    rows = session.execute(
        text(row_sql(f"r.city_id = :c AND r.id IN ({page})", order)),
        params | {"limit": f.limit, "offset": f.offset},
    ).all()
    matching = f"SELECT 1 FROM service_request r WHERE {where}"  # noqa: S608 - fixed fragments; values bound
    count, count_params = _count_sql(f, city.id, vis, where)
    counted = session.execute(
        text(count), params | count_params | {"cap": TOTAL_CAP + 1}
    ).scalar_one()
    exact = counted <= TOTAL_CAP
    if not exact:
        plan = session.execute(text(f"EXPLAIN (FORMAT JSON) {matching}"), params).scalar_one()
        plan = orjson.loads(plan) if isinstance(plan, str | bytes) else plan
        counted = max(int(plan[0]["Plan"]["Plan Rows"]), TOTAL_CAP + 1, f.offset + len(rows))
    return StaffRequestPage(
        items=[to_row(r) for r in rows],
        total=counted,
        total_exact=exact,
        limit=f.limit,
        offset=f.offset,
    )
