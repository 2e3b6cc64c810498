"""Choosing itineraries among the trips found, and describing them as walk and ride legs."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from geo.transit.network import Route, TransitNetwork
from geo.transit.search import PlannerOptions
from geo.transit.text import ride_text, walk_text
from geo.transit.walking import WalkingGraph

SAME_WALK_M = 50.0  # two itineraries on the same routes are one unless walks differ more
MIN_WALK_LEG_M = 5.0  # a shorter walk (shown as "0 m") is no step: its leg is left out

LonLat = tuple[float, float]


@dataclass
class Choice:
    """A candidate trip, summarised; its legs are built only when it is picked."""

    rides: list[tuple[int, int]]  # (board, alight) candidate indices
    key: tuple[int, ...]  # route ids
    walk_m: float
    duration_s: float
    transfers: int
    cost_s: float
    labels: list[str] = field(default_factory=list)


def summarise(
    net: TransitNetwork,
    rides: list[tuple[int, int]],
    walks_m: list[float],
    opts: PlannerOptions,
) -> Choice:
    """Summarise a trip found by the search (no legs built yet).

    Args:
        net: The hail-and-ride network.
        rides: (board, alight) candidate pairs; empty for walking all the way.
        walks_m: Metres of every walk of the trip (access, transfers, egress).
        opts: Walking speed and transfer penalty.

    Returns:
        The trip's route ids, walking, duration (walks + waits + rides), transfers and cost
        (duration plus the transfer penalties).
    """
    routes = [net.routes[int(net.cand_route[board])] for board, _ in rides]
    ride_s = sum(float(net.cand_ride_s[j] - net.cand_ride_s[i]) for i, j in rides)
    wait_s = sum(r.headway_s / 2 for r in routes)
    walk_m = float(sum(walks_m))
    duration = walk_m / opts.walk_ms + ride_s + wait_s
    transfers = max(len(rides) - 1, 0)
    return Choice(
        rides=rides,
        key=tuple(r.id for r in routes),
        walk_m=walk_m,
        duration_s=duration,
        transfers=transfers,
        cost_s=duration + transfers * opts.transfer_penalty_s,
    )


def _alternative(
    choices: list[Choice], fastest: Choice, label: str, opts: PlannerOptions
) -> Choice | None:
    """The best choice that beats the fastest on ``label``'s criterion by the settings' margin
    (a transfer fewer; ``alt_min_walk_saved_m`` less walking) without costing more than
    ``alt_max_extra_s`` of time (nor, for less walking, ``alt_max_extra_transfers``)."""
    slow_s = fastest.duration_s + opts.alt_max_extra_s
    if label == "fewest_transfers":
        fits = [
            c
            for c in choices
            if c.rides and c.transfers < fastest.transfers and c.duration_s <= slow_s
        ]
        return min(fits, key=lambda c: (c.transfers, c.cost_s), default=None)
    fits = [
        c
        for c in choices
        if c.walk_m <= fastest.walk_m - opts.alt_min_walk_saved_m
        and c.duration_s <= slow_s
        and c.transfers <= fastest.transfers + opts.alt_max_extra_transfers
    ]
    return min(fits, key=lambda c: (c.walk_m, c.cost_s), default=None)


def pick(choices: list[Choice], opts: PlannerOptions) -> list[Choice]:
    """Pick the fastest trip, and the alternatives worth offering beside it.

    Args:
        choices: Every trip found (walking all the way among them when it is offered).
        opts: The alternatives' margins (``alt_min_walk_saved_m``, ``alt_max_extra_s``,
            ``alt_max_extra_transfers``).

    Returns:
        Up to three choices, each carrying its labels (``fastest``, ``fewest_transfers``,
        ``least_walking``). An alternative is offered only when it is better than the fastest
        on its own criterion by the margin (see ``_alternative``); otherwise the fastest
        carries that label too. One on the same routes as another, with walks within
        ``SAME_WALK_M``, is merged into it.
    """
    if not choices:
        return []
    fastest = min(choices, key=lambda c: (c.cost_s, c.walk_m))
    picked: list[Choice] = [fastest]
    fastest.labels.append("fastest")
    for label in ("fewest_transfers", "least_walking"):
        choice = _alternative(choices, fastest, label, opts) or fastest
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


def _walk_leg(
    graph: WalkingGraph,
    *,
    a: LonLat,
    b: LonLat,
    opts: PlannerOptions,
    to_name: str | None,
    next_route: Route | None,
) -> dict[str, Any]:
    path = graph.path(a, b, max(opts.max_walk_m, opts.max_transfer_walk_m) * 1.05 + 10)
    duration_s = path.distance_m / opts.walk_ms
    text_id, text_en = walk_text(
        path.distance_m,
        duration_s,
        to_name,
        next_route.code if next_route else None,
        next_route.mode if next_route else "angkot",
    )
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
        "vehicle": route.mode,
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
            "mode": route.mode,
        },
        "board": {"name": board_name, "point": list(net.lonlat(graph, board))},
        "alight": {"name": alight_name, "point": list(net.lonlat(graph, alight))},
        "instruction_id": text_id,
        "instruction_en": text_en,
    }


def build_itinerary(
    graph: WalkingGraph,
    net: TransitNetwork,
    *,
    rides: list[tuple[int, int]],
    origin: LonLat,
    destination: LonLat,
    opts: PlannerOptions,
) -> dict[str, Any]:
    """Describe a trip as walk and ride legs with GeoJSON geometry and instructions.

    Args:
        graph: The city's walking graph (walking paths, street names).
        net: The hail-and-ride network.
        rides: (board, alight) candidate pairs; empty for walking all the way.
        origin: Start (lon, lat).
        destination: End (lon, lat).
        opts: Walking speed, limits and transfer penalty.

    Returns:
        The itinerary: ``labels`` (empty, set by the caller), ``kind`` (``transit``, or
        ``walk_only`` for walking all the way), ``duration_s``, ``wait_s`` (the waits of its
        rides), ``cost_s``, ``walk_distance_m``, ``fare_idr``, ``transfers`` and ``legs``
        (walks shorter than ``MIN_WALK_LEG_M`` next to a ride are left out).
    """
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
                next_route=route,
            )
        )
        legs.append(_ride_leg(graph, net, board, alight, streets))
        here = net.lonlat(graph, alight)
    legs.append(_walk_leg(graph, a=here, b=destination, opts=opts, to_name=None, next_route=None))
    if rides:  # a walk of "0 m" to or between rides is no step
        legs = [leg for leg in legs if leg["mode"] == "ride" or leg["distance_m"] >= MIN_WALK_LEG_M]
    ride_legs = [leg for leg in legs if leg["mode"] == "ride"]
    walk_m = sum(leg["distance_m"] for leg in legs if leg["mode"] == "walk")
    duration = sum(leg["duration_s"] + leg.get("wait_s", 0) for leg in legs)
    transfers = max(len(ride_legs) - 1, 0)
    return {
        "labels": [],
        "kind": "transit" if rides else "walk_only",
        "duration_s": round(duration),
        "wait_s": sum(leg["wait_s"] for leg in ride_legs),
        "cost_s": round(duration + transfers * opts.transfer_penalty_s),
        "walk_distance_m": round(walk_m, 1),
        "fare_idr": sum(leg["fare_idr"] for leg in ride_legs),
        "transfers": transfers,
        "legs": legs,
    }
