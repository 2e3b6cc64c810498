"""Kelurahan as a power diagram of the real centroids, fitted to the real areas; kecamatan, kota."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from scipy.sparse import csr_matrix
from scipy.sparse.linalg import spsolve
from shapely.geometry import MultiPolygon, Polygon

from data.demo.common import Array, as_multipolygon

ITERATIONS = 30
TOLERANCE = 0.005  # relative area error at which the fit stops


@dataclass(frozen=True)
class Tessellation:
    """Kelurahan cells in UTM metres, in the order of the sites, and how well they fit."""

    cells: tuple[MultiPolygon, ...]
    faces: tuple[Polygon, ...]
    face_owner: tuple[int, ...]
    median_area_error: float
    max_area_error: float


def _clip(
    poly: Array, labels: Array, normal: Array, offset: float, label: int
) -> tuple[Array, Array]:
    """Keep the part of a convex polygon where ``p @ normal <= offset``.

    ``labels[k]`` names the site whose bisector carries the edge from vertex k to k + 1 (-1 for
    the bounding box); the new edge along the clipping line gets ``label``.
    """
    side = poly @ normal - offset
    keep = side <= 0
    if keep.all():
        return poly, labels
    if not keep.any():
        return poly[:0], labels[:0]
    out: list[Array] = []
    out_labels: list[int] = []
    n = len(poly)
    for i in range(n):
        j = (i + 1) % n
        if keep[i]:
            out.append(poly[i])
            out_labels.append(int(labels[i]))
        if keep[i] != keep[j]:
            t = side[i] / (side[i] - side[j])
            out.append(poly[i] + t * (poly[j] - poly[i]))
            out_labels.append(label if keep[i] else int(labels[i]))
    return np.array(out), np.array(out_labels, dtype=int)


def power_cells(sites: Array, weights: Array, box: Array) -> list[tuple[Array, Array]]:
    """Convex power cells ``{p : |p-s_i|^2 - w_i <= |p-s_j|^2 - w_j for all j}`` inside ``box``.

    Args:
        sites: ``(n, 2)`` site coordinates (centred near the origin for precision).
        weights: ``(n,)`` power weights in squared metres.
        box: Counter-clockwise vertices of a convex bounding polygon.

    Returns:
        Per site: the cell's vertices (empty when it vanished) and, per edge, the neighbour
        whose bisector carries it (-1 on the box).
    """
    sq = (sites**2).sum(axis=1) - weights
    cells: list[tuple[Array, Array]] = []
    for i in range(len(sites)):
        normals = 2.0 * (sites - sites[i])  # half-plane j: p @ normals[j] <= sq[j] - sq[i]
        offsets = sq - sq[i]
        offsets[i] = np.inf
        dist2 = ((sites - sites[i]) ** 2).sum(axis=1)
        # tolerance: 1 mm of distance across each bisector
        tolerance = 1e-3 * np.sqrt(np.maximum(dist2, 1.0)) * 2.0
        poly, labels = box, np.full(len(box), -1, dtype=int)
        while len(poly):
            # the nearest site whose half-plane still cuts the polygon clips it next
            cuts = ((poly @ normals.T - offsets) > tolerance).any(axis=0)
            if not cuts.any():
                break
            j = int(np.argmin(np.where(cuts, dist2, np.inf)))
            poly, labels = _clip(poly, labels, normals[j], offsets[j], j)
            offsets[j] = np.inf  # never clip twice by the same half-plane
            normals[j] = 0.0
        cells.append((poly, labels))
    return cells


def _areas(cells: list[tuple[Array, Array]], outline: Polygon) -> tuple[Array, list[Polygon]]:
    polys = [Polygon(c) if len(c) >= 3 else Polygon() for c, _ in cells]
    clipped = shapely.intersection(np.array(polys, dtype=object), outline)
    return shapely.area(clipped), list(clipped)


def _hessian(cells: list[tuple[Array, Array]], sites: Array, outline: Polygon) -> Array:
    """d(area_i)/d(w_j): shared edge length inside the outline over twice the site distance."""
    n = len(sites)
    owners: list[int] = []
    others: list[int] = []
    segments: list[shapely.LineString] = []
    for i, (poly, labels) in enumerate(cells):
        for k, j in enumerate(labels):
            if j >= 0:
                owners.append(i)
                others.append(int(j))
                segments.append(shapely.LineString([poly[k], poly[(k + 1) % len(poly)]]))
    shapely.prepare(outline)
    lengths = shapely.length(shapely.intersection(np.array(segments, dtype=object), outline))
    hess = np.zeros((n, n))
    for i, j, length in zip(owners, others, lengths, strict=True):
        coupling = length / (2.0 * float(np.linalg.norm(sites[i] - sites[j])))
        hess[i, j] -= coupling
        hess[i, i] += coupling
    return hess


def _solve_laplacian(hess: Array, residual: Array) -> Array:
    """Solve ``hess @ x = residual`` for a graph Laplacian (x defined up to a constant).

    Sparse LU on the system with the first weight pinned: small, exact, and free of the BLAS
    thread pools that crawl on a busy machine.
    """
    reduced = csr_matrix(hess[1:, 1:] + np.eye(len(hess) - 1) * 1e-9 * np.abs(hess).max())
    step = np.zeros(len(hess))
    step[1:] = spsolve(reduced, residual[1:])
    return step


def fit_kelurahan(sites: Array, areas_m2: Array, outline: Polygon) -> Tessellation:
    """Tessellate ``outline`` into one cell per site, each close to its target area.

    A power diagram seeded at the sites whose weights are iterated until every cell's area
    approaches its target (targets scaled to the outline's area). The result is made
    topologically clean: faces of the noded cell boundaries are assigned to cells, so
    neighbours share their edges exactly and the cells cover the outline without gaps.

    Args:
        sites: ``(n, 2)`` centroids in UTM metres.
        areas_m2: ``(n,)`` target areas.
        outline: The city outline in UTM metres.

    Returns:
        The cells with their area errors.
    """
    origin = sites.mean(axis=0)
    local = sites - origin
    shape = shapely.affinity.translate(outline, -origin[0], -origin[1])
    targets = areas_m2 * (shape.area / areas_m2.sum())
    minx, miny, maxx, maxy = shape.bounds
    pad = 1000.0
    box = np.array(
        [
            [minx - pad, miny - pad],
            [maxx + pad, miny - pad],
            [maxx + pad, maxy + pad],
            [minx - pad, maxy + pad],
        ]
    )
    weights = np.zeros(len(sites))
    cells = power_cells(local, weights, box)
    got, _ = _areas(cells, shape)
    for _ in range(ITERATIONS):
        residual = targets - got
        if np.max(np.abs(residual) / targets) < TOLERANCE:
            break
        # Newton step on the power weights (the classic semi-discrete transport iteration)
        hess = _hessian(cells, local, shape)
        step = _solve_laplacian(hess, residual)
        step -= step.mean()
        scale = 1.0
        while scale > 1e-3:
            trial = weights + scale * step
            trial_cells = power_cells(local, trial, box)
            trial_got, _ = _areas(trial_cells, shape)
            if trial_got.min() > 0 and np.linalg.norm(targets - trial_got) < np.linalg.norm(
                residual
            ):
                weights, cells, got = trial, trial_cells, trial_got
                break
            scale /= 2
        else:
            break
    _, clipped = _areas(cells, shape)
    faces, owner = _clean_faces(clipped, shape)
    merged = _merge(faces, owner, len(sites))
    back = [shapely.affinity.translate(m, origin[0], origin[1]) for m in merged]
    faces_back = [shapely.affinity.translate(f, origin[0], origin[1]) for f in faces]
    final = shapely.area(np.array(back, dtype=object))
    error = np.abs(final - targets) / targets
    return Tessellation(
        cells=tuple(as_multipolygon(m) for m in back),
        faces=tuple(faces_back),
        face_owner=tuple(owner),
        median_area_error=float(np.median(error)),
        max_area_error=float(error.max()),
    )


def _clean_faces(clipped: list[Polygon], outline: Polygon) -> tuple[list[Polygon], list[int]]:
    """Node all cell boundaries with the outline, polygonize, give each face to one cell."""
    lines = [c.boundary for c in clipped if not c.is_empty] + [outline.boundary]
    noded = shapely.union_all(np.array(lines, dtype=object))
    faces = [f for f in shapely.get_parts(shapely.polygonize([noded])) if f.area > 0]
    probes = shapely.point_on_surface(np.array(faces, dtype=object))
    tree = shapely.STRtree(np.array(clipped, dtype=object))
    owner: list[int] = []
    for face, probe in zip(faces, probes, strict=True):
        hits = tree.query(probe, predicate="intersects")
        if len(hits) == 0:
            hits = tree.query_nearest(probe)
        overlap = [shapely.intersection(face, clipped[h]).area for h in hits]
        owner.append(int(hits[int(np.argmax(overlap))]))
    return faces, owner


def _merge(faces: list[Polygon], owner: list[int], n: int) -> list[MultiPolygon]:
    groups: list[list[Polygon]] = [[] for _ in range(n)]
    for face, i in zip(faces, owner, strict=True):
        groups[i].append(face)
    return [as_multipolygon(shapely.coverage_union_all(g)) for g in groups]


def union_cells(faces: tuple[Polygon, ...], owner: tuple[int, ...], keep: set[int]) -> MultiPolygon:
    """Union of the faces owned by the cells in ``keep`` (a kecamatan or the kota)."""
    chosen = [f for f, i in zip(faces, owner, strict=True) if i in keep]
    return as_multipolygon(shapely.coverage_union_all(chosen))
