"""What is near a point: angkot routes, route details, schools (with walking distances)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import orjson
import shapely
from pyproj import Transformer
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.cities import CityInfo
from geo.errors import InvalidInputError, NotFoundError
from geo.models import SCHOOL_LEVELS, SCHOOL_STATUSES
from geo.transit import Route, load_routes
from geo.walking import WalkingGraph

ROUTE_SCHOOL_RADIUS_M = 300.0
MAX_NEAREST = 100
MAX_RADIUS_M = 20_000.0
# how far outside its bbox a point may lie and still be asked about a city: beyond, the
# question makes no sense, and far enough away (90 degrees of longitude from the zone) the
# city's UTM projection gives infinities
NEAR_CITY_M = 50_000.0
_M_PER_DEG_LAT = 110_574.0
_M_PER_DEG_LON_EQ = 111_320.0


def parse_lonlat(value: str, field: str) -> tuple[float, float]:
    """Parse ``"lon,lat"`` into floats.

    Raises:
        InvalidInputError: Not two finite numbers, or out of the lon/lat range.
    """
    parts = value.split(",")
    try:
        if len(parts) != 2:
            raise ValueError
        lon, lat = float(parts[0]), float(parts[1])
    except ValueError:
        raise InvalidInputError(
            f"{field} must be 'lon,lat' in degrees",
            [{"field": field, "in": "query", "message": "expected 'lon,lat'"}],
        ) from None
    check_lonlat(lon, lat, field)
    return lon, lat


def check_lonlat(lon: float, lat: float, field: str = "point") -> None:
    """Refuse non-finite or out-of-range coordinates.

    Raises:
        InvalidInputError: lon outside -180..180 or lat outside -90..90.
    """
    if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
        raise InvalidInputError(
            f"{field}: lon must be in -180..180 and lat in -90..90",
            [{"field": field, "in": "query", "message": "coordinates out of range"}],
        )


def ensure_near_city(
    city: CityInfo, lon: float, lat: float, fields: tuple[str, str] = ("lon", "lat")
) -> None:
    """Refuse bad coordinates, and points more than ``NEAR_CITY_M`` outside the city's bbox.

    Schools and routes near a point just outside the city (a home across the border) are
    answered; a point far away is an error, as in ``trips``.

    Raises:
        InvalidInputError: Non-finite or out-of-range coordinates, or a point far away.
    """
    check_lonlat(lon, lat, ",".join(fields))
    minx, miny, maxx, maxy = city.bbox
    dx, dy = _margin_deg(max(abs(miny), abs(maxy)), NEAR_CITY_M)
    if not (minx - dx <= lon <= maxx + dx and miny - dy <= lat <= maxy + dy):
        km = NEAR_CITY_M / 1000
        raise InvalidInputError(
            f"({lon:.5f},{lat:.5f}) lies more than {km:.0f} km outside {city.name}",
            [
                {"field": field, "in": "query", "message": f"more than {km:.0f} km from the city"}
                for field in fields
            ],
        )


def ensure_in_city(session: Session, city: CityInfo, lon: float, lat: float, field: str) -> None:
    """Refuse a point outside the city's bbox or (when loaded) its kota boundary.

    Raises:
        InvalidInputError: The point lies outside the city.
    """
    minx, miny, maxx, maxy = city.bbox
    inside = minx <= lon <= maxx and miny <= lat <= maxy
    if inside:
        inside = bool(
            session.execute(
                text(
                    "SELECT NOT EXISTS (SELECT 1 FROM admin_area WHERE city_id = :c"
                    " AND level = 'kota') OR EXISTS (SELECT 1 FROM admin_area WHERE city_id = :c"
                    " AND level = 'kota' AND ST_DWithin(geom::geography,"
                    " ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography, 100))"
                ),
                {"c": city.id, "lon": lon, "lat": lat},
            ).scalar_one()
        )
    if not inside:
        raise InvalidInputError(
            f"{field} ({lon:.5f},{lat:.5f}) lies outside {city.name}",
            [{"field": field, "in": "query", "message": "outside the city"}],
        )


def _margin_deg(lat: float, radius_m: float) -> tuple[float, float]:
    """Degrees (dx, dy) that surely cover ``radius_m`` around latitude ``lat`` (index prefilter)."""
    cos = max(math.cos(math.radians(min(abs(lat) + 1, 89.9))), 1e-6)
    return radius_m * 1.01 / (_M_PER_DEG_LON_EQ * cos), radius_m * 1.01 / _M_PER_DEG_LAT


@dataclass(frozen=True)
class RouteIndex:
    """A city's active route directions in memory (UTM lines in an STRtree), per revision."""

    routes: list[Route]
    tree: shapely.STRtree
    to_utm: Transformer
    to_lonlat: Transformer


def build_route_index(session: Session, city: CityInfo) -> RouteIndex:
    """Load the city's active routes for ``routes_near``.

    Args:
        session: Open session.
        city: The city.

    Returns:
        The index (empty when the city has no active route).
    """
    routes = load_routes(session, city.id, city.utm_srid)
    return RouteIndex(
        routes,
        shapely.STRtree([r.line_utm for r in routes]),
        Transformer.from_crs(4326, city.utm_srid, always_xy=True),
        Transformer.from_crs(city.utm_srid, 4326, always_xy=True),
    )


def routes_near(
    index: RouteIndex, city: CityInfo, lon: float, lat: float, radius_m: float
) -> bytes:
    """Active routes within ``radius_m`` of a point, nearest first, as a GeoJSON FeatureCollection.

    Each feature is the route line (as stored) with ``distance_m`` and ``nearest_point`` (a
    GeoJSON Point), measured in the city's UTM zone. The lines stay in memory (``RouteIndex``,
    rebuilt when the routes' revision changes), so no geometry is read or encoded per request.

    Raises:
        InvalidInputError: Bad coordinates, or a point far outside the city.
    """
    ensure_near_city(city, lon, lat)
    x, y = index.to_utm.transform(lon, lat)
    point = shapely.Point(x, y)
    hits = index.tree.query(point, predicate="dwithin", distance=radius_m)
    if hits.size == 0:
        return b'{"type":"FeatureCollection","features":[]}'
    lines = [index.routes[i].line_utm for i in hits.tolist()]
    distance = shapely.distance(lines, point)
    nearest = shapely.get_coordinates(
        shapely.line_interpolate_point(lines, shapely.line_locate_point(lines, point))
    )
    n_lon, n_lat = index.to_lonlat.transform(nearest[:, 0], nearest[:, 1])
    order = sorted(
        range(len(lines)),
        key=lambda k: (
            float(distance[k]),
            index.routes[hits[k]].code,
            index.routes[hits[k]].direction,
        ),
    )
    parts = []
    for k in order:
        r = index.routes[int(hits[k])]
        props = {
            "id": r.id,
            "code": r.code,
            "name": r.name,
            "direction": r.direction,
            "origin": r.origin,
            "destination": r.destination,
            "colour": r.colour,
            "fare_idr": r.fare_idr,
            "headway_s": r.headway_s,
            "distance_m": round(float(distance[k]), 1),
            "nearest_point": {
                "type": "Point",
                "coordinates": [round(float(n_lon[k]), 6), round(float(n_lat[k]), 6)],
            },
        }
        parts.append(
            b'{"type":"Feature","id":%d,"geometry":%s,"properties":%s}'
            % (r.id, r.geojson.encode(), orjson.dumps(props))
        )
    return b'{"type":"FeatureCollection","features":[' + b",".join(parts) + b"]}"


_ROUTE_DETAIL = text(
    """
    SELECT json_build_object(
        'type', 'Feature', 'id', r.id,
        'geometry', ST_AsGeoJSON(r.geom, 6)::json,
        'properties', json_build_object(
            'id', r.id, 'code', r.code, 'name', r.name, 'direction', r.direction,
            'origin', r.origin, 'destination', r.destination, 'colour', r.colour,
            'fare_idr', r.fare_idr, 'headway_s', r.headway_s, 'speed_kmh', r.speed_kmh,
            'active', r.active,
            'length_m', round(ST_Length(r.geom::geography)::numeric, 1),
            'kelurahan', (
                SELECT coalesce(json_agg(json_build_object('code', k.code, 'name', k.name)
                                         ORDER BY k.pos, k.code), '[]'::json)
                FROM (SELECT a.code, a.name,
                             (SELECT min(ST_LineLocatePoint(r.geom, dp.geom))
                              FROM ST_DumpPoints(ST_Intersection(a.geom, r.geom)) dp) AS pos
                      FROM admin_area a
                      WHERE a.city_id = r.city_id AND a.level = 'kelurahan'
                        AND ST_Intersects(a.geom, r.geom)) k),
            'schools', (
                SELECT coalesce(json_agg(json_build_object(
                           'id', s.id, 'npsn', s.npsn, 'name', s.name, 'level', s.level,
                           'status', s.status, 'distance_m', round(s.d::numeric, 1),
                           'point', ST_AsGeoJSON(s.geom, 6)::json) ORDER BY s.d, s.id),
                       '[]'::json)
                FROM (SELECT sc.*, ST_Distance(sc.geom::geography, r.geom::geography) AS d
                      FROM school sc
                      WHERE sc.city_id = r.city_id
                        AND sc.geom && ST_Expand(r.geom, :dx, :dy)
                        AND ST_DWithin(sc.geom::geography, r.geom::geography, :radius)) s)
        ))::text
    FROM angkot_route r WHERE r.city_id = :city AND r.id = :id
    """
)


def route_detail(session: Session, city: CityInfo, route_id: int) -> bytes:
    """One route as a GeoJSON Feature with length, kelurahan passed (in order) and schools.

    Raises:
        NotFoundError: No such route in this city.
    """
    dx, dy = _margin_deg(city.center[1], ROUTE_SCHOOL_RADIUS_M)
    row = session.execute(
        _ROUTE_DETAIL,
        {"city": city.id, "id": route_id, "dx": dx, "dy": dy, "radius": ROUTE_SCHOOL_RADIUS_M},
    ).scalar_one_or_none()
    if row is None:
        raise NotFoundError(f"no angkot route {route_id} in {city.name}")
    return str(row).encode()


_NEAREST = text(
    """
    WITH p AS (SELECT ST_SetSRID(ST_MakePoint(:lon, :lat), 4326) AS g)
    SELECT * FROM (
        SELECT s.id, s.npsn, s.name, s.level, s.status, s.address, s.kelurahan_code,
               ST_X(s.geom) AS lon, ST_Y(s.geom) AS lat,
               ST_Distance(s.geom::geography, p.g::geography) AS distance_m
        FROM school s, p
        WHERE s.city_id = :city
          AND (CAST(:level AS text) IS NULL OR s.level = :level)
          AND (CAST(:status AS text) IS NULL OR s.status = :status)
        ORDER BY s.geom <-> p.g LIMIT :pool) c
    ORDER BY distance_m, id LIMIT :limit
    """
)
_WITHIN = text(
    """
    WITH p AS (SELECT ST_SetSRID(ST_MakePoint(:lon, :lat), 4326) AS g)
    SELECT s.id, s.npsn, s.name, s.level, s.status, s.address, s.kelurahan_code,
           ST_X(s.geom) AS lon, ST_Y(s.geom) AS lat,
           ST_Distance(s.geom::geography, p.g::geography) AS distance_m
    FROM school s, p
    WHERE s.city_id = :city
      AND (CAST(:level AS text) IS NULL OR s.level = :level)
      AND (CAST(:status AS text) IS NULL OR s.status = :status)
      AND s.geom && ST_Expand(p.g, :dx, :dy)
      AND ST_DWithin(s.geom::geography, p.g::geography, :radius)
    ORDER BY distance_m, s.id
    """
)


def _check_school_filters(level: str | None, status: str | None) -> None:
    if level is not None and level not in SCHOOL_LEVELS:
        raise InvalidInputError(f"level must be one of {', '.join(SCHOOL_LEVELS)}")
    if status is not None and status not in SCHOOL_STATUSES:
        raise InvalidInputError(f"status must be one of {', '.join(SCHOOL_STATUSES)}")


def _school_features(
    graph: WalkingGraph, lon: float, lat: float, rows: list[Any], walk_speed_kmh: float
) -> bytes:
    features = []
    if rows:
        xy = graph.project(
            np.array([lon] + [r.lon for r in rows]), np.array([lat] + [r.lat for r in rows])
        )
        limit = float(max(r.distance_m for r in rows)) * 3 + 2_000
        walks = graph.walk_distances(xy[0], xy[1:], limit)
    for i, r in enumerate(rows):
        walk = float(walks[i])
        features.append(
            {
                "type": "Feature",
                "id": r.id,
                "geometry": {"type": "Point", "coordinates": [round(r.lon, 7), round(r.lat, 7)]},
                "properties": {
                    "id": r.id,
                    "npsn": r.npsn,
                    "name": r.name,
                    "level": r.level,
                    "status": r.status,
                    "address": r.address,
                    "kelurahan_code": r.kelurahan_code,
                    "distance_m": round(float(r.distance_m), 1),
                    "walk_distance_m": round(walk, 1) if math.isfinite(walk) else None,
                    "walk_duration_s": round(walk / (walk_speed_kmh / 3.6))
                    if math.isfinite(walk)
                    else None,
                },
            }
        )
    return orjson.dumps({"type": "FeatureCollection", "features": features})


def schools_nearest(
    session: Session,
    city: CityInfo,
    graph: WalkingGraph,
    lon: float,
    lat: float,
    *,
    limit: int = 10,
    level: str | None = None,
    status: str | None = None,
    walk_speed_kmh: float = 4.5,
) -> bytes:
    """The ``limit`` schools nearest to a point by geodesic distance (PPDB zonasi measure).

    KNN (``<->``) on the GiST index picks a pool, exact geography distances order it. Each
    feature carries ``distance_m`` plus ``walk_distance_m``/``walk_duration_s`` over the roads.

    Raises:
        InvalidInputError: Bad coordinates or a point far outside the city, bad limit, level
            or status.
    """
    ensure_near_city(city, lon, lat)
    if not 1 <= limit <= MAX_NEAREST:
        raise InvalidInputError(f"limit must be between 1 and {MAX_NEAREST}")
    _check_school_filters(level, status)
    rows = session.execute(
        _NEAREST,
        {
            "lon": lon,
            "lat": lat,
            "city": city.id,
            "level": level,
            "status": status,
            "pool": limit * 2 + 20,
            "limit": limit,
        },
    ).all()
    return _school_features(graph, lon, lat, list(rows), walk_speed_kmh)


def schools_within(
    session: Session,
    city: CityInfo,
    graph: WalkingGraph,
    lon: float,
    lat: float,
    *,
    radius_m: float,
    level: str | None = None,
    status: str | None = None,
    walk_speed_kmh: float = 4.5,
) -> bytes:
    """Schools within ``radius_m`` (geodesic) of a point, nearest first, same fields.

    Raises:
        InvalidInputError: Bad coordinates or a point far outside the city, bad radius, level
            or status.
    """
    ensure_near_city(city, lon, lat)
    if not 1 <= radius_m <= MAX_RADIUS_M:
        raise InvalidInputError(f"radius_m must be between 1 and {MAX_RADIUS_M:.0f}")
    _check_school_filters(level, status)
    dx, dy = _margin_deg(lat, radius_m)
    rows = session.execute(
        _WITHIN,
        {
            "lon": lon,
            "lat": lat,
            "city": city.id,
            "level": level,
            "status": status,
            "dx": dx,
            "dy": dy,
            "radius": radius_m,
        },
    ).all()
    return _school_features(graph, lon, lat, list(rows), walk_speed_kmh)
