"""The route editor over HTTP: If-Match (428/412 keeping the edit), publish -> trips, 422s."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from tests.geo.editing_city import SLUG, bearer, editing_city, line, props
from tests.geo.synthetic import GridCity

pytestmark = pytest.mark.postgis
PROBLEM = "application/problem+json"
BASE = f"/cities/{SLUG}/editor/routes"
ROW16 = [(c, 16) for c in range(21)]


@pytest.fixture
def grid(db: Session) -> GridCity:
    return editing_city(db)


@pytest.fixture
def e1(grid: GridCity) -> int:
    return grid.route_ids[("E1", 0)]


def _versions(db: Session, route_id: int) -> int:
    return int(
        db.execute(
            text("SELECT count(*) FROM route_version WHERE route_id = :r"), {"r": route_id}
        ).scalar_one()
    )


def _save(client: Any, headers: dict[str, str], route_id: int, etag: str | None, **kw: Any) -> Any:
    body = {"geometry": kw.pop("geometry"), "properties": kw.pop("properties", props())}
    body["message"] = kw.pop("message", "pindah jalur")
    h = {**headers, **({"If-Match": etag} if etag else {})}
    return client.post(f"{BASE}/{route_id}/versions", json=body, headers=h)


def test_the_list_and_one_route(client: Any, db: Session, grid: GridCity, e1: int) -> None:
    planner = bearer(db, grid, "perencana", "dishub")
    listed = client.get(f"{BASE}?q=timur", headers=planner)
    assert listed.status_code == 200, listed.text
    routes = listed.json()["routes"]
    assert [(r["id"], r["code"], r["published_version"]) for r in routes] == [(e1, "E1", 1)]
    assert routes[0]["length_m"] == pytest.approx(2000, abs=1)
    assert routes[0]["drafts"] == []
    one = client.get(f"{BASE}/{e1}", headers=planner)
    assert one.status_code == 200
    assert one.headers["content-type"] == "application/geo+json"
    assert one.headers["etag"] == f'"r{e1}v1"'
    feature = one.json()
    assert feature["id"] == e1
    assert feature["geometry"]["type"] == "LineString"
    assert feature["properties"]["state"] == "published"
    assert feature["properties"]["code"] == "E1"
    missing = client.get(f"{BASE}/{e1}/versions/9", headers=planner)
    assert missing.status_code == 404
    assert missing.json()["code"] == "route-version-not-found"
    assert client.get(f"{BASE}/999999", headers=planner).json()["code"] == "route-not-found"


def test_two_planners_from_the_same_version(
    client: Any, db: Session, grid: GridCity, e1: int
) -> None:
    ana = bearer(db, grid, "ana", "dishub")
    budi = bearer(db, grid, "budi", "dishub")
    etag = client.get(f"{BASE}/{e1}", headers=ana).headers["etag"]
    first = _save(client, ana, e1, etag, geometry=line(grid, ROW16))
    assert first.status_code == 201, first.text
    assert first.json() == {"id": e1, "version": 2, "warnings": []}
    assert first.headers["etag"] == f'"r{e1}v2"'
    second = _save(
        client, budi, e1, etag, geometry=line(grid, [(c, 12) for c in range(21)]), message="b"
    )
    assert second.status_code == 412
    assert second.headers["content-type"] == PROBLEM
    body = second.json()
    assert body["code"] == "route-version-stale"
    assert body["saved_by"] == "ana"
    assert body["saved_version"] == 2
    assert body["draft_version"] == 3
    assert body["head"] == 3
    assert body["saved_at"].endswith("Z")
    assert second.headers["etag"] == f'"r{e1}v3"'
    # budi's edit is kept as his draft, based on the version he had
    kept = client.get(f"{BASE}/{e1}/versions/3", headers=budi).json()["properties"]
    assert (kept["author"], kept["state"], kept["parent"], kept["message"]) == (
        "budi",
        "draft",
        1,
        "b",
    )
    history = client.get(f"{BASE}/{e1}/versions", headers=ana).json()["versions"]
    assert [(v["version"], v["state"], v["author"]) for v in history] == [
        (3, "draft", "budi"),
        (2, "draft", "ana"),
        (1, "published", None),
    ]
    drafts = client.get(BASE, headers=ana).json()["routes"]
    e1_row = next(r for r in drafts if r["id"] == e1)
    assert [(d["version"], d["author"]) for d in e1_row["drafts"]] == [(3, "budi"), (2, "ana")]
    # a newer save of ana supersedes her own older draft
    again = _save(client, ana, e1, f'"r{e1}v3"', geometry=line(grid, ROW16), message="lagi")
    assert again.status_code == 201
    states = {
        v["version"]: v["state"]
        for v in client.get(f"{BASE}/{e1}/versions", headers=ana).json()["versions"]
    }
    assert states == {4: "draft", 3: "draft", 2: "superseded", 1: "published"}


def test_if_match_missing_or_malformed(client: Any, db: Session, grid: GridCity, e1: int) -> None:
    planner = bearer(db, grid, "perencana", "dishub")
    before = _versions(db, e1)
    missing = _save(client, planner, e1, None, geometry=line(grid, ROW16))
    assert missing.status_code == 428
    assert missing.json()["code"] == "precondition-required"
    wrong = _save(client, planner, e1, '"v1"', geometry=line(grid, ROW16))
    assert wrong.status_code == 422
    other = _save(client, planner, e1, f'"r{e1 + 1}v1"', geometry=line(grid, ROW16))
    assert other.status_code == 422
    assert _versions(db, e1) == before


def test_publish_reaches_the_trip_planner_and_the_public_layer(
    client: Any, db: Session, grid: GridCity, e1: int
) -> None:
    trips = (
        f"/cities/{SLUG}/trips?from={','.join(map(str, grid.lonlat(1, 16.2)))}"
        f"&to={','.join(map(str, grid.lonlat(12, 16.2)))}&max_walk_m=500"
    )
    item = f"/cities/{SLUG}/collections/angkot_routes/items/{e1}"
    planner = bearer(db, grid, "perencana", "dishub")
    reviewer = bearer(db, grid, "pemeriksa", "dishub_reviewer")
    assert client.get(trips).json()["itineraries"] == []
    old_coords = client.get(item).json()["geometry"]["coordinates"]
    saved = _save(client, planner, e1, f'"r{e1}v1"', geometry=line(grid, ROW16))
    assert saved.status_code == 201
    # a draft changes nothing citizens see
    assert client.get(trips).json()["itineraries"] == []
    assert client.get(item).json()["geometry"]["coordinates"] == old_coords
    # planners may not publish
    denied = client.post(f"{BASE}/{e1}/versions/2/publish", headers={**planner, "If-Match": "x"})
    assert denied.status_code == 403
    no_etag = client.post(f"{BASE}/{e1}/versions/2/publish", headers=reviewer)
    assert no_etag.status_code == 428
    stale = client.post(
        f"{BASE}/{e1}/versions/2/publish", headers={**reviewer, "If-Match": f'"r{e1}v1"'}
    )
    assert stale.status_code == 412
    done = client.post(
        f"{BASE}/{e1}/versions/2/publish", headers={**reviewer, "If-Match": f'"r{e1}v2"'}
    )
    assert done.status_code == 200, done.text
    assert done.json() == {"id": e1, "published_version": 2}
    its = client.get(trips).json()["itineraries"]
    rides = [leg for leg in its[0]["legs"] if leg["mode"] == "ride"]
    assert [leg["route"]["code"] for leg in rides] == ["E1"]
    _, lat16 = grid.lonlat(0, 16)
    ride_lats = [lat for _, lat in rides[0]["geometry"]["coordinates"]]
    assert ride_lats
    assert all(abs(lat - lat16) < 2e-4 for lat in ride_lats)  # row 10 is 5e-3 away
    new_coords = client.get(item).json()["geometry"]["coordinates"]
    assert new_coords[0][1] == pytest.approx(lat16, abs=1e-6)
    history = client.get(f"{BASE}/{e1}/versions", headers=planner).json()["versions"]
    assert [(v["version"], v["state"]) for v in history] == [(2, "published"), (1, "superseded")]
    again = client.post(
        f"{BASE}/{e1}/versions/2/publish", headers={**reviewer, "If-Match": f'"r{e1}v2"'}
    )
    assert again.status_code == 409
    assert again.json()["code"] == "route-version-state"


def test_return_with_a_note(client: Any, db: Session, grid: GridCity, e1: int) -> None:
    planner = bearer(db, grid, "perencana", "dishub")
    reviewer = bearer(db, grid, "pemeriksa", "dishub_reviewer")
    _save(client, planner, e1, f'"r{e1}v1"', geometry=line(grid, ROW16))
    empty = client.post(f"{BASE}/{e1}/versions/2/return", json={"note": "  "}, headers=reviewer)
    assert empty.status_code == 422
    assert (
        client.post(
            f"{BASE}/{e1}/versions/2/return", json={"note": "x"}, headers=planner
        ).status_code
        == 403
    )
    sent = client.post(
        f"{BASE}/{e1}/versions/2/return", json={"note": "lewat pasar"}, headers=reviewer
    )
    assert sent.status_code == 200, sent.text
    assert sent.json() == {"id": e1, "version": 2, "state": "returned"}
    got = client.get(f"{BASE}/{e1}/versions/2", headers=planner).json()["properties"]
    assert (got["state"], got["note"]) == ("returned", "lewat pasar")


@pytest.mark.parametrize(
    ("path", "changes", "code"),
    [
        ([(0, 10), (5, 10), (5, 10), (20, 10)], {}, "duplicate-vertex"),
        ([(3, 10), (3, 10)], {}, "zero-length"),
        ([(0, 10), (10, 10), (9.8, 10), (20, 10)], {}, "spike"),
        ([(0, 10), (5, 10)], {}, "too-short"),
        ([(0, 10), (20, 10), (20, 15), (0, 15), (0, 10)], {}, "loop-not-circular"),
        ([(0, 10), (20, 10), (60, 10)], {}, "outside-city"),
        ([(0, 10), (20, 10)], {"colour": "red"}, "invalid-attribute"),
        ([(0, 10), (20, 10)], {"speed_kmh": 500}, "invalid-attribute"),
    ],
)
def test_each_validation_error_is_a_422_and_writes_nothing(
    client: Any,
    db: Session,
    grid: GridCity,
    e1: int,
    path: list[tuple[float, float]],
    changes: dict[str, Any],
    code: str,
) -> None:
    planner = bearer(db, grid, "perencana", "dishub")
    before = _versions(db, e1)
    answer = _save(
        client, planner, e1, f'"r{e1}v1"', geometry=line(grid, path), properties=props(**changes)
    )
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == PROBLEM
    body = answer.json()
    assert body["code"] == "route-invalid"
    assert code in {e["code"] for e in body["errors"]}
    assert all(e["message"] for e in body["errors"])
    assert _versions(db, e1) == before


def test_a_too_long_route_and_a_circular_loop(
    client: Any, db: Session, grid: GridCity, e1: int
) -> None:
    planner = bearer(db, grid, "perencana", "dishub")
    zigzag = [(0 if i % 2 == 0 else 20, i * 0.4) for i in range(45)]  # 44 x 2 km: 88 km
    long = _save(client, planner, e1, f'"r{e1}v1"', geometry=line(grid, zigzag))
    assert long.status_code == 422
    assert "too-long" in {e["code"] for e in long.json()["errors"]}
    loop = [(0, 10), (20, 10), (20, 15), (0, 15), (0, 10)]
    ok = _save(
        client,
        planner,
        e1,
        f'"r{e1}v1"',
        geometry=line(grid, loop),
        properties=props(circular=True),
    )
    assert ok.status_code == 201, ok.text


def test_restore_new_route_reverse_and_diff(
    client: Any, db: Session, grid: GridCity, e1: int
) -> None:
    planner = bearer(db, grid, "perencana", "dishub")
    _save(
        client,
        planner,
        e1,
        f'"r{e1}v1"',
        geometry=line(grid, ROW16),
        properties=props(name="Lewat Baris 16"),
    )
    restored = client.post(
        f"{BASE}/{e1}/versions/1/restore", headers={**planner, "If-Match": f'"r{e1}v2"'}
    )
    assert restored.status_code == 201, restored.text
    assert restored.json()["version"] == 3
    v1 = client.get(f"{BASE}/{e1}/versions/1", headers=planner).json()
    v3 = client.get(f"{BASE}/{e1}/versions/3", headers=planner).json()
    assert v3["geometry"] == v1["geometry"]
    assert v3["properties"]["name"] == v1["properties"]["name"]
    assert (v3["properties"]["parent"], v3["properties"]["state"]) == (2, "draft")
    diff = client.get(f"{BASE}/{e1}/diff?from=1&to=2", headers=planner)
    assert diff.status_code == 200, diff.text
    d = diff.json()
    assert (d["from"], d["to"]) == (1, 2)
    assert d["attributes"] == {"name": ["Barat - Timur", "Lewat Baris 16"]}
    assert d["length_added_m"] == pytest.approx(2000, abs=1)
    assert d["added"]["type"] == "MultiLineString"
    assert client.get(f"{BASE}/{e1}/diff?from=1&to=9", headers=planner).status_code == 404
    reverse = client.post(f"{BASE}/{e1}/reverse", headers=planner)
    assert reverse.status_code == 201, reverse.text
    new_id = reverse.json()["id"]
    assert reverse.json()["version"] == 1
    back = client.get(f"{BASE}/{new_id}", headers=planner).json()
    assert back["properties"]["direction"] == 1
    assert back["properties"]["origin"] == "Pasar Timur"
    assert back["geometry"]["coordinates"] == list(reversed(v1["geometry"]["coordinates"]))
    assert client.post(f"{BASE}/{e1}/reverse", headers=planner).status_code == 409
    fresh = client.post(
        BASE,
        json={
            "geometry": line(grid, [(c, 4) for c in range(21)]),
            "properties": props(code="B2", name="Baru"),
            "message": "baru",
        },
        headers=planner,
    )
    assert fresh.status_code == 201, fresh.text
    assert fresh.json()["version"] == 1
    listed = {r["code"]: r for r in client.get(BASE, headers=planner).json()["routes"]}
    assert listed["B2"]["published_version"] is None
    assert listed["B2"]["drafts"][0]["author"] == "perencana"


def test_anonymous_and_opd_staff_are_refused(
    client: Any, db: Session, grid: GridCity, e1: int
) -> None:
    staff = bearer(db, grid, "staf", "opd_staff")
    for headers, status in (({}, 401), (staff, 403)):
        assert client.get(BASE, headers=headers).status_code == status
        assert _save(client, headers, e1, f'"r{e1}v1"', geometry=line(grid, ROW16)).status_code == (
            status
        )
        publish = client.post(
            f"{BASE}/{e1}/versions/1/publish", headers={**headers, "If-Match": f'"r{e1}v1"'}
        )
        assert publish.status_code == status
        assert publish.headers["content-type"] == PROBLEM
    assert _versions(db, e1) == 0  # nothing written, not even the backfilled version 1
