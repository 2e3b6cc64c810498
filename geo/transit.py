"""The hail-and-ride angkot network: boarding points sampled along each directed route."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree
from shapely.geometry import LineString
from shapely.ops import substring
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.walking import DETOUR_FACTOR, Coords, FloatArray, IntArray, WalkingGraph

DEFAULT_SPACING_M = 75.0
UTM_SLACK = 1.01  # straight UTM distance <= 1.01 x walking distance (UTM scale factor margin)
_BATCH = 256  # sources per many-to-many Dijkstra call (memory: batch x nodes floats)

_SELECT_ROUTES = text(
    "SELECT id, code, name, direction, origin, destination, colour, fare_idr, headway_s,"
    " speed_kmh, ST_AsBinary(ST_Transform(geom, :srid)) AS wkb_utm"
    " FROM angkot_route WHERE city_id = :city AND active ORDER BY code, direction, id"
)


@dataclass(frozen=True)
class Route:
    """One direction of an angkot route as the planner sees it."""

    id: int
    code: str
    name: str
    direction: int
    origin: str | None
    destination: str | None
    colour: str
    fare_idr: int
    headway_s: int
    speed_kmh: float
    line_utm: LineString
    length_m: float

    @property
    def speed_ms(self) -> float:
        """Riding speed in metres per second."""
        return self.speed_kmh / 3.6


@dataclass
class TransitNetwork:
    """Candidate boarding/alighting points of every route, in route order, and transfer walks.

    Candidates are stored flat: route after route, each route's points in its direction of
    travel, so ``cand_route`` is non-decreasing and a ride goes from index ``i`` to ``j > i``
    of the same route.
    """

    routes: list[Route]
    spacing_m: float
    max_transfer_walk_m: float
    cand_route: IntArray
    cand_offset_m: FloatArray  # distance along the route from its start
    cand_ride_s: FloatArray  # riding time from the route's start
    cand_xy: FloatArray  # UTM
    cand_street: list[str | None]
    cand_node: IntArray  # nearest walking-graph node (-1 off the network)
    cand_snap_m: FloatArray  # distance to that node
    route_start: IntArray  # first candidate index of each route (len routes + 1)
    transfer_src: IntArray
    transfer_dst: IntArray
    transfer_walk_m: FloatArray
    tree: cKDTree | None

    @property
    def size(self) -> int:
        """Number of candidate points."""
        return int(self.cand_route.shape[0])

    def ride_coords(self, graph: WalkingGraph, board: int, alight: int) -> Coords:
        """Lon/lat sub-line of the route from candidate ``board`` to ``alight`` (travel order)."""
        route = self.routes[int(self.cand_route[board])]
        part = substring(
            route.line_utm, float(self.cand_offset_m[board]), float(self.cand_offset_m[alight])
        )
        xy = shapely.get_coordinates(part)
        if xy.shape[0] < 2:
            xy = np.vstack([xy, xy])
        lon, lat = graph.to_lonlat.transform(xy[:, 0], xy[:, 1])
        return [(float(a), float(b)) for a, b in zip(lon, lat, strict=True)]

    def lonlat(self, graph: WalkingGraph, index: int) -> tuple[float, float]:
        """Lon/lat of one candidate point."""
        lon, lat = graph.to_lonlat.transform(self.cand_xy[index, 0], self.cand_xy[index, 1])
        return (float(lon), float(lat))


def _load_routes(session: Session, city_id: int, utm_srid: int) -> list[Route]:
    rows = session.execute(_SELECT_ROUTES, {"city": city_id, "srid": utm_srid}).all()
    routes = []
    for row in rows:
        line = shapely.from_wkb(bytes(row.wkb_utm))
        if not isinstance(line, LineString) or line.length <= 0:
            continue
        routes.append(
            Route(
                id=row.id,
                code=row.code,
                name=row.name,
                direction=row.direction,
                origin=row.origin,
                destination=row.destination,
                colour=row.colour,
                fare_idr=row.fare_idr,
                headway_s=row.headway_s,
                speed_kmh=row.speed_kmh,
                line_utm=line,
                length_m=float(line.length),
            )
        )
    return routes


def _sample(routes: list[Route], spacing_m: float) -> tuple[IntArray, FloatArray, FloatArray]:
    owner: list[IntArray] = []
    offsets: list[FloatArray] = []
    points: list[FloatArray] = []
    for r, route in enumerate(routes):
        n = max(2, math.ceil(route.length_m / spacing_m) + 1)
        at = np.linspace(0.0, route.length_m, n)
        owner.append(np.full(n, r, dtype=np.int64))
        offsets.append(at)
        points.append(shapely.get_coordinates(shapely.line_interpolate_point(route.line_utm, at)))
    if not routes:
        return np.zeros(0, dtype=np.int64), np.zeros(0), np.zeros((0, 2))
    return np.concatenate(owner), np.concatenate(offsets), np.vstack(points)


def _pair_walks(
    graph: WalkingGraph,
    xy: FloatArray,
    snapped: tuple[IntArray, FloatArray],
    pairs: IntArray,
    limit_m: float,
) -> FloatArray:
    """Walking metres for each pair of points (network, or straight x 1.3 off it)."""
    straight = np.hypot(*(xy[pairs[:, 0]] - xy[pairs[:, 1]]).T)
    walk: FloatArray = np.asarray(straight * DETOUR_FACTOR, dtype=float)
    nodes, snaps = snapped
    a, b = nodes[pairs[:, 0]], nodes[pairs[:, 1]]
    on = np.flatnonzero((a >= 0) & (b >= 0))
    if on.size == 0:
        return walk
    on = on[np.argsort(a[on], kind="stable")]  # grouped by source node: batches are slices
    src_sorted = a[on]
    sources = np.unique(src_sorted)
    for start in range(0, sources.size, _BATCH):
        batch = sources[start : start + _BATCH]
        lo = np.searchsorted(src_sorted, batch[0], side="left")
        hi = np.searchsorted(src_sorted, batch[-1], side="right")
        sel = on[lo:hi]
        rows = dijkstra(graph.matrix, directed=True, indices=batch, limit=limit_m)
        net = rows[np.searchsorted(batch, a[sel]), b[sel]]
        walk[sel] = snaps[pairs[sel, 0]] + net + snaps[pairs[sel, 1]]
    return walk


def _transfers(
    graph: WalkingGraph,
    cand_route: IntArray,
    xy: FloatArray,
    snapped: tuple[IntArray, FloatArray],
    max_walk_m: float,
) -> tuple[IntArray, IntArray, FloatArray]:
    """Directed transfer walks between candidates of different routes within ``max_walk_m``.

    For each alighting point and each other route only the boarding points where the walk is a
    local minimum along that route are kept (the nearest pass of the route, and each further
    pass of a looping route).
    """
    empty = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0))
    if xy.shape[0] < 2 or max_walk_m <= 0:
        return empty
    # UTM distances may exceed geodesic edge lengths slightly (scale factor): search wider
    radius = max_walk_m * UTM_SLACK
    pairs = cKDTree(xy).query_pairs(r=radius, output_type="ndarray").astype(np.int64)
    if pairs.size == 0:
        return empty
    pairs = pairs[cand_route[pairs[:, 0]] != cand_route[pairs[:, 1]]]
    walk = _pair_walks(graph, xy, snapped, pairs, max_walk_m)
    keep = walk <= max_walk_m
    pairs, walk = pairs[keep], walk[keep]
    src = np.concatenate([pairs[:, 0], pairs[:, 1]])
    dst = np.concatenate([pairs[:, 1], pairs[:, 0]])
    both = np.concatenate([walk, walk])
    order = np.lexsort((dst, src))
    src, dst, both = src[order], dst[order], both[order]
    n = src.size
    same_prev = np.zeros(n, dtype=bool)
    same_prev[1:] = (
        (src[1:] == src[:-1])
        & (dst[1:] == dst[:-1] + 1)
        & (cand_route[dst[1:]] == cand_route[dst[:-1]])
    )
    same_next = np.zeros(n, dtype=bool)
    same_next[:-1] = same_prev[1:]
    lower_than_prev = np.ones(n, dtype=bool)
    lower_than_prev[1:] = both[1:] < both[:-1]
    not_above_next = np.ones(n, dtype=bool)
    not_above_next[:-1] = both[:-1] <= both[1:]
    local_min = (~same_prev | lower_than_prev) & (~same_next | not_above_next)
    return src[local_min], dst[local_min], both[local_min]


def build_transit_network(
    session: Session,
    city_id: int,
    graph: WalkingGraph,
    *,
    spacing_m: float = DEFAULT_SPACING_M,
    max_transfer_walk_m: float = 400.0,
) -> TransitNetwork:
    """Build the hail-and-ride network of a city's active routes.

    Args:
        session: Open session.
        city_id: The city.
        graph: The city's walking graph (for transfer walks and street names).
        spacing_m: Distance between candidate boarding points along a route.
        max_transfer_walk_m: Longest walk between two routes.

    Returns:
        The network; empty when the city has no active route.
    """
    routes = _load_routes(session, city_id, graph.utm_srid)
    cand_route, offsets, xy = _sample(routes, spacing_m)
    speeds = np.array([r.speed_ms for r in routes], dtype=float)
    ride_s = offsets / speeds[cand_route] if routes else np.zeros(0)
    route_start = np.searchsorted(cand_route, np.arange(len(routes) + 1)).astype(np.int64)
    nodes, snaps = graph.snap(xy)
    src, dst, walk = _transfers(graph, cand_route, xy, (nodes, snaps), max_transfer_walk_m)
    return TransitNetwork(
        routes=routes,
        spacing_m=spacing_m,
        max_transfer_walk_m=max_transfer_walk_m,
        cand_route=cand_route,
        cand_offset_m=offsets,
        cand_ride_s=ride_s,
        cand_xy=xy,
        cand_street=graph.street_names(xy),
        cand_node=nodes,
        cand_snap_m=snaps,
        route_start=route_start,
        transfer_src=src,
        transfer_dst=dst,
        transfer_walk_m=walk,
        tree=cKDTree(xy) if xy.shape[0] else None,
    )
