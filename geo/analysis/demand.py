"""Service requests of an area: counts by type and status, by kelurahan, and (staff) points."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.accounts import RowScope
from geo.analysis.results import RequestPoint
from geo.cities import CityInfo

# most request points a staff report draws
MAX_POINTS = 5000

# the rows a principal may see (RowScope.params: the OPDs, the types seen whatever their OPD,
# the kecamatan), as the requests layer's predicate (layers.access.scope_sql); public reports
# pass RowScope(): every row.
# The queries are written out per level: fixed text, nothing formatted into SQL.
_BY_TYPE_STATUS = {
    "kelurahan": text(
        "SELECT type, status, count(*) AS n FROM service_request"
        " WHERE city_id = :c AND kelurahan_code = :code"
        " AND (CAST(:opd AS text[]) IS NULL OR opd_code = ANY(CAST(:opd AS text[]))"
        " OR type = ANY(CAST(:types AS text[])))"
        " AND (CAST(:kecamatan AS text[]) IS NULL"
        "  OR kecamatan_code = ANY(CAST(:kecamatan AS text[])))"
        " GROUP BY type, status ORDER BY type, status"
    ),
    "kecamatan": text(
        "SELECT type, status, count(*) AS n FROM service_request"
        " WHERE city_id = :c AND kecamatan_code = :code"
        " AND (CAST(:opd AS text[]) IS NULL OR opd_code = ANY(CAST(:opd AS text[]))"
        " OR type = ANY(CAST(:types AS text[])))"
        " AND (CAST(:kecamatan AS text[]) IS NULL"
        "  OR kecamatan_code = ANY(CAST(:kecamatan AS text[])))"
        " GROUP BY type, status ORDER BY type, status"
    ),
}

_BY_KELURAHAN = text(
    "SELECT kelurahan_code AS code, count(*) AS n FROM service_request"
    " WHERE city_id = :c AND kecamatan_code = :code"
    " AND (CAST(:opd AS text[]) IS NULL OR opd_code = ANY(CAST(:opd AS text[]))"
    " OR type = ANY(CAST(:types AS text[])))"
    " AND (CAST(:kecamatan AS text[]) IS NULL"
    "  OR kecamatan_code = ANY(CAST(:kecamatan AS text[])))"
    " GROUP BY kelurahan_code"
)

_POINTS = {
    "kelurahan": text(
        "SELECT id, type, status, created_at,"
        " ST_X(ST_PointOnSurface(geom)) AS lon, ST_Y(ST_PointOnSurface(geom)) AS lat"
        " FROM service_request WHERE city_id = :c AND kelurahan_code = :code"
        " AND (CAST(:opd AS text[]) IS NULL OR opd_code = ANY(CAST(:opd AS text[]))"
        " OR type = ANY(CAST(:types AS text[])))"
        " AND (CAST(:kecamatan AS text[]) IS NULL"
        "  OR kecamatan_code = ANY(CAST(:kecamatan AS text[])))"
        " ORDER BY created_at DESC, id DESC LIMIT :limit"
    ),
    "kecamatan": text(
        "SELECT id, type, status, created_at,"
        " ST_X(ST_PointOnSurface(geom)) AS lon, ST_Y(ST_PointOnSurface(geom)) AS lat"
        " FROM service_request WHERE city_id = :c AND kecamatan_code = :code"
        " AND (CAST(:opd AS text[]) IS NULL OR opd_code = ANY(CAST(:opd AS text[]))"
        " OR type = ANY(CAST(:types AS text[])))"
        " AND (CAST(:kecamatan AS text[]) IS NULL"
        "  OR kecamatan_code = ANY(CAST(:kecamatan AS text[])))"
        " ORDER BY created_at DESC, id DESC LIMIT :limit"
    ),
}


def _params(city: CityInfo, code: str, scope: RowScope) -> dict[str, object]:
    return {"c": city.id, "code": code, **scope.params()}


def counts_by_type_status(
    session: Session, city: CityInfo, level: str, code: str, scope: RowScope
) -> list[tuple[str, str, int]]:
    """Exact counts ``(type, status, n)`` of the requests of an area, within ``scope``.

    Args:
        session: The database session.
        city: The city.
        level: ``kelurahan`` or ``kecamatan`` (checked by the caller).
        code: The area's code (a request's ``kelurahan_code`` or ``kecamatan_code``).
        scope: The rows counted (``RowScope()``: all).
    """
    rows = session.execute(_BY_TYPE_STATUS[level], _params(city, code, scope)).all()
    return [(r.type, r.status, int(r.n)) for r in rows]


def counts_by_kelurahan(
    session: Session, city: CityInfo, kecamatan: str, scope: RowScope
) -> dict[str, int]:
    """Exact counts of the requests of a kecamatan by kelurahan code, within ``scope``."""
    rows = session.execute(_BY_KELURAHAN, _params(city, kecamatan, scope)).all()
    return {r.code: int(r.n) for r in rows if r.code is not None}


def request_points(
    session: Session,
    city: CityInfo,
    level: str,
    code: str,
    scope: RowScope,
    *,
    limit: int = MAX_POINTS,
) -> list[RequestPoint]:
    """The requests of an area as points (an area request at a point on its surface), newest
    first; for callers allowed ``requests.read`` only."""
    params = {**_params(city, code, scope), "limit": limit}
    rows = session.execute(_POINTS[level], params).all()
    return [
        RequestPoint(
            id=r.id,
            type=r.type,
            status=r.status,
            lon=float(r.lon),
            lat=float(r.lat),
            created_at=r.created_at,
        )
        for r in rows
    ]
