"""The planners' coverage and demand endpoints over HTTP, and trip searches counted as demand."""

from __future__ import annotations

from typing import Any

import mapbox_vector_tile
import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.accounts import upsert_opd
from geo.analysis import DemandKey, DemandRecorder, cell_centre, cell_index
from geo.analysis.trip_demand import city_today
from tests.api.accounts import ANON, Cities, User, make_user, session_user, tile_of
from tests.api.test_service import assert_problem
from tests.geo.synthetic import GridCity, RouteSpec, build_grid_city

pytestmark = pytest.mark.postgis
SLUG = "rencana"
BASE = f"/cities/{SLUG}"
EAST = RouteSpec("E1", [(c, 10) for c in range(21)])
NORTH = RouteSpec("N1", [(15, r) for r in range(21)])
# (2, 2) -> (5, 19): no angkot within 300 m of the start; within 1.5 km, 1.7 km of walking
UNMET = ((2, 2), (5, 19))


@pytest.fixture
def grid(db: Session) -> GridCity:
    return build_grid_city(db, SLUG, routes=[EAST, NORTH])


@pytest.fixture
def users(db: Session, grid: GridCity) -> dict[str, User]:
    upsert_opd(db, grid.city.id, "DISHUB", "Dinas Perhubungan")
    cities = Cities(ids={SLUG: grid.city.id}, school_id=0, route_id=0)
    out = {"anonymous": ANON}
    for role in ("dishub", "opd_staff"):
        user_id = make_user(db, cities, f"{role}-rencana", role, city=SLUG)
        out[role] = session_user(db, user_id, f"{role}-rencana", role, SLUG)
    return out


def pt(grid: GridCity, cell: tuple[float, float]) -> str:
    lon, lat = grid.lonlat(*cell)
    return f"{lon},{lat}"


def search(
    client: Any, grid: GridCity, a: tuple[float, float], b: tuple[float, float], walk: int
) -> Any:
    client.cookies.clear()
    r = client.get(f"{BASE}/trips?from={pt(grid, a)}&to={pt(grid, b)}&max_walk_m={walk}")
    assert r.status_code == 200, r.text
    return r.json()


def as_user(client: Any, user: User, method: str, url: str, **kwargs: Any) -> Any:
    client.cookies.clear()
    unsafe = method != "GET"
    return client.request(method, url, headers=user.headers(unsafe=unsafe), **kwargs)


def stored(db: Session, grid: GridCity) -> list[dict[str, Any]]:
    rows = db.execute(
        text("SELECT * FROM trip_demand WHERE city_id = :c ORDER BY reason"), {"c": grid.city.id}
    ).mappings()
    return [dict(r) for r in rows]


def test_searches_without_itinerary_are_counted_and_shown_from_five(
    client: Any, db: Session, grid: GridCity, users: dict[str, User]
) -> None:
    dishub = users["dishub"]
    for _ in range(4):
        body = search(client, grid, *UNMET, walk=300)
        assert body["itineraries"] == []
    shown = as_user(client, dishub, "GET", f"{BASE}/editor/demand")
    assert shown.status_code == 200
    assert shown.headers["content-type"] == "application/geo+json"
    assert shown.headers["cache-control"] == "private, no-store"
    assert shown.json()["features"] == []  # 4 searches: suppressed
    search(client, grid, *UNMET, walk=300)
    today = city_today().isoformat()
    body = as_user(client, dishub, "GET", f"{BASE}/editor/demand?from={today}&to={today}").json()
    [line] = body["features"]
    assert line["properties"] == {"searches": 5, "no_itinerary": 5, "long_walk": 0}
    srid = grid.city.utm_srid
    cells = [cell_index(srid, *grid.lonlat(*p)) for p in UNMET]
    assert line["geometry"]["coordinates"] == [list(cell_centre(srid, c)) for c in cells]
    # what the table holds: the day, two cell indices, the reason, a count; nothing else
    [row] = stored(db, grid)
    assert row == {
        "city_id": grid.city.id,
        "day": city_today(),
        "origin_cell": cells[0],
        "destination_cell": cells[1],
        "reason": "no_itinerary",
        "n": 5,
    }
    exact = {f"{v:.4f}" for p in UNMET for v in grid.lonlat(*p)}
    assert not exact & {f"{float(v):.4f}" for v in row.values() if isinstance(v, int | float)}


def test_small_reason_counts_are_null_in_the_answer(
    client: Any, db: Session, grid: GridCity, users: dict[str, User]
) -> None:
    srid = grid.city.utm_srid
    cells = [cell_index(srid, *grid.lonlat(*p)) for p in UNMET]
    recorder = DemandRecorder()
    for reason, n in (("no_itinerary", 6), ("long_walk", 2)):
        recorder.add(DemandKey(grid.city.id, city_today(), *cells, reason), n)
    recorder.flush(db)
    r = as_user(client, users["dishub"], "GET", f"{BASE}/editor/demand")
    assert r.status_code == 200
    [line] = r.json()["features"]
    # 2 long walks are under five, and 8 - 6 would tell them: neither reason is answered
    assert line["properties"] == {"searches": 8, "no_itinerary": None, "long_walk": None}
    assert '"no_itinerary":null' in r.text.replace(" ", "")


def test_long_walks_are_counted_and_good_answers_are_not(
    client: Any, db: Session, grid: GridCity
) -> None:
    served = search(client, grid, (2, 10.2), (15.2, 19), walk=600)
    assert served["itineraries"]
    assert min(it["walk_distance_m"] for it in served["itineraries"]) <= 1000
    assert stored(db, grid) == []
    long = search(client, grid, *UNMET, walk=1500)
    assert long["itineraries"]
    assert min(it["walk_distance_m"] for it in long["itineraries"]) > 1000
    assert [(r["reason"], r["n"]) for r in stored(db, grid)] == [("long_walk", 1)]


def test_a_failed_count_never_breaks_the_trip_answer(
    client: Any, db: Session, grid: GridCity
) -> None:
    db.execute(text("ALTER TABLE trip_demand RENAME TO trip_demand_away"))  # rolled back later
    body = search(client, grid, *UNMET, walk=300)
    assert body["itineraries"] == []
    assert body["reason"] == "tidak ada angkot dalam 300 m dari titik awal"
    recorder = client.app.state.demand_recorder
    assert recorder.failures == 1
    assert sum(recorder.pending().values()) == 1  # kept for the next flush
    db.execute(text("ALTER TABLE trip_demand_away RENAME TO trip_demand"))
    search(client, grid, *UNMET, walk=300)
    assert [r["n"] for r in stored(db, grid)] == [2]


def test_served_counts_the_searches_a_line_would_serve(
    client: Any, grid: GridCity, users: dict[str, User]
) -> None:
    for _ in range(6):
        search(client, grid, *UNMET, walk=300)
    a, b = (grid.lonlat(*p) for p in UNMET)
    through = {"type": "LineString", "coordinates": [list(a), list(b)]}
    r = as_user(
        client, users["dishub"], "POST", f"{BASE}/editor/demand/served", json={"geometry": through}
    )
    assert r.status_code == 200, r.text
    assert r.json()["searches_served"] == 6
    assert r.json()["pairs_served"] == 1
    elsewhere = {
        "type": "LineString",
        "coordinates": [list(grid.lonlat(20, 0)), list(grid.lonlat(20, 20))],
    }
    r = as_user(
        client,
        users["dishub"],
        "POST",
        f"{BASE}/editor/demand/served",
        json={"geometry": elsewhere},
    )
    assert (r.json()["searches_served"], r.json()["pairs_served"]) == (0, 0)


def test_coverage_and_its_preview(
    client: Any, db: Session, grid: GridCity, users: dict[str, User]
) -> None:
    dishub = users["dishub"]
    r = as_user(client, dishub, "GET", f"{BASE}/editor/coverage")
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/json"
    body = r.json()
    assert set(body["city"]) == {"area_km2", "covered_km2", "share"}
    assert [k["name"] for k in body["kelurahan"]] == ["Kelurahan Barat", "Kelurahan Timur"]
    barat, timur = body["kelurahan"]
    assert barat["routes"] == ["E1"]
    assert timur["routes"] == ["E1", "N1"]
    assert set(barat) == {
        "code",
        "name",
        "kecamatan",
        "kecamatan_code",
        "area_km2",
        "covered_km2",
        "share",
        "routes",
    }
    assert 0 < barat["share"] <= 1
    # the answer is kept by revision: a route write shows at once
    assert as_user(client, dishub, "GET", f"{BASE}/editor/coverage").json() == body
    db.execute(
        text("UPDATE angkot_route SET active = false WHERE city_id = :c AND code = 'N1'"),
        {"c": grid.city.id},
    )
    again = as_user(client, dishub, "GET", f"{BASE}/editor/coverage").json()
    assert again["kelurahan"][1]["routes"] == ["E1"]
    assert again["city"]["covered_km2"] < body["city"]["covered_km2"]
    line = {
        "type": "LineString",
        "coordinates": [list(grid.lonlat(2, 0)), list(grid.lonlat(2, 20))],
    }
    r = as_user(client, dishub, "POST", f"{BASE}/editor/coverage/preview", json={"geometry": line})
    assert r.status_code == 200, r.text
    change = r.json()
    assert change["kelurahan_added"] == []  # both were served already
    assert change["covered_km2_change"] > 0
    assert change["share_change"] > 0


def test_who_may_read_the_planning_signals(
    client: Any, grid: GridCity, users: dict[str, User]
) -> None:
    line = {
        "type": "LineString",
        "coordinates": [list(grid.lonlat(2, 0)), list(grid.lonlat(2, 20))],
    }
    calls = [
        ("GET", f"{BASE}/editor/coverage", None),
        ("POST", f"{BASE}/editor/coverage/preview", {"geometry": line}),
        ("GET", f"{BASE}/editor/demand", None),
        ("POST", f"{BASE}/editor/demand/served", {"geometry": line}),
    ]
    for method, url, body in calls:
        want = {"anonymous": 401, "opd_staff": 403, "dishub": 200}
        for who, status in want.items():
            r = as_user(client, users[who], method, url, json=body)
            assert r.status_code == status, (method, url, who, r.text)
            if status != 200:
                assert r.headers["content-type"] == "application/problem+json"


BAD_DEMAND = [
    "from=2026-13-01",
    "to=kemarin",
    "from=2026-02-01&to=2026-01-01",
    "from=2024-01-01&to=2026-01-01",
]


@pytest.mark.parametrize("query", BAD_DEMAND)
def test_bad_demand_windows(
    client: Any, grid: GridCity, users: dict[str, User], query: str
) -> None:
    assert_problem(as_user(client, users["dishub"], "GET", f"{BASE}/editor/demand?{query}"), 422)


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"geometry": {"type": "Point", "coordinates": [106.6, -6.2]}},
        {"geometry": {"type": "LineString", "coordinates": [[106.6, -6.2]]}},
        {"geometry": {"type": "LineString", "coordinates": [[106.6, -6.2], [120.0, -6.2]]}},
        {"geometry": {"type": "LineString", "coordinates": [[106.6, -6.2], [106.6, -6.2]]}},
        {"geometry": "LINESTRING(1 2,3 4)"},
        {"geometry": {"type": "LineString", "coordinates": [[1, 2], [3, 4]]}, "extra": 1},
        {"geometry": {"type": "LineString", "coordinates": [[1, 2], [3, 4]]}, "replaces": "R01"},
    ],
)
@pytest.mark.parametrize("path", ["coverage/preview", "demand/served"])
def test_bad_candidate_lines(
    client: Any, grid: GridCity, users: dict[str, User], body: dict[str, Any], path: str
) -> None:
    if path == "demand/served" and "replaces" in body:
        body = {**body, "replaces": None, "from": "2026-02-30"}
    r = as_user(client, users["dishub"], "POST", f"{BASE}/editor/{path}", json=body)
    assert_problem(r, 422)


def test_preview_of_an_unknown_route(client: Any, grid: GridCity, users: dict[str, User]) -> None:
    line = {
        "type": "LineString",
        "coordinates": [list(grid.lonlat(2, 0)), list(grid.lonlat(2, 20))],
    }
    body = {"geometry": line, "replaces": 2_000_000_000}
    r = as_user(client, users["dishub"], "POST", f"{BASE}/editor/coverage/preview", json=body)
    assert_problem(r, 404, "route-not-found")
    added = as_user(
        client, users["dishub"], "POST", f"{BASE}/editor/coverage/preview", json={"geometry": line}
    ).json()
    body["replaces"] = grid.route_ids[("E1", 0)]
    r = as_user(client, users["dishub"], "POST", f"{BASE}/editor/coverage/preview", json=body)
    assert r.status_code == 200
    # the line instead of E1 covers less than the line beside E1
    assert r.json()["covered_km2_change"] < added["covered_km2_change"]


def test_bad_served_windows(client: Any, grid: GridCity, users: dict[str, User]) -> None:
    line = {
        "type": "LineString",
        "coordinates": [list(grid.lonlat(2, 0)), list(grid.lonlat(2, 20))],
    }
    for window in (
        {"from": "2026-02-01", "to": "2026-01-01"},
        {"from": "2024-01-01", "to": "2026-01-01"},
    ):
        r = as_user(
            client,
            users["dishub"],
            "POST",
            f"{BASE}/editor/demand/served",
            json={"geometry": line, **window},
        )
        assert_problem(r, 422)


def test_the_route_coverage_layer_is_public(client: Any, db: Session, grid: GridCity) -> None:
    client.cookies.clear()
    listed = client.get(f"{BASE}/collections").json()
    assert "route_coverage" in [c["id"] for c in listed["collections"]]
    items = client.get(f"{BASE}/collections/route_coverage/items")
    assert items.status_code == 200
    assert items.headers["content-type"] == "application/geo+json"
    features = items.json()["features"]
    assert [f["properties"]["name"] for f in features] == ["Kelurahan Barat", "Kelurahan Timur"]
    assert features[1]["properties"]["routes"] == "E1,N1"
    assert features[1]["properties"]["route_count"] == 2
    assert 0 < features[0]["properties"]["share"] <= 1
    assert {f["geometry"]["type"] for f in features} == {"MultiPolygon"}
    etag = items.headers["etag"]
    x, y = tile_of(*grid.lonlat(10, 10), 14)
    tile = client.get(f"{BASE}/collections/route_coverage/tiles/WebMercatorQuad/14/{x}/{y}")
    assert tile.status_code == 200
    decoded = mapbox_vector_tile.decode(tile.content)["route_coverage"]["features"]
    assert {f["properties"]["name"] for f in decoded} >= {"Kelurahan Barat"}
    # a route edit changes the layer's revision: a new ETag
    db.execute(
        text("UPDATE angkot_route SET active = false WHERE city_id = :c AND code = 'N1'"),
        {"c": grid.city.id},
    )
    again = client.get(f"{BASE}/collections/route_coverage/items")
    assert again.headers["etag"] != etag
    assert again.json()["features"][1]["properties"]["routes"] == "E1"
