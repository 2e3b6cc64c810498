"""Requests of the same type near a place: the duplicate hint shown to citizens and to staff."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.orm import Session

# the defaults of the issue: the same type within 100 m over the last 90 days
DUPLICATE_RADIUS_M = 100
DUPLICATE_DAYS = 90
# public answers carry counts per kelurahan; a count under this is shown as "< 5"
MIN_PUBLIC_COUNT = 5

_SIMILAR = text(
    "SELECT r.id, r.code, r.status, r.kelurahan_code, r.created_at,"
    " ST_Distance(r.geom::geography, g.geom::geography) AS distance_m"
    " FROM (SELECT ST_GeomFromText(:wkt, 4326) AS geom) AS g"
    " JOIN service_request r ON r.city_id = :c AND r.type = :type"
    "  AND r.created_at > now() - make_interval(days => :days)"
    "  AND ST_DWithin(r.geom::geography, g.geom::geography, :radius)"
    "  AND r.geom && ST_Expand(g.geom, :deg)"
    " WHERE (CAST(:exclude AS bigint) IS NULL OR r.id <> :exclude)"
    " ORDER BY distance_m, r.id LIMIT :limit"
)


@dataclass(frozen=True)
class Similar:
    """A request of the same type near a place (ids and codes are for staff answers only)."""

    id: int
    code: str
    status: str
    kelurahan_code: str | None
    created_at: datetime
    distance_m: float


def similar_nearby(
    session: Session,
    city_id: int,
    request_type: str,
    wkt: str,
    *,
    radius_m: float = DUPLICATE_RADIUS_M,
    days: int = DUPLICATE_DAYS,
    exclude_id: int | None = None,
    limit: int = 20,
) -> list[Similar]:
    """Requests of ``request_type`` within ``radius_m`` of the place ``wkt`` (EPSG:4326) created
    in the last ``days`` days, nearest first (distance to the nearest point of an area).

    Args:
        session: The database session.
        city_id: The city.
        request_type: The request type, e.g. ``bantuan``.
        wkt: The place (a point or an area), WKT in EPSG:4326.
        radius_m: Search radius in metres.
        days: How far back to look.
        exclude_id: A request to leave out (the one being looked at).
        limit: Most rows returned.
    """
    # a bounding-box prefilter in degrees (1 degree >= 110 km of latitude, more than enough for
    # longitude near the equator) lets the GiST index on geom do the first cut
    deg = radius_m / 100_000
    rows = session.execute(
        _SIMILAR,
        {
            "wkt": wkt,
            "c": city_id,
            "type": request_type,
            "days": days,
            "radius": radius_m,
            "deg": deg,
            "exclude": exclude_id,
            "limit": limit,
        },
    ).all()
    return [
        Similar(
            id=r.id,
            code=r.code,
            status=r.status,
            kelurahan_code=r.kelurahan_code,
            created_at=r.created_at,
            distance_m=float(r.distance_m),
        )
        for r in rows
    ]


def public_count(n: int) -> int | str:
    """A count fit for a public answer: ``"< 5"`` under :data:`MIN_PUBLIC_COUNT`, 0 stays 0."""
    return f"< {MIN_PUBLIC_COUNT}" if 0 < n < MIN_PUBLIC_COUNT else n
