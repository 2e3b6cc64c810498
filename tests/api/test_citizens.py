"""Citizens' endpoints: routes near, route detail, trips, schools, search; bad input -> 422."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from tests.api.test_service import assert_problem
from tests.geo.synthetic import GridCity, RouteSpec, build_grid_city, set_route_path

pytestmark = pytest.mark.postgis
GEOJSON = "application/geo+json"

EAST = RouteSpec(
    "E1",
    [(c, 10) for c in range(21)],
    name="Barat - Timur",
    origin="Terminal Barat",
    destination="Pasar Timur",
)
NORTH = RouteSpec("N1", [(15, r) for r in range(21)], colour="#33a02c", fare_idr=3000)
SCHOOLS = [
    ("20001", "SD", "negeri", (3, 10)),
    ("20002", "SMP", "swasta", (3, 12)),
    ("20003", "SD", "swasta", (8, 7.5)),
    ("20004", "SMA", "negeri", (18, 18)),
]


@pytest.fixture
def grid(db: Session) -> GridCity:
    return build_grid_city(db, "ujicoba", routes=[EAST, NORTH], schools=SCHOOLS)


def _q(grid: GridCity, col: float, row: float) -> str:
    lon, lat = grid.lonlat(col, row)
    return f"lon={lon}&lat={lat}"


def _pt(grid: GridCity, col: float, row: float) -> str:
    lon, lat = grid.lonlat(col, row)
    return f"{lon},{lat}"


# -- routes ---------------------------------------------------------------------------------------
def test_routes_near_nearest_first(client: Any, grid: GridCity) -> None:
    r = client.get(f"/cities/ujicoba/routes/near?{_q(grid, 14, 10.5)}&radius_m=400")
    assert r.status_code == 200
    assert r.headers["content-type"] == GEOJSON
    features = r.json()["features"]
    assert [f["properties"]["code"] for f in features] == ["E1", "N1"]
    e1, n1 = (f["properties"] for f in features)
    assert e1["distance_m"] == pytest.approx(50, abs=1)
    assert n1["distance_m"] == pytest.approx(100, abs=1)
    assert features[0]["geometry"]["type"] == "LineString"
    near = e1["nearest_point"]["coordinates"]
    assert near == pytest.approx(list(grid.lonlat(14, 10)), abs=1e-6)
    assert e1["colour"] == "#e31a1c"
    assert (e1["mode"], e1["directions"]) == ("angkot", 1)
    assert e1["destination"] == "Pasar Timur"


def test_routes_near_radius_filters(client: Any, grid: GridCity) -> None:
    body = client.get(f"/cities/ujicoba/routes/near?{_q(grid, 14, 10.5)}&radius_m=80").json()
    assert [f["properties"]["code"] for f in body["features"]] == ["E1"]
    body = client.get(f"/cities/ujicoba/routes/near?{_q(grid, 2, 2)}").json()
    assert body == {"type": "FeatureCollection", "features": []}


@pytest.mark.parametrize(
    "query",
    ["lon=106.6&lat=95", "lon=abc&lat=-6.2", "lon=106.6&lat=-6.2&radius_m=-1", "lat=-6.2"],
    ids=["lat-95", "lon-abc", "radius-negative", "lon-missing"],
)
def test_routes_near_bad_input(client: Any, grid: GridCity, query: str) -> None:
    assert_problem(client.get(f"/cities/ujicoba/routes/near?{query}"), 422)


def test_routes_near_follows_a_route_edit(client: Any, grid: GridCity, db: Session) -> None:
    # the route index is kept per routes revision: an edit is answered by the next request
    url = f"/cities/ujicoba/routes/near?{_q(grid, 5, 16.2)}&radius_m=200"
    assert client.get(url).json()["features"] == []
    set_route_path(db, grid, grid.route_ids[("E1", 0)], [(c, 16) for c in range(21)])
    features = client.get(url).json()["features"]
    assert [f["properties"]["code"] for f in features] == ["E1"]
    assert features[0]["geometry"]["coordinates"][0] == pytest.approx(
        list(grid.lonlat(0, 16)), abs=1e-6
    )
    assert client.get(url).json()["features"] == features  # the rebuilt index, reused


def test_routes_near_follows_a_new_city_extent(client: Any, grid: GridCity, db: Session) -> None:
    # the route index keeps the city as read when it was built: a change of the city's row
    # (a boundary import's new bbox) bumps its routes revision (migration 0020)
    west, south, east, north = grid.city.bbox
    url = f"/cities/ujicoba/routes/near?lon={east + 1.0}&lat={south}"  # ~110 km east
    assert_problem(client.get(url), 422)
    revision = "SELECT revision FROM layer_revision WHERE city_id = :c AND layer = 'angkot_routes'"
    before = db.execute(text(revision), {"c": grid.city.id}).scalar_one()
    db.execute(
        text("UPDATE city SET bbox = ST_MakeEnvelope(:w, :s, :e, :n, 4326) WHERE id = :c"),
        {"w": west, "s": south, "e": east + 1.0, "n": north, "c": grid.city.id},
    )
    assert db.execute(text(revision), {"c": grid.city.id}).scalar_one() == before + 1
    r = client.get(url)
    assert r.status_code == 200, r.text
    assert r.json() == {"type": "FeatureCollection", "features": []}
    db.execute(text("UPDATE city SET name = name WHERE id = :c"), {"c": grid.city.id})
    assert db.execute(text(revision), {"c": grid.city.id}).scalar_one() == before + 1


def test_route_detail(client: Any, grid: GridCity) -> None:
    route_id = grid.route_ids[("E1", 0)]
    r = client.get(f"/cities/ujicoba/routes/{route_id}")
    assert r.status_code == 200
    assert r.headers["content-type"] == GEOJSON
    feature = r.json()
    p = feature["properties"]
    assert p["length_m"] == pytest.approx(2000, rel=5e-3)
    assert (p["direction"], p["fare_idr"], p["headway_s"]) == (0, 4000, 600)
    assert [k["name"] for k in p["kelurahan"]] == ["Kelurahan Barat", "Kelurahan Timur"]
    # schools within 300 m of row 10: (3,10) at 0 m, (3,12) at 200 m, (8,7.5) at 250 m
    assert [s["npsn"] for s in p["schools"]] == ["20001", "20002", "20003"]
    assert p["schools"][0]["distance_m"] == pytest.approx(0, abs=0.5)
    assert p["schools"][1]["distance_m"] == pytest.approx(200, abs=1)


def test_route_detail_unknown(client: Any, grid: GridCity, db: Session) -> None:
    assert_problem(client.get("/cities/ujicoba/routes/999999"), 404, "route-not-found")
    other = build_grid_city(db, "lainnya", cols=3, rows=3, routes=[EAST])
    foreign = other.route_ids[("E1", 0)]
    assert_problem(client.get(f"/cities/ujicoba/routes/{foreign}"), 404)
    assert_problem(client.get("/cities/ujicoba/routes/abc"), 422)
    assert_problem(client.get("/cities/nowhere/routes/1"), 404, "city-not-found")


# -- trips ----------------------------------------------------------------------------------------
def test_trip_shape(client: Any, grid: GridCity) -> None:
    r = client.get(
        f"/cities/ujicoba/trips?from={_pt(grid, 2, 10.2)}&to={_pt(grid, 15.2, 19)}&max_walk_m=600"
    )
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/json"
    body = r.json()
    assert body["reason"] is None
    its = body["itineraries"]
    assert 1 <= len(its) <= 3
    best = next(it for it in its if "fastest" in it["labels"])
    assert [leg["route"]["code"] for leg in best["legs"] if leg["mode"] == "ride"] == ["E1", "N1"]
    assert best["fare_idr"] == 7000
    assert best["transfers"] == 1
    assert best["duration_s"] == sum(
        leg["duration_s"] + leg.get("wait_s", 0) for leg in best["legs"]
    )
    for leg in best["legs"]:
        assert {
            "mode",
            "geometry",
            "distance_m",
            "duration_s",
            "instruction_id",
            "instruction_en",
        } <= set(leg)
        if leg["mode"] == "ride":
            assert set(leg["route"]) >= {"id", "code", "name", "colour"}
            assert leg["board"]["name"].startswith("Jalan ")
            assert leg["instruction_id"].startswith(f"Naik angkot {leg['route']['code']}")
            assert leg["instruction_en"].startswith(f"Take angkot {leg['route']['code']}")
    assert best["legs"][0]["geometry"]["coordinates"][0] == pytest.approx(
        list(grid.lonlat(2, 10.2))
    )


def test_trip_without_itinerary_has_reason(client: Any, grid: GridCity) -> None:
    r = client.get(
        f"/cities/ujicoba/trips?from={_pt(grid, 2, 2)}&to={_pt(grid, 5, 19)}&max_walk_m=300"
    )
    assert r.status_code == 200
    body = r.json()
    assert body["itineraries"] == []
    assert body["reason"] == "tidak ada angkot dalam 300 m dari titik awal"
    assert body["reason_en"] == "no angkot within 300 m of the start"


def test_trip_max_transfers_zero(client: Any, grid: GridCity) -> None:
    url = f"/cities/ujicoba/trips?from={_pt(grid, 2, 10.2)}&to={_pt(grid, 15.2, 19)}&max_walk_m=600"
    body = client.get(url + "&max_transfers=0").json()
    assert body["itineraries"] == []
    assert "tanpa pindah angkot" in body["reason"]


def test_trip_follows_a_route_edit(client: Any, grid: GridCity, db: Session) -> None:
    url = f"/cities/ujicoba/trips?from={_pt(grid, 1, 16.2)}&to={_pt(grid, 12, 16.2)}&max_walk_m=500"
    assert client.get(url).json()["itineraries"] == []
    set_route_path(db, grid, grid.route_ids[("E1", 0)], [(c, 16) for c in range(21)])
    its = client.get(url).json()["itineraries"]
    assert [leg["route"]["code"] for leg in its[0]["legs"] if leg["mode"] == "ride"] == ["E1"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("from=abc&to=106.6,-6.2", "from"),
        ("from=106.6,95&to=106.6,-6.2", "from"),
        ("from=106.6,-6.2,3&to=106.6,-6.2", "from"),
        ("from=106.6,-6.2", "to"),
        ("from=106.6,-6.2&to=nan,nan", "to"),
        ("from=106.6,-6.2&to=106.6,-6.2&max_walk_m=-5", "max_walk_m"),
        ("from=106.6,-6.2&to=106.6,-6.2&max_transfers=9", "max_transfers"),
    ],
)
def test_trip_bad_input(client: Any, grid: GridCity, query: str, field: str) -> None:
    body = assert_problem(client.get(f"/cities/ujicoba/trips?{query}"), 422)
    assert field in {e["field"] for e in body.get("errors", [])} or field in body["detail"]


def test_trip_outside_city(client: Any, grid: GridCity) -> None:
    inside = _pt(grid, 2, 2)
    outside = client.get(f"/cities/ujicoba/trips?from=110.4,-7.0&to={inside}")
    body = assert_problem(outside, 422, "point-outside-city")
    assert "outside" in body["detail"]
    # inside the bbox but outside the kota polygon is outside too
    lo = grid.lonlat(-10, -10)
    body = assert_problem(
        client.get(f"/cities/ujicoba/trips?from={inside}&to={lo[0]},{lo[1]}"),
        422,
        "point-outside-city",
    )
    assert body["errors"][0]["field"] == "to"
    assert_problem(client.get(f"/cities/nowhere/trips?from={inside}&to={inside}"), 404)


# -- schools --------------------------------------------------------------------------------------
def test_schools_nearest(client: Any, grid: GridCity) -> None:
    r = client.get(f"/cities/ujicoba/schools/nearest?{_q(grid, 3, 11.4)}&limit=3")
    assert r.status_code == 200
    assert r.headers["content-type"] == GEOJSON
    features = r.json()["features"]
    assert [f["properties"]["npsn"] for f in features] == ["20002", "20001", "20003"]
    dists = [f["properties"]["distance_m"] for f in features]
    assert dists == sorted(dists)
    assert dists[0] == pytest.approx(60, abs=1)
    first = features[0]["properties"]
    # snapped to node (3, 11): 40 m + 100 m along Jalan Kolom 3
    assert first["walk_distance_m"] == pytest.approx(140, abs=2)
    assert first["walk_duration_s"] == pytest.approx(140 / 1.25, abs=2)
    third = features[2]["properties"]
    assert third["walk_distance_m"] > third["distance_m"]  # streets, not a straight line


def test_schools_nearest_filters(client: Any, grid: GridCity) -> None:
    url = f"/cities/ujicoba/schools/nearest?{_q(grid, 3, 11.4)}"
    body = client.get(url + "&level=SD&status=swasta").json()
    assert [f["properties"]["npsn"] for f in body["features"]] == ["20003"]
    assert len(client.get(url + "&limit=100").json()["features"]) == 4


@pytest.mark.parametrize(
    "query",
    ["limit=100000", "limit=0", "level=TK", "status=x", "lat=95"],
)
def test_schools_nearest_bad_input(client: Any, grid: GridCity, query: str) -> None:
    base = {"lon": grid.lonlat(3, 3)[0], "lat": grid.lonlat(3, 3)[1]}
    params = dict(base)
    key, value = query.split("=")
    params[key] = value  # type: ignore[assignment]
    assert_problem(client.get("/cities/ujicoba/schools/nearest", params=params), 422)


def test_schools_within(client: Any, grid: GridCity) -> None:
    r = client.get(f"/cities/ujicoba/schools/within?{_q(grid, 3, 11)}&radius_m=150")
    assert r.status_code == 200
    assert r.headers["content-type"] == GEOJSON
    features = r.json()["features"]
    assert [f["properties"]["npsn"] for f in features] == ["20001", "20002"]
    assert all(f["properties"]["walk_distance_m"] is not None for f in features)
    assert all(f["properties"]["distance_m"] <= 150 for f in features)
    wide = client.get(f"/cities/ujicoba/schools/within?{_q(grid, 3, 11)}&radius_m=20000").json()
    assert len(wide["features"]) == 4


@pytest.mark.parametrize("radius", ["-1", "0", "20001", "abc"])
def test_schools_within_bad_radius(client: Any, grid: GridCity, radius: str) -> None:
    url = f"/cities/ujicoba/schools/within?{_q(grid, 3, 11)}&radius_m={radius}"
    assert_problem(client.get(url), 422)


def test_unknown_city_is_404(client: Any) -> None:
    for path in (
        "/cities/nowhere/routes/near?lon=106.6&lat=-6.2",
        "/cities/nowhere/schools/nearest?lon=106.6&lat=-6.2",
        "/cities/nowhere/schools/within?lon=106.6&lat=-6.2&radius_m=100",
        "/cities/nowhere/search?q=pasar",
    ):
        assert_problem(client.get(path), 404)


# -- search ---------------------------------------------------------------------------------------
def _search(client: Any, q: str) -> list[dict[str, Any]]:
    r = client.get("/cities/ujicoba/search", params={"q": q})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/json"
    results: list[dict[str, Any]] = r.json()["results"]
    return results


def test_search_tolerates_typos(client: Any, grid: GridCity) -> None:
    top = _search(client, "kelurahn timur")[0]
    assert (top["kind"], top["name"]) == ("kelurahan", "Kelurahan Timur")
    assert len(top["bbox"]) == 4
    lon, lat = top["point"]
    assert top["bbox"][0] <= lon <= top["bbox"][2]
    assert top["bbox"][1] <= lat <= top["bbox"][3]
    road = _search(client, "Jalan Kolm 7")[0]
    assert (road["kind"], road["name"]) == ("road", "Jalan Kolom 7")
    assert road["point"] == pytest.approx(list(grid.lonlat(7, 10)), abs=1e-4)  # on the road


def test_search_kinds(client: Any, grid: GridCity) -> None:
    school = _search(client, "Sekolah 20004")[0]
    assert school["kind"] == "school"
    assert school["point"] == pytest.approx(list(grid.lonlat(18, 18)), abs=1e-6)
    assert school["bbox"] is None
    terminal = _search(client, "terminal barat")[0]
    assert (terminal["kind"], terminal["name"]) == ("route_endpoint", "Terminal Barat")
    assert terminal["point"] == pytest.approx(list(grid.lonlat(0, 10)), abs=1e-6)
    market = _search(client, "Pasar Timr")[0]
    assert market["name"] == "Pasar Timur"
    assert market["point"] == pytest.approx(list(grid.lonlat(20, 10)), abs=1e-6)
    kec = _search(client, "kecamatan tengah")[0]
    assert kec["kind"] == "kecamatan"
    scores = [res["score"] for res in _search(client, "Jalan Baris")]
    assert scores == sorted(scores, reverse=True)
    assert _search(client, "zzqxw") == []


@pytest.mark.parametrize("q", ["a", " b ", "x" * 101, ""])
def test_search_bad_query(client: Any, grid: GridCity, q: str) -> None:
    assert_problem(client.get("/cities/ujicoba/search", params={"q": q}), 422)


def test_schools_within_come_nearest_first_not_in_id_order(client: Any, grid: GridCity) -> None:
    """From (8, 8) the distance order (20003, 20001, 20002, 20004) is not the id order."""
    r = client.get(f"/cities/ujicoba/schools/within?{_q(grid, 8, 8)}&radius_m=20000")
    features = r.json()["features"]
    assert [f["properties"]["npsn"] for f in features] == ["20003", "20001", "20002", "20004"]
    distances = [f["properties"]["distance_m"] for f in features]
    assert distances == sorted(distances)
