"""Where a request is: its GeoJSON place checked, and its kelurahan found by spatial join."""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from typing import Any

import shapely
from shapely.errors import ShapelyError
from shapely.geometry import shape
from shapely.validation import explain_validity
from sqlalchemy import text

from geo.errors import (
    InvalidGeometryError,
)

MAX_VERTICES = 10_000
MAX_LINE_VERTICES = 500
CITY_MARGIN_M = 500.0
POINT_OR_AREA = ("Point", "Polygon", "MultiPolygon")


def parse_geometry(
    geojson: Mapping[str, Any], kinds: Collection[str] = POINT_OR_AREA
) -> shapely.Geometry:
    """A request's place from GeoJSON: a Point, a LineString, or a (Multi)Polygon made a
    MultiPolygon, among the GeoJSON types ``kinds`` the request type allows.

    Raises:
        InvalidGeometryError: Not GeoJSON, a type not in ``kinds``, too many vertices,
            non-finite or out-of-range coordinates, an invalid polygon (the reason and where),
            or a degenerate line (fewer than two distinct points).
    """
    kind = geojson.get("type") if isinstance(geojson, Mapping) else None
    if kind not in kinds:
        names = [k for k in ("Point", "LineString", "Polygon", "MultiPolygon") if k in kinds]
        shown = ", ".join(names[:-1]) + " or " + names[-1] if len(names) > 1 else names[0]
        raise InvalidGeometryError(
            f"the place must be a GeoJSON {shown}",
            [{"field": "geometry.type", "message": f"got {str(kind)[:40]!r}"}],
        )
    try:
        geom = shape(geojson)
    except (ValueError, TypeError, AttributeError, IndexError, KeyError, ShapelyError):
        raise InvalidGeometryError(
            "the place is not valid GeoJSON", [{"field": "geometry", "message": "unreadable"}]
        ) from None
    coords = shapely.get_coordinates(geom)
    if coords.size == 0 or geom.is_empty:
        raise InvalidGeometryError(
            "the place is empty", [{"field": "geometry", "message": "empty"}]
        )
    if len(coords) > MAX_VERTICES:
        raise InvalidGeometryError(
            f"the place has {len(coords)} vertices; at most {MAX_VERTICES}",
            [{"field": "geometry", "message": "too many vertices"}],
        )
    lon, lat = coords[:, 0], coords[:, 1]
    if not (
        all(math.isfinite(v) for v in coords.ravel())
        and lon.min() >= -180
        and lon.max() <= 180
        and lat.min() >= -90
        and lat.max() <= 90
    ):
        raise InvalidGeometryError(
            "coordinates must be lon in -180..180 and lat in -90..90",
            [{"field": "geometry.coordinates", "message": "out of range"}],
        )
    if geom.geom_type == "LineString":
        _check_line(geom)
    if not geom.is_valid:
        raise InvalidGeometryError(
            f"the polygon is not valid: {explain_validity(geom)}",
            [{"field": "geometry", "message": explain_validity(geom)}],
        )
    if geom.geom_type == "Polygon":
        geom = shapely.MultiPolygon([geom])
    return geom


def _check_line(line: shapely.LineString) -> None:
    """A line from -> to: two distinct points at least, at most ``MAX_LINE_VERTICES``."""
    coords = shapely.get_coordinates(line)
    if len(coords) > MAX_LINE_VERTICES:
        raise InvalidGeometryError(
            f"the line has {len(coords)} vertices; at most {MAX_LINE_VERTICES}",
            [{"field": "geometry", "message": "too many vertices"}],
        )
    distinct = {(float(x), float(y)) for x, y in coords}
    if len(distinct) < 2 or line.length == 0:
        raise InvalidGeometryError(
            "the line needs two different points (from and to)",
            [{"field": "geometry.coordinates", "message": "degenerate line"}],
        )


# the place is inside when every part that counts lies within the city + margin: a point or
# an area anywhere near it, a line at both its ends (from and to); its kelurahan is that of
# the point (a line's start, "dari sini"), as ``service_request.geom_point`` (migration 0014)
PLACE_SQL = text(
    """
    WITH g AS (SELECT ST_GeomFromText(:wkt, 4326) AS geom),
    p AS (SELECT CASE WHEN GeometryType(geom) = 'LINESTRING' THEN ST_StartPoint(geom)
                      ELSE ST_PointOnSurface(geom) END AS pt FROM g),
    kota AS (SELECT geom FROM admin_area WHERE city_id = :c AND level = 'kota'),
    part AS (SELECT geom FROM g WHERE GeometryType(geom) <> 'LINESTRING'
             UNION ALL SELECT ST_StartPoint(geom) FROM g WHERE GeometryType(geom) = 'LINESTRING'
             UNION ALL SELECT ST_EndPoint(geom) FROM g WHERE GeometryType(geom) = 'LINESTRING')
    SELECT
      NOT EXISTS (
        SELECT 1 FROM part WHERE NOT (
          (NOT EXISTS (SELECT 1 FROM kota) AND ST_Intersects(
               ST_MakeEnvelope(:minx, :miny, :maxx, :maxy, 4326), part.geom))
          OR EXISTS (SELECT 1 FROM kota
                     WHERE ST_DWithin(kota.geom::geography, part.geom::geography, :margin))))
        AS inside,
      k.code, k.name, k.parent_code, kc.name AS kecamatan_name
    FROM p
    LEFT JOIN LATERAL (
        SELECT a.code, a.name, a.parent_code FROM admin_area a
        WHERE a.city_id = :c AND a.level = 'kelurahan'
        ORDER BY NOT ST_Covers(a.geom, p.pt), a.geom <-> p.pt, a.code
        LIMIT 1) k ON true
    LEFT JOIN admin_area kc
      ON kc.city_id = :c AND kc.level = 'kecamatan' AND kc.code = k.parent_code
    """
)
