"""What is at a point (the nearest named street, its kelurahan and kecamatan), and the point
that stands for an area when an area is a trip's end."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.cities import CityInfo
from geo.errors import AreaNotFoundError
from geo.points import check_lonlat, ensure_in_city

NEAREST_STREET_M = 500.0  # a street farther than this from the point is not named

_AT = text(
    """
    WITH p AS (SELECT ST_SetSRID(ST_MakePoint(:lon, :lat), 4326) AS g)
    SELECT
      (SELECT json_build_object('name', r.name, 'distance_m',
                                round(ST_Distance(r.geom::geography, p.g::geography)::numeric, 1))
       FROM road_edge r
       WHERE r.city_id = :city AND r.name IS NOT NULL AND r.name <> ''
       ORDER BY r.geom <-> p.g LIMIT 1) AS street,
      (SELECT json_build_object('code', a.code, 'name', a.name) FROM admin_area a
       WHERE a.city_id = :city AND a.level = 'kelurahan' AND ST_Intersects(a.geom, p.g)
       ORDER BY a.code LIMIT 1) AS kelurahan,
      (SELECT json_build_object('code', a.code, 'name', a.name) FROM admin_area a
       WHERE a.city_id = :city AND a.level = 'kecamatan' AND ST_Intersects(a.geom, p.g)
       ORDER BY a.code LIMIT 1) AS kecamatan
    FROM p
    """
)

_AREA_POINT = text(
    "SELECT a.level, a.code, a.name, ST_X(pt) AS lon, ST_Y(pt) AS lat"
    " FROM admin_area a CROSS JOIN LATERAL ST_PointOnSurface(a.geom) AS pt"
    " WHERE a.city_id = :city AND a.code = :code AND a.level IN ('kecamatan', 'kelurahan')"
)


def place_at(session: Session, city: CityInfo, lon: float, lat: float) -> dict[str, Any]:
    """Name a tapped point: the nearest named street (within ``NEAREST_STREET_M``, by the
    index's nearest-first order), and the kelurahan and kecamatan holding it.

    Args:
        session: Open session.
        city: The city.
        lon: Longitude (WGS 84).
        lat: Latitude.

    Returns:
        ``{"point": [lon, lat], "street": {"name", "distance_m"} | None, "kelurahan":
        {"code", "name"} | None, "kecamatan": {"code", "name"} | None, "label"}``; ``label``
        joins what is known ("Jalan Merdeka, Sukasari") and is None when nothing is.

    Raises:
        InvalidInputError: Bad coordinates.
        PointOutsideCityError: The point lies outside the city.
    """
    check_lonlat(lon, lat)
    ensure_in_city(session, city, lon, lat, "point")
    row = session.execute(_AT, {"city": city.id, "lon": lon, "lat": lat}).one()
    street = row.street if row.street and row.street["distance_m"] <= NEAREST_STREET_M else None
    names = [part["name"] for part in (street, row.kelurahan, row.kecamatan) if part]
    return {
        "point": [round(lon, 7), round(lat, 7)],
        "street": street,
        "kelurahan": row.kelurahan,
        "kecamatan": row.kecamatan,
        "label": ", ".join(names[:2]) if names else None,
    }


def area_point(session: Session, city: CityInfo, code: str) -> dict[str, Any]:
    """The point that stands for a kecamatan or kelurahan: a point on its surface (inside it
    even when the area is not convex, unlike the centroid).

    Args:
        session: Open session.
        city: The city.
        code: The area's code (a search result's ``detail``).

    Returns:
        ``{"level", "code", "name", "point": [lon, lat]}``.

    Raises:
        AreaNotFoundError: No kecamatan or kelurahan with this code in the city.
    """
    row = session.execute(_AREA_POINT, {"city": city.id, "code": code}).one_or_none()
    if row is None:
        raise AreaNotFoundError(
            f"no kecamatan or kelurahan {code!r} in {city.name}",
            [{"field": "area", "in": "query", "message": "unknown area code"}],
        )
    return {
        "level": row.level,
        "code": row.code,
        "name": row.name,
        "point": [round(row.lon, 7), round(row.lat, 7)],
    }
