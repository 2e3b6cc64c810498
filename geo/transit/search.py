"""Round-based search (RAPTOR-like) over the hail-and-ride network: one round per ride."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from geo.transit.network import HUGE, UTM_SLACK, TransitNetwork
from geo.transit.transfers import relax_transfers
from geo.transit.walking import DETOUR_FACTOR, FloatArray, IntArray, WalkingGraph

_BIG = 1e10  # segment offset for the vectorised per-route prefix minimum (> HUGE + any ride)
_EPS_S = 1e-6  # ties with the best trip so far are kept


@dataclass(frozen=True)
class PlannerOptions:
    """Planner options of one search (geo.transit.PlannerSettings holds the defaults)."""

    walk_speed_kmh: float = 4.5
    transfer_penalty_s: float = 300.0
    max_walk_m: float = 1000.0
    max_transfer_walk_m: float = 400.0
    max_transfers: int = 3
    alt_min_walk_saved_m: float = 400.0
    alt_max_extra_s: float = 600.0
    alt_max_extra_transfers: int = 1
    same_place_m: float = 30.0

    @property
    def walk_ms(self) -> float:
        """Walking speed in metres per second."""
        return self.walk_speed_kmh / 3.6


@dataclass
class Rounds:
    """Per round: best arrival cost at each candidate and the pointers to rebuild the trip."""

    arrival: list[FloatArray] = field(default_factory=list)
    board_of: list[IntArray] = field(default_factory=list)
    parent: list[IntArray] = field(default_factory=list)  # round r: alight point of round r-1
    parent_walk_m: list[FloatArray] = field(default_factory=list)  # that transfer's walk
    dest_cost: list[float] = field(default_factory=list)
    dest_via: list[int] = field(default_factory=list)


def walks_from(
    graph: WalkingGraph, net: TransitNetwork, point_xy: FloatArray, limit_m: float
) -> FloatArray:
    """Walking metres from a point to every candidate boarding point.

    Args:
        graph: The city's walking graph.
        net: The hail-and-ride network.
        point_xy: (2,) UTM point (the origin or the destination).
        limit_m: Longest walk.

    Returns:
        Metres per candidate (snap + network path + snap, or the straight line x
        ``DETOUR_FACTOR`` off the network); inf beyond ``limit_m``.
    """
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


def search(
    net: TransitNetwork,
    *,
    access_m: FloatArray,
    egress_m: FloatArray,
    opts: PlannerOptions,
    walk_weight: float,
    remaining_s: FloatArray,
    upper: float = np.inf,
) -> Rounds:
    """Round r: the cheapest trips with r + 1 rides (RAPTOR over route directions).

    ``remaining_s`` is a lower bound of the cost from each candidate to the destination; a
    label that cannot beat ``upper`` (a known trip) or the best trip of an earlier round (more
    transfers and no cheaper) is pruned, so later rounds touch only the candidates that still
    matter. The best trip over all rounds is exact; a round's own best is dropped when an
    earlier round (or ``upper``) does better.

    Args:
        net: The hail-and-ride network.
        access_m: Walking metres from the origin to each candidate (inf: out of reach).
        egress_m: Walking metres from each candidate to the destination.
        opts: Speeds, penalties and limits (``max_transfers`` bounds the rounds).
        walk_weight: Extra cost (s) of one metre of walking (0 for the fastest trip).
        remaining_s: Lower bound of the cost from each candidate to the destination.
        upper: Cost of a known trip (prunes what cannot beat it).

    Returns:
        The rounds: per round the arrival costs and pointers, the cost of the best trip with
        that many rides (``HUGE`` when none) and its last alighting candidate.
    """
    per_m = 1.0 / opts.walk_ms + walk_weight
    wait = net.cand_wait_s
    board_cost = np.where(np.isfinite(access_m), access_m * per_m + wait, HUGE)
    egress_cost = np.where(np.isfinite(egress_m), egress_m * per_m, HUGE)
    extra = wait + opts.transfer_penalty_s
    min_extra = float(extra.min()) if extra.size else 0.0
    rounds = Rounds()
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
        board_cost, parent, parent_walk = relax_transfers(
            net,
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


def chain(rounds: Rounds, r: int) -> list[tuple[int, int]]:
    """The rides of the trip found in round ``r``.

    Args:
        rounds: What ``search`` returned.
        r: A round whose ``dest_cost`` is finite.

    Returns:
        (board, alight) candidate pairs, first ride first.
    """
    rides = []
    alight = rounds.dest_via[r]
    for k in range(r, -1, -1):
        board = int(rounds.board_of[k][alight])
        rides.append((board, alight))
        if k > 0:
            alight = int(rounds.parent[k - 1][board])
    rides.reverse()
    return rides
