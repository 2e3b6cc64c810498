"""Walking graph: grid distances, snapping, straight-line fallback, path geometry."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.transit.walking import DETOUR_FACTOR, SNAP_LIMIT_M, build_walking_graph
from tests.geo.synthetic import GridCity, build_grid_city

pytestmark = pytest.mark.postgis


@pytest.fixture
def grid(db: Session) -> GridCity:
    return build_grid_city(db, "walkgrid", cols=6, rows=5, spacing_m=100.0, with_areas=False)


def _xy(grid: GridCity, *cells: tuple[float, float]) -> np.ndarray:
    return np.array([grid.xy(c, r) for c, r in cells])


def test_graph_has_grid_nodes_and_edges(db: Session, grid: GridCity) -> None:
    g = build_walking_graph(db, grid.city.id, grid.city.utm_srid)
    assert g.node_count == 6 * 5
    assert len(g.edge_geoms) == 5 * 5 + 6 * 4


def test_network_distance_is_manhattan_on_a_grid(db: Session, grid: GridCity) -> None:
    g = build_walking_graph(db, grid.city.id, grid.city.utm_srid)
    origin = _xy(grid, (0, 0))[0]
    targets = _xy(grid, (0, 0), (3, 0), (2, 2), (5, 4))
    d = g.walk_distances(origin, targets, 5_000)
    # geography lengths vs UTM grid: within 0.2 %
    assert d == pytest.approx([0, 300, 400, 900], rel=2e-3, abs=0.5)
    assert d[3] > np.hypot(500, 400) * 1.0  # more than the straight line: it follows streets


def test_limit_gives_inf(db: Session, grid: GridCity) -> None:
    g = build_walking_graph(db, grid.city.id, grid.city.utm_srid)
    d = g.walk_distances(_xy(grid, (0, 0))[0], _xy(grid, (1, 0), (5, 4)), 500)
    assert np.isfinite(d[0])
    assert np.isinf(d[1])


def test_point_between_nodes_snaps_to_nearest_node(db: Session, grid: GridCity) -> None:
    g = build_walking_graph(db, grid.city.id, grid.city.utm_srid)
    # 30 m north of node (1, 0), walking to node (3, 0): 30 + 200
    d = g.walk_distances(_xy(grid, (1, 0.3))[0], _xy(grid, (3, 0)), 5_000)
    assert d[0] == pytest.approx(230, abs=1)


def test_off_network_point_walks_straight_times_factor(db: Session, grid: GridCity) -> None:
    g = build_walking_graph(db, grid.city.id, grid.city.utm_srid)
    far = _xy(grid, (-4, 0))[0]  # 400 m west of the grid
    nodes, snaps = g.snap(far.reshape(1, 2))
    assert nodes[0] == -1
    assert snaps[0] > SNAP_LIMIT_M
    d = g.walk_distances(far, _xy(grid, (0, 0), (2, 0)), 5_000)
    assert d == pytest.approx([400 * DETOUR_FACTOR, 600 * DETOUR_FACTOR], rel=1e-6)
    path = g.path(grid.lonlat(-4, 0), grid.lonlat(0, 0))
    assert not path.on_network
    assert len(path.coords) == 2


def test_path_follows_streets(db: Session, grid: GridCity) -> None:
    g = build_walking_graph(db, grid.city.id, grid.city.utm_srid)
    a, b = grid.lonlat(0, 0), grid.lonlat(2, 3)
    path = g.path(a, b)
    assert path.on_network
    assert path.distance_m == pytest.approx(500, rel=2e-3)
    assert path.coords[0] == a
    assert path.coords[-1] == b
    # every vertex is a grid node: the walk turns only at crossings
    xy = g.project(np.array([c[0] for c in path.coords]), np.array([c[1] for c in path.coords]))
    cells = (xy - np.array(grid.xy(0, 0))) / 100.0
    assert np.allclose(cells, np.round(cells), atol=1e-3)
    assert len(path.coords) >= 6
    assert set(path.street_names) <= {f"Jalan Baris {r}" for r in range(5)} | {
        f"Jalan Kolom {c}" for c in range(6)
    }


def test_parallel_edges_keep_the_shortest_and_missing_ids_use_endpoints(
    db: Session, grid: GridCity
) -> None:
    # a shortcut without u/v between (0,0) and (0,4) declared 50 m long, and a longer duplicate
    a, b = grid.lonlat(0, 0), grid.lonlat(0, 4)
    for length in (50.0, 900.0):
        db.execute(
            text(
                "INSERT INTO road_edge (city_id, name, length_m, geom) VALUES (:c, 'Gang Pintas',"
                " :len, ST_MakeLine(ST_SetSRID(ST_MakePoint(:ax, :ay), 4326),"
                " ST_SetSRID(ST_MakePoint(:bx, :by), 4326)))"
            ),
            {"c": grid.city.id, "len": length, "ax": a[0], "ay": a[1], "bx": b[0], "by": b[1]},
        )
    g = build_walking_graph(db, grid.city.id, grid.city.utm_srid)
    d = g.walk_distances(_xy(grid, (0, 0))[0], _xy(grid, (0, 4)), 5_000)
    # id-less edges join the grid nodes at their end points; the 50 m duplicate wins
    assert d[0] == pytest.approx(50, abs=0.01)


def test_empty_city_has_no_network(db: Session) -> None:
    grid = build_grid_city(db, "noroads", cols=2, rows=2, with_areas=False)
    db.execute(text("DELETE FROM road_edge WHERE city_id = :c"), {"c": grid.city.id})
    g = build_walking_graph(db, grid.city.id, grid.city.utm_srid)
    assert g.node_count == 0
    d = g.walk_distances(_xy(grid, (0, 0))[0], _xy(grid, (1, 0)), 5_000)
    assert d[0] == pytest.approx(100 * DETOUR_FACTOR, rel=1e-6)


def test_street_names_of_points(db: Session, grid: GridCity) -> None:
    g = build_walking_graph(db, grid.city.id, grid.city.utm_srid)
    names = g.street_names(_xy(grid, (2.5, 0.1), (3.1, 2.5), (20, 20)))
    assert names == ["Jalan Baris 0", "Jalan Kolom 3", None]


def test_nodes_within_follows_streets_and_is_cached(db: Session, grid: GridCity) -> None:
    g = build_walking_graph(db, grid.city.id, grid.city.utm_srid)
    corner = int(g.snap(_xy(grid, (0, 0)))[0][0])
    centre = int(g.snap(_xy(grid, (2, 2)))[0][0])
    pos, node, metres = g.nodes_within(np.array([corner, centre]), 250.0)
    from_corner = dict(zip(node[pos == 0].tolist(), metres[pos == 0].tolist(), strict=True))
    # along the streets: (0,0) 0 m, (1,0)/(0,1) 100 m, (2,0)/(1,1)/(0,2) 200 m; (1,2) is 300 m
    assert sorted(round(m) for m in from_corner.values()) == [0, 100, 100, 200, 200, 200]
    assert from_corner[corner] == 0
    assert (pos == 1).sum() == 13  # a diamond of radius 2 around an inner node
    assert set(g.near_cache[250.0]) == {corner, centre}
    cached = g.near_cache[250.0][corner]
    again = g.nodes_within(np.array([corner]), 250.0)
    assert g.near_cache[250.0][corner] is cached  # no second Dijkstra
    assert np.array_equal(again[1], node[pos == 0])
