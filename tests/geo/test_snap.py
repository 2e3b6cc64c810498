"""Snapping route waypoints to the drive network: one-way streets, mid-edge waypoints, errors."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.editing import (
    DriveGraphCache,
    SnappedRoute,
    build_drive_graph,
    snap_on_graph,
    snap_route,
)
from geo.errors import InvalidInputError, SnapUnreachableError
from tests.geo.synthetic import GridCity, build_grid_city

pytestmark = pytest.mark.postgis

COLS, ROWS = 6, 5  # nodes (c, r) are r * COLS + c; 100 m apart
REL = 3e-3  # geography lengths against the UTM grid


@pytest.fixture
def grid(db: Session) -> GridCity:
    """A 6 x 5 grid whose ``Jalan Baris 2`` (row 2) is one-way eastward."""
    grid = build_grid_city(db, "snapgrid", cols=COLS, rows=ROWS, spacing_m=100.0, with_areas=False)
    db.execute(
        text("UPDATE road_edge SET oneway = true WHERE city_id = :c AND name = 'Jalan Baris 2'"),
        {"c": grid.city.id},
    )
    return grid


def _road(db: Session, grid: GridCity, u: int, v: int, a: tuple[float, float],
          b: tuple[float, float], *, oneway: bool = False, cls: str = "residential",
          name: str = "Jalan Uji") -> None:  # fmt: skip
    wkt = f"LINESTRING({a[0]:.8f} {a[1]:.8f}, {b[0]:.8f} {b[1]:.8f})"
    db.execute(
        text(
            "INSERT INTO road_edge (city_id, u, v, name, road_class, oneway, length_m, geom)"
            " VALUES (:c, :u, :v, :name, :cls, :oneway,"
            " ST_Length(ST_GeomFromText(:wkt, 4326)::geography), ST_GeomFromText(:wkt, 4326))"
        ),
        {"c": grid.city.id, "u": u, "v": v, "name": name, "cls": cls, "oneway": oneway, "wkt": wkt},
    )


def _snap(
    db: Session, grid: GridCity, cells: list[tuple[float, float]], free: tuple[int, ...] = ()
) -> SnappedRoute:
    graph = build_drive_graph(db, grid.city.id, grid.city.utm_srid)
    return snap_on_graph(graph, [grid.lonlat(c, r) for c, r in cells], free)


def _close(a: tuple[float, float], b: tuple[float, float], tol: float = 1e-6) -> bool:
    return abs(a[0] - b[0]) < tol and abs(a[1] - b[1]) < tol


def test_the_graph_is_directed_on_one_way_streets(db: Session, grid: GridCity) -> None:
    g = build_drive_graph(db, grid.city.id, grid.city.utm_srid)
    assert g.node_count == COLS * ROWS
    assert g.edge_count == (COLS - 1) * ROWS + COLS * (ROWS - 1)
    two_way_arcs = 2 * (g.edge_count - (COLS - 1))
    assert g.matrix.nnz == two_way_arcs + (COLS - 1)


def test_with_the_one_way_street_the_path_follows_it(db: Session, grid: GridCity) -> None:
    route = _snap(db, grid, [(0.5, 2), (4.5, 2)])
    assert route.length_m == pytest.approx(400, rel=REL)
    assert route.streets == ["Jalan Baris 2"]
    lons = [x for x, _ in route.coords]
    assert lons == sorted(lons)
    assert _close(route.coords[0], grid.lonlat(0.5, 2))
    assert _close(route.coords[-1], grid.lonlat(4.5, 2))
    assert [s.as_json() for s in route.segments] == [
        {"from": 0, "to": 1, "length_m": pytest.approx(400, rel=REL), "free": False}
    ]


def test_against_the_one_way_street_the_path_detours(db: Session, grid: GridCity) -> None:
    route = _snap(db, grid, [(4.5, 2), (0.5, 2)])
    # east to the corner, a row up or down, west along it, back, then east to the waypoint
    assert route.length_m == pytest.approx(50 + 100 + 500 + 100 + 50, rel=REL)
    assert route.streets[0] == "Jalan Baris 2"
    assert route.streets[1] == "Jalan Kolom 5"
    assert route.streets[2] in {"Jalan Baris 1", "Jalan Baris 3"}
    assert route.streets[3:] == ["Jalan Kolom 0", "Jalan Baris 2"]
    # on row 2 the path only ever runs east
    row2 = grid.lonlat(0, 2)[1]
    for (x0, y0), (x1, y1) in zip(route.coords, route.coords[1:], strict=False):
        if abs(y0 - row2) < 1e-7 and abs(y1 - row2) < 1e-7:
            assert x1 > x0
    # the walking-style undirected answer would be 400 m
    two_way = snap_on_graph(
        build_drive_graph(db, grid.city.id, grid.city.utm_srid),
        [grid.lonlat(4.5, 1), grid.lonlat(0.5, 1)],
    )
    assert two_way.length_m == pytest.approx(400, rel=REL)


def test_on_one_edge_against_its_direction_the_path_goes_round(db: Session, grid: GridCity) -> None:
    ahead = _snap(db, grid, [(1.2, 2), (1.8, 2)])
    assert ahead.length_m == pytest.approx(60, rel=REL)
    assert len(ahead.coords) == 2
    back = _snap(db, grid, [(1.8, 2), (1.2, 2)])
    assert back.length_m == pytest.approx(20 + 100 + 100 + 100 + 20, rel=REL)
    two_way = _snap(db, grid, [(1.8, 1), (1.2, 1)])
    assert two_way.length_m == pytest.approx(60, rel=REL)
    assert two_way.streets == ["Jalan Baris 1"]


def test_a_waypoint_in_the_middle_of_a_street_is_honoured(db: Session, grid: GridCity) -> None:
    # 20 m off Jalan Baris 0, halfway between two corners: the path goes there and back
    route = _snap(db, grid, [(2, 1), (2.5, 0.2), (2, 1)])
    assert route.length_m == pytest.approx(100 + 50 + 50 + 100, rel=REL)
    mid = grid.lonlat(2.5, 0)
    assert any(_close(c, mid) for c in route.coords)
    assert _close(route.snapped[1], mid)
    assert route.streets == ["Jalan Kolom 2", "Jalan Baris 0", "Jalan Kolom 2"]
    assert [s.start for s in route.segments] == [0, 1]
    assert sum(s.length_m for s in route.segments) == pytest.approx(route.length_m)


def test_a_waypoint_on_a_corner_does_not_name_the_cross_street(db: Session, grid: GridCity) -> None:
    route = _snap(db, grid, [(0, 3), (3, 3), (5, 3)])
    assert route.streets == ["Jalan Baris 3"]
    assert route.length_m == pytest.approx(500, rel=REL)


def test_a_waypoint_near_a_corner_is_on_the_corner(db: Session, grid: GridCity) -> None:
    # 4 m into the one-way street, against its direction: taken as the corner, not a trap
    route = _snap(db, grid, [(1.04, 2.03), (1, 0)])
    assert _close(route.snapped[0], grid.lonlat(1, 2))
    assert route.length_m == pytest.approx(200, rel=REL)
    assert route.streets == ["Jalan Kolom 1"]
    # and a waypoint at the far end of a one-way edge is reached at that corner
    into = _snap(db, grid, [(1, 0), (1.97, 2.02)])
    assert into.length_m == pytest.approx(300, rel=REL)
    assert _close(into.snapped[1], grid.lonlat(2, 2))


def test_a_free_segment_stays_a_straight_line(db: Session, grid: GridCity) -> None:
    # waypoint 2 lies 300 m beyond the grid: only the free segment touches it
    route = _snap(db, grid, [(0.5, 0.1), (2, 0), (5, 7)], free=(1,))
    free = route.segments[1]
    assert free.free
    assert len(free.coords) == 2
    assert _close(free.coords[0], route.snapped[1])
    assert _close(free.coords[1], grid.lonlat(5, 7))
    assert free.length_m == pytest.approx((300**2 + 700**2) ** 0.5, rel=REL)
    assert route.segments[0].length_m == pytest.approx(150, rel=REL)
    assert _close(route.coords[-1], grid.lonlat(5, 7))
    assert route.length_m == pytest.approx(150 + (300**2 + 700**2) ** 0.5, rel=REL)
    assert route.streets == ["Jalan Baris 0"]
    assert route.as_json()["segments"][1]["free"] is True


def test_footways_are_not_driven(db: Session, grid: GridCity) -> None:
    _road(db, grid, 0, 2 * COLS + 2, grid.lonlat(0, 0), grid.lonlat(2, 2), cls="footway")
    route = _snap(db, grid, [(0, 0), (2, 2)])
    assert route.length_m == pytest.approx(400, rel=REL)
    assert "Jalan Uji" not in route.streets


def test_a_waypoint_far_from_roads_is_unreachable(db: Session, grid: GridCity) -> None:
    with pytest.raises(SnapUnreachableError) as caught:
        _snap(db, grid, [(0, 0), (2, 0), (2, 9), (3, 9)])
    error = caught.value
    assert error.code == "snap-unreachable"
    assert [u["index"] for u in error.unreachable] == [2, 3]
    first = error.unreachable[0]
    assert first["code"] == "off-network"
    assert first["distance_m"] == pytest.approx(500, rel=REL)
    assert first["reason"].startswith("Titik 3 berjarak 500 m dari jalan terdekat")
    assert error.members() == {"unreachable": error.unreachable}


def test_a_one_way_trap_is_unreachable(db: Session, grid: GridCity) -> None:
    # a one-way dead end leaving the grid's north-east corner: in, but never out
    _road(db, grid, ROWS * COLS - 1, 999, grid.lonlat(5, 4), grid.lonlat(5, 4.8), oneway=True)
    into = _snap(db, grid, [(3, 4), (5, 4.5)])
    assert into.length_m == pytest.approx(250, rel=REL)
    with pytest.raises(SnapUnreachableError) as caught:
        _snap(db, grid, [(3, 4), (5, 4.5), (3, 4)])
    (only,) = caught.value.unreachable
    assert only["index"] == 2
    assert only["code"] == "no-path"
    assert "satu arah" in only["reason"]


def test_a_disconnected_road_is_unreachable(db: Session, grid: GridCity) -> None:
    _road(db, grid, 500, 501, grid.lonlat(0, 6), grid.lonlat(3, 6))
    with pytest.raises(SnapUnreachableError) as caught:
        _snap(db, grid, [(0, 4), (1, 6), (2, 6), (5, 4)])
    assert [u["index"] for u in caught.value.unreachable] == [1, 3]
    assert {u["code"] for u in caught.value.unreachable} == {"no-path"}


@pytest.mark.parametrize(
    ("waypoints", "free", "field"),
    [
        ([[106.6, -6.2]], [], "waypoints"),
        ([[106.6, -6.2]] * 101, [], "waypoints"),
        ([[106.6, -6.2], [200.0, -6.2]], [], "waypoints.1"),
        ([[106.6, float("nan")], [106.6, -6.2]], [], "waypoints.0"),
        ([[106.6, -6.2], [106.61, -6.2]], [1], "free.0"),
        ([[106.6, -6.2], [106.61, -6.2]], [-1], "free.0"),
    ],
)
def test_bad_waypoints_are_refused(
    db: Session, grid: GridCity, waypoints: list[list[float]], free: list[int], field: str
) -> None:
    with pytest.raises(InvalidInputError) as caught:
        snap_route(db, grid.city, waypoints, free, cache=DriveGraphCache())
    assert not isinstance(caught.value, SnapUnreachableError)
    assert field in {e["field"] for e in caught.value.errors}


def test_the_cache_rebuilds_when_the_roads_change(db: Session, grid: GridCity) -> None:
    cache = DriveGraphCache()
    first = cache.get(db, grid.city)
    assert cache.get(db, grid.city) is first
    assert cache.builds == 1
    db.execute(
        text("UPDATE road_edge SET oneway = false WHERE city_id = :c AND name = 'Jalan Baris 2'"),
        {"c": grid.city.id},
    )
    route = snap_route(db, grid.city, [grid.lonlat(4.5, 2), grid.lonlat(0.5, 2)], cache=cache)
    assert cache.builds == 2
    assert route.length_m == pytest.approx(400, rel=REL)


def test_a_city_without_roads(db: Session) -> None:
    from geo.cities import create_city

    city = create_city(db, "tanpajalan", "Kota Tanpa Jalan", (106.6, -6.3, 106.7, -6.2))
    graph = build_drive_graph(db, city.id, city.utm_srid)
    assert graph.edge_count == 0
    with pytest.raises(SnapUnreachableError) as caught:
        snap_on_graph(graph, [(106.61, -6.21), (106.62, -6.22)])
    assert [u["code"] for u in caught.value.unreachable] == ["off-network", "off-network"]
    assert "belum punya jaringan jalan" in caught.value.unreachable[0]["reason"]
    # drawn by hand, a route needs no roads
    route = snap_on_graph(graph, [(106.61, -6.21), (106.62, -6.22), (106.63, -6.22)], [0, 1])
    assert len(route.coords) == 3
    assert route.streets == []
    assert route.length_m == pytest.approx(1564 + 1105, rel=0.01)
