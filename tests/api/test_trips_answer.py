"""The trip answer a rider reads: times, waits, the vehicle's name, area ends, trivial trips."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session

from tests.api.test_service import assert_problem
from tests.geo.synthetic import GridCity, RouteSpec, build_grid_city

pytestmark = pytest.mark.postgis

EAST = RouteSpec("E1", [(c, 10) for c in range(21)], name="Barat - Timur")
BRT = RouteSpec(
    "TT Koridor 1",
    [(15, r) for r in range(21)],
    name="Trans Tangerang: Poris Plawad – Jatake",
    colour="#33a02c",
    fare_idr=2000,
    headway_s=300,
)


@pytest.fixture
def grid(db: Session) -> GridCity:
    return build_grid_city(db, "jawaban", routes=[EAST, BRT])


def _pt(grid: GridCity, col: float, row: float) -> str:
    lon, lat = grid.lonlat(col, row)
    return f"{lon},{lat}"


def _trip(client: Any, query: str) -> dict[str, Any]:
    r = client.get(f"/cities/jawaban/trips?{query}")
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def _fastest(body: dict[str, Any]) -> dict[str, Any]:
    return next(it for it in body["itineraries"] if "fastest" in it["labels"])


def test_times_waits_and_the_vehicle_are_in_the_answer(client: Any, grid: GridCity) -> None:
    body = _trip(
        client,
        f"from={_pt(grid, 2, 10.2)}&to={_pt(grid, 15.2, 19)}&max_walk_m=600"
        "&depart=2026-03-02T07:00:00",
    )
    best = _fastest(body)
    assert best["kind"] == "transit"
    rides = [leg for leg in best["legs"] if leg["mode"] == "ride"]
    assert [(leg["route"]["code"], leg["vehicle"]) for leg in rides] == [
        ("E1", "angkot"),
        ("TT Koridor 1", "brt"),
    ]
    assert [leg["route"]["mode"] for leg in rides] == ["angkot", "brt"]
    assert [leg["wait_s"] for leg in rides] == [300, 150]
    assert best["wait_s"] == 450
    brt = rides[1]
    assert brt["instruction_id"].startswith("Naik BRT TT Koridor 1 (Trans Tangerang")
    assert brt["instruction_en"].startswith("Take BRT TT Koridor 1")
    assert rides[0]["instruction_id"].startswith("Naik angkot E1")
    assert any("lalu naik BRT TT Koridor 1" in leg["instruction_id"] for leg in best["legs"])
    # a time without an offset is the city's time (WIB, +07:00)
    assert best["depart_at"] == "2026-03-02T07:00:00+07:00"
    arrive = datetime.fromisoformat(best["arrive_at"])
    assert arrive == datetime.fromisoformat(best["depart_at"]) + timedelta(
        seconds=best["duration_s"]
    )
    assert best["legs"][-1]["arrive_at"] == best["arrive_at"]
    board = datetime.fromisoformat(rides[0]["depart_at"])
    walked = datetime.fromisoformat(best["legs"][0]["arrive_at"])
    assert board - walked == timedelta(seconds=300)  # the wait before the first ride


def test_depart_defaults_to_now_in_city_time(client: Any, grid: GridCity) -> None:
    body = _trip(client, f"from={_pt(grid, 2, 10.2)}&to={_pt(grid, 15.2, 19)}&max_walk_m=600")
    depart = datetime.fromisoformat(_fastest(body)["depart_at"])
    assert depart.utcoffset() == timedelta(hours=7)
    # a time with another offset is given back in the city's time
    other = _trip(
        client,
        f"from={_pt(grid, 2, 10.2)}&to={_pt(grid, 15.2, 19)}&max_walk_m=600"
        "&depart=2026-03-02T00:00:00Z",
    )
    assert _fastest(other)["depart_at"] == "2026-03-02T07:00:00+07:00"


@pytest.mark.parametrize("depart", ["besok pagi", "9999-12-31T23:59:59", "0001-01-01T00:00:00"])
def test_bad_depart_is_422(client: Any, grid: GridCity, depart: str) -> None:
    url = f"/cities/jawaban/trips?from={_pt(grid, 2, 10.2)}&to={_pt(grid, 5, 10.2)}"
    body = assert_problem(client.get(url + f"&depart={depart}"), 422)
    assert "depart" in {e["field"] for e in body.get("errors", [])} | {body["detail"]}


def test_same_start_and_end_is_a_trivial_answer(client: Any, grid: GridCity) -> None:
    here = _pt(grid, 4.5, 10.4)
    body = _trip(client, f"from={here}&to={here}")
    assert body["kind"] == "same_place"
    assert body["itineraries"] == []
    assert body["reason"].startswith("titik awal dan tujuan sama")


def test_short_trip_is_answered_by_walking(client: Any, grid: GridCity) -> None:
    body = _trip(client, f"from={_pt(grid, 3, 10.5)}&to={_pt(grid, 9, 10.5)}")
    (walk,) = body["itineraries"]
    assert walk["kind"] == "walk_only"
    assert all(leg["mode"] == "walk" for leg in walk["legs"])
    assert walk["wait_s"] == 0


def test_an_area_end_is_a_point_inside_it(client: Any, grid: GridCity) -> None:
    body = _trip(client, f"from={_pt(grid, 2, 10.2)}&to=area:99.01.01.1002")
    assert body["to"]["area"]["name"] == "Kelurahan Timur"
    assert body["to"]["area"]["level"] == "kelurahan"
    lon, lat = body["to"]["point"]
    west, south = grid.lonlat(9.5, -5)
    east, north = grid.lonlat(24, 24)
    assert west <= lon <= east
    assert south <= lat <= north
    assert body["from"]["area"] is None
    assert body["itineraries"]
    unknown = client.get(f"/cities/jawaban/trips?from=area:nope&to={_pt(grid, 2, 10.2)}")
    assert_problem(unknown, 404, "area-not-found")
