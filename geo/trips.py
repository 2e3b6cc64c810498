"""Angkot trip planner: round-based search (RAPTOR-like) over the hail-and-ride network."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from geo.transit import HUGE, UTM_SLACK, TransitNetwork
from geo.trip_text import format_m_id, ride_text, walk_instead_text, walk_text
from geo.walking import DETOUR_FACTOR, FloatArray, IntArray, WalkingGraph

_BIG = 1e10  # segment offset for the vectorised per-route prefix minimum (> HUGE + any ride)
LEAST_WALK_WEIGHT_S_PER_M = 100.0  # cost of one metre of walking when minimising walking
SAME_WALK_M = 50.0  # two itineraries on the same routes are one unless walks differ more
_EPS_S = 1e-6  # ties with the best trip so far are kept

LonLat = tuple[float, float]


@dataclass(frozen=True)
class PlannerOptions:
    """Planner settings (geo.settings.Settings holds the defaults)."""

    walk_speed_kmh: float = 4.5
    transfer_penalty_s: float = 300.0
    max_walk_m: float = 1000.0
    max_transfer_walk_m: float = 400.0
    max_transfers: int = 3

    @property
    def walk_ms(self) -> float:
        """Walking speed in metres per second."""
        return self.walk_speed_kmh / 3.6


@dataclass
class _Rounds:
    """Per round: best arrival cost at each candidate and the pointers to rebuild the trip."""

    arrival: list[FloatArray] = field(default_factory=list)
    board_of: list[IntArray] = field(default_factory=list)
    parent: list[IntArray] = field(default_factory=list)  # round r: alight point of round r-1
    parent_walk_m: list[FloatArray] = field(default_factory=list)  # that transfer's walk
    dest_cost: list[float] = field(default_factory=list)
    dest_via: list[int] = field(default_factory=list)


@dataclass
class _Choice:
    """A candidate trip, summarised; its legs are built only when it is picked."""

    rides: list[tuple[int, int]]  # (board, alight) candidate indices
    key: tuple[int, ...]  # route ids
    walk_m: float
    duration_s: float
    transfers: int
    cost_s: float
    labels: list[str] = field(default_factory=list)


def _walks_from(
    graph: WalkingGraph, net: TransitNetwork, point_xy: FloatArray, limit_m: float
) -> FloatArray:
    """Walking metres from a point to every candidate (inf beyond ``limit_m``)."""
    out = np.full(net.size, np.inf)
    if net.tree is None:
        return out
    near = np.array(net.tree.query_ball_point(point_xy, r=limit_m * UTM_SLACK), dtype=np.int64)
    if near.size == 0:
        return out
    straight = np.hypot(*(net.cand_xy[near] - point_xy).T)
    walk = straight * DETOUR_FACTOR
    (node,), (snap,) = graph.snap(point_xy.reshape(1, 2))
    if node >= 0:
        dist = graph.distances_from(int(node), max(limit_m - snap, 0.0))
        on = net.cand_node[near] >= 0
        walk[on] = snap + dist[net.cand_node[near[on]]] + net.cand_snap_m[near[on]]
    walk[walk > limit_m] = np.inf
    out[near] = walk
    return out


def _ride(net: TransitNetwork, board_cost: FloatArray) -> tuple[FloatArray, IntArray]:
    """Arrival cost at each candidate riding from the best earlier boarding on its route.

    Only the part of each route after its first boarding is scanned.
    """
    n = net.size
    arrival = np.full(n, HUGE)
    board = np.full(n, -1, dtype=np.int64)
    boarded = np.flatnonzero(board_cost < HUGE / 2)
    if boarded.size == 0:
        return arrival, board
    routes = net.cand_route[boarded]
    first = np.ones(boarded.size, dtype=bool)
    first[1:] = routes[1:] != routes[:-1]
    lo = boarded[first]
    count = net.route_start[routes[first] + 1] - lo
    idx = np.repeat(lo - np.cumsum(count) + count, count) + np.arange(int(count.sum()))
    rank = np.repeat(np.arange(lo.size), count)
    seg = rank * _BIG  # later routes sit lower: a route's running minimum starts afresh
    ride_s = net.cand_ride_s[idx]
    v = board_cost[idx] - ride_s - seg
    m = np.minimum.accumulate(v)
    arg = np.maximum.accumulate(np.where(v == m, np.arange(idx.size), 0))
    best = m[:-1] + seg[1:] + ride_s[1:]  # boarding strictly before j
    ok = np.flatnonzero((rank[1:] == rank[:-1]) & (best < HUGE / 2))
    arrival[idx[ok + 1]] = best[ok]
    board[idx[ok + 1]] = idx[arg[ok]]
    return arrival, board


def _search(
    net: TransitNetwork,
    *,
    access_m: FloatArray,
    egress_m: FloatArray,
    opts: PlannerOptions,
    walk_weight: float,
    remaining_s: FloatArray,
    upper: float = np.inf,
) -> _Rounds:
    """Round r: the cheapest trips with r + 1 rides (RAPTOR over route directions).

    ``remaining_s`` is a lower bound of the cost from each candidate to the destination; a
    label that cannot beat ``upper`` (a known trip) or the best trip of an earlier round (more
    transfers and no cheaper) is pruned, so later rounds touch only the candidates that still
    matter. The best trip over all rounds is exact; a round's own best is dropped when an
    earlier round (or ``upper``) does better.
    """
    per_m = 1.0 / opts.walk_ms + walk_weight
    wait = net.cand_wait_s
    board_cost = np.where(np.isfinite(access_m), access_m * per_m + wait, HUGE)
    egress_cost = np.where(np.isfinite(egress_m), egress_m * per_m, HUGE)
    extra = wait + opts.transfer_penalty_s
    min_extra = float(extra.min()) if extra.size else 0.0
    rounds = _Rounds()
    for r in range(opts.max_transfers + 1):
        arrival, board = _ride(net, board_cost)
        total = arrival + egress_cost
        j = int(np.argmin(total)) if total.size else -1
        rounds.arrival.append(arrival)
        rounds.board_of.append(board)
        rounds.dest_cost.append(float(total[j]) if j >= 0 else HUGE)
        rounds.dest_via.append(j)
        if rounds.dest_cost[-1] < HUGE / 2:
            upper = min(upper, rounds.dest_cost[-1])
        alight_ok = (arrival < HUGE / 2) & (arrival + min_extra + remaining_s <= upper + _EPS_S)
        if r == opts.max_transfers or not alight_ok.any():
            break
        board_cost, parent, parent_walk = net.relax_transfers(
            arrival,
            per_m,
            opts.max_transfer_walk_m,
            extra,
            alight_ok=alight_ok,
            board_max=upper + _EPS_S - remaining_s,
        )
        rounds.parent.append(parent)
        rounds.parent_walk_m.append(parent_walk)
    return rounds


def _chain(rounds: _Rounds, r: int) -> list[tuple[int, int]]:
    """(board, alight) candidate pairs of the trip found in round ``r``, first ride first."""
    rides = []
    alight = rounds.dest_via[r]
    for k in range(r, -1, -1):
        board = int(rounds.board_of[k][alight])
        rides.append((board, alight))
        if k > 0:
            alight = int(rounds.parent[k - 1][board])
    rides.reverse()
    return rides


def _walk_leg(
    graph: WalkingGraph,
    *,
    a: LonLat,
    b: LonLat,
    opts: PlannerOptions,
    to_name: str | None,
    next_code: str | None,
) -> dict[str, Any]:
    path = graph.path(a, b, max(opts.max_walk_m, opts.max_transfer_walk_m) * 1.05 + 10)
    duration_s = path.distance_m / opts.walk_ms
    text_id, text_en = walk_text(path.distance_m, duration_s, to_name, next_code)
    return {
        "mode": "walk",
        "geometry": {"type": "LineString", "coordinates": [list(c) for c in path.coords]},
        "distance_m": round(path.distance_m, 1),
        "duration_s": round(duration_s),
        "on_network": path.on_network,
        "streets": path.street_names,
        "from": {"point": list(a)},
        "to": {"name": to_name, "point": list(b)},
        "instruction_id": text_id,
        "instruction_en": text_en,
    }


def _ride_leg(
    graph: WalkingGraph,
    net: TransitNetwork,
    board: int,
    alight: int,
    streets: dict[int, str | None],
) -> dict[str, Any]:
    route = net.routes[int(net.cand_route[board])]
    distance_m = float(net.cand_offset_m[alight] - net.cand_offset_m[board])
    duration_s = float(net.cand_ride_s[alight] - net.cand_ride_s[board])
    board_name, alight_name = streets[board], streets[alight]
    text_id, text_en = ride_text(route, board_name, alight_name, distance_m, duration_s)
    return {
        "mode": "ride",
        "geometry": {
            "type": "LineString",
            "coordinates": [list(c) for c in net.ride_coords(graph, board, alight)],
        },
        "distance_m": round(distance_m, 1),
        "duration_s": round(duration_s),
        "wait_s": round(route.headway_s / 2),
        "fare_idr": route.fare_idr,
        "route": {
            "id": route.id,
            "code": route.code,
            "name": route.name,
            "colour": route.colour,
            "direction": route.direction,
        },
        "board": {"name": board_name, "point": list(net.lonlat(graph, board))},
        "alight": {"name": alight_name, "point": list(net.lonlat(graph, alight))},
        "instruction_id": text_id,
        "instruction_en": text_en,
    }


def _itinerary(
    graph: WalkingGraph,
    net: TransitNetwork,
    *,
    rides: list[tuple[int, int]],
    origin: LonLat,
    destination: LonLat,
    opts: PlannerOptions,
) -> dict[str, Any]:
    legs: list[dict[str, Any]] = []
    here = origin
    streets = net.street_names(graph, [i for ride in rides for i in ride])
    for board, alight in rides:
        route = net.routes[int(net.cand_route[board])]
        point = net.lonlat(graph, board)
        legs.append(
            _walk_leg(
                graph,
                a=here,
                b=point,
                opts=opts,
                to_name=streets[board],
                next_code=route.code,
            )
        )
        legs.append(_ride_leg(graph, net, board, alight, streets))
        here = net.lonlat(graph, alight)
    legs.append(_walk_leg(graph, a=here, b=destination, opts=opts, to_name=None, next_code=None))
    ride_legs = [leg for leg in legs if leg["mode"] == "ride"]
    walk_m = sum(leg["distance_m"] for leg in legs if leg["mode"] == "walk")
    duration = sum(leg["duration_s"] + leg.get("wait_s", 0) for leg in legs)
    transfers = max(len(ride_legs) - 1, 0)
    return {
        "labels": [],
        "duration_s": round(duration),
        "cost_s": round(duration + transfers * opts.transfer_penalty_s),
        "walk_distance_m": round(walk_m, 1),
        "fare_idr": sum(leg["fare_idr"] for leg in ride_legs),
        "transfers": transfers,
        "legs": legs,
    }


def _summarise(
    net: TransitNetwork,
    rides: list[tuple[int, int]],
    walks_m: list[float],
    opts: PlannerOptions,
) -> _Choice:
    routes = [net.routes[int(net.cand_route[board])] for board, _ in rides]
    ride_s = sum(float(net.cand_ride_s[j] - net.cand_ride_s[i]) for i, j in rides)
    wait_s = sum(r.headway_s / 2 for r in routes)
    walk_m = float(sum(walks_m))
    duration = walk_m / opts.walk_ms + ride_s + wait_s
    transfers = max(len(rides) - 1, 0)
    return _Choice(
        rides=rides,
        key=tuple(r.id for r in routes),
        walk_m=walk_m,
        duration_s=duration,
        transfers=transfers,
        cost_s=duration + transfers * opts.transfer_penalty_s,
    )


def _pick(choices: list[_Choice]) -> list[_Choice]:
    """Fastest, fewest transfers and least walking; identical route sequences merged."""
    if not choices:
        return []
    fastest = min(choices, key=lambda c: (c.cost_s, c.walk_m))
    fewest = min(choices, key=lambda c: (c.transfers, c.cost_s))
    least = min(choices, key=lambda c: (c.walk_m, c.cost_s))
    picked: list[_Choice] = []
    for label, choice in (
        ("fastest", fastest),
        ("fewest_transfers", fewest),
        ("least_walking", least),
    ):
        same = next(
            (
                p
                for p in picked
                if p.key == choice.key and abs(p.walk_m - choice.walk_m) <= SAME_WALK_M
            ),
            None,
        )
        if same is None:
            picked.append(choice)
        (same or choice).labels.append(label)
    return picked


def _candidates(
    net: TransitNetwork,
    access: FloatArray,
    egress: FloatArray,
    opts: PlannerOptions,
    destination_xy: FloatArray,
) -> list[_Choice]:
    # Lower bound of the cost left from a candidate: nothing covers the straight line to the
    # destination faster than the fastest mode, and every trip ends with a walk at least as
    # long as the shortest egress, whose cost per metre exceeds that speed's.
    fastest_ms = max([r.speed_ms for r in net.routes] + [opts.walk_ms])
    ride_bound_s = np.hypot(*(net.cand_xy - destination_xy).T) / (fastest_ms * UTM_SLACK)
    last_walk_m = float(egress[np.isfinite(egress)].min())
    choices: list[_Choice] = []
    seen: set[tuple[tuple[int, int], ...]] = set()
    for weight in (0.0, LEAST_WALK_WEIGHT_S_PER_M):
        per_m = 1.0 / opts.walk_ms + weight
        remaining_s = ride_bound_s + last_walk_m * (per_m - 1.0 / fastest_ms)
        # the trips found so far bound this search's best (same path, this weight's cost)
        upper = min((c.cost_s + weight * c.walk_m for c in choices), default=np.inf)
        rounds = _search(
            net,
            access_m=access,
            egress_m=egress,
            opts=opts,
            walk_weight=weight,
            remaining_s=remaining_s,
            upper=upper,
        )
        for r, cost in enumerate(rounds.dest_cost):
            if cost >= HUGE / 2:
                continue
            rides = _chain(rounds, r)
            if tuple(rides) in seen:
                continue
            seen.add(tuple(rides))
            walks = [float(access[rides[0][0]]), float(egress[rides[-1][1]])]
            walks += [float(rounds.parent_walk_m[k - 1][rides[k][0]]) for k in range(1, len(rides))]
            choices.append(_summarise(net, rides, walks, opts))
    return choices


def plan(
    graph: WalkingGraph,
    net: TransitNetwork,
    origin: LonLat,
    destination: LonLat,
    opts: PlannerOptions,
) -> dict[str, Any]:
    """Plan angkot trips between two points.

    Args:
        graph: Walking graph of the city.
        net: Its hail-and-ride network.
        origin: Start (lon, lat).
        destination: End (lon, lat).
        opts: Walking speed, penalties and limits.

    Returns:
        ``{"itineraries": [...], "reason": str | None, "reason_en": str | None}`` with up to
        three itineraries labelled ``fastest``, ``fewest_transfers``, ``least_walking``.
    """
    xy = graph.project(np.array([origin[0], destination[0]]), np.array([origin[1], destination[1]]))
    access = _walks_from(graph, net, xy[0], opts.max_walk_m)
    egress = _walks_from(graph, net, xy[1], opts.max_walk_m)
    walk_limit = 2 * opts.max_walk_m + opts.max_transfers * opts.max_transfer_walk_m
    direct = float(graph.walk_distances(xy[0], xy[1].reshape(1, 2), walk_limit)[0])
    choices: list[_Choice] = []
    if direct <= opts.max_walk_m:
        choices.append(_summarise(net, [], [direct], opts))
    if net.size and np.isfinite(access).any() and np.isfinite(egress).any():
        choices += _candidates(net, access, egress, opts, xy[1])
    # a ride that walks at least as far as walking all the way, and is not faster, is pointless
    kept = [
        c
        for c in choices
        if not c.rides or not (c.walk_m >= direct - 1 and c.duration_s >= direct / opts.walk_ms)
    ]
    itineraries = []
    for choice in _pick(kept):
        itinerary = _itinerary(
            graph, net, rides=choice.rides, origin=origin, destination=destination, opts=opts
        )
        itinerary["labels"] = choice.labels
        itineraries.append(itinerary)
    reason = None
    if not itineraries:
        reason = walk_instead_text(direct, direct / opts.walk_ms) if choices else None
        reason = reason or _reason(net, access, egress, opts)
    return {
        "itineraries": itineraries,
        "reason": reason[0] if reason else None,
        "reason_en": reason[1] if reason else None,
    }


def _reason(
    net: TransitNetwork, access: FloatArray, egress: FloatArray, opts: PlannerOptions
) -> tuple[str, str]:
    limit_id, limit_en = format_m_id(opts.max_walk_m), f"{opts.max_walk_m:,.0f} m"
    if net.size == 0:
        return ("belum ada rute angkot di kota ini", "this city has no angkot routes yet")
    if not np.isfinite(access).any():
        return (
            f"tidak ada angkot dalam {limit_id} dari titik awal",
            f"no angkot within {limit_en} of the start",
        )
    if not np.isfinite(egress).any():
        return (
            f"tidak ada angkot dalam {limit_id} dari tujuan",
            f"no angkot within {limit_en} of the destination",
        )
    k = opts.max_transfers
    via_id = "tanpa pindah angkot" if k == 0 else f"dengan paling banyak {k} kali pindah angkot"
    via_en = "without changing angkot" if k == 0 else f"with at most {k} transfers"
    return (
        f"tidak ada angkot yang menghubungkan titik awal dan tujuan {via_id}",
        f"no angkot connects the start and the destination {via_en}",
    )
