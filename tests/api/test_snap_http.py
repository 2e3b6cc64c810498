"""POST /cities/{city}/routes/snap on the demo city: the path, the streets, 401/403/422."""

from __future__ import annotations

import itertools
import json
import math
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.accounts import PERMISSIONS, Grant, create_user, upsert_opd
from tests.api.accounts import PASSWORD, User, operations, token_user

pytestmark = pytest.mark.postgis
URL = "/cities/tangerang/routes/snap"
PROBLEM = "application/problem+json"


@pytest.fixture
def small(db: Session) -> int:
    """The city without roads: enough for bodies refused before any snapping."""
    from geo.cities import create_city

    return create_city(db, "tangerang", "Kota Tangerang", (106.55, -6.30, 106.75, -6.10)).id


@pytest.fixture
def demo(db: Session) -> int:
    from data.demo import load_demo_city

    return load_demo_city(db, "tangerang").city_id


def user(db: Session, city_id: int, role: str) -> User:
    opd = "DISHUB" if role == "opd_staff" else None
    if opd:
        upsert_opd(db, city_id, opd, "Dinas Perhubungan")
    name = f"snap-{role.replace('_', '-')}"
    user_id = create_user(
        db,
        city_id=city_id,
        username=name,
        display_name=f"Pengguna {name}",
        password=PASSWORD,
        grants=[Grant(role, opd=opd)],
    )
    return token_user(db, user_id, name, role, "tangerang")


def across(db: Session, city_id: int, n: int = 20) -> list[list[float]]:
    """``n`` points on the SW-NE diagonal of the city's kota outline, each moved onto its
    nearest road."""
    rows = db.execute(
        text(
            """
            WITH k AS (SELECT ST_Envelope(geom) AS box FROM admin_area
                       WHERE city_id = :c AND level = 'kota'),
                 d AS (SELECT ST_MakeLine(ST_PointN(ST_ExteriorRing(box), 1),
                                          ST_PointN(ST_ExteriorRing(box), 3)) AS line FROM k),
                 p AS (SELECT i, ST_LineInterpolatePoint(line, 0.1 + 0.8 * i / (:n - 1.0)) AS pt
                       FROM d, generate_series(0, :n - 1) i)
            SELECT ST_X(q), ST_Y(q) FROM p CROSS JOIN LATERAL (
                SELECT ST_ClosestPoint(e.geom, p.pt) AS q FROM road_edge e
                WHERE e.city_id = :c ORDER BY e.geom <-> p.pt LIMIT 1) r
            ORDER BY i
            """
        ),
        {"c": city_id, "n": n},
    ).all()
    return [[float(x), float(y)] for x, y in rows]


def _metres(a: list[float], b: list[float]) -> float:
    dx = (a[0] - b[0]) * 111_320 * math.cos(math.radians(a[1]))
    return math.hypot(dx, (a[1] - b[1]) * 110_574)


def test_twenty_waypoints_across_the_demo_city(client: Any, db: Session, demo: int) -> None:
    dishub = user(db, demo, "dishub")
    points = across(db, demo)
    straight = sum(_metres(a, b) for a, b in itertools.pairwise(points))
    assert straight > 8000  # across the city
    r = client.post(URL, json={"waypoints": points}, headers=dishub.headers())
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/json"
    body = r.json()
    assert set(body) == {"geometry", "length_m", "streets", "segments", "snapped"}
    line = body["geometry"]["coordinates"]
    assert body["geometry"]["type"] == "LineString"
    assert len(line) > 100
    assert _metres(line[0], points[0]) < 1
    assert _metres(line[-1], points[-1]) < 1
    assert straight < body["length_m"] < 2 * straight
    segments = body["segments"]
    assert [(s["from"], s["to"], s["free"]) for s in segments] == [
        (i, i + 1, False) for i in range(19)
    ]
    assert sum(s["length_m"] for s in segments) == pytest.approx(body["length_m"], abs=1)
    # the streets of the demo, in driving order, never the same twice in a row
    streets = body["streets"]
    assert len(streets) >= 5
    assert all(isinstance(s, str) and s.startswith(("Jl.", "Gg.")) for s in streets)
    assert all(a != b for a, b in itertools.pairwise(streets))
    named = {n for (n,) in db.execute(text("SELECT DISTINCT name FROM road_edge"))}
    assert set(streets) <= named
    # every vertex lies on a road (the snapped path never cuts across blocks)
    off = db.execute(
        text(
            "SELECT max(d) FROM (SELECT (SELECT"
            " min(ST_Distance(e.geom::geography, p.geom::geography)) FROM road_edge e"
            " WHERE e.city_id = :c AND e.geom && ST_Expand(p.geom, 0.001)) AS d"
            " FROM ST_DumpPoints(ST_SetSRID(ST_GeomFromGeoJSON(:g), 4326)) p) x"
        ),
        {"c": demo, "g": json.dumps(body["geometry"])},
    ).scalar_one()
    assert off < 0.5

    # a free segment is the straight line between its waypoints
    r = client.post(URL, json={"waypoints": points, "free": [3]}, headers=dishub.headers())
    assert r.status_code == 200, r.text
    free_body = r.json()
    assert [s["free"] for s in free_body["segments"]] == [i == 3 for i in range(19)]
    assert free_body["segments"][3]["length_m"] == pytest.approx(
        _metres(points[3], points[4]), rel=0.01
    )
    assert free_body["length_m"] < body["length_m"]


def test_who_may_snap_and_what_is_unreachable(client: Any, db: Session, demo: int) -> None:
    points = across(db, demo, 3)
    anonymous = client.post(URL, json={"waypoints": points})
    assert anonymous.status_code == 401
    assert anonymous.headers["content-type"] == PROBLEM
    for role in ("opd_staff", "warga"):
        denied = client.post(
            URL, json={"waypoints": points}, headers=user(db, demo, role).headers()
        )
        assert denied.status_code == 403, role
        assert denied.json()["code"] == "permission-denied"
    for role in ("dishub_reviewer", "admin_kota"):
        answer = client.post(
            URL, json={"waypoints": points}, headers=user(db, demo, role).headers()
        )
        assert answer.status_code == (200 if role == "dishub_reviewer" else 403), role

    # a waypoint far from every road: 422 naming it, and nothing else
    dishub = user(db, demo, "dishub")
    points = across(db, demo, 4)
    far = [points[1][0] + 0.5, points[1][1] - 0.5]  # ~75 km away, outside the city
    r = client.post(
        URL, json={"waypoints": [points[0], far, *points[2:]]}, headers=dishub.headers()
    )
    assert r.status_code == 422
    assert r.headers["content-type"] == PROBLEM
    body = r.json()
    assert body["code"] == "snap-unreachable"
    assert body["type"].endswith("/problems/snap-unreachable")
    assert "geometry" not in body
    (only,) = body["unreachable"]
    assert only["index"] == 1
    assert only["code"] == "off-network"
    assert only["reason"].startswith("Titik 2 berjarak")
    assert "batas 150 m" in only["reason"]


def test_a_demo_one_way_street(client: Any, db: Session, demo: int) -> None:
    """Along a one-way street of the demo the path is the street; against it, a detour."""
    name, ahead, back = db.execute(
        text(
            "SELECT name, ST_AsGeoJSON(ST_LineInterpolatePoint(geom, 0.2)),"
            " ST_AsGeoJSON(ST_LineInterpolatePoint(geom, 0.8)) FROM road_edge"
            " WHERE city_id = :c AND oneway ORDER BY length_m DESC, id LIMIT 1"
        ),
        {"c": demo},
    ).one()
    a, b = json.loads(ahead)["coordinates"], json.loads(back)["coordinates"]
    dishub = user(db, demo, "dishub")
    forward = client.post(URL, json={"waypoints": [a, b]}, headers=dishub.headers()).json()
    assert forward["streets"] == [name]
    assert forward["length_m"] == pytest.approx(_metres(a, b), rel=0.1)
    backward = client.post(URL, json={"waypoints": [b, a]}, headers=dishub.headers()).json()
    assert backward["length_m"] > forward["length_m"] + 100
    assert len(backward["streets"]) >= 3


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"waypoints": [[106.63, -6.18]]}, "waypoints"),
        ({"waypoints": [[106.63, -6.18]] * 101}, "waypoints"),
        ({"waypoints": [[106.63, -6.18], [190.0, -6.18]]}, "waypoints.1.0"),
        ({"waypoints": [[106.63, -6.18], [106.64, -96.0]]}, "waypoints.1.1"),
        ({"waypoints": [[106.63, -6.18], [106.64]]}, "waypoints.1.1"),
        ({"waypoints": [[106.63, -6.18], [106.64, -6.18]], "free": [1]}, "free.0"),
        ({"waypoints": [[106.63, -6.18], [106.64, -6.18]], "free": [-1]}, "free.0"),
        ({"waypoints": [[106.63, -6.18], [106.64, -6.18]], "other": 1}, "other"),
        ({}, "waypoints"),
    ],
)
def test_bad_bodies_are_refused(
    client: Any, db: Session, small: int, body: dict[str, Any], field: str
) -> None:
    dishub = user(db, small, "dishub")
    r = client.post(URL, json=body, headers=dishub.headers())
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == PROBLEM
    problem = r.json()
    assert problem["code"] in {"validation-error", "invalid-input"}
    assert any(e["field"] == field for e in problem["errors"]), problem["errors"]


@pytest.mark.parametrize("raw", ['{"waypoints": [[NaN, -6.18], [106.64, -6.18]]}', "not json"])
def test_nan_and_broken_json_are_refused(client: Any, db: Session, small: int, raw: str) -> None:
    dishub = user(db, small, "dishub")
    headers = {**dishub.headers(), "Content-Type": "application/json"}
    r = client.post(URL, content=raw, headers=headers)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == PROBLEM


def test_snapping_is_a_route_edit(client: Any) -> None:
    """Snapping waypoints is part of editing routes (the permission walk in
    tests/api/test_permissions.py calls it as every role): planners, reviewers, admins."""
    ops = {
        (m, p): op["x-permission"] for m, p, op in operations(client.get("/openapi.json").json())
    }
    assert ops[("post", "/cities/{city}/routes/snap")] == "routes.edit"
    assert PERMISSIONS["routes.edit"].roles == frozenset({"dishub", "dishub_reviewer", "admin"})
