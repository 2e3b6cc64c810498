"""Transfers between rounds of the trip search: alight, walk through road stops, board again."""

from __future__ import annotations

import numpy as np

from geo.transit.network import HUGE, TransitNetwork
from geo.transit.walking import BoolArray, FloatArray, IntArray


def relax_transfers(
    net: TransitNetwork,
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
        net: The hail-and-ride network.
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
    n = net.size
    limit = min(limit_m, net.max_transfer_walk_m)
    board = np.full(n, HUGE)
    parent = np.full(n, -1, dtype=np.int64)
    walked = np.zeros(n)
    st = net.stops
    if st.node.size and st.walk_m.size:
        _relax_stops(
            net,
            arrival=arrival,
            per_m=per_m,
            limit=limit,
            extra=extra,
            alight_ok=alight_ok,
            board_max=board_max,
            out=(board, parent, walked),
        )
    usable = alight_ok[net.transfer_src] & (net.transfer_walk_m <= limit)
    if usable.any():
        src, dst = net.transfer_src[usable], net.transfer_dst[usable]
        walk = net.transfer_walk_m[usable]
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
