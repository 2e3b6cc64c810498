"""Diff of two route versions on a known change: lengths, pieces, kelurahan served."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from geo.editing import diff_versions, save_draft
from tests.geo.editing_city import editing_city, line, principal, props
from tests.geo.synthetic import GridCity

pytestmark = pytest.mark.postgis

DETOUR = [
    *[(c, 10) for c in range(6)],
    (5, 11),
    (5, 12),
    *[(c, 12) for c in range(6, 11)],
    (10, 11),
    *[(c, 10) for c in range(10, 21)],
]


@pytest.fixture
def grid(db: Session) -> GridCity:
    return editing_city(db)


def test_a_detour_adds_and_removes_known_lengths(db: Session, grid: GridCity) -> None:
    planner = principal(db, grid, "perencana", "dishub")
    e1 = grid.route_ids[("E1", 0)]
    save_draft(
        db,
        planner,
        grid.city,
        e1,
        geometry=line(grid, DETOUR),
        properties=props(fare_idr=5000),
        message="lewat baris 12",
        expected_head=1,
    )
    d = diff_versions(db, planner, grid.city, e1, from_number=1, to_number=2)
    assert d["attributes"] == {"fare_idr": [4000, 5000]}
    assert d["length_from_m"] == pytest.approx(2000, abs=0.5)
    assert d["length_to_m"] == pytest.approx(2400, abs=0.5)
    # the detour beyond 5 m of the old line: 195 + 500 + 195; the bypassed 500 m less 2 x 5
    assert d["length_added_m"] == pytest.approx(890, abs=1)
    assert d["length_removed_m"] == pytest.approx(490, abs=1)
    assert d["added"]["type"] == "MultiLineString"
    assert d["removed"]["type"] == "MultiLineString"
    assert len(d["removed"]["coordinates"]) == 1
    assert d["kelurahan_added"] == []
    assert d["kelurahan_removed"] == []
    same = diff_versions(db, planner, grid.city, e1, from_number=1, to_number=1)
    assert (same["length_added_m"], same["added"], same["attributes"]) == (0, None, {})


def test_moving_a_route_across_the_city_changes_the_kelurahan_served(
    db: Session, grid: GridCity
) -> None:
    planner = principal(db, grid, "perencana", "dishub")
    w1 = grid.route_ids[("W1", 0)]
    save_draft(
        db,
        planner,
        grid.city,
        w1,
        geometry=line(grid, [(20, r) for r in range(21)]),
        properties=props(code="W1", name="Trayek W1", colour="#33a02c", fare_idr=3000),
        message="ke timur",
        expected_head=1,
    )
    d = diff_versions(db, planner, grid.city, w1, from_number=1, to_number=2)
    assert d["kelurahan_added"] == [{"code": "99.01.01.1002", "name": "Kelurahan Timur"}]
    assert d["kelurahan_removed"] == [{"code": "99.01.01.1001", "name": "Kelurahan Barat"}]
    assert d["length_added_m"] == pytest.approx(2000, abs=1)
    assert d["length_removed_m"] == pytest.approx(2000, abs=1)
