"""Angkot trip planner: access and egress walks, the searches, and the itineraries offered."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np

from geo.transit.clock import stamp_times
from geo.transit.itineraries import (
    MIN_WALK_LEG_M,
    Choice,
    LonLat,
    build_itinerary,
    pick,
    summarise,
)
from geo.transit.network import HUGE, UTM_SLACK, TransitNetwork
from geo.transit.search import PlannerOptions, chain, search, walks_from
from geo.transit.text import format_m_id, same_place_text, walk_instead_text
from geo.transit.walking import FloatArray, WalkingGraph

__all__ = ["LEAST_WALK_WEIGHT_S_PER_M", "PlannerOptions", "fastest_trip", "plan"]

LEAST_WALK_WEIGHT_S_PER_M = 100.0  # cost of one metre of walking when minimising walking


def _candidates(
    net: TransitNetwork,
    access: FloatArray,
    egress: FloatArray,
    opts: PlannerOptions,
    destination_xy: FloatArray,
) -> list[Choice]:
    # Lower bound of the cost left from a candidate: nothing covers the straight line to the
    # destination faster than the fastest mode, and every trip ends with a walk at least as
    # long as the shortest egress, whose cost per metre exceeds that speed's.
    fastest_ms = max([r.speed_ms for r in net.routes] + [opts.walk_ms])
    ride_bound_s = np.hypot(*(net.cand_xy - destination_xy).T) / (fastest_ms * UTM_SLACK)
    last_walk_m = float(egress[np.isfinite(egress)].min())
    choices: list[Choice] = []
    seen: set[tuple[tuple[int, int], ...]] = set()
    for weight in (0.0, LEAST_WALK_WEIGHT_S_PER_M):
        per_m = 1.0 / opts.walk_ms + weight
        remaining_s = ride_bound_s + last_walk_m * (per_m - 1.0 / fastest_ms)
        # the trips found so far bound this search's best (same path, this weight's cost)
        upper = min((c.cost_s + weight * c.walk_m for c in choices), default=np.inf)
        rounds = search(
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
            rides = chain(rounds, r)
            if tuple(rides) in seen:
                continue
            seen.add(tuple(rides))
            walks = [float(access[rides[0][0]]), float(egress[rides[-1][1]])]
            walks += [float(rounds.parent_walk_m[k - 1][rides[k][0]]) for k in range(1, len(rides))]
            choices.append(summarise(net, rides, walks, opts))
    return choices


@dataclass(frozen=True)
class _Found:
    """Every trip found between two points, with walking all the way beside them."""

    choices: list[Choice]
    access: FloatArray
    egress: FloatArray
    direct_m: float
    walk_s: float
    walk_offered: bool
    same_place: bool


def _find(
    graph: WalkingGraph,
    net: TransitNetwork,
    origin: LonLat,
    destination: LonLat,
    opts: PlannerOptions,
) -> _Found:
    xy = graph.project(np.array([origin[0], destination[0]]), np.array([origin[1], destination[1]]))
    if float(np.hypot(*(xy[1] - xy[0]))) < opts.same_place_m:
        empty = np.full(net.size, np.inf)
        return _Found([], empty, empty, 0.0, 0.0, walk_offered=False, same_place=True)
    access = walks_from(graph, net, xy[0], opts.max_walk_m)
    egress = walks_from(graph, net, xy[1], opts.max_walk_m)
    walk_limit = 2 * opts.max_walk_m + opts.max_transfers * opts.max_transfer_walk_m
    direct = float(graph.walk_distances(xy[0], xy[1].reshape(1, 2), walk_limit)[0])
    walk_s = direct / opts.walk_ms
    walk_offered = direct <= opts.max_walk_m
    choices: list[Choice] = []
    if net.size and np.isfinite(access).any() and np.isfinite(egress).any():
        choices = _candidates(net, access, egress, opts, xy[1])
    if walk_offered:
        choices = [c for c in choices if c.walk_m < direct - 1 or c.duration_s < walk_s]
        choices.insert(0, summarise(net, [], [direct], opts))
    return _Found(choices, access, egress, direct, walk_s, walk_offered, same_place=False)


def plan(
    graph: WalkingGraph,
    net: TransitNetwork,
    origin: LonLat,
    destination: LonLat,
    opts: PlannerOptions,
    *,
    depart: datetime | None = None,
) -> dict[str, Any]:
    """Plan angkot trips between two points.

    Args:
        graph: Walking graph of the city.
        net: Its hail-and-ride network.
        origin: Start (lon, lat).
        destination: End (lon, lat).
        opts: Walking speed, penalties, limits and the alternatives' margins.
        depart: When the trip starts (time-zone aware); sets ``depart_at`` / ``arrive_at``.

    Start and end closer than ``same_place_m`` are the same place: no itinerary, and a reason
    that says so (``kind: "same_place"``). Walking all the way is offered when it is within
    ``max_walk_m``; a ride then must beat it (faster, or by the alternatives' margins) to be
    shown, so a short trip is answered by walking alone (an itinerary of ``kind`` ``walk_only``).
    When walking all the way is longer than ``max_walk_m`` it is not offered and every ride
    stays, so ``fastest`` is the fastest trip within the limits; if walking all the way would
    still be faster than every itinerary, ``reason`` says so beside them.

    Returns:
        ``{"kind", "itineraries": [...], "reason": str | None, "reason_en": str | None}`` with
        up to three itineraries labelled ``fastest``, ``fewest_transfers``, ``least_walking``
        (alternatives only when better than the fastest on their criterion by the margins);
        ``kind`` is ``trip``, or ``same_place``; ``reason`` tells why there is no itinerary,
        or that walking all the way is faster.
    """
    found = _find(graph, net, origin, destination, opts)
    itineraries = []
    for choice in pick(found.choices, opts):
        itinerary = build_itinerary(
            graph, net, rides=choice.rides, origin=origin, destination=destination, opts=opts
        )
        itinerary["labels"] = choice.labels
        if depart is not None:
            stamp_times(itinerary, depart)
        itineraries.append(itinerary)
    reason = None
    if found.same_place:
        reason = same_place_text()
    elif not itineraries:
        reason = _reason(net, found.access, found.egress, opts)
    elif not found.walk_offered and found.walk_s < min(it["duration_s"] for it in itineraries):
        reason = walk_instead_text(found.direct_m, found.walk_s)
    return {
        "kind": "same_place" if found.same_place else "trip",
        "itineraries": itineraries,
        "reason": reason[0] if reason else None,
        "reason_en": reason[1] if reason else None,
    }


def _kept_walk(metres: float) -> float:
    # a walk build_itinerary leaves out beside a ride (no "0 m" leg) counts for nothing
    return metres if round(metres, 1) >= MIN_WALK_LEG_M else 0.0


def _ride_summary(
    graph: WalkingGraph,
    net: TransitNetwork,
    choice: Choice,
    *,
    origin: LonLat,
    destination: LonLat,
    opts: PlannerOptions,
) -> dict[str, Any]:
    # the figures build_itinerary gives this choice, with the same walks and rounding, no legs
    limit = max(opts.max_walk_m, opts.max_transfer_walk_m) * 1.05 + 10
    here, walk_m, duration, fare, codes = origin, 0.0, 0, 0, []
    for board, alight in choice.rides:
        route = net.routes[int(net.cand_route[board])]
        walked = _kept_walk(graph.path(here, net.lonlat(graph, board), limit).distance_m)
        walk_m += round(walked, 1)
        duration += round(walked / opts.walk_ms)
        duration += round(float(net.cand_ride_s[alight] - net.cand_ride_s[board]))
        duration += round(route.headway_s / 2)
        fare += route.fare_idr
        codes.append(route.code)
        here = net.lonlat(graph, alight)
    walked = _kept_walk(graph.path(here, destination, limit).distance_m)
    walk_m += round(walked, 1)
    duration += round(walked / opts.walk_ms)
    return {
        "found": True,
        "duration_s": round(duration),
        "fare_idr": fare,
        "transfers": max(len(choice.rides) - 1, 0),
        "walk_distance_m": round(walk_m, 1),
        "routes": codes,
        "reason": None,
    }


def fastest_trip(
    graph: WalkingGraph,
    net: TransitNetwork,
    origin: LonLat,
    destination: LonLat,
    opts: PlannerOptions,
) -> dict[str, Any]:
    """The fastest angkot trip that :func:`plan` offers, as figures only (no legs, no geometry).

    The arguments are :func:`plan`'s (no ``depart``: no clock times here).

    Returns:
        Among plan()'s itineraries with a ride, the one with the least (duration, transfers):
        ``{"found": True, "duration_s", "fare_idr", "transfers", "walk_distance_m", "routes"
        (route codes), "reason": None}``; without one ``{"found": False, "reason"}`` with
        plan()'s reason (None when walking all the way is offered and no ride is kept; the
        same-place reason when start and end are within ``same_place_m``).
    """
    found = _find(graph, net, origin, destination, opts)
    picked = pick(found.choices, opts)
    trips = [
        _ride_summary(graph, net, c, origin=origin, destination=destination, opts=opts)
        for c in picked
        if c.rides
    ]
    if trips:
        return min(trips, key=lambda t: (t["duration_s"], t["transfers"]))
    reason = None
    if found.same_place:
        reason = same_place_text()
    elif not picked:
        reason = _reason(net, found.access, found.egress, opts)
    return {"found": False, "reason": reason[0] if reason else None}


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
