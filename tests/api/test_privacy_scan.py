"""Personal data never leaks to anonymous callers, and no answer echoes a submitted password.

Known personal values (an email, a full name, a phone number, a NIK) are planted in user and
audit data; then every GET operation of /openapi.json is called anonymously with minimal valid
parameters, plus the pages / and /masuk, and no answer may contain any of them.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.accounts import ANONYMOUS, PERMISSIONS, principal_for_user, record
from tests.api.accounts import (
    ANON,
    CITY,
    LAT,
    LON,
    PASSWORD,
    Cities,
    call,
    make_user,
    operations,
    sample_cities,
    session_user,
    tile_of,
)
from tests.api.request_sample import NIKS, PDF, multipart, proposal

pytestmark = pytest.mark.postgis
EMAIL = "siti.rahmawati77@example.org"
NAME = "Siti Rahmawati Kusumadewi"
PHONE = "0812-3456-7890"
NIK = "3671014508900002"
CHILD = "Raden Ajeng Kartikasari"
NISN = "0098765432"
PLANTED = [EMAIL, NAME, PHONE, NIK, "081234567890", "siti.rahmawati77", CHILD, NISN]


@pytest.fixture
def planted(db: Session, tmp_path: Path) -> Cities:
    cities = sample_cities(db)
    user_id = make_user(db, cities, "siti", "opd_staff", email=EMAIL, display_name=NAME)
    make_user(db, cities, "login-target", "warga")
    siti = principal_for_user(db, user_id, via="cli")
    city_id = cities.ids[CITY]
    record(
        db,
        siti,
        "test.personal",
        city_id=city_id,
        object_type="person",
        object_id=NIK,
        after={"nik": NIK, "telepon": PHONE, "nama": NAME, "email": EMAIL},
        detail={"catatan": f"hubungi {PHONE}"},
    )
    record(db, ANONYMOUS, "test.personal", city_id=city_id, before={"nik": NIK})
    # a live session of the planted user, so session tables hold her too
    session_user(db, user_id, "siti", "opd_staff", CITY)
    # and an aid proposal whose people are her: the transparency list, the nearby hint and
    # tracking show the organisation, never them
    _plant_proposal(db, tmp_path / "uploads")
    # and a school transfer of her child: tracking shows the target school's name only
    _plant_transfer(db, tmp_path / "uploads")
    return cities


def _plant_transfer(db: Session, store: Path) -> str:
    from geo.cities import get_city
    from geo.requests.attachments import Upload, UploadStore
    from geo.requests.schemas import RequestCreate
    from geo.requests.service import submit
    from geo.requests.transfer import Planning
    from geo.transit import PlannerOptions, build_transit_network, build_walking_graph
    from tests.geo.transfer_city import documents, transfer_body

    city = get_city(db, CITY)
    graph = build_walking_graph(db, city.id, city.utm_srid)
    planning = Planning(graph, build_transit_network(db, city.id, graph), PlannerOptions())
    body = transfer_body((LON, LAT), origin="20670000", target="20670005")
    body["contact"] = {"name": NAME, "nik": NIK, "phone": PHONE, "email": EMAIL}
    body["private"]["student"] |= {"name": CHILD, "nisn": NISN}
    body["private"]["home_address"] = "Jl. Rahasia 7"
    receipt = submit(
        db,
        ANONYMOUS,
        city,
        RequestCreate.model_validate(body),
        documents=[Upload(*d) for d in documents()],
        store=UploadStore(store),
        planning=lambda: planning,
    )
    return receipt.code


def _plant_proposal(db: Session, store: Path) -> None:
    from geo.cities import get_city
    from geo.requests.aid import AID_DOCUMENTS
    from geo.requests.attachments import Upload, UploadStore
    from geo.requests.schemas import RequestCreate
    from geo.requests.service import submit

    person = {"name": NAME, "nik": NIK, "phone": PHONE}
    body = proposal(LON, LAT) | {
        "contact": {**person, "email": EMAIL, "address": "Jl. Rahasia 7"},
        "private": {
            "chair": person,
            "secretary": person,
            "bank_account": {"bank": "Bank Uji", "number": "081234567890", "holder": NAME},
        },
    }
    submit(
        db,
        ANONYMOUS,
        get_city(db, CITY),
        RequestCreate.model_validate(body),
        documents=[Upload(slot, f"{slot}.pdf", PDF) for slot in AID_DOCUMENTS],
        store=UploadStore(store),
    )


def leaks(text: str) -> list[str]:
    low = text.lower()
    digits = re.sub(r"\D", "", text)
    found = [v for v in PLANTED if v.lower() in low]
    if NIK in digits:
        found.append("NIK (digits)")
    return found


def answer_text(response: Any) -> str:
    """The text of an answer; of a zip (the GTFS feed), the text of every file in it."""
    if response.headers.get("content-type") == "application/zip":
        with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
            return "\n".join(
                archive.read(name).decode("utf-8", "replace") for name in archive.namelist()
            )
    return str(response.content.decode("utf-8", "replace"))


def plant_request(client: Any) -> None:
    """A proposal whose contact is the planted person, in the kecamatan of the map report."""
    body = proposal(106.62, -6.20)
    body["contact"] = {"name": NAME, "phone": PHONE, "email": EMAIL, "nik": NIKS[2]}
    data, files = multipart(body)
    assert client.post(f"/cities/{CITY}/requests", data=data, files=files).status_code == 201


def test_anonymous_answers_carry_no_personal_data(client: Any, planted: Cities) -> None:
    plant_request(client)
    spec = client.get("/openapi.json").json()
    assert leaks(client.get("/openapi.json").text) == []
    scanned = []
    bad = []
    for method, path, op in operations(spec):
        if method != "get":
            continue
        response = call(client, method, path, op, planted, ANON)
        restricted = PERMISSIONS[op["x-permission"]].roles is not None
        scanned.append((path, response.status_code, restricted))
        body = answer_text(response)
        headers = " ".join(f"{k}: {v}" for k, v in response.headers.items())
        if leaks(body) or leaks(headers):
            bad.append((path, response.status_code, leaks(body + headers)))
    for page in ("/", "/masuk", "/lacak", "/kelola", "/usulan", "/editor"):
        response = client.get(page)
        assert response.status_code == 200
        scanned.append((page, 200, False))
        if leaks(response.text):
            bad.append((page, 200, leaks(response.text)))
    assert bad == []
    # the scan reached real answers: every public read answered 2xx (restricted ones 401)
    assert len(scanned) >= 20
    assert all(200 <= s < 300 for _, s, restricted in scanned if not restricted), scanned
    assert {s for _, s, restricted in scanned if restricted} == {401}
    assert {p for p, _, restricted in scanned if restricted} >= {"/admin/audit", "/admin/users"}
    # the map report (a request of the planted person lies in its kecamatan) was scanned
    assert ("/cities/{city}/reports/{level}/{area_code}.html", 200, False) in scanned
    # and the GTFS feed, file by file (its zip is compressed)
    assert ("/cities/{city}/gtfs.zip", 200, False) in scanned
    assert {
        "/cities/{city}/proposals",
        "/cities/{city}/requests/nearby",
        "/cities/{city}/transfers/alternatives",
    } <= {p for p, _, _ in scanned}


def test_a_transfer_is_tracked_without_the_child(client: Any, db: Session, planted: Cities) -> None:
    """Tracking a school transfer shows its type, status and target school, not the child."""
    code = db.execute(
        text("SELECT code FROM service_request WHERE type = 'pindah_sekolah'")
    ).scalar_one()
    tracked = client.get(f"/track/{code}")
    assert tracked.status_code == 200
    assert tracked.json()["school"] == "Sekolah 5"
    assert leaks(tracked.text) == []
    assert "Rahasia" not in tracked.text
    stored = db.execute(
        text(
            "SELECT extra::text FROM request_private p JOIN service_request r"
            " ON r.id = p.request_id WHERE r.code = :code"
        ),
        {"code": code},
    ).scalar_one()
    assert CHILD in stored  # the planted values are there: the scan looks for what exists
    assert NISN in stored


def test_the_planted_values_are_there_for_whom_may_read_them(
    client: Any, db: Session, planted: Cities
) -> None:
    """The scan above looks for values that do exist: an admin sees them (and that is audited)."""
    admin = session_user(db, make_user(db, planted, "root", "admin"), "root", "admin", None)
    client.cookies.clear()
    users = client.get(f"/admin/users?city={CITY}", headers=admin.headers())
    assert EMAIL in users.text
    assert NAME in users.text
    assert set(leaks(users.text)) >= {EMAIL, NAME}  # the detector finds them in real answers
    client.cookies.clear()
    audit = client.get("/admin/audit?action=test.personal", headers=admin.headers())
    assert NIK in audit.text
    assert PHONE in audit.text
    assert set(leaks(audit.text)) >= {NIK, PHONE, "NIK (digits)"}


SECRET = "Rahasia-Sekali-Jangan-Bocor-42"


def test_problem_bodies_never_echo_the_password(client: Any, db: Session, planted: Cities) -> None:
    def post(body: Any, **kwargs: Any) -> Any:
        client.cookies.clear()
        return client.post("/auth/login", json=body, **kwargs)

    answers = [
        post({"username": "siti", "password": SECRET, "city": CITY}),  # 401
        post({"username": "tidak-ada", "password": SECRET}),  # 401
        post({"username": 12345, "password": SECRET}),  # 422
        post({"username": "x" * 65, "password": SECRET}),  # 422
        post({"username": "siti", "password": SECRET * 40}),  # 422 (too long)
        post({"username": "siti", "password": [SECRET]}),  # 422 (not a string)
        post({"username": "siti", "password": SECRET, "city": "atlantis"}),  # 404
    ]
    for _ in range(5):
        answers.append(post({"username": "siti", "password": SECRET, "city": CITY}))
    siti = session_user(db, planted_user(db, "siti"), "siti", "opd_staff", CITY)
    client.cookies.clear()
    answers.append(
        client.post("/auth/logout", json={"password": SECRET}, headers=siti.headers())
    )  # 403 csrf
    statuses = [a.status_code for a in answers]
    assert {401, 403, 404, 422, 429} <= set(statuses), statuses
    for answer in answers:
        assert answer.headers["content-type"] == "application/problem+json"
        assert SECRET not in answer.text
        assert SECRET.lower() not in answer.text.lower()
        assert PASSWORD not in answer.text
        assert all(SECRET not in v for v in answer.headers.values())


def planted_user(db: Session, username: str) -> int:
    return int(
        db.execute(
            text("SELECT id FROM app_user WHERE username = :u"), {"u": username}
        ).scalar_one()
    )


def test_the_request_layers_carry_no_personal_data(
    client: Any, db: Session, planted: Cities
) -> None:
    """A request whose people carry the planted values: ``requests_public`` (every answer,
    filtered too) never shows them, nor points; ``requests`` answers anonymous callers 401;
    even staff reading ``requests`` get only its non-personal fields."""
    body = proposal(LON, LAT)
    body["contact"] = {
        "name": NAME,
        "nik": NIK,
        "phone": PHONE,
        "email": EMAIL,
        "address": "Jl. Rahasia No. 7",
    }
    body["private"]["chair"] = {"name": NAME, "nik": NIK, "phone": PHONE}
    data, files = multipart(body)
    made = client.post(f"/cities/{CITY}/requests", data=data, files=files)
    assert made.status_code == 201, made.text
    client.cookies.clear()
    base = f"/cities/{CITY}/collections"
    x, y = tile_of(LON, LAT, 12)
    fid = client.get(f"{base}/requests_public/items").json()["features"][0]["id"]
    public = [
        f"{base}",
        f"{base}/requests_public",
        f"{base}/requests_public/items",
        f"{base}/requests_public/items?type=bantuan&status=diajukan",
        f"{base}/requests_public/items?status=diajukan",
        f"{base}/requests_public/items/{fid}",
        f"{base}/requests_public/queryables",
        f"{base}/requests_public/tiles/WebMercatorQuad",
        f"{base}/requests_public/tiles/WebMercatorQuad/12/{x}/{y}",
    ]
    for url in public:
        response = client.get(url)
        assert response.status_code == 200, url
        shown = response.content.decode("utf-8", "replace")
        assert leaks(shown) == [], url
        assert "Rahasia" not in shown
        if url != base:  # (the list describes the schools layer, of points)
            assert '"Point"' not in shown  # never points of people
    for url in (f"{base}/requests/items", f"{base}/requests/items/{made.json()['id']}"):
        denied = client.get(url)
        assert denied.status_code == 401
        assert leaks(denied.text) == []
    staff_id = make_user(db, planted, "dishub-staff", "opd_staff")  # Dishub's: no rows here
    staff = session_user(db, staff_id, "dishub-staff", "opd_staff", CITY)
    admin = session_user(db, make_user(db, planted, "ak", "admin_kota"), "ak", "admin_kota", CITY)
    for user in (staff, admin):
        client.cookies.clear()
        answer = client.get(f"{base}/requests/items", headers=user.headers())
        assert answer.status_code == 200
        assert leaks(answer.text) == []
        assert "Rahasia" not in answer.text
    client.cookies.clear()
    assert (
        made.json()["code"] in client.get(f"{base}/requests/items", headers=admin.headers()).text
    )  # the scan above read the planted request itself


def test_transport_suggestions_carry_no_personal_data(
    client: Any, db: Session, planted: Cities
) -> None:
    """A suggestion whose optional contact is the planted person: tracking, the planners' list
    and the rows Dishub's planners read show its kind, note and place, never her."""
    body = {
        "type": "saran_transport",
        "geometry": {"type": "LineString", "coordinates": [[LON, LAT], [LON + 0.01, LAT]]},
        "attrs": {"kind": "butuh_trayek", "note": "Butuh angkot ke pasar"},
        "contact": {"name": NAME, "phone": PHONE, "email": EMAIL},
    }
    made = client.post(f"/cities/{CITY}/requests", json=body)
    assert made.status_code == 201, made.text
    code, request_id = made.json()["code"], made.json()["id"]
    assert leaks(made.text) == []
    assert leaks(client.get(f"/track/{code}").text) == []
    planner_id = make_user(db, planted, "perencana", "dishub")
    planner = session_user(db, planner_id, "perencana", "dishub", CITY)
    for url in (
        f"/cities/{CITY}/editor/suggestions",
        f"/cities/{CITY}/requests",
        f"/cities/{CITY}/requests/{request_id}",
    ):
        client.cookies.clear()
        answer = client.get(url, headers=planner.headers())
        assert answer.status_code == 200, url
        assert code in answer.text
        assert leaks(answer.text) == [], url
    client.cookies.clear()
    private = client.get(f"/cities/{CITY}/requests/{request_id}/private", headers=planner.headers())
    assert private.status_code == 403


def test_the_route_coverage_layer_carries_no_personal_data(client: Any, planted: Cities) -> None:
    """``route_coverage`` (public): kelurahan polygons with shares and route codes, no points,
    nothing of the planted person (her request lies in a kelurahan it describes)."""
    plant_request(client)
    client.cookies.clear()
    base = f"/cities/{CITY}/collections/route_coverage"
    x, y = tile_of(LON, LAT, 12)
    for url in (
        base,
        f"{base}/items",
        f"{base}/queryables",
        f"{base}/tiles/WebMercatorQuad/12/{x}/{y}",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        shown = response.content.decode("utf-8", "replace")
        assert leaks(shown) == [], url
        assert '"Point"' not in shown
    features = client.get(f"{base}/items").json()["features"]
    assert len(features) == 4
    assert set(features[0]["properties"]) == {
        "code",
        "name",
        "kecamatan_code",
        "share",
        "area_km2",
        "covered_km2",
        "routes",
        "route_count",
    }


def test_the_parcel_intake_answers_no_personal_data(client: Any, planted: Cities) -> None:
    """The public parcel check (POST) answers the parcel's geometry and figures only, its
    problems no more, with the planted person's request lying under the parcel."""
    plant_request(client)
    square = [[106.6195, -6.2005], [106.6205, -6.2005], [106.6205, -6.1995], [106.6195, -6.1995]]
    parcel = {"type": "Polygon", "coordinates": [[*square, square[0]]]}
    url = f"/cities/{CITY}/permits/parcel"
    answers = [
        client.post(url, json={"geometry": parcel}),
        client.post(url, files={"file": ("p.geojson", orjson_bytes({"geometry": parcel}))}),
        client.post(url, json={"geometry": {"type": "Point", "coordinates": [106.62, -6.2]}}),
    ]
    assert [a.status_code for a in answers] == [200, 422, 422]
    for answer in answers:
        assert leaks(answer.text) == []


def orjson_bytes(value: Any) -> bytes:
    import json

    return json.dumps(value).encode()


def test_the_permit_precheck_carries_no_personal_data(client: Any, planted: Cities) -> None:
    """The public pre-check (#15) of a parcel over a pending application of the planted person
    shows the overlap's area and share, never her, the application's code or its title; the
    form's uses and the permit layers neither."""
    from shapely.geometry import box, mapping

    from tests.geo.permit_sample import application, documents

    parcel = box(LON, LAT, LON + 0.0006, LAT + 0.0005)
    body = application(parcel, 3_700.0, title=f"Rumah {NAME}")
    body["contact"] = {"name": NAME, "nik": NIK, "phone": PHONE, "email": EMAIL}
    files = [(slot, (f"{slot}.pdf", data, "application/pdf")) for slot, data in documents().items()]
    made = client.post(
        f"/cities/{CITY}/requests", data={"request": orjson.dumps(body).decode()}, files=files
    )
    assert made.status_code == 201, made.text
    client.cookies.clear()
    draft = {
        "geometry": mapping(box(LON + 0.0003, LAT, LON + 0.0009, LAT + 0.0005)),
        "use": "Rumah tinggal",
        "declared_area_m2": 3_700.0,
        "floors": 1,
        "footprint_m2": 100.0,
    }
    checked = client.post(f"/cities/{CITY}/permits/check", json=draft)
    assert checked.status_code == 200, checked.text
    pending = next(c for c in checked.json()["checks"] if c["id"] == "overlap_pending")
    assert pending["verdict"] == "perlu_kajian"  # her application was found ...
    assert leaks(checked.text) == []  # ... and nothing of her shown
    assert made.json()["code"] not in checked.text
    for url in (
        f"/cities/{CITY}/permits/uses",
        *(
            f"/cities/{CITY}/collections/{layer}/items"
            for layer in ("zoning", "protected_areas", "rivers", "parcels")
        ),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert leaks(response.text) == [], url
