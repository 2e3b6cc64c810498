"""Citizens' endpoints, second round: a tapped point named, schools checked as trips are."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from tests.api.test_citizens import EAST, NORTH, SCHOOLS
from tests.api.test_service import assert_problem
from tests.geo.synthetic import GridCity, build_grid_city

pytestmark = pytest.mark.postgis


@pytest.fixture
def grid(db: Session) -> GridCity:
    grid = build_grid_city(db, "ujicoba", routes=[EAST, NORTH], schools=SCHOOLS)
    lon, lat = grid.lonlat(4, 4)
    db.execute(
        text(
            "INSERT INTO school (city_id, npsn, name, level, status, geom) VALUES"
            " (:c, '30001', 'MIN 2 Kota Uji', 'SD', 'negeri',"
            "  ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)),"
            " (:c, '30002', 'Madrasah Aliyah Al Huda', 'SMA', 'swasta',"
            "  ST_SetSRID(ST_MakePoint(:lon, :lat), 4326))"
        ),
        {"c": grid.city.id, "lon": lon, "lat": lat},
    )
    return grid


def _q(grid: GridCity, col: float, row: float) -> str:
    lon, lat = grid.lonlat(col, row)
    return f"lon={lon}&lat={lat}"


def test_place_at_names_street_and_areas(client: Any, grid: GridCity) -> None:
    r = client.get(f"/cities/ujicoba/places/at?{_q(grid, 3.4, 7.02)}")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["street"]["name"] == "Jalan Baris 7"
    assert body["street"]["distance_m"] == pytest.approx(2, abs=0.5)
    assert body["kelurahan"] == {"code": "99.01.01.1001", "name": "Kelurahan Barat"}
    assert body["kecamatan"]["name"] == "Kecamatan Tengah"
    assert body["label"] == "Jalan Baris 7, Kelurahan Barat"
    east = client.get(f"/cities/ujicoba/places/at?{_q(grid, 15.02, 12.5)}").json()
    assert (east["street"]["name"], east["kelurahan"]["name"]) == (
        "Jalan Kolom 15",
        "Kelurahan Timur",
    )


def test_place_at_outside_the_city_is_422(client: Any, grid: GridCity) -> None:
    lon, lat = grid.lonlat(-10, -10)  # inside the bbox, outside the kota polygon
    body = assert_problem(
        client.get(f"/cities/ujicoba/places/at?lon={lon}&lat={lat}"), 422, "point-outside-city"
    )
    assert "outside" in body["detail"]
    assert_problem(client.get("/cities/ujicoba/places/at?lon=106.6&lat=95"), 422)


def test_schools_nearest_outside_the_city_is_422_like_trips(client: Any, grid: GridCity) -> None:
    lon, lat = grid.lonlat(-10, -10)
    url = f"/cities/ujicoba/schools/nearest?lon={lon}&lat={lat}"
    assert_problem(client.get(url), 422, "point-outside-city")


@pytest.mark.parametrize(
    ("level", "npsn"),
    [
        ("sd", ["20001", "30001", "20003"]),
        ("Sd", ["20001", "30001", "20003"]),
        ("MI", ["30001"]),
        ("mi", ["30001"]),
        ("MTs", []),
        ("ma", ["30002"]),
    ],
)
def test_school_level_in_any_case_and_madrasah(
    client: Any, grid: GridCity, level: str, npsn: list[str]
) -> None:
    url = f"/cities/ujicoba/schools/nearest?{_q(grid, 3, 10)}&level={level}&limit=10"
    r = client.get(url)
    assert r.status_code == 200, r.text
    assert sorted(f["properties"]["npsn"] for f in r.json()["features"]) == sorted(npsn)
    within = client.get(
        f"/cities/ujicoba/schools/within?{_q(grid, 3, 10)}&radius_m=5000&level={level}"
    )
    assert sorted(f["properties"]["npsn"] for f in within.json()["features"]) == sorted(npsn)


def test_unknown_level_is_422(client: Any, grid: GridCity) -> None:
    body = assert_problem(
        client.get(f"/cities/ujicoba/schools/nearest?{_q(grid, 3, 10)}&level=TK"), 422
    )
    assert "MTs" in body["detail"]


@pytest.mark.parametrize(
    "path",
    ["routes/near?{q}&radius_m=5001", "schools/within?{q}&radius_m=20001"],
)
def test_radius_above_the_maximum_is_422_not_clamped(
    client: Any, grid: GridCity, path: str
) -> None:
    body = assert_problem(client.get("/cities/ujicoba/" + path.format(q=_q(grid, 3, 10))), 422)
    assert "radius_m" in {e["field"] for e in body.get("errors", [])} | {body["detail"]}
