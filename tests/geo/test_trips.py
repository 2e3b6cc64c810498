"""Trip planner correctness on synthetic grid cities (brute force, direction, transfers, cache)."""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.transit.build import TransitNetwork, build_transit_network
from geo.transit.cache import PlannerCache
from geo.transit.plan import PlannerOptions, fastest_trip, plan
from geo.transit.search import search, walks_from
from geo.transit.walking import WalkingGraph, build_walking_graph
from tests.geo.synthetic import (
    GridCity,
    RouteSpec,
    build_grid_city,
    random_grid_routes,
    set_route_path,
)

pytestmark = pytest.mark.postgis
SPACING_M = 50.0
ROUNDING_S = 4.0  # leg durations are rounded to whole seconds


def _networks(db: Session, grid: GridCity) -> tuple[WalkingGraph, TransitNetwork]:
    graph = build_walking_graph(db, grid.city.id, grid.city.utm_srid)
    return graph, build_transit_network(db, grid.city.id, graph, spacing_m=SPACING_M)


def _rides(itinerary: dict[str, Any]) -> list[str]:
    return [leg["route"]["code"] for leg in itinerary["legs"] if leg["mode"] == "ride"]


def _labelled(result: dict[str, Any], label: str) -> dict[str, Any]:
    return next(it for it in result["itineraries"] if label in it["labels"])


# -- brute force ---------------------------------------------------------------------------------
def brute_force_cost(
    graph: WalkingGraph,
    net: TransitNetwork,
    origin: tuple[float, float],
    destination: tuple[float, float],
    opts: PlannerOptions,
) -> float:
    """Best generalized cost with <= 1 transfer by enumerating every board/alight combination
    on the sampled points (walk-only included). Independent of the planner's search."""
    v = opts.walk_ms
    xy = graph.project(np.array([origin[0], destination[0]]), np.array([origin[1], destination[1]]))
    acc = graph.walk_distances(xy[0], net.cand_xy, opts.max_walk_m)
    egr = graph.walk_distances(xy[1], net.cand_xy, opts.max_walk_m)
    best = float(graph.walk_distances(xy[0], xy[1:2], opts.max_walk_m)[0]) / v
    spans = [np.arange(net.route_start[r], net.route_start[r + 1]) for r in range(len(net.routes))]
    # F[A][i, j]: walk to i, wait, ride A from i to j (j > i); min over i per j
    arrive: list[np.ndarray] = []
    depart: list[np.ndarray] = []  # per k: best cost from boarding at k (ride + egress), no wait
    for r, idx in enumerate(spans):
        t = net.cand_ride_s[idx]
        wait = net.routes[r].headway_s / 2
        later = np.triu(np.ones((idx.size, idx.size), dtype=bool), k=1)
        board = (acc[idx] / v + wait)[:, None] + (t[None, :] - t[:, None])
        direct = board + (egr[idx] / v)[None, :]
        best = min(best, float(np.where(later, direct, np.inf).min()))
        arrive.append(np.where(later, board, np.inf).min(axis=0))
        onward = (t[None, :] - t[:, None]) + (egr[idx] / v)[None, :]
        depart.append(np.where(later, onward, np.inf).min(axis=1) + wait)
    for a, idx_a in enumerate(spans):
        for b, idx_b in enumerate(spans):
            if a == b:
                continue
            for jj, j in enumerate(idx_a):
                if not np.isfinite(arrive[a][jj]):
                    continue
                w = graph.walk_distances(
                    net.cand_xy[j], net.cand_xy[idx_b], opts.max_transfer_walk_m
                )
                total = arrive[a][jj] + w / v + opts.transfer_penalty_s + depart[b]
                best = min(best, float(total.min()))
    return best


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_fastest_is_optimal_within_sampling(db: Session, seed: int) -> None:
    routes = random_grid_routes(21, 21, 4, seed=seed, legs=3)
    grid = build_grid_city(db, f"brute{seed}", routes=routes, with_areas=False)
    graph, net = _networks(db, grid)
    opts = PlannerOptions(max_walk_m=600, max_transfers=1)
    rnd = random.Random(seed)
    checked = 0
    for _ in range(8):
        o = grid.lonlat(rnd.uniform(0, 20), rnd.uniform(0, 20))
        d = grid.lonlat(rnd.uniform(0, 20), rnd.uniform(0, 20))
        expected = brute_force_cost(graph, net, o, d, opts)
        result = plan(graph, net, o, d, opts)
        if not np.isfinite(expected):
            assert result["itineraries"] == []
            assert result["reason"]
            continue
        assert result["itineraries"], (o, d, expected, result["reason"])
        got = _labelled(result, "fastest")["cost_s"]
        tolerance = SPACING_M / opts.walk_ms + ROUNDING_S
        assert expected - ROUNDING_S <= got <= expected + tolerance, (o, d, got, expected)
        checked += 1
    assert checked >= 3


# -- direction, transfers, limits ---------------------------------------------------------------
EAST = RouteSpec("E1", [(c, 10) for c in range(21)], name="Timur", destination="Ujung Timur")
NORTH = RouteSpec("N1", [(15, r) for r in range(21)], colour="#33a02c", fare_idr=3000)


def test_ride_goes_with_the_route_and_never_against_it(db: Session) -> None:
    grid = build_grid_city(db, "oneway", routes=[EAST])
    graph, net = _networks(db, grid)
    opts = PlannerOptions()
    west, east = grid.lonlat(1, 10.3), grid.lonlat(19, 10.3)
    forward = plan(graph, net, west, east, opts)
    fastest = _labelled(forward, "fastest")
    assert _rides(fastest) == ["E1"]
    ride = next(leg for leg in fastest["legs"] if leg["mode"] == "ride")
    lons = [c[0] for c in ride["geometry"]["coordinates"]]
    assert lons == sorted(lons)
    assert lons[-1] - lons[0] > 0.01
    assert ride["board"]["name"] == "Jalan Baris 10"
    assert ride["distance_m"] == pytest.approx(1800, abs=2 * SPACING_M)
    # E1 never carries anyone west: the only ride within 1,000 m walks (east -> west) walks
    # ~1 km, rides a few metres east, walks ~1 km; it is shown because walking all the way
    # (1.86 km) is beyond the limit, with the note that walking would be faster
    backward = plan(graph, net, east, west, opts)
    for it in backward["itineraries"]:
        for leg in it["legs"]:
            if leg["mode"] == "ride":
                lons = [c[0] for c in leg["geometry"]["coordinates"]]
                assert lons == sorted(lons)
                assert leg["distance_m"] <= 2 * SPACING_M
    assert (
        backward["reason"]
        == "jalan kaki langsung lebih cepat (1,9 km, 25 menit) daripada naik angkot"
    )
    assert (
        backward["reason_en"]
        == "walking all the way is faster (1.9 km, 25 min) than taking an angkot"
    )
    short_walks = plan(graph, net, east, west, PlannerOptions(max_walk_m=300))
    assert short_walks["itineraries"] == []
    assert short_walks["reason"].startswith("tidak ada angkot yang menghubungkan")


def test_transfer_is_found_and_max_transfers_zero_forbids_it(db: Session) -> None:
    grid = build_grid_city(db, "transfer", routes=[EAST, NORTH])
    graph, net = _networks(db, grid)
    start, end = grid.lonlat(2, 10.2), grid.lonlat(15.2, 19)
    result = plan(graph, net, start, end, PlannerOptions(max_walk_m=600))
    fastest = _labelled(result, "fastest")
    assert _rides(fastest) == ["E1", "N1"]
    assert fastest["transfers"] == 1
    assert fastest["fare_idr"] == 4000 + 3000
    modes = [leg["mode"] for leg in fastest["legs"]]
    assert modes == ["walk", "ride", "walk", "ride", "walk"]
    assert fastest["walk_distance_m"] == pytest.approx(
        sum(leg["distance_m"] for leg in fastest["legs"] if leg["mode"] == "walk"), abs=0.5
    )
    none = plan(graph, net, start, end, PlannerOptions(max_walk_m=600, max_transfers=0))
    assert none["itineraries"] == []
    assert "tanpa pindah angkot" in none["reason"]
    direct = plan(
        graph, net, grid.lonlat(2, 10.2), grid.lonlat(18, 10.2), PlannerOptions(max_transfers=0)
    )
    assert all(it["transfers"] == 0 for it in direct["itineraries"])
    assert _rides(_labelled(direct, "fastest")) == ["E1"]


def _slow_and_fast(db: Session, slug: str, slow_kmh: float) -> tuple[GridCity, Any, Any]:
    # a direct route at slow_kmh and a fast pair with a transfer between the same places
    slow = RouteSpec(
        "S1",
        [(2, 2), *[(c, 2) for c in range(3, 19)], *[(18, r) for r in range(3, 19)]],
        speed_kmh=slow_kmh,
        colour="#6a3d9a",
    )
    fast_a = RouteSpec("F1", [(c, 3) for c in range(1, 20)], speed_kmh=40.0, headway_s=120)
    fast_b = RouteSpec("F2", [(19, r) for r in range(2, 20)], speed_kmh=40.0, headway_s=120)
    grid = build_grid_city(db, slug, routes=[slow, fast_a, fast_b])
    graph, net = _networks(db, grid)
    return grid, graph, net


def test_alternatives_are_labelled_and_distinct(db: Session) -> None:
    # the direct route is within TPO_ALT_MAX_EXTRA_S of the fast pair: offered beside it
    grid, graph, net = _slow_and_fast(db, "alts", 18.0)
    result = plan(graph, net, grid.lonlat(2, 2.4), grid.lonlat(18.4, 18), PlannerOptions())
    its = result["itineraries"]
    assert 2 <= len(its) <= 3
    keys = [tuple(_rides(it)) for it in its]
    assert len(set(keys)) == len(keys)
    assert _rides(_labelled(result, "fastest")) == ["F1", "F2"]
    assert _rides(_labelled(result, "fewest_transfers")) == ["S1"]
    labels = [label for it in its for label in it["labels"]]
    assert sorted(labels) == ["fastest", "fewest_transfers", "least_walking"]
    for it in its:
        assert set(it) == {
            "labels",
            "kind",
            "wait_s",
            "duration_s",
            "cost_s",
            "walk_distance_m",
            "fare_idr",
            "transfers",
            "legs",
        }
        for leg in it["legs"]:
            assert leg["geometry"]["type"] == "LineString"
            assert leg["instruction_id"]
            assert leg["instruction_en"]
            assert leg["duration_s"] >= 0


def test_much_slower_alternative_is_not_offered(db: Session) -> None:
    # one transfer fewer is not worth 25 minutes more: only the fastest is offered
    grid, graph, net = _slow_and_fast(db, "slowalt", 6.0)
    result = plan(graph, net, grid.lonlat(2, 2.4), grid.lonlat(18.4, 18), PlannerOptions())
    (only,) = result["itineraries"]
    assert _rides(only) == ["F1", "F2"]
    assert sorted(only["labels"]) == ["fastest", "fewest_transfers", "least_walking"]
    # with a wider margin the slow direct route is the fewest-transfers alternative again
    wide = plan(
        graph,
        net,
        grid.lonlat(2, 2.4),
        grid.lonlat(18.4, 18),
        PlannerOptions(alt_max_extra_s=3600),
    )
    assert _rides(_labelled(wide, "fewest_transfers")) == ["S1"]


def test_least_walking_must_save_enough_walking(db: Session) -> None:
    # a 700 m trip beside E1: riding saves less than 400 m of walking and takes longer (the
    # wait) than walking, so walking all the way is the only answer; with a 200 m margin the
    # ride is offered as the least-walking alternative
    grid = build_grid_city(db, "shortride", routes=[EAST])
    graph, net = _networks(db, grid)
    o, d = grid.lonlat(3, 10.5), grid.lonlat(9, 10.5)
    result = plan(graph, net, o, d, PlannerOptions())
    (walk,) = result["itineraries"]
    assert walk["kind"] == "walk_only"
    assert [leg["mode"] for leg in walk["legs"]] == ["walk"]
    loose = plan(graph, net, o, d, PlannerOptions(alt_min_walk_saved_m=200))
    assert _rides(_labelled(loose, "least_walking")) == ["E1"]


def test_same_start_and_end_is_no_trip(db: Session) -> None:
    grid = build_grid_city(db, "sameplace", routes=[EAST])
    graph, net = _networks(db, grid)
    here = grid.lonlat(4.5, 10.4)
    result = plan(graph, net, here, (here[0] + 0.00005, here[1]), PlannerOptions())
    assert result["kind"] == "same_place"
    assert result["itineraries"] == []
    assert result["reason"].startswith("titik awal dan tujuan sama")
    assert result["reason_en"].startswith("the start and the destination are the same")


def test_no_walk_leg_of_zero_metres(db: Session) -> None:
    # boarding exactly at the route's start, and a transfer where F1 ends on F2: no "0 m" walks
    grid, graph, net = _slow_and_fast(db, "zerowalk", 6.0)
    result = plan(graph, net, grid.lonlat(1, 3), grid.lonlat(19, 19), PlannerOptions())
    best = _labelled(result, "fastest")
    assert _rides(best) == ["F1", "F2"]
    assert best["legs"][0]["mode"] == "ride"
    walks = [leg for leg in best["legs"] if leg["mode"] == "walk"]
    assert all(leg["distance_m"] >= 5 for leg in walks)
    assert "0 m" not in " ".join(leg["instruction_id"] for leg in best["legs"])
    # the figures without legs (school transfers) leave the same walks out
    summary = fastest_trip(graph, net, grid.lonlat(1, 3), grid.lonlat(19, 19), PlannerOptions())
    assert (summary["duration_s"], summary["walk_distance_m"]) == (
        best["duration_s"],
        best["walk_distance_m"],
    )
    assert best["duration_s"] == sum(
        leg["duration_s"] + leg.get("wait_s", 0) for leg in best["legs"]
    )


def test_pointless_ride_is_hidden_when_walking_is_offered(db: Session) -> None:
    # east -> west along E1 (eastbound only): every ride walks more than the 1.86 km walk and is
    # slower. Walking is within max_walk_m = 2,000 m, so it is offered and the rides are not.
    grid = build_grid_city(db, "pointless", routes=[EAST])
    graph, net = _networks(db, grid)
    east, west = grid.lonlat(19, 10.3), grid.lonlat(1, 10.3)
    result = plan(graph, net, east, west, PlannerOptions(max_walk_m=2000))
    assert result["reason"] is None
    (walk,) = result["itineraries"]
    assert [leg["mode"] for leg in walk["legs"]] == ["walk"]
    assert walk["walk_distance_m"] == pytest.approx(30 + 1800 + 30, abs=1)
    assert sorted(walk["labels"]) == ["fastest", "fewest_transfers", "least_walking"]
    # the same trip with walking beyond the limit: the rides exist, and the walk is not offered
    limited = plan(graph, net, east, west, PlannerOptions(max_walk_m=1000))
    assert limited["itineraries"]
    assert all(_rides(it) == ["E1"] for it in limited["itineraries"])


@pytest.mark.slow
@pytest.mark.parametrize("seed", [3, 6])
def test_fastest_is_optimal_when_walking_all_the_way_is_too_long(db: Session, seed: int) -> None:
    # Walking all the way is longer than max_walk_m, so it is not offered: the fastest ride
    # must be shown even when it walks as far as walking all the way and is slower (the old
    # "pointless ride" filter hid it here and offered a slower ride, or nothing, instead).
    routes = random_grid_routes(13, 13, 6, seed=seed, legs=3)
    grid = build_grid_city(db, f"toolong{seed}", cols=13, rows=13, routes=routes, with_areas=False)
    graph, net = _networks(db, grid)
    opts = PlannerOptions(max_walk_m=500, max_transfers=1)
    tolerance = SPACING_M / opts.walk_ms + ROUNDING_S
    walk_limit_m = 2 * opts.max_walk_m + opts.max_transfer_walk_m  # the planner's comparison
    rnd = random.Random(seed)
    checked = walk_faster = 0
    for _ in range(40):
        o = grid.lonlat(round(rnd.uniform(0, 12), 1), round(rnd.uniform(0, 12), 1))
        d = grid.lonlat(round(rnd.uniform(0, 12), 1), round(rnd.uniform(0, 12), 1))
        xy = graph.project(np.array([o[0], d[0]]), np.array([o[1], d[1]]))
        direct_m = float(graph.walk_distances(xy[0], xy[1:2], 10_000)[0])
        if not opts.max_walk_m < direct_m <= walk_limit_m:
            continue
        expected = brute_force_cost(graph, net, o, d, opts)
        result = plan(graph, net, o, d, opts)
        if not np.isfinite(expected):
            assert result["itineraries"] == []
            continue
        assert result["itineraries"], (o, d, expected, result["reason"])
        assert all(len(it["legs"]) > 1 for it in result["itineraries"])  # walking not offered
        got = _labelled(result, "fastest")["cost_s"]
        assert expected - ROUNDING_S <= got <= expected + tolerance, (o, d, got, expected)
        fastest_s = min(it["duration_s"] for it in result["itineraries"])
        if direct_m / opts.walk_ms < fastest_s:
            walk_faster += 1
            assert result["reason"].startswith("jalan kaki langsung lebih cepat")
        else:
            assert result["reason"] is None
        checked += 1
    assert checked >= 10
    assert walk_faster >= 2


def test_no_route_near_the_start(db: Session) -> None:
    grid = build_grid_city(
        db, "faraway", cols=31, rows=21, routes=[RouteSpec("X", [(25, r) for r in range(21)])]
    )
    graph, net = _networks(db, grid)
    result = plan(graph, net, grid.lonlat(0, 0), grid.lonlat(25, 20), PlannerOptions())
    assert result["itineraries"] == []
    assert result["reason"] == "tidak ada angkot dalam 1.000 m dari titik awal"
    assert result["reason_en"] == "no angkot within 1,000 m of the start"


def test_short_trip_offers_walking(db: Session) -> None:
    grid = build_grid_city(db, "short", routes=[EAST])
    graph, net = _networks(db, grid)
    result = plan(graph, net, grid.lonlat(3, 3), grid.lonlat(5, 3), PlannerOptions())
    walk = result["itineraries"][0]
    assert [leg["mode"] for leg in walk["legs"]] == ["walk"]
    assert walk["walk_distance_m"] == pytest.approx(200, rel=0.01)
    assert walk["fare_idr"] == 0


def test_loop_route_is_plannable(db: Session) -> None:
    ring = [
        *[(c, 5) for c in range(5, 16)],
        *[(15, r) for r in range(6, 16)],
        *[(c, 15) for c in range(14, 4, -1)],
        *[(5, r) for r in range(14, 4, -1)],
    ]
    grid = build_grid_city(db, "loop", routes=[RouteSpec("L", ring)])
    graph, net = _networks(db, grid)
    # from the south-west corner clockwise (east, north, west) to the north-west part
    result = plan(
        graph, net, grid.lonlat(6, 5.2), grid.lonlat(6, 14.8), PlannerOptions(max_walk_m=300)
    )
    ride = next(leg for leg in _labelled(result, "fastest")["legs"] if leg["mode"] == "ride")
    assert ride["distance_m"] == pytest.approx(2800, abs=3 * SPACING_M)


def test_route_edit_is_planned_without_restart(db: Session) -> None:
    grid = build_grid_city(db, "edits", routes=[EAST])
    cache = PlannerCache(spacing_m=SPACING_M)
    start, end = grid.lonlat(1, 16.2), grid.lonlat(19, 16.2)
    opts = PlannerOptions(max_walk_m=500)
    first = cache.get(db, grid.city)
    assert plan(first.graph, first.transit, start, end, opts)["itineraries"] == []
    assert cache.get(db, grid.city) is first  # same revision: no rebuild
    set_route_path(db, grid, grid.route_ids[("E1", 0)], [(c, 16) for c in range(21)])
    second = cache.get(db, grid.city)
    assert second is not first
    assert second.graph is first.graph  # roads unchanged: walking graph reused
    result = plan(second.graph, second.transit, start, end, opts)
    assert _rides(_labelled(result, "fastest")) == ["E1"]
    assert cache.builds == 2


def _search_cost(
    graph: WalkingGraph,
    net: TransitNetwork,
    origin: tuple[float, float],
    destination: tuple[float, float],
    opts: PlannerOptions,
) -> float:
    """The cheapest trip the round-based search finds (walking all the way included)."""
    xy = graph.project(np.array([origin[0], destination[0]]), np.array([origin[1], destination[1]]))
    walk = float(graph.walk_distances(xy[0], xy[1:2], opts.max_walk_m)[0]) / opts.walk_ms
    access = walks_from(graph, net, xy[0], opts.max_walk_m)
    egress = walks_from(graph, net, xy[1], opts.max_walk_m)
    if not (np.isfinite(access).any() and np.isfinite(egress).any()):
        return walk
    fastest = max([r.speed_ms for r in net.routes] + [opts.walk_ms])
    remaining = np.hypot(*(net.cand_xy - xy[1]).T) / (fastest * 1.01)
    rounds = search(
        net,
        access_m=access,
        egress_m=egress,
        opts=opts,
        walk_weight=0.0,
        remaining_s=remaining,
    )
    best = min(rounds.dest_cost)
    return min(walk, best) if best < 1e8 else walk


@pytest.mark.slow
@pytest.mark.parametrize("seed", [4, 5, 6, 7])
def test_search_cost_equals_brute_force(db: Session, seed: int) -> None:
    # the pruned, stop-based search is exact on the sampled network: same cost as enumerating
    routes = random_grid_routes(21, 21, 8, seed=seed, legs=3)
    grid = build_grid_city(db, f"exact{seed}", routes=routes, with_areas=False)
    graph, net = _networks(db, grid)
    opts = PlannerOptions(max_walk_m=600, max_transfers=1)
    rnd = random.Random(seed)
    finite = 0
    for _ in range(8):
        o = grid.lonlat(rnd.uniform(0, 20), rnd.uniform(0, 20))
        d = grid.lonlat(rnd.uniform(0, 20), rnd.uniform(0, 20))
        expected = brute_force_cost(graph, net, o, d, opts)
        got = _search_cost(graph, net, o, d, opts)
        if np.isfinite(expected):
            finite += 1
            assert got == pytest.approx(expected, abs=1e-3), (o, d)
        else:
            assert got == np.inf
    assert finite >= 4


def test_transfer_walk_never_exceeds_the_limit(db: Session) -> None:
    # E1 on row 10 and N1 on column 15 from row 15 up: the nearest transfer walks ~500 m
    north = RouteSpec("N1", [(15, r) for r in range(15, 21)], colour="#33a02c")
    grid = build_grid_city(db, "farwalk", routes=[EAST, north])
    graph, net = _networks(db, grid)
    start, end = grid.lonlat(2, 10.2), grid.lonlat(15.2, 20)
    tight = plan(graph, net, start, end, PlannerOptions(max_walk_m=300))
    assert all(_rides(it) != ["E1", "N1"] for it in tight["itineraries"])
    wide_net = build_transit_network(
        db, grid.city.id, graph, spacing_m=SPACING_M, max_transfer_walk_m=600
    )
    opts = PlannerOptions(max_walk_m=300, max_transfer_walk_m=600)
    fastest = _labelled(plan(graph, wide_net, start, end, opts), "fastest")
    assert _rides(fastest) == ["E1", "N1"]
    transfer = fastest["legs"][2]
    assert transfer["mode"] == "walk"
    assert 450 <= transfer["distance_m"] <= 600


def test_never_gets_off_to_board_the_same_route_again(db: Session) -> None:
    # a U: east on row 2, north on column 39, west on row 6. Walking 400 m across the U and
    # boarding it again would be faster than riding round, but it is not a transfer.
    u_route = RouteSpec(
        "U",
        [(c, 2) for c in range(1, 40)]
        + [(39, r) for r in range(3, 7)]
        + [(c, 6) for c in range(38, 0, -1)],
    )
    grid = build_grid_city(db, "uturn", cols=41, routes=[u_route])
    graph, net = _networks(db, grid)
    result = plan(
        graph, net, grid.lonlat(1.5, 2), grid.lonlat(1.5, 6), PlannerOptions(max_walk_m=100)
    )
    for it in result["itineraries"]:
        assert _rides(it) in ([], ["U"])
    fastest = _labelled(result, "fastest")
    assert _rides(fastest) == ["U"]
    ride = next(leg for leg in fastest["legs"] if leg["mode"] == "ride")
    assert ride["distance_m"] > 7000


def test_transfer_off_the_walking_network(db: Session) -> None:
    # no roads at all: every walk is the straight line x 1.3, transfers included
    grid = build_grid_city(db, "noroad", routes=[EAST, NORTH])
    db.execute(text("DELETE FROM road_edge WHERE city_id = :c"), {"c": grid.city.id})
    graph, net = _networks(db, grid)
    assert net.stops.node.size == 0
    assert net.transfer_src.size > 0
    fastest = _labelled(
        plan(
            graph, net, grid.lonlat(2, 10.2), grid.lonlat(15.2, 19), PlannerOptions(max_walk_m=600)
        ),
        "fastest",
    )
    assert _rides(fastest) == ["E1", "N1"]
    assert all(not leg["on_network"] for leg in fastest["legs"] if leg["mode"] == "walk")


def test_rebuild_after_an_edit_walks_only_from_new_stops(db: Session) -> None:
    grid = build_grid_city(db, "cached", routes=[EAST, NORTH])
    cache = PlannerCache(spacing_m=SPACING_M)
    first = cache.get(db, grid.city)
    walked_from = set(first.graph.near_cache[400.0])
    assert walked_from == set(first.transit.stops.node.tolist())
    set_route_path(db, grid, grid.route_ids[("E1", 0)], [(c, 12) for c in range(21)])
    second = cache.get(db, grid.city)
    assert second.graph is first.graph
    added = set(second.graph.near_cache[400.0]) - walked_from
    assert added == set(second.transit.stops.node.tolist()) - walked_from
    assert 0 < len(added) < len(second.transit.stops.node)
