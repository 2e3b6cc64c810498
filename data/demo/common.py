"""Shared helpers of the demo generator: seeded random streams and UTM <-> WGS 84 transforms."""

from __future__ import annotations

import hashlib
from functools import cache

import numpy as np
import shapely
from numpy.typing import NDArray
from pyproj import Transformer
from shapely.geometry.base import BaseGeometry

UTM_SRID = 32748  # WGS 84 / UTM 48S, the metric CRS of Kota Tangerang
SEED = "tree-point-o-demo-v1"

Array = NDArray[np.float64]


def rng_for(slug: str, concern: str) -> np.random.Generator:
    """A random stream fixed by the city and the concern (outline, roads, schools, ...)."""
    digest = hashlib.sha256(f"{SEED}:{slug}:{concern}".encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "big"))


@cache
def _transformer(src: int, dst: int) -> Transformer:
    return Transformer.from_crs(src, dst, always_xy=True)


def lonlat_to_utm(lon: Array, lat: Array) -> Array:
    """Project lon/lat degrees to UTM metres as an ``(n, 2)`` array."""
    x, y = _transformer(4326, UTM_SRID).transform(lon, lat)
    return np.column_stack([np.asarray(x, dtype=float), np.asarray(y, dtype=float)])


def utm_to_lonlat(xy: Array) -> Array:
    """Unproject UTM metres ``(n, 2)`` to lon/lat degrees ``(n, 2)``."""
    if len(xy) == 0:
        return np.empty((0, 2))
    lon, lat = _transformer(UTM_SRID, 4326).transform(xy[:, 0], xy[:, 1])
    return np.column_stack([np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)])


def as_multipolygon(geom: BaseGeometry) -> shapely.MultiPolygon:
    """Polygonal parts of ``geom`` as one MultiPolygon (drops lines/points of collections)."""
    polygons: list[shapely.Polygon] = []
    for part in shapely.get_parts(geom):
        if isinstance(part, shapely.MultiPolygon):
            polygons.extend(p for p in part.geoms if not p.is_empty)
        elif isinstance(part, shapely.Polygon) and not part.is_empty:
            polygons.append(part)
    return shapely.MultiPolygon(polygons)
