"""Validation on save: one-way warnings (not errors), the rules at their limits."""

from __future__ import annotations

import pytest
from shapely.geometry import LineString
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.editing import save_draft, validate_route
from geo.errors import RouteInvalidError
from tests.geo.editing_city import editing_city, line, principal, props
from tests.geo.synthetic import GridCity

pytestmark = pytest.mark.postgis


@pytest.fixture
def grid(db: Session) -> GridCity:
    city = editing_city(db)
    # Jalan Baris 10 is one-way eastward (its edges run from column c to c + 1)
    db.execute(
        text("UPDATE road_edge SET oneway = true WHERE city_id = :c AND name = 'Jalan Baris 10'"),
        {"c": city.city.id},
    )
    return city


def _codes(grid: GridCity, db: Session, path: list[tuple[float, float]], **changes: object) -> set:
    geom = LineString([grid.lonlat(c, r) for c, r in path])
    try:
        validate_route(db, grid.city, geom, props(**changes))
    except RouteInvalidError as exc:
        return {e["code"] for e in exc.errors}
    return set()


def test_against_a_one_way_street_is_a_warning(db: Session, grid: GridCity) -> None:
    planner = principal(db, grid, "perencana", "dishub")
    e1 = grid.route_ids[("E1", 0)]
    along = save_draft(
        db,
        planner,
        grid.city,
        e1,
        geometry=line(grid, [(c, 10) for c in range(21)]),
        properties=props(),
        message="searah",
        expected_head=1,
    )
    assert along.warnings == []
    against = save_draft(
        db,
        planner,
        grid.city,
        e1,
        geometry=line(grid, [(c, 10) for c in range(20, -1, -1)]),
        properties=props(),
        message="melawan",
        expected_head=2,
    )
    assert against.version == 3
    assert [w["code"] for w in against.warnings] == ["against-oneway"]
    warning = against.warnings[0]
    assert "Jalan Baris 10" in warning["message"]
    assert warning["geometry"]["type"] in {"LineString", "MultiLineString"}
    # only the one-way street: a westward run on row 12 warns of nothing
    other = save_draft(
        db,
        planner,
        grid.city,
        e1,
        geometry=line(grid, [(c, 12) for c in range(20, -1, -1)]),
        properties=props(),
        message="baris 12",
        expected_head=3,
    )
    assert other.warnings == []


def test_limits(db: Session, grid: GridCity) -> None:
    assert _codes(grid, db, [(0, 10), (10.01, 10)]) == set()  # just over 1 km
    assert _codes(grid, db, [(0, 10), (9.9, 10)]) == {"too-short"}
    # a sharp turn back over more than 30 m is a U-turn, not a spike
    assert _codes(grid, db, [(0, 10), (12, 10), (11.6, 10.01), (20, 10.02)]) == set()
    assert _codes(grid, db, [(0, 10), (12, 10), (11.8, 10.001), (20, 10.002)]) == {"spike"}
    # 2 km outside the kota is allowed (the kota polygon reaches 5 cells past the grid)
    assert _codes(grid, db, [(0, 10), (20, 10), (44, 10)]) == set()
    assert _codes(grid, db, [(0, 10), (20, 10), (46, 10)]) == {"outside-city"}
    assert _codes(grid, db, [(0, 10), (20, 10), (20, 12), (0, 10)]) == {"loop-not-circular"}
    assert _codes(grid, db, [(0, 10), (20, 10), (20, 12), (0, 10)], circular=True) == set()
    assert _codes(grid, db, [(0, 10), (20, 10)], direction=2, fare_idr=-1) == {"invalid-attribute"}
