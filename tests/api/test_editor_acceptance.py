"""Issue #13's acceptance over HTTP, the parts not in test_editor_http: every write of the editor
refused to anonymous callers (401) and OPD staff (403) with nothing written; bad geometries of a
new route refused with nothing written; and the planners' reports and coverage seeing the routes
the layers show (published ones), never a draft."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from tests.geo.editing_city import SLUG, bearer, editing_city, line, props
from tests.geo.synthetic import GridCity

pytestmark = pytest.mark.postgis
PROBLEM = "application/problem+json"
CITY = f"/cities/{SLUG}"
BASE = f"{CITY}/editor/routes"
NORTH = [(15, r) for r in range(21)]  # a line no published route of the city runs along


def _city(db: Session) -> tuple[GridCity, int]:
    """The editing test city and its route E1."""
    grid = editing_city(db)
    return grid, grid.route_ids[("E1", 0)]


def _written(db: Session, grid: GridCity) -> tuple[int, int, int]:
    """What a write would leave: route versions, public routes and audit entries of the city."""
    row = db.execute(
        text(
            "SELECT (SELECT count(*) FROM route_version WHERE city_id = :c),"
            " (SELECT count(*) FROM angkot_route WHERE city_id = :c),"
            " (SELECT count(*) FROM audit_log WHERE city_id = :c)"
        ),
        {"c": grid.city.id},
    ).one()
    return int(row[0]), int(row[1]), int(row[2])


def _writes(grid: GridCity, e1: int) -> list[tuple[str, dict[str, Any]]]:
    draft = {"geometry": line(grid, NORTH), "properties": props(code="N9"), "message": "baru"}
    return [
        (BASE, {"json": draft}),
        (f"{BASE}/{e1}/versions", {"json": draft}),
        (f"{BASE}/{e1}/versions/1/restore", {}),
        (f"{BASE}/{e1}/versions/1/publish", {}),
        (f"{BASE}/{e1}/versions/1/return", {"json": {"note": "kembali"}}),
        (f"{BASE}/{e1}/reverse", {}),
        (f"{CITY}/editor/coverage/preview", {"json": {"geometry": line(grid, NORTH)}}),
        (f"{CITY}/editor/demand/served", {"json": {"geometry": line(grid, NORTH)}}),
        (f"{CITY}/routes/snap", {"json": {"waypoints": [[0.0, 0.0], [0.1, 0.1]]}}),
    ]


@pytest.mark.parametrize(("role", "status"), [(None, 401), ("opd_staff", 403)])
def test_every_editor_write_refuses_anonymous_and_opd_staff(
    client: Any, db: Session, role: str | None, status: int
) -> None:
    grid, e1 = _city(db)
    headers = {} if role is None else bearer(db, grid, "staf", role)
    before = _written(db, grid)
    for url, kw in _writes(grid, e1):
        client.cookies.clear()
        answer = client.post(url, headers={**headers, "If-Match": f'"r{e1}v1"'}, **kw)
        assert answer.status_code == status, (url, answer.text)
        assert answer.headers["content-type"] == PROBLEM
        assert answer.json()["status"] == status
    assert _written(db, grid) == before


@pytest.mark.parametrize(
    ("path", "code"),
    [
        ([(0, 10), (5, 10), (5, 10), (20, 10)], "duplicate-vertex"),
        ([(3, 10), (3, 10)], "zero-length"),
        ([(0, 10), (10, 10), (9.8, 10), (20, 10)], "spike"),
        ([(0, 10), (5, 10)], "too-short"),
        ([(0, 10), (20, 10), (20, 15), (0, 15), (0, 10)], "loop-not-circular"),
        ([(0, 10), (20, 10), (60, 10)], "outside-city"),
    ],
)
def test_a_new_route_with_a_bad_geometry_writes_nothing(
    client: Any, db: Session, path: list[tuple[float, float]], code: str
) -> None:
    grid, _ = _city(db)
    planner = bearer(db, grid, "perencana", "dishub")
    before = _written(db, grid)
    body = {"geometry": line(grid, path), "properties": props(code="N9"), "message": "baru"}
    answer = client.post(BASE, json=body, headers=planner)
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == PROBLEM
    assert answer.json()["code"] == "route-invalid"
    assert code in {e["code"] for e in answer.json()["errors"]}
    assert _written(db, grid) == before


@pytest.mark.parametrize(
    "geometry",
    [
        {"type": "Point", "coordinates": [106.6, -6.2]},
        {"type": "LineString", "coordinates": [[106.6, -6.2]]},
        {"type": "LineString", "coordinates": [["a", "b"], [1, 2]]},
        {"type": "LineString", "coordinates": [[106.6, 95], [106.7, -6.2]]},
    ],
)
def test_not_a_line_is_a_422_and_writes_nothing(
    client: Any, db: Session, geometry: dict[str, Any]
) -> None:
    grid, e1 = _city(db)
    planner = bearer(db, grid, "perencana", "dishub")
    before = _written(db, grid)
    body = {"geometry": geometry, "properties": props(), "message": "x"}
    saved = client.post(
        f"{BASE}/{e1}/versions", json=body, headers={**planner, "If-Match": f'"r{e1}v1"'}
    )
    created = client.post(BASE, json=body, headers=planner)
    for answer in (saved, created):
        assert answer.status_code == 422
        assert answer.json()["code"] == "route-invalid"
    assert _written(db, grid) == before


def _codes_seen(client: Any, headers: dict[str, str]) -> dict[str, set[str]]:
    """The route codes each planners' view shows: the public layer, the coverage table and the
    kelurahan report."""
    items = client.get(f"{CITY}/collections/angkot_routes/items?limit=100").json()["features"]
    coverage = client.get(f"{CITY}/editor/coverage", headers=headers).json()["kelurahan"]
    report = client.get(f"{CITY}/reports/kelurahan/99.01.01.1002.html", headers=headers).text
    return {
        "layer": {f["properties"]["code"] for f in items},
        "coverage": {code for k in coverage for code in k["routes"]},
        "report": {code for code in ("E1", "W1", "N9") if f">{code}<" in report},
    }


def test_reports_and_coverage_see_what_the_layers_show_not_drafts(client: Any, db: Session) -> None:
    grid, _ = _city(db)
    ana = bearer(db, grid, "ana", "dishub")
    budi = bearer(db, grid, "budi", "dishub")
    reviewer = bearer(db, grid, "pemeriksa", "dishub_reviewer")
    published = {"layer": {"E1", "W1"}, "coverage": {"E1", "W1"}, "report": {"E1"}}
    assert _codes_seen(client, ana) == published
    # budi drafts a new route N9 through kelurahan Timur: no view of ana's (nor his) shows it
    body = {"geometry": line(grid, NORTH), "properties": props(code="N9"), "message": "baru"}
    made = client.post(BASE, json=body, headers=budi)
    assert made.status_code == 201, made.text
    n9 = made.json()["id"]
    for who in (ana, budi):
        assert _codes_seen(client, who) == published
    # a draft is not a route the preview can replace (it replaces published routes only)
    preview = client.post(
        f"{CITY}/editor/coverage/preview",
        json={"geometry": line(grid, NORTH), "replaces": n9},
        headers=ana,
    )
    assert preview.status_code == 404
    assert preview.headers["content-type"] == PROBLEM
    # published, it is in every view at once
    done = client.post(
        f"{BASE}/{n9}/versions/1/publish", headers={**reviewer, "If-Match": f'"r{n9}v1"'}
    )
    assert done.status_code == 200, done.text
    now = {"layer": {"E1", "W1", "N9"}, "coverage": {"E1", "W1", "N9"}, "report": {"E1", "N9"}}
    assert _codes_seen(client, ana) == now
