"""The generated city outline: a smooth, irregular polygon around the kelurahan centroids."""

from __future__ import annotations

import numpy as np
import shapely
from shapely.geometry import MultiPoint, Polygon

from data.demo.common import Array

N_BOUNDARY_POINTS = 720
MIN_MARGIN_M = 250.0


def _noise(t: Array, rng: np.random.Generator) -> Array:
    """Smooth periodic noise in [-1, 1]-ish over the boundary parameter ``t`` in [0, 1)."""
    total = np.zeros_like(t)
    norm = 0.0
    for k in range(2, 24):
        amplitude = 1.0 / k**1.3
        total += amplitude * np.sin(2 * np.pi * k * t + rng.uniform(0, 2 * np.pi))
        norm += amplitude
    return total / (0.45 * norm)


def _noisy_ring(base: Polygon, distance_m: float, noise: Array) -> Polygon:
    shape = base.buffer(distance_m, quad_segs=16)
    if not isinstance(shape, Polygon):  # pragma: no cover - buffer of a polygon
        shape = max(shapely.get_parts(shape), key=lambda g: g.area)
    ring = shape.exterior
    steps = np.linspace(0.0, ring.length, N_BOUNDARY_POINTS, endpoint=False)
    xy = shapely.get_coordinates(shapely.line_interpolate_point(ring, steps))
    tangent = np.roll(xy, -1, axis=0) - np.roll(xy, 1, axis=0)
    tangent /= np.linalg.norm(tangent, axis=1)[:, None]
    # exterior rings of buffers run counter-clockwise: the outward normal is (ty, -tx)
    normal = np.column_stack([tangent[:, 1], -tangent[:, 0]])
    moved = xy + normal * (noise * 0.45 * distance_m)[:, None]
    poly = shapely.make_valid(Polygon(moved))
    biggest = max(shapely.get_parts(poly), key=lambda g: g.area)
    return Polygon(biggest.exterior) if isinstance(biggest, Polygon) else Polygon()


def make_outline(sites: Array, target_area_m2: float, rng: np.random.Generator) -> Polygon:
    """A smooth, irregular outline enclosing ``sites`` with roughly the target area.

    Args:
        sites: Kelurahan centroids in UTM metres, ``(n, 2)``.
        target_area_m2: Area to aim at (the real city area).
        rng: Seeded random stream.

    Returns:
        A valid polygon in UTM metres that holds every site at least ``MIN_MARGIN_M`` inside.
    """
    base = shapely.concave_hull(MultiPoint(sites), ratio=0.2)
    if not isinstance(base, Polygon):  # pragma: no cover - 104 points give a polygon
        base = MultiPoint(sites).convex_hull
    t = np.linspace(0.0, 1.0, N_BOUNDARY_POINTS, endpoint=False)
    noise = _noise(t, rng)
    low, high = 100.0, 5000.0
    outline = Polygon()
    for _ in range(24):
        mid = (low + high) / 2
        outline = _noisy_ring(base, mid, noise)
        if outline.area < target_area_m2 or not _holds(outline, sites):
            low = mid
        else:
            high = mid
    outline = _noisy_ring(base, high, noise)
    if not _holds(outline, sites):  # pragma: no cover - guarded by the bisection
        raise RuntimeError("the generated outline does not enclose every centroid")
    return shapely.normalize(outline)


def _holds(outline: Polygon, sites: Array) -> bool:
    inner = outline.buffer(-MIN_MARGIN_M)
    return bool(np.all(shapely.contains_xy(inner, sites[:, 0], sites[:, 1])))
