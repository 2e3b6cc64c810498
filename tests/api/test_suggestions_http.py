"""Transport suggestions over HTTP: anonymous submission (point or line), tracking, the planners'
GeoJSON list (401/403, filters, no personal data) and Dishub's steps."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from tests.api.accounts import CITY, Cities, User, make_user, sample_cities, session_user
from tests.api.test_service import assert_problem

pytestmark = pytest.mark.postgis
BASE = f"/cities/{CITY}"
LIST = f"{BASE}/editor/suggestions"
# the sample city (tests/layers/sample.py): kelurahan 1 south-west, 3 south-east
SW, SE = (106.62, -6.20), (106.68, -6.20)
CONTACT = {"name": "Rina Penumpang", "phone": "0812 7777 3333", "email": "rina.p@contoh.invalid"}


def _body(geometry: dict[str, Any], kind: str = "butuh_trayek", **extra: Any) -> dict[str, Any]:
    return {
        "type": "saran_transport",
        "geometry": geometry,
        "attrs": {"kind": kind, "note": "Butuh angkot dari sini ke pasar"},
        **extra,
    }


def _line(*points: tuple[float, float]) -> dict[str, Any]:
    return {"type": "LineString", "coordinates": [list(p) for p in points]}


def _point(lon: float, lat: float) -> dict[str, Any]:
    return {"type": "Point", "coordinates": [lon, lat]}


@pytest.fixture
def cities(db: Session) -> Cities:
    return sample_cities(db)


def _user(db: Session, cities: Cities, name: str, role: str) -> User:
    return session_user(db, make_user(db, cities, name, role), name, role, CITY)


def _get(client: Any, url: str, user: User | None = None) -> Any:
    client.cookies.clear()
    return client.get(url, headers=user.headers() if user else {})


def _count(db: Session) -> int:
    return db.execute(text("SELECT count(*) FROM service_request")).scalar_one()


def test_anonymous_line_submitted_tracked_and_listed_for_planners(
    client: Any, db: Session, cities: Cities
) -> None:
    made = client.post(f"{BASE}/requests", json=_body(_line(SW, SE), contact=CONTACT))
    assert made.status_code == 201, made.text
    receipt = made.json()
    assert receipt["code"].startswith("SRN-")
    assert (receipt["status"], receipt["opd"], receipt["kelurahan"]) == (
        "diterima",
        "DISHUB",
        "Kelurahan 1",
    )
    point = client.post(f"{BASE}/requests", json=_body(_point(*SE), kind="ngetem"))
    assert point.status_code == 201, point.text
    tracked = client.get(f"/track/{receipt['code']}")
    assert tracked.status_code == 200
    assert tracked.json()["type"] == "saran_transport"
    for secret in ("Rina", "0812", "contoh.invalid"):
        assert secret not in tracked.text

    planner = _user(db, cities, "perencana", "dishub")
    listed = _get(client, LIST, planner)
    assert listed.status_code == 200, listed.text
    assert listed.headers["content-type"] == "application/geo+json"
    assert listed.headers["cache-control"] == "private, no-store"
    fc = listed.json()
    assert fc["type"] == "FeatureCollection"
    assert (fc["numberReturned"], fc["truncated"]) == (2, False)
    newest, older = fc["features"]
    assert newest["properties"]["code"] == point.json()["code"]
    assert older["id"] == receipt["id"]
    assert older["geometry"] == {"type": "LineString", "coordinates": [list(SW), list(SE)]}
    assert newest["geometry"]["type"] == "Point"
    assert set(older["properties"]) == {
        "code",
        "kind",
        "kind_label",
        "note",
        "status",
        "status_label",
        "created_on",
        "kelurahan_code",
        "kelurahan",
        "version",
    }
    assert older["properties"]["kind"] == "butuh_trayek"
    assert older["properties"]["status_label"] == "Diterima"
    for secret in ("Rina", "0812", "7777", "contoh.invalid", "Penumpang"):
        assert secret not in listed.text
    # filters
    assert len(_get(client, f"{LIST}?kind=ngetem", planner).json()["features"]) == 1
    assert len(_get(client, f"{LIST}?status=ditinjau", planner).json()["features"]) == 0
    day = older["properties"]["created_on"]
    assert len(_get(client, f"{LIST}?from={day}&to={day}", planner).json()["features"]) == 2
    assert len(_get(client, f"{LIST}?to=2020-01-01", planner).json()["features"]) == 0
    assert _get(client, f"{LIST}?limit=1", planner).json()["truncated"] is True


def test_the_list_is_for_planners_only(client: Any, db: Session, cities: Cities) -> None:
    assert_problem(_get(client, LIST), 401, "authentication-required")
    for role in ("warga", "opd_staff", "admin_kota", "inspektur"):
        user = _user(db, cities, f"u-{role}", role)
        assert_problem(_get(client, LIST, user), 403, "permission-denied")
    for role in ("dishub", "dishub_reviewer", "admin"):
        name = f"p-{role}"
        user_id = make_user(db, cities, name, role)
        user = session_user(db, user_id, name, role, None if role == "admin" else CITY)
        assert _get(client, LIST, user).status_code == 200, role


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("status=diajukan", "status"),
        ("kind=terbang", "kind"),
        ("from=2026-05-02&to=2026-05-01", "from"),
    ],
)
def test_bad_filters_are_field_errors(
    client: Any, db: Session, cities: Cities, query: str, field: str
) -> None:
    planner = _user(db, cities, "perencana", "dishub")
    body = assert_problem(_get(client, f"{LIST}?{query}", planner), 422, "invalid-input")
    assert [e["field"] for e in body["errors"]] == [field]


@pytest.mark.parametrize(
    ("geometry", "code"),
    [
        (_line(SW, (106.95, -6.20)), "invalid-geometry"),  # the end lies 25 km outside
        (_line(SW, SW), "invalid-geometry"),
        (
            {
                "type": "Polygon",
                "coordinates": [
                    [[106.61, -6.21], [106.63, -6.21], [106.62, -6.19], [106.61, -6.21]]
                ],
            },
            "invalid-geometry",
        ),
        ({"type": "LineString", "coordinates": [[106.62]]}, "invalid-geometry"),
    ],
)
def test_bad_places_are_problems_and_write_nothing(
    client: Any, db: Session, cities: Cities, geometry: dict[str, Any], code: str
) -> None:
    before = _count(db)
    answer = client.post(f"{BASE}/requests", json=_body(geometry))
    assert_problem(answer, 422, code)
    assert "Traceback" not in answer.text
    assert _count(db) == before


def test_a_contact_with_a_nik_is_refused(client: Any, cities: Cities) -> None:
    body = _body(_point(*SW), contact={**CONTACT, "nik": "9901014507900001"})
    problem = assert_problem(client.post(f"{BASE}/requests", json=body), 422, "invalid-input")
    assert problem["errors"][0]["field"] == "contact.nik"


def test_planners_step_suggestions_with_if_match(client: Any, db: Session, cities: Cities) -> None:
    receipt = client.post(f"{BASE}/requests", json=_body(_point(*SW))).json()
    url = f"{BASE}/requests/{receipt['id']}/transitions"
    reviewer = _user(db, cities, "peninjau", "dishub_reviewer")
    headers = {**reviewer.headers(unsafe=True), "If-Match": '"v1"'}
    client.cookies.clear()
    done = client.post(
        url, json={"transition": "tindak_lanjuti", "public_note": "x"}, headers=headers
    )
    body = assert_problem(done, 409, "illegal-transition")
    assert "tinjau" in body["detail"]
    client.cookies.clear()
    seen = client.post(url, json={"transition": "tinjau"}, headers=headers)
    assert seen.status_code == 200, seen.text
    assert seen.headers["etag"] == '"v2"'
    note = "Diteruskan ke bidang angkutan"
    client.cookies.clear()
    stale = client.post(url, json={"transition": "tolak", "public_note": note}, headers=headers)
    assert_problem(stale, 412, "stale-version")
    client.cookies.clear()
    rejected = client.post(
        url,
        json={"transition": "tolak", "public_note": note},
        headers={**headers, "If-Match": '"v2"'},
    )
    assert rejected.status_code == 200, rejected.text
    timeline = client.get(f"/track/{receipt['code']}").json()["timeline"]
    assert [e["status"] for e in timeline] == ["diterima", "ditinjau", "ditolak"]
    assert timeline[-1]["note"] == note
    listed = _get(client, f"{LIST}?status=ditolak", reviewer).json()["features"]
    assert [f["properties"]["code"] for f in listed] == [receipt["code"]]


def test_planners_read_suggestions_but_not_aid_proposals(
    client: Any, db: Session, cities: Cities
) -> None:
    from tests.api.request_sample import multipart, proposal

    data, files = multipart(proposal(*SE))
    aid = client.post(f"{BASE}/requests", data=data, files=files)
    assert aid.status_code == 201, aid.text
    saran = client.post(f"{BASE}/requests", json=_body(_point(*SW))).json()
    planner = _user(db, cities, "perencana", "dishub")
    table = _get(client, f"{BASE}/requests", planner)
    assert table.status_code == 200, table.text
    assert [r["code"] for r in table.json()["items"]] == [saran["code"]]
    assert _get(client, f"{BASE}/requests/{saran['id']}", planner).status_code == 200
    hidden = _get(client, f"{BASE}/requests/{aid.json()['id']}", planner)
    assert_problem(hidden, 404, "request-not-found")
    private = _get(client, f"{BASE}/requests/{saran['id']}/private", planner)
    assert_problem(private, 403, "permission-denied")
    counts = _get(client, f"{BASE}/requests/by-kelurahan", planner).json()
    assert sum(f["properties"]["count"] for f in counts["features"]) == 1
    # the restricted request points follow the same rule: the suggestion, not the proposal
    layer = _get(client, f"{BASE}/collections/requests/items", planner)
    assert layer.status_code == 200
    assert [f["properties"]["type"] for f in layer.json()["features"]] == ["saran_transport"]
