"""Trip planning on real routes (Bogor's angkot GTFS) and on the demo city's real place names."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from data.importers import import_gtfs
from geo.cities import create_city
from tests.conftest import SHARED_DATA

pytestmark = [pytest.mark.postgis, pytest.mark.shared_data]
FEED = SHARED_DATA / "bogor-angkot-gtfs" / "bogor-gtfs.zip"
BOGOR_BBOX = (106.72, -6.67, 106.87, -6.52)


@pytest.fixture
def bogor(db: Session) -> None:
    if not FEED.exists():
        pytest.skip(f"shared data missing: {FEED}")
    create_city(db, "bogor", "Kota Bogor", BOGOR_BBOX)
    import_gtfs(db, "bogor", FEED)


def points_3km_apart(db: Session) -> list[tuple[str, tuple[float, float], tuple[float, float]]]:
    """For each route direction longer than 6 km: two points on it ~3 km apart (straight line)."""
    rows = db.execute(
        text(
            """
            SELECT r.code, r.direction, f.f1,
                   ST_X(ST_LineInterpolatePoint(r.geom, f.f1)) AS x1,
                   ST_Y(ST_LineInterpolatePoint(r.geom, f.f1)) AS y1,
                   ST_X(ST_LineInterpolatePoint(r.geom, f.f2)) AS x2,
                   ST_Y(ST_LineInterpolatePoint(r.geom, f.f2)) AS y2,
                   ST_Distance(ST_LineInterpolatePoint(r.geom, f.f1)::geography,
                               ST_LineInterpolatePoint(r.geom, f.f2)::geography) AS d
            FROM angkot_route r
            JOIN city c ON c.id = r.city_id AND c.slug = 'bogor'
            CROSS JOIN LATERAL (SELECT 0.1 AS f1, g / 200.0 AS f2
                                FROM generate_series(21, 200) g) f
            WHERE ST_Length(r.geom::geography) > 6000
            ORDER BY r.code, r.direction, f.f2
            """
        )
    ).mappings()
    picked: dict[tuple[str, int], tuple[str, tuple[float, float], tuple[float, float]]] = {}
    for row in rows:
        key = (row["code"], row["direction"])
        if key not in picked and 2900 <= row["d"] <= 3300:
            picked[key] = (row["code"], (row["x1"], row["y1"]), (row["x2"], row["y2"]))
    return list(picked.values())


def ride_leg_fits_route(db: Session, leg: dict[str, Any]) -> tuple[float, bool]:
    """Max distance (m) of the leg's vertices from its route, and whether the leg is a piece of
    the route in its direction of travel (its inner vertices are consecutive route vertices, in
    order — exact even for routes that run out and back along the same street)."""
    off_m, route_json = db.execute(
        text(
            """
            WITH leg AS (SELECT ST_SetSRID(ST_GeomFromGeoJSON(:g), 4326) AS g),
                 route AS (SELECT geom FROM angkot_route WHERE id = :id)
            SELECT (SELECT max(ST_Distance(ST_Transform((dp).geom, 32748),
                                           ST_Transform(route.geom, 32748)))
                    FROM (SELECT ST_DumpPoints(g) AS dp FROM leg) d),
                   ST_AsGeoJSON(route.geom)
            FROM route
            """
        ),
        {"g": json.dumps(leg["geometry"]), "id": leg["route"]["id"]},
    ).one()
    route = [tuple(p) for p in json.loads(route_json)["coordinates"]]
    inner = [tuple(p) for p in leg["geometry"]["coordinates"][1:-1]]

    def same(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
        return abs(a[0] - b[0]) < 1e-7 and abs(a[1] - b[1]) < 1e-7

    forwards = not inner or any(
        all(i + k < len(route) and same(route[i + k], p) for k, p in enumerate(inner))
        for i in range(len(route))
    )
    return float(off_m), forwards


def test_bogor_trips_follow_real_routes_forwards(client: Any, db: Session, bogor: None) -> None:
    cases = points_3km_apart(db)
    assert len(cases) >= 10, "Bogor's feed should give many 6 km+ route directions"
    planned = 0
    for code, (x1, y1), (x2, y2) in cases[:12]:
        r = client.get(f"/cities/bogor/trips?from={x1},{y1}&to={x2},{y2}")
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["itineraries"], (code, body.get("reason"))
        planned += 1
        for itinerary in body["itineraries"]:
            rides = [leg for leg in itinerary["legs"] if leg["mode"] == "ride"]
            assert len(rides) == itinerary["transfers"] + 1 or not rides
            for leg in rides:
                off_m, forwards = ride_leg_fits_route(db, leg)
                assert off_m < 5, (code, leg["route"]["code"], off_m)
                assert forwards, (code, leg["route"]["code"], "rides against the direction")
        fastest = body["itineraries"][0]
        # a 3 km trip on a route that passes both points: one ride, little walking
        assert fastest["transfers"] == 0, code
        assert fastest["walk_distance_m"] < 300, code
        assert fastest["fare_idr"] == 3500
    assert planned >= 10


def test_demo_trip_between_real_place_names(client: Any, db: Session) -> None:
    from data.demo import load_demo_city

    load_demo_city(db, "tangerang")

    def place(q: str) -> tuple[float, float]:
        r = client.get("/cities/tangerang/search", params={"q": q})
        assert r.status_code == 200, r.text
        hits = r.json()["results"] if "results" in r.json() else r.json()["features"]
        assert hits, q
        hit = hits[0]
        point = hit.get("point") or hit["geometry"]["coordinates"]
        return float(point[0]), float(point[1])

    start = place("Poris Plawad")
    end = place("Cibodas")
    r = client.get(f"/cities/tangerang/trips?from={start[0]},{start[1]}&to={end[0]},{end[1]}")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["itineraries"], body.get("reason")
    best = body["itineraries"][0]
    assert 0 < best["duration_s"] < 2 * 3600
    assert best["fare_idr"] > 0
    assert any(leg["mode"] == "ride" for leg in best["legs"])
    for leg in best["legs"]:
        assert leg["instruction_id"]
        assert leg["instruction_en"]


def test_demo_brt_is_named_brt_and_an_area_end_is_inside_it(client: Any, db: Session) -> None:
    from data.demo import load_demo_city

    load_demo_city(db, "tangerang")
    row = db.execute(
        text(
            """
            SELECT r.code, ST_X(ST_LineInterpolatePoint(r.geom, 0.2)) AS x1,
                   ST_Y(ST_LineInterpolatePoint(r.geom, 0.2)) AS y1,
                   ST_X(ST_LineInterpolatePoint(r.geom, 0.7)) AS x2,
                   ST_Y(ST_LineInterpolatePoint(r.geom, 0.7)) AS y2
            FROM angkot_route r JOIN city c ON c.id = r.city_id AND c.slug = 'tangerang'
            WHERE r.name LIKE 'Trans Tangerang:%' ORDER BY r.code, r.direction LIMIT 1
            """
        )
    ).one()
    r = client.get(f"/cities/tangerang/trips?from={row.x1},{row.y1}&to={row.x2},{row.y2}")
    assert r.status_code == 200, r.text
    rides = [
        leg
        for it in r.json()["itineraries"]
        for leg in it["legs"]
        if leg["mode"] == "ride" and leg["route"]["code"] == row.code
    ]
    assert rides, row.code
    for leg in rides:
        assert leg["vehicle"] == "brt"
        assert leg["instruction_id"].startswith(f"Naik BRT {row.code}")
    # the kecamatan Benda as an end: a point on its surface, named in the answer
    hits = client.get("/cities/tangerang/search", params={"q": "Benda"}).json()["results"]
    benda = next(h for h in hits if h["kind"] == "kecamatan")
    body = client.get(
        f"/cities/tangerang/trips?from={row.x1},{row.y1}&to=area:{benda['detail']}"
    ).json()
    assert body["to"]["area"]["name"] == benda["name"]
    assert body["to"]["point"] == pytest.approx(benda["point"], abs=1e-6)
    assert body["itineraries"] or benda["name"] in body["reason"]
