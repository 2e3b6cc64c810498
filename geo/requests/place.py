"""Where a request is: its GeoJSON place checked, and its kelurahan found by spatial join."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import shapely
from shapely.geometry import shape
from shapely.validation import explain_validity
from sqlalchemy import text

from geo.errors import (
    InvalidGeometryError,
)

MAX_VERTICES = 10_000
CITY_MARGIN_M = 500.0


def parse_geometry(geojson: Mapping[str, Any]) -> shapely.Geometry:
    """A request's place from GeoJSON: a Point, or a (Multi)Polygon made a MultiPolygon.

    Raises:
        InvalidGeometryError: Not GeoJSON, another type, too many vertices, non-finite or
            out-of-range coordinates, or an invalid polygon (the reason and where).
    """
    kind = geojson.get("type") if isinstance(geojson, Mapping) else None
    if kind not in {"Point", "Polygon", "MultiPolygon"}:
        raise InvalidGeometryError(
            "the place must be a GeoJSON Point, Polygon or MultiPolygon",
            [{"field": "geometry.type", "message": f"got {str(kind)[:40]!r}"}],
        )
    try:
        geom = shape(geojson)
    except (ValueError, TypeError, AttributeError, IndexError, KeyError):
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
    if not geom.is_valid:
        raise InvalidGeometryError(
            f"the polygon is not valid: {explain_validity(geom)}",
            [{"field": "geometry", "message": explain_validity(geom)}],
        )
    if geom.geom_type == "Polygon":
        geom = shapely.MultiPolygon([geom])
    return geom


PLACE_SQL = text(
    """
    WITH g AS (SELECT ST_GeomFromText(:wkt, 4326) AS geom),
    p AS (SELECT ST_PointOnSurface(geom) AS pt FROM g),
    kota AS (SELECT geom FROM admin_area WHERE city_id = :c AND level = 'kota')
    SELECT
      (NOT EXISTS (SELECT 1 FROM kota) AND ST_Intersects(
           ST_MakeEnvelope(:minx, :miny, :maxx, :maxy, 4326), (SELECT geom FROM g)))
      OR EXISTS (SELECT 1 FROM kota, g
                 WHERE ST_DWithin(kota.geom::geography, g.geom::geography, :margin)) AS inside,
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
