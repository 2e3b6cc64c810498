"""Snap a route's waypoints to the drive network: shortest directed paths between them."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from scipy.sparse.csgraph import dijkstra
from sqlalchemy.orm import Session

from geo.cities import CityInfo
from geo.editing.drive import DriveGraph, DriveGraphCache, FloatArray
from geo.errors import InvalidInputError, SnapUnreachableError

SNAP_LIMIT_M = 150.0  # a waypoint farther than this from every drivable road is refused
MAX_WAYPOINTS = 100
MIN_NAMED_M = 1.0  # a street touched for less than this (a waypoint on a corner) is not named
# a waypoint projected this close to an edge's end is on the corner (a click is never exact; a
# point 3 m into a one-way street would otherwise have to drive along all of it)
NODE_SNAP_M = 10.0
_AT_NODE_M = 1e-6
# the first search from a waypoint stops at this many metres (a bound, then a full search)
_BOUND_FACTOR = 2.0
_BOUND_EXTRA_M = 1000.0

Coord = tuple[float, float]


@dataclass(frozen=True)
class SnapPoint:
    """A waypoint projected onto the nearest drivable edge."""

    edge: int
    segment: int  # index of the edge's geometry segment holding the point
    offset_m: float  # metres (``length_m`` scale) from the edge's start node
    lonlat: Coord
    distance_m: float  # from the waypoint to the point


@dataclass(frozen=True)
class Segment:
    """One leg of the route: waypoint ``start`` to waypoint ``start + 1``."""

    start: int
    length_m: float
    free: bool
    coords: list[Coord]
    streets: list[str]

    def as_json(self) -> dict[str, Any]:
        """The contract's ``segments`` entry."""
        return {
            "from": self.start,
            "to": self.start + 1,
            "length_m": round(self.length_m, 1),
            "free": self.free,
        }


@dataclass(frozen=True)
class SnappedRoute:
    """The road-following path through every waypoint."""

    coords: list[Coord]
    length_m: float
    streets: list[str]
    segments: list[Segment]
    snapped: list[Coord] = field(default_factory=list)  # where each waypoint ended up

    def as_json(self) -> dict[str, Any]:
        """``{"geometry", "length_m", "streets", "segments", "snapped"}`` (lon/lat)."""
        return {
            "geometry": {"type": "LineString", "coordinates": [list(c) for c in self.coords]},
            "length_m": round(self.length_m, 1),
            "streets": self.streets,
            "segments": [s.as_json() for s in self.segments],
            "snapped": [list(c) for c in self.snapped],
        }


def _far_reason(index: int, distance_m: float, limit_m: float) -> dict[str, Any]:
    where = f"{round(distance_m):,} m".replace(",", ".") if math.isfinite(distance_m) else None
    return {
        "index": index,
        "code": "off-network",
        "distance_m": round(distance_m, 1) if math.isfinite(distance_m) else None,
        "reason": (
            f"Titik {index + 1} berjarak {where} dari jalan terdekat (batas {limit_m:.0f} m)"
            if where
            else f"Titik {index + 1}: kota ini belum punya jaringan jalan"
        ),
        "reason_en": (
            f"Point {index + 1} is {round(distance_m)} m from the nearest road (limit"
            f" {limit_m:.0f} m)"
            if where
            else f"Point {index + 1}: this city has no road network yet"
        ),
    }


def _no_path_reason(index: int) -> dict[str, Any]:
    return {
        "index": index,
        "code": "no-path",
        "distance_m": None,
        "reason": (
            f"Titik {index + 1} tidak dapat dicapai dari titik {index} lewat jalan"
            " (jalan satu arah atau jaringan jalan terputus)"
        ),
        "reason_en": (
            f"Point {index + 1} cannot be reached from point {index} by road"
            " (a one-way street or a disconnected network)"
        ),
    }


def check_waypoints(waypoints: Sequence[Sequence[float]], free: Sequence[int]) -> None:
    """Refuse fewer than 2 or more than 100 waypoints, bad coordinates, bad free indices.

    Raises:
        InvalidInputError: What is wrong, with one field error per problem.
    """
    errors: list[dict[str, Any]] = []
    if not 2 <= len(waypoints) <= MAX_WAYPOINTS:
        errors.append({"field": "waypoints", "message": f"between 2 and {MAX_WAYPOINTS} waypoints"})
    for i, point in enumerate(waypoints):
        ok = len(point) == 2 and all(isinstance(c, int | float) for c in point)
        ok = ok and all(math.isfinite(float(c)) for c in point)
        if not ok or not (-180 <= point[0] <= 180 and -90 <= point[1] <= 90):
            errors.append({"field": f"waypoints.{i}", "message": "expected [lon, lat] in degrees"})
    for k, i in enumerate(free):
        if not 0 <= i < len(waypoints) - 1:
            errors.append({"field": f"free.{k}", "message": f"segment {i} does not exist (0..n-2)"})
    if errors:
        raise InvalidInputError("the waypoints cannot be snapped as given", errors)


def snap_points(
    graph: DriveGraph, lonlat: FloatArray, limit_m: float
) -> tuple[list[SnapPoint | None], FloatArray]:
    """Project each point onto its nearest drivable edge (None beyond ``limit_m``).

    Returns:
        The snapped points and each point's distance to the nearest edge (inf without roads).
    """
    n = lonlat.shape[0]
    out: list[SnapPoint | None] = [None] * n
    dist = np.full(n, np.inf)
    if graph.tree is None or n == 0:
        return out, dist
    xy = graph.project(lonlat)
    points = shapely.points(xy)
    hits, hit_dist = graph.tree.query_nearest(points, return_distance=True, all_matches=False)
    for p, e, d in zip(hits[0].tolist(), hits[1].tolist(), hit_dist.tolist(), strict=True):
        dist[p] = d
        if d <= limit_m:
            out[p] = _project(graph, e, xy[p], d)
    return out, dist


def _project(graph: DriveGraph, e: int, xy: FloatArray, distance_m: float) -> SnapPoint:
    coords, cum = graph.edge_utm[e], graph.edge_cum_m[e]
    along = float(shapely.line_locate_point(shapely.linestrings(coords), shapely.points(xy)))
    total = float(cum[-1])
    if along <= min(NODE_SNAP_M, total / 2):
        along = 0.0
    elif total - along <= min(NODE_SNAP_M, total / 2):
        along = total
    seg = int(np.clip(np.searchsorted(cum, along, side="right") - 1, 0, len(coords) - 2))
    seg_len = float(cum[seg + 1] - cum[seg])
    t = (along - float(cum[seg])) / seg_len if seg_len > 0 else 0.0
    t = min(max(t, 0.0), 1.0)
    ll = graph.edge_lonlat[e]
    lon = float(ll[seg][0] + t * (ll[seg + 1][0] - ll[seg][0]))
    lat = float(ll[seg][1] + t * (ll[seg + 1][1] - ll[seg][1]))
    share = along / total if total > 0 else 0.0
    offset = min(max(share, 0.0), 1.0) * float(graph.edge_length_m[e])
    return SnapPoint(e, seg, offset, (lon, lat), distance_m)


def _coords(points: FloatArray) -> list[Coord]:
    return [(float(x), float(y)) for x, y in points]


def _from_point(graph: DriveGraph, p: SnapPoint, forward: bool) -> list[Coord]:
    """The edge's vertices from ``p`` to its end (forward) or its start (backward)."""
    ll = graph.edge_lonlat[p.edge]
    rest = ll[p.segment + 1 :] if forward else ll[: p.segment + 1][::-1]
    return [p.lonlat, *_coords(rest)]


def _to_point(graph: DriveGraph, p: SnapPoint, forward: bool) -> list[Coord]:
    """The edge's vertices from its start (forward) or its end (backward) to ``p``."""
    ll = graph.edge_lonlat[p.edge]
    lead = ll[: p.segment + 1] if forward else ll[p.segment + 1 :][::-1]
    return [*_coords(lead), p.lonlat]


def _along(graph: DriveGraph, a: SnapPoint, b: SnapPoint) -> list[Coord]:
    """From ``a`` to ``b`` on their shared edge (either direction)."""
    ll = graph.edge_lonlat[a.edge]
    if a.offset_m <= b.offset_m:
        inner = ll[a.segment + 1 : b.segment + 1]
    else:
        inner = ll[b.segment + 1 : a.segment + 1][::-1]
    return [a.lonlat, *_coords(inner), b.lonlat]


def _name(graph: DriveGraph, e: int, metres: float, names: list[str]) -> None:
    name = graph.edge_names[e]
    if name and metres >= MIN_NAMED_M and (not names or names[-1] != name):
        names.append(name)


def _drive(graph: DriveGraph, a: SnapPoint, b: SnapPoint) -> Segment | None:
    """The shortest drive from ``a`` to ``b`` (None when the network does not join them)."""
    ea, eb = a.edge, b.edge
    la, lb = float(graph.edge_length_m[ea]), float(graph.edge_length_m[eb])
    # leave a's edge at its end node (always) or its start node (two-way only)
    # (a point on an edge's end node leaves or reaches it there, whatever its direction)
    sources = [(int(graph.edge_b[ea]), la - a.offset_m, True)]
    if not graph.edge_oneway[ea] or a.offset_m <= _AT_NODE_M:
        sources.append((int(graph.edge_a[ea]), a.offset_m, False))
    targets = [(int(graph.edge_a[eb]), b.offset_m, True)]
    if not graph.edge_oneway[eb] or lb - b.offset_m <= _AT_NODE_M:
        targets.append((int(graph.edge_b[eb]), lb - b.offset_m, False))
    best: tuple[float, int, int] | None = None  # (metres, source position, target position)
    direct = None
    if ea == eb and (b.offset_m >= a.offset_m or not graph.edge_oneway[ea]):
        direct = abs(b.offset_m - a.offset_m)
    nodes = sorted({s for s, _, _ in sources})
    straight = math.dist(a.lonlat, b.lonlat) * 111_320.0
    pred = np.zeros((0, 0), dtype=np.int32)
    for limit in (straight * _BOUND_FACTOR + _BOUND_EXTRA_M, np.inf):
        dist, pred = dijkstra(
            graph.matrix, directed=True, indices=nodes, return_predecessors=True, limit=limit
        )
        best = None
        for si, (s, s_m, _) in enumerate(sources):
            for ti, (t, t_m, _) in enumerate(targets):
                total = s_m + float(dist[nodes.index(s), t]) + t_m
                if math.isfinite(total) and (best is None or total < best[0]):
                    best = (total, si, ti)
        if (best is not None and best[0] <= limit) or (direct is not None and direct <= limit):
            break  # nothing beyond the bound can be shorter
    if direct is not None and (best is None or direct <= best[0]):
        names: list[str] = []
        _name(graph, ea, direct, names)
        return Segment(0, direct, False, _along(graph, a, b), names)
    if best is None:
        return None
    total, si, ti = best
    s, s_m, s_fwd = sources[si]
    t, t_m, t_fwd = targets[ti]
    row = pred[nodes.index(s)]
    chain = [t]
    while chain[-1] != s:
        chain.append(int(row[chain[-1]]))
    chain.reverse()
    names = []
    coords = _from_point(graph, a, s_fwd)
    _name(graph, ea, s_m, names)
    for p, q in itertools.pairwise(chain):
        e, forward = graph.arc_of[(p, q)]
        ll = graph.edge_lonlat[e]
        coords.extend(_coords(ll if forward else ll[::-1]))
        _name(graph, e, float(graph.edge_length_m[e]), names)
    coords.extend(_to_point(graph, b, t_fwd))
    _name(graph, eb, t_m, names)
    return Segment(0, total, False, coords, names)


def _dedupe(coords: list[Coord]) -> list[Coord]:
    out: list[Coord] = []
    for c in coords:
        if not out or abs(out[-1][0] - c[0]) > 1e-10 or abs(out[-1][1] - c[1]) > 1e-10:
            out.append(c)
    if len(out) == 1:
        out.append(out[0])
    return out


def snap_on_graph(
    graph: DriveGraph,
    waypoints: Sequence[Sequence[float]],
    free: Sequence[int] = (),
    *,
    limit_m: float = SNAP_LIMIT_M,
) -> SnappedRoute:
    """The road-following path through ``waypoints`` on a built drive graph.

    Segment ``i`` runs from waypoint ``i`` to ``i + 1``; a segment in ``free`` is a straight
    line. A waypoint next to any snapped segment moves onto its nearest drivable edge (the edge
    is entered or left at that point, so a waypoint midway along a long street is honoured); one
    only between free segments stays where it is.

    Args:
        graph: The city's drive graph.
        waypoints: ``[lon, lat]`` pairs, 2 to 100.
        free: Indices of the segments that stay straight.
        limit_m: Farthest a waypoint may lie from a drivable road.

    Returns:
        The path, its length in metres, the streets in driving order and one entry per segment.

    Raises:
        InvalidInputError: Too few or too many waypoints, bad coordinates or free indices.
        SnapUnreachableError: A waypoint lies beyond ``limit_m`` from every road, or a waypoint
            cannot be driven to from the one before (one-way streets, a disconnected network);
            ``unreachable`` names every such waypoint.
    """
    check_waypoints(waypoints, free)
    n = len(waypoints)
    free_set = set(free)
    lonlat = np.array([[float(p[0]), float(p[1])] for p in waypoints], dtype=float)
    needs = [
        i
        for i in range(n)
        if (i - 1 not in free_set and i > 0) or (i not in free_set and i < n - 1)
    ]
    snaps, dist = snap_points(graph, lonlat[needs], limit_m)
    snapped: dict[int, SnapPoint] = {}
    unreachable: list[dict[str, Any]] = []
    for i, s, d in zip(needs, snaps, dist.tolist(), strict=True):
        if s is None:
            unreachable.append(_far_reason(i, d, limit_m))
        else:
            snapped[i] = s
    if unreachable:
        raise SnapUnreachableError(_detail(unreachable), unreachable)
    points = [snapped[i].lonlat if i in snapped else (lonlat[i][0], lonlat[i][1]) for i in range(n)]
    segments: list[Segment] = []
    xy = graph.project(np.array(points, dtype=float)) if n else np.zeros((0, 2))
    for i in range(n - 1):
        if i in free_set:
            metres = float(np.hypot(*(xy[i + 1] - xy[i])))
            segments.append(Segment(i, metres, True, [points[i], points[i + 1]], []))
            continue
        leg = _drive(graph, snapped[i], snapped[i + 1])
        if leg is None:
            unreachable.append(_no_path_reason(i + 1))
            continue
        segments.append(Segment(i, leg.length_m, False, leg.coords, leg.streets))
    if unreachable:
        raise SnapUnreachableError(_detail(unreachable), unreachable)
    coords: list[Coord] = []
    streets: list[str] = []
    for seg in segments:
        coords.extend(seg.coords)
        for name in seg.streets:
            if not streets or streets[-1] != name:
                streets.append(name)
    rounded = [(round(x, 7), round(y, 7)) for x, y in coords]
    return SnappedRoute(
        _dedupe(rounded),
        sum(s.length_m for s in segments),
        streets,
        segments,
        [(round(x, 7), round(y, 7)) for x, y in points],
    )


def _detail(unreachable: list[dict[str, Any]]) -> str:
    which = ", ".join(str(u["index"]) for u in unreachable)
    return f"waypoints that cannot be reached by road: {which}"


def snap_route(
    session: Session,
    city: CityInfo,
    waypoints: Sequence[Sequence[float]],
    free: Sequence[int] = (),
    *,
    cache: DriveGraphCache,
    limit_m: float = SNAP_LIMIT_M,
) -> SnappedRoute:
    """Snap ``waypoints`` to the city's drive network (see ``snap_on_graph``).

    Args:
        session: Open session (read only: the roads revision, and the roads on a rebuild).
        city: The city.
        waypoints: ``[lon, lat]`` pairs, 2 to 100.
        free: Indices of the segments that stay straight.
        cache: The drive graphs, rebuilt when the city's roads revision changed.
        limit_m: Farthest a waypoint may lie from a drivable road.

    Returns:
        The snapped route.

    Raises:
        InvalidInputError: Bad waypoints or free indices.
        SnapUnreachableError: Waypoints off the network or not reachable by road.
    """
    check_waypoints(waypoints, free)
    return snap_on_graph(cache.get(session, city), waypoints, free, limit_m=limit_m)
