"""The route index behind ``routes/near``: active route lines in memory, and one route's detail."""

from __future__ import annotations

from dataclasses import dataclass

import orjson
import shapely
from pyproj import Transformer
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.cities import CityInfo
from geo.errors import RouteNotFoundError
from geo.points import ensure_near_city, margin_deg
from geo.transit.build import Route, load_routes

ROUTE_SCHOOL_RADIUS_M = 300.0


@dataclass(frozen=True)
class RouteIndex:
    """A city's active route directions in memory (UTM lines in an STRtree), per revision."""

    city: CityInfo  # as read when the index was built (its bbox bounds the accepted points)
    routes: list[Route]
    tree: shapely.STRtree
    to_utm: Transformer
    to_lonlat: Transformer
    # per route, what no request changes: the Feature up to its properties, and the
    # properties' JSON object without its closing brace (so a request only adds its distances)
    heads: list[bytes]
    props: list[bytes]
    # per route, its (distance, code, direction) sort key without the distance
    keys: list[tuple[str, int]]


def build_route_index(session: Session, city: CityInfo) -> RouteIndex:
    """Load the city's active routes for ``routes_near``.

    Args:
        session: Open session.
        city: The city.

    Returns:
        The index (empty when the city has no active route).
    """
    routes = load_routes(session, city.id, city.utm_srid)
    directions: dict[str, int] = {}
    for route in routes:
        directions[route.code] = directions.get(route.code, 0) + 1
    return RouteIndex(
        city,
        routes,
        shapely.STRtree([r.line_utm for r in routes]),
        Transformer.from_crs(4326, city.utm_srid, always_xy=True),
        Transformer.from_crs(city.utm_srid, 4326, always_xy=True),
        heads=[
            b'{"type":"Feature","id":%d,"geometry":%s,"properties":' % (r.id, r.geojson.encode())
            for r in routes
        ],
        props=[orjson.dumps(_static_props(r, directions[r.code]))[:-1] for r in routes],
        keys=[(r.code, r.direction) for r in routes],
    )


def _static_props(r: Route, directions: int) -> dict[str, object]:
    """The properties of a route's feature that are the same for every request."""
    return {
        "id": r.id,
        "code": r.code,
        "name": r.name,
        "direction": r.direction,
        "origin": r.origin,
        "destination": r.destination,
        "colour": r.colour,
        "fare_idr": r.fare_idr,
        "headway_s": r.headway_s,
        "mode": r.mode,
        "directions": directions,
    }


def routes_near(
    index: RouteIndex, city: CityInfo, lon: float, lat: float, radius_m: float
) -> bytes:
    """Active routes within ``radius_m`` of a point, nearest first, as a GeoJSON FeatureCollection.

    Each feature is one direction's line (as stored) with ``distance_m`` and ``nearest_point``
    (a GeoJSON Point), measured in the city's UTM zone, ``mode`` (angkot, bus, brt) and
    ``directions`` (how many active directions the route's code has: a list shows a route once,
    "2 arah", by grouping the features by ``code``). The lines stay in memory (``RouteIndex``,
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
    lines = index.tree.geometries.take(hits)
    distance = shapely.distance(lines, point)
    nearest = shapely.get_coordinates(
        shapely.line_interpolate_point(lines, shapely.line_locate_point(lines, point))
    )
    n_lon, n_lat = index.to_lonlat.transform(nearest[:, 0], nearest[:, 1])
    rows = hits.tolist()
    dist = distance.tolist()
    order = sorted(range(len(rows)), key=lambda k: (dist[k], *index.keys[rows[k]]))
    parts = []
    for k in order:
        i = rows[k]
        # the properties as one dict gave: the static ones, then these two, in this order
        tail = orjson.dumps(
            {
                "distance_m": round(dist[k], 1),
                "nearest_point": {
                    "type": "Point",
                    "coordinates": [round(float(n_lon[k]), 6), round(float(n_lat[k]), 6)],
                },
            }
        )
        parts.append(index.heads[i] + index.props[i] + b"," + tail[1:] + b"}")
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
        RouteNotFoundError: No such route in this city.
    """
    dx, dy = margin_deg(city.center[1], ROUTE_SCHOOL_RADIUS_M)
    row = session.execute(
        _ROUTE_DETAIL,
        {"city": city.id, "id": route_id, "dx": dx, "dy": dy, "radius": ROUTE_SCHOOL_RADIUS_M},
    ).scalar_one_or_none()
    if row is None:
        raise RouteNotFoundError(f"no angkot route {route_id} in {city.name}")
    return str(row).encode()
