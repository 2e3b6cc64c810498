"""An area's boundary, its kelurahan, the angkot routes crossing it, its schools, route coverage."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.analysis.results import (
    COVERAGE_RADII_M,
    LEVELS,
    Area,
    Coverage,
    RouteInArea,
    SchoolInArea,
)
from geo.cities import CityInfo
from geo.errors import AreaNotFoundError, InvalidInputError

# schools farther than this from every route get no nearest distance
NEAREST_ROUTE_MAX_M = 2000
# a bounding-box prefilter in degrees wider than the largest distance used (2 km)
_PREFILTER_DEG = 0.025

_AREA = text(
    "SELECT a.level, a.code, a.name, a.parent_code, p.name AS parent_name,"
    " ST_Area(a.geom::geography) / 1e6 AS area_km2, ST_AsGeoJSON(a.geom, 6) AS geojson,"
    " ST_XMin(a.geom) AS minx, ST_YMin(a.geom) AS miny,"
    " ST_XMax(a.geom) AS maxx, ST_YMax(a.geom) AS maxy"
    " FROM admin_area a"
    " LEFT JOIN admin_area p ON p.city_id = a.city_id AND p.code = a.parent_code"
    "  AND p.level = CASE a.level WHEN 'kelurahan' THEN 'kecamatan' ELSE 'kota' END"
    " WHERE a.city_id = :c AND a.level = :level AND a.code = :code"
)

_KELURAHAN_OF = text(
    "SELECT code, name, ST_Area(geom::geography) / 1e6 AS area_km2,"
    " ST_AsGeoJSON(geom, 6) AS geojson"
    " FROM admin_area WHERE city_id = :c AND level = 'kelurahan' AND parent_code = :code"
    " ORDER BY code"
)

# the lowest direction of each route code that crosses the area, clipped to it
_ROUTES = text(
    "WITH a AS (SELECT geom FROM admin_area"
    "  WHERE city_id = :c AND level = :level AND code = :code),"
    " clipped AS ("
    "  SELECT DISTINCT ON (r.code) r.id, r.code, r.name, r.colour, r.origin, r.destination,"
    "   ST_CollectionExtract(ST_Intersection(r.geom, a.geom), 2) AS geom"
    "  FROM a JOIN angkot_route r ON r.city_id = :c AND r.active"
    "   AND ST_Intersects(r.geom, a.geom)"
    "   AND ST_Length(ST_CollectionExtract(ST_Intersection(r.geom, a.geom), 2)) > 0"
    "  ORDER BY r.code, r.direction)"
    " SELECT id, code, name, colour, origin, destination,"
    "  ST_Length(geom::geography) AS length_m, ST_AsGeoJSON(geom, 6) AS geojson"
    " FROM clipped ORDER BY code"
)

# the area's streets as one clipped, lightly simplified line set (~3 m): the report's base map
_ROADS = text(
    "WITH a AS (SELECT geom FROM admin_area"
    "  WHERE city_id = :c AND level = :level AND code = :code)"
    " SELECT ST_AsGeoJSON(ST_Simplify(ST_CollectionExtract(ST_Collect("
    "   ST_Intersection(e.geom, a.geom)), 2), 0.00003), 6)"
    " FROM a JOIN road_edge e ON e.city_id = :c AND ST_Intersects(e.geom, a.geom)"
)

_SCHOOLS = text(
    "WITH a AS (SELECT geom FROM admin_area"
    "  WHERE city_id = :c AND level = :level AND code = :code)"
    " SELECT s.id, s.npsn, s.name, s.level, s.status, ST_X(s.geom) AS lon, ST_Y(s.geom) AS lat,"
    "  (SELECT min(ST_Distance(ST_Transform(r.geom, :srid), ST_Transform(s.geom, :srid)))"
    "   FROM angkot_route r WHERE r.city_id = :c AND r.active"
    "   AND r.geom && ST_Expand(s.geom, :deg)"
    "   AND ST_DWithin(ST_Transform(r.geom, :srid), ST_Transform(s.geom, :srid), :max_m))"
    "  AS nearest_route_m"
    " FROM a JOIN school s ON s.city_id = :c AND ST_Covers(a.geom, s.geom)"
    " ORDER BY s.level, s.name, s.id"
)

# in the city's UTM zone: the area, the active routes that come within the largest radius,
# the schools inside; for each radius the share of the area within it of a route (the buffer
# of all those routes at once) and the schools within it
_COVERAGE = text(
    "WITH a AS (SELECT geom, ST_Transform(geom, :srid) AS g FROM admin_area"
    "  WHERE city_id = :c AND level = :level AND code = :code),"
    " r AS (SELECT ST_Transform(r.geom, :srid) AS g FROM a JOIN angkot_route r"
    "  ON r.city_id = :c AND r.active AND r.geom && ST_Expand(a.geom, :deg)"
    "  AND ST_DWithin(ST_Transform(r.geom, :srid), a.g, :max_radius)),"
    " s AS (SELECT ST_Transform(s.geom, :srid) AS g FROM a JOIN school s"
    "  ON s.city_id = :c AND ST_Covers(a.geom, s.geom)),"
    " rad AS (SELECT unnest(CAST(:radii AS integer[])) AS m)"
    " SELECT rad.m AS radius_m,"
    "  COALESCE(ST_Area(ST_Intersection(a.g,"
    "   (SELECT ST_Buffer(ST_Collect(r.g), rad.m) FROM r))), 0)"
    "   / NULLIF(ST_Area(a.g), 0) AS area_share,"
    "  (SELECT count(*) FROM s) AS schools_total,"
    "  (SELECT count(*) FROM s WHERE EXISTS"
    "   (SELECT 1 FROM r WHERE ST_DWithin(r.g, s.g, rad.m))) AS schools_within"
    " FROM a CROSS JOIN rad ORDER BY rad.m"
)


def check_level(level: str) -> None:
    """Refuse a level other than kelurahan or kecamatan (InvalidInputError)."""
    if level not in LEVELS:
        raise InvalidInputError(
            f"level must be kelurahan or kecamatan, not {level[:40]!r}",
            [{"field": "level", "in": "path", "message": "kelurahan or kecamatan"}],
        )


def _params(city: CityInfo, level: str, code: str) -> dict[str, object]:
    return {"c": city.id, "level": level, "code": code, "srid": city.utm_srid}


def find_area(session: Session, city: CityInfo, level: str, code: str) -> Area:
    """The kelurahan or kecamatan ``code`` of ``city``.

    Args:
        session: The database session.
        city: The city.
        level: ``kelurahan`` or ``kecamatan``.
        code: The area's Kemendagri code, e.g. ``36.71.01``.

    Raises:
        InvalidInputError: ``level`` is neither kelurahan nor kecamatan.
        AreaNotFoundError: The city has no such area.
    """
    check_level(level)
    row = session.execute(_AREA, _params(city, level, code[:64])).one_or_none()
    if row is None:
        raise AreaNotFoundError(f"{city.slug} has no {level} with code {code[:64]!r}")
    return Area(
        level=row.level,
        code=row.code,
        name=row.name,
        parent_code=row.parent_code,
        parent_name=row.parent_name,
        area_km2=float(row.area_km2),
        bbox=(row.minx, row.miny, row.maxx, row.maxy),
        geojson=row.geojson,
    )


def kelurahan_of(
    session: Session, city: CityInfo, kecamatan: str
) -> list[tuple[str, str, float, str]]:
    """The kelurahan of a kecamatan: ``(code, name, area_km2, boundary GeoJSON)`` by code."""
    rows = session.execute(_KELURAHAN_OF, {"c": city.id, "code": kecamatan}).all()
    return [(r.code, r.name, float(r.area_km2), r.geojson) for r in rows]


def routes_in(session: Session, city: CityInfo, area: Area) -> list[RouteInArea]:
    """The active angkot routes crossing ``area`` (one direction per code), clipped to it."""
    rows = session.execute(_ROUTES, _params(city, area.level, area.code)).all()
    return [
        RouteInArea(
            id=r.id,
            code=r.code,
            name=r.name,
            colour=r.colour,
            origin=r.origin,
            destination=r.destination,
            length_m=float(r.length_m),
            geojson=r.geojson,
        )
        for r in rows
    ]


def roads_in(session: Session, city: CityInfo, area: Area) -> str | None:
    """The streets of ``area`` clipped to it, as one GeoJSON MultiLineString (None when the
    city has no roads there): the offline report draws them under everything else, as the web
    map uses the city's own roads as its base map."""
    value = session.execute(_ROADS, _params(city, area.level, area.code)).scalar_one_or_none()
    return str(value) if value else None


def schools_in(session: Session, city: CityInfo, area: Area) -> list[SchoolInArea]:
    """The schools inside ``area`` (boundary included), each with its nearest route distance."""
    params = {**_params(city, area.level, area.code), "deg": _PREFILTER_DEG}
    rows = session.execute(_SCHOOLS, {**params, "max_m": NEAREST_ROUTE_MAX_M}).all()
    return [
        SchoolInArea(
            id=r.id,
            npsn=r.npsn,
            name=r.name,
            level=r.level,
            status=r.status,
            lon=float(r.lon),
            lat=float(r.lat),
            nearest_route_m=None if r.nearest_route_m is None else float(r.nearest_route_m),
        )
        for r in rows
    ]


def route_coverage(
    session: Session, city: CityInfo, area: Area, radii_m: tuple[int, ...] = COVERAGE_RADII_M
) -> list[Coverage]:
    """The share of ``area`` and of its schools within each radius of an active angkot route.

    Measured in the city's UTM zone (``city.utm_srid``): the area intersected with the buffer
    of every route that comes within the largest radius.
    """
    params = {
        **_params(city, area.level, area.code),
        "deg": _PREFILTER_DEG,
        "max_radius": max(radii_m),
        "radii": list(radii_m),
    }
    rows = session.execute(_COVERAGE, params).all()
    return [
        Coverage(
            radius_m=int(r.radius_m),
            area_share=float(r.area_share or 0.0),
            schools_within=int(r.schools_within),
            schools_total=int(r.schools_total),
        )
        for r in rows
    ]
