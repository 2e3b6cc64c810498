"""The hail-and-ride angkot network: boarding points sampled along each directed route."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import shapely
from scipy.spatial import cKDTree
from shapely.geometry import LineString
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.walking import DETOUR_FACTOR, BoolArray, Coords, FloatArray, IntArray, WalkingGraph

DEFAULT_SPACING_M = 75.0
UTM_SLACK = 1.01  # straight UTM distance <= 1.01 x walking distance (UTM scale factor margin)
HUGE = 1e9  # "unreachable" cost

_SELECT_ROUTES = text(
    "SELECT id, code, name, direction, origin, destination, colour, fare_idr, headway_s,"
    " speed_kmh, ST_AsBinary(ST_Transform(geom, :srid)) AS wkb_utm,"
    " ST_AsGeoJSON(geom, 6) AS geojson"
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
    geojson: str = ""  # the stored lon/lat geometry as GeoJSON (6 decimals)

    @property
    def speed_ms(self) -> float:
        """Riding speed in metres per second."""
        return self.speed_kmh / 3.6

    @cached_property
    def vertices(self) -> FloatArray:
        """The route's vertices in UTM, in travel order."""
        return np.asarray(shapely.get_coordinates(self.line_utm), dtype=float)

    @cached_property
    def vertex_offsets_m(self) -> FloatArray:
        """Distance of each vertex along the route."""
        steps = np.hypot(*np.diff(self.vertices, axis=0).T)
        return np.concatenate([[0.0], np.cumsum(steps)])


@dataclass
class TransitNetwork:
    """Candidate boarding/alighting points of every route, in route order, and how to transfer.

    Candidates are stored flat: route after route, each route's points in its direction of
    travel, so ``cand_route`` is non-decreasing and a ride goes from index ``i`` to ``j > i``
    of the same route. Transfers are not stored pairwise: each candidate on the walking network
    belongs to the stop (road node) it snaps to, stops know the stops within the transfer walk
    (``stops``), and ``relax_transfers`` joins them per query. Candidates off the network keep
    explicit transfer walks (``transfer_*``).
    """

    routes: list[Route]
    spacing_m: float
    max_transfer_walk_m: float
    cand_route: IntArray
    cand_offset_m: FloatArray  # distance along the route from its start
    cand_ride_s: FloatArray  # riding time from the route's start
    cand_wait_s: FloatArray  # expected wait when boarding (half the route's headway)
    cand_xy: FloatArray  # UTM
    cand_node: IntArray  # nearest walking-graph node (-1 off the network)
    cand_snap_m: FloatArray  # distance to that node
    route_start: IntArray  # first candidate index of each route (len routes + 1)
    stops: _Stops
    transfer_src: IntArray  # explicit transfers (an end off the walking network)
    transfer_dst: IntArray
    transfer_walk_m: FloatArray
    tree: cKDTree | None

    @property
    def size(self) -> int:
        """Number of candidate points."""
        return int(self.cand_route.shape[0])

    @property
    def footpath_count(self) -> int:
        """Number of walks between stops (self loops included)."""
        return int(self.stops.walk_m.shape[0])

    def ride_coords(self, graph: WalkingGraph, board: int, alight: int) -> Coords:
        """Lon/lat sub-line of the route from candidate ``board`` to ``alight`` (travel order)."""
        route = self.routes[int(self.cand_route[board])]
        offsets = route.vertex_offsets_m
        lo = np.searchsorted(offsets, self.cand_offset_m[board], side="right")
        hi = np.searchsorted(offsets, self.cand_offset_m[alight], side="left")
        xy = np.vstack([self.cand_xy[board], route.vertices[lo:hi], self.cand_xy[alight]])
        lon, lat = graph.to_lonlat.transform(xy[:, 0], xy[:, 1])
        return [(float(a), float(b)) for a, b in zip(lon, lat, strict=True)]

    def lonlat(self, graph: WalkingGraph, index: int) -> tuple[float, float]:
        """Lon/lat of one candidate point."""
        lon, lat = graph.to_lonlat.transform(self.cand_xy[index, 0], self.cand_xy[index, 1])
        return (float(lon), float(lat))

    def street_names(self, graph: WalkingGraph, indices: list[int]) -> dict[int, str | None]:
        """Nearest named street of some candidates (looked up only for the legs shown)."""
        names = graph.street_names(self.cand_xy[np.array(indices, dtype=np.int64)].reshape(-1, 2))
        return dict(zip(indices, names, strict=True))

    def relax_transfers(
        self,
        arrival: FloatArray,
        per_m: float,
        limit_m: float,
        extra: FloatArray,
        *,
        alight_ok: BoolArray,
        board_max: FloatArray,
    ) -> tuple[FloatArray, IntArray, FloatArray]:
        """Best cost to board each candidate after alighting somewhere and walking over.

        The walk from alighting point ``p`` to boarding point ``q`` is snap + network path +
        snap through their stops (or the explicit walk off the network); it must not exceed
        ``limit_m`` and ``p`` and ``q`` must belong to different routes. Per stop the best two
        labels of distinct routes are kept, which is exact for the route condition; a label that
        is cheaper but walked farther could hide a feasible one only where the limit binds.

        Args:
            arrival: Cost of arriving at each candidate (``HUGE`` when not reached).
            per_m: Cost of one metre of walking.
            limit_m: Longest transfer walk (at most the network's ``max_transfer_walk_m``).
            extra: Cost added at each boarding candidate (transfer penalty plus waiting).
            alight_ok: Candidates worth alighting at (reached, and not pruned by a bound).
            board_max: Boardings costing more than this are dropped (pruned by a bound).

        Returns:
            ``(board cost, alighting candidate used, metres walked)`` per candidate; cost
            ``HUGE`` and candidate -1 where no transfer reaches it.
        """
        n = self.size
        limit = min(limit_m, self.max_transfer_walk_m)
        board = np.full(n, HUGE)
        parent = np.full(n, -1, dtype=np.int64)
        walked = np.zeros(n)
        st = self.stops
        if st.node.size and st.walk_m.size:
            _relax_stops(
                self,
                arrival=arrival,
                per_m=per_m,
                limit=limit,
                extra=extra,
                alight_ok=alight_ok,
                board_max=board_max,
                out=(board, parent, walked),
            )
        usable = alight_ok[self.transfer_src] & (self.transfer_walk_m <= limit)
        if usable.any():
            src, dst = self.transfer_src[usable], self.transfer_dst[usable]
            walk = self.transfer_walk_m[usable]
            vals = arrival[src] + walk * per_m + extra[dst]
            vals[vals > board_max[dst]] = np.inf
            best = board.copy()
            np.minimum.at(best, dst, vals)
            win = np.isfinite(vals) & (vals <= best[dst]) & (vals < board[dst])
            board[:] = best
            parent[dst[win]] = src[win]
            walked[dst[win]] = walk[win]
        return board, parent, walked


def _groups(keys: IntArray) -> tuple[IntArray, IntArray]:
    """Start of each run of equal keys (sorted input) and the run number of every entry."""
    change = np.ones(keys.size, dtype=bool)
    change[1:] = keys[1:] != keys[:-1]
    return np.flatnonzero(change), np.cumsum(change) - 1


def _best_two(
    values: FloatArray, routes: IntArray, starts: IntArray, group: IntArray
) -> tuple[IntArray, IntArray]:
    """Per group (contiguous, non-empty): the entry of least value, and the entry of least value
    among those of another route than the first; ``values.size`` where there is none."""
    n = values.size
    index = np.arange(n)
    m1 = np.minimum.reduceat(values, starts)
    first = np.minimum.reduceat(np.where(values == m1[group], index, n), starts)
    first[~np.isfinite(m1)] = n
    r1 = np.append(routes, -1)[first]
    v2 = np.where(routes != r1[group], values, np.inf)
    m2 = np.minimum.reduceat(v2, starts)
    second = np.minimum.reduceat(np.where(v2 == m2[group], index, n), starts)
    second[~np.isfinite(m2)] = n
    return first, second


def _relax_stops(
    net: TransitNetwork,
    *,
    arrival: FloatArray,
    per_m: float,
    limit: float,
    extra: FloatArray,
    alight_ok: BoolArray,
    board_max: FloatArray,
    out: tuple[FloatArray, IntArray, FloatArray],
) -> None:
    """Transfers through the stops, on the labels that survive pruning only."""
    st = net.stops
    board, parent, walked = out
    # alight: per stop, the best two arrivals of distinct routes (cost of reaching its node)
    act = np.flatnonzero(alight_ok[st.order] & (st.order_snap_m <= limit))
    if act.size == 0:
        return
    cands = st.order[act]
    starts, group = _groups(st.order_stop[act])
    val = arrival[cands] + per_m * st.order_snap_m[act]
    a1, a2 = _best_two(val, st.order_route[act], starts, group)
    stops = st.order_stop[act][starts]
    label = np.full((st.node.size, 2), -1, dtype=np.int64)  # alighting candidate per label
    lab_val = np.full((st.node.size, 2), np.inf)
    lab_walk = np.full((st.node.size, 2), np.inf)
    lab_route = np.full((st.node.size, 2), -1, dtype=np.int64)
    for k, pick in enumerate((a1, a2)):
        ok = pick < act.size
        at, chosen = stops[ok], pick[ok]
        label[at, k] = cands[chosen]
        lab_val[at, k] = val[chosen]
        lab_walk[at, k] = st.order_snap_m[act][chosen]
        lab_route[at, k] = st.order_route[act][chosen]
    # walk to the stops within reach (footpaths grouped by target stop), two labels each
    fp = np.flatnonzero(label[st.walk_src, 0] >= 0)
    src, dst, metres = st.walk_src[fp], st.walk_dst[fp], st.walk_m[fp]
    e_walk = (lab_walk[src] + metres[:, None]).ravel()
    e_val = (lab_val[src] + per_m * metres[:, None]).ravel()
    e_dst = np.repeat(dst, 2)
    e_val[e_walk > limit - st.min_snap_m[e_dst] + 1e-9] = np.inf
    e_route = lab_route[src].ravel()
    starts, group = _groups(e_dst)
    b1, b2 = _best_two(e_val, e_route, starts, group)
    # per reached stop, its two labels (value, walk, route, entry)
    reached = e_dst[starts]
    none = e_val.size
    stop_lab = []
    for pick in (b1, b2):
        ok = pick < none
        safe = np.where(ok, pick, 0)
        stop_lab.append(
            (
                np.where(ok, e_val[safe], np.inf),
                np.where(ok, e_walk[safe], np.inf),
                np.where(ok, e_route[safe], -1),
                pick,
            )
        )
    # board: every candidate of the reached stops, with the better feasible label of another
    # route than its own
    lo, hi = st.bounds[reached], st.bounds[reached + 1]
    count = hi - lo
    pos = np.repeat(lo - np.cumsum(count) + count, count) + np.arange(int(count.sum()))
    which = np.repeat(np.arange(reached.size), count)
    q_route, q_snap = st.order_route[pos], st.order_snap_m[pos]
    best_cost = np.full(pos.size, np.inf)
    best_entry = np.full(pos.size, none, dtype=np.int64)
    for l_val, l_walk, l_route, l_entry in stop_lab:
        ok = (l_route[which] != q_route) & (l_walk[which] + q_snap <= limit + 1e-9)
        cost = np.where(ok, l_val[which], np.inf)
        better = cost < best_cost
        best_cost[better] = cost[better]
        best_entry[better] = l_entry[which[better]]
    q = st.order[pos]
    total = best_cost + per_m * q_snap + extra[q]
    hit = np.flatnonzero(np.isfinite(total) & (total <= board_max[q]))
    q, e = q[hit], best_entry[hit]
    board[q] = total[hit]
    parent[q] = label[src[e // 2], e % 2]
    walked[q] = e_walk[e] + q_snap[hit]


def load_routes(session: Session, city_id: int, utm_srid: int) -> list[Route]:
    """The city's active route directions, lines in UTM, ordered by code and direction."""
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
                geojson=row.geojson,
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


def _local_minima(
    cand_route: IntArray, src: IntArray, dst: IntArray, walk: FloatArray
) -> tuple[IntArray, IntArray, FloatArray]:
    """Keep, per alighting point and other route, the boarding points where the walk is a local
    minimum along that route (the nearest pass, and each further pass of a looping route)."""
    order = np.lexsort((dst, src))
    src, dst, walk = src[order], dst[order], walk[order]
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
    lower_than_prev[1:] = walk[1:] < walk[:-1]
    not_above_next = np.ones(n, dtype=bool)
    not_above_next[:-1] = walk[:-1] <= walk[1:]
    local_min = (~same_prev | lower_than_prev) & (~same_next | not_above_next)
    return src[local_min], dst[local_min], walk[local_min]


def _off_network_transfers(
    cand_route: IntArray, xy: FloatArray, off: IntArray, max_walk_m: float
) -> tuple[IntArray, IntArray, FloatArray]:
    """Directed transfers that start or end at a point off the walking network.

    Such walks are the straight line x ``DETOUR_FACTOR`` (as ``WalkingGraph.walk_distances``);
    transfers between two points on the network go through the stops instead.
    """
    empty = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0))
    if off.size == 0 or xy.shape[0] < 2 or max_walk_m <= 0:
        return empty
    radius = max_walk_m / DETOUR_FACTOR
    found = cKDTree(xy[off]).sparse_distance_matrix(cKDTree(xy), radius, output_type="ndarray")
    a, b = off[found["i"].astype(np.int64)], found["j"].astype(np.int64)
    walk = np.asarray(found["v"], dtype=float) * DETOUR_FACTOR
    keep = (cand_route[a] != cand_route[b]) & (walk <= max_walk_m)
    a, b, walk = a[keep], b[keep], walk[keep]
    src, dst = np.concatenate([a, b]), np.concatenate([b, a])
    both = np.concatenate([walk, walk])
    _, first = np.unique(src * xy.shape[0] + dst, return_index=True)  # both ends off: twice
    if first.size == 0:
        return empty
    return _local_minima(cand_route, src[first], dst[first], both[first])


@dataclass(frozen=True)
class _Stops:
    """Road nodes where candidates snap, with the walks between them (the transfer layer)."""

    node: IntArray  # walking-graph node of each stop
    cand_stop: IntArray  # stop of each candidate (-1 off the network)
    order: IntArray  # candidates on the network, grouped by stop
    order_stop: IntArray  # their stop, route and snap (in that order)
    order_route: IntArray
    order_snap_m: FloatArray
    bounds: IntArray  # start of each stop's group in ``order`` (len stops + 1)
    min_snap_m: FloatArray  # shortest snap of each stop's candidates
    walk_src: IntArray  # footpaths between stops (self loops included), grouped by target
    walk_dst: IntArray
    walk_m: FloatArray


def _stops(
    graph: WalkingGraph, cand_route: IntArray, nodes: IntArray, snaps: FloatArray, max_walk_m: float
) -> _Stops:
    on = np.flatnonzero(nodes >= 0)
    stop_node, inverse = np.unique(nodes[on], return_inverse=True)
    cand_stop = np.full(nodes.size, -1, dtype=np.int64)
    cand_stop[on] = inverse
    order = on[np.argsort(inverse, kind="stable")]
    count = stop_node.size
    bounds = np.searchsorted(cand_stop[order], np.arange(count + 1)).astype(np.int64)
    min_snap = np.minimum.reduceat(snaps[order], bounds[:-1]) if count else np.zeros(0)
    # footpaths: every stop within max_walk_m of another along the network (cached per node)
    pos, node, metres = graph.nodes_within(stop_node, max(max_walk_m, 0.0))
    stop_of_node = np.full(graph.node_count, -1, dtype=np.int64)
    stop_of_node[stop_node] = np.arange(count)
    dst = stop_of_node[node]
    keep = np.flatnonzero(dst >= 0)
    src, dst, metres = pos[keep], dst[keep], metres[keep]
    # a walk no pair of candidates of the two stops can use within the limit is dropped
    usable = metres + min_snap[src] + min_snap[dst] <= max_walk_m + 1e-9
    src, dst, metres = src[usable], dst[usable], metres[usable]
    by_dst = np.lexsort((metres, src, dst))
    return _Stops(
        node=stop_node,
        cand_stop=cand_stop,
        order=order,
        order_stop=cand_stop[order],
        order_route=cand_route[order],
        order_snap_m=snaps[order],
        bounds=bounds,
        min_snap_m=min_snap,
        walk_src=src[by_dst],
        walk_dst=dst[by_dst],
        walk_m=metres[by_dst],
    )


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
        graph: The city's walking graph (stops are its nodes; walks between them are cached on
            it, so a rebuild after a route edit only walks from new stops).
        spacing_m: Distance between candidate boarding points along a route.
        max_transfer_walk_m: Longest walk between two routes.

    Returns:
        The network; empty when the city has no active route.
    """
    routes = load_routes(session, city_id, graph.utm_srid)
    cand_route, offsets, xy = _sample(routes, spacing_m)
    speeds = np.array([r.speed_ms for r in routes], dtype=float)
    ride_s = offsets / speeds[cand_route] if routes else np.zeros(0)
    route_start = np.searchsorted(cand_route, np.arange(len(routes) + 1)).astype(np.int64)
    nodes, snaps = graph.snap(xy)
    src, dst, walk = _off_network_transfers(
        cand_route, xy, np.flatnonzero(nodes < 0), max_transfer_walk_m
    )
    return TransitNetwork(
        routes=routes,
        spacing_m=spacing_m,
        max_transfer_walk_m=max_transfer_walk_m,
        cand_route=cand_route,
        cand_offset_m=offsets,
        cand_ride_s=ride_s,
        cand_wait_s=np.array([r.headway_s / 2.0 for r in routes], dtype=float)[cand_route],
        cand_xy=xy,
        cand_node=nodes,
        cand_snap_m=snaps,
        route_start=route_start,
        stops=_stops(graph, cand_route, nodes, snaps, max_transfer_walk_m),
        transfer_src=src,
        transfer_dst=dst,
        transfer_walk_m=walk,
        tree=cKDTree(xy) if xy.shape[0] else None,
    )
