"""The OPD staff side of requests over HTTP: table, detail, private data, documents, choropleth."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.accounts import Grant, create_token, create_user, upsert_opd
from tests.api.request_sample import NIKS, PDF, multipart, proposal
from tests.api.test_service import assert_problem
from tests.layers.sample import SampleCity, insert_sample_city

pytestmark = pytest.mark.postgis
SLUG = "layers-test"
CITY = f"/cities/{SLUG}"
# one point in each kelurahan of the sample city (SW, NW of kecamatan 01; SE, NE of 02)
POINTS = {
    "36.71.01.1001": (106.62, -6.20),
    "36.71.01.1002": (106.62, -6.16),
    "36.71.02.1003": (106.68, -6.20),
    "36.71.02.1004": (106.68, -6.16),
}
WIB = ZoneInfo("Asia/Jakarta")
SECRETS = (*NIKS, "Siti Contoh", "Budi Contoh", "0812 3456 7890", "1234567890")


@dataclass
class World:
    sample: SampleCity
    ids: dict[str, int]  # organisation -> request id
    codes: dict[str, str]
    users: dict[str, dict[str, str]]  # name -> headers


def _headers(db: Session, city_id: int, name: str, *grants: Grant) -> dict[str, str]:
    uid = create_user(
        db,
        city_id=city_id,
        username=name,
        display_name=f"Petugas {name}",
        password="kata-sandi-uji-7Qx",
        grants=list(grants),
    )
    _, token = create_token(db, uid, name="test")
    return {"Authorization": f"Bearer {token}"}


def _submit(client: Any, lon: float, lat: float, organisation: str) -> dict[str, Any]:
    data, files = multipart(proposal(lon, lat, organisation=organisation))
    response = client.post(f"{CITY}/requests", data=data, files=files)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.fixture
def world(client: Any, db: Session) -> World:
    sample = insert_sample_city(db)
    other = insert_sample_city(db, "kota-lain")
    for opd in ("KESRA", "TAPD", "BPKAD", "DISHUB"):
        upsert_opd(db, sample.city.id, opd, f"OPD {opd}")
    upsert_opd(db, other.city.id, "KESRA", "OPD KESRA")
    ids, codes = {}, {}
    for n, (kel, (lon, lat)) in enumerate(POINTS.items()):
        for m in range(n + 1):  # 1, 2, 3, 4 requests per kelurahan
            receipt = _submit(client, lon + m * 0.0002, lat, f"Yayasan {kel[-4:]} {m}")
            ids[f"{kel}/{m}"] = receipt["id"]
            codes[f"{kel}/{m}"] = receipt["code"]
    c = sample.city.id
    users = {
        "kesra": _headers(db, c, "kesra", Grant("opd_staff", opd="KESRA")),
        "kesra_barat": _headers(
            db, c, "kesra-barat", Grant("opd_staff", opd="KESRA", kecamatan="36.71.01")
        ),
        "tapd": _headers(db, c, "tapd", Grant("opd_staff", opd="TAPD")),
        "dishub": _headers(db, c, "dishub", Grant("opd_staff", opd="DISHUB")),
        "admin_kota": _headers(db, c, "admin-kota", Grant("admin_kota")),
        "inspektur": _headers(db, c, "inspektur", Grant("inspektur")),
        "warga": _headers(db, c, "warga", Grant("warga")),
        "other_city": _headers(db, other.city.id, "kesra-lain", Grant("opd_staff", opd="KESRA")),
    }
    return World(sample, ids, codes, users)


def _list(client: Any, w: World, who: str, query: str = "") -> Any:
    return client.get(f"{CITY}/requests{query}", headers=w.users[who])


def _step(client: Any, w: World, key: str, name: str, who: str = "kesra", **fields: Any) -> None:
    url = f"{CITY}/requests/{w.ids[key]}"
    version = client.get(url, headers=w.users[who]).json()["version"]
    moved = client.post(
        f"{url}/transitions",
        json={"transition": name, **fields},
        headers={**w.users[who], "If-Match": f'"v{version}"'},
    )
    assert moved.status_code == 200, moved.text


def test_the_table_is_scoped_to_who_handles_the_request(client: Any, world: World) -> None:
    every = len(world.ids)
    for who in ("kesra", "tapd", "admin_kota", "inspektur"):
        page = _list(client, world, who)
        assert page.status_code == 200, page.text
        assert page.headers["content-type"] == "application/json"
        assert "no-store" in page.headers["cache-control"]
        assert page.json()["total"] == every, who
    assert _list(client, world, "dishub").json() == {
        "items": [],
        "total": 0,
        "total_exact": True,
        "limit": 50,
        "offset": 0,
    }
    barat = _list(client, world, "kesra_barat").json()
    assert barat["total"] == 3  # 1 + 2 requests in the two kelurahan of kecamatan 36.71.01
    assert {r["kecamatan_code"] for r in barat["items"]} == {"36.71.01"}
    assert_problem(client.get(f"{CITY}/requests"), 401, "authentication-required")
    assert_problem(_list(client, world, "warga"), 403, "permission-denied")
    assert_problem(_list(client, world, "other_city"), 403, "permission-denied")
    timur = world.ids["36.71.02.1003/0"]
    for who in ("dishub", "kesra_barat"):
        hidden = client.get(f"{CITY}/requests/{timur}", headers=world.users[who])
        assert_problem(hidden, 404, "request-not-found")
    assert_problem(
        client.get(f"/cities/kota-lain/requests/{timur}", headers=world.users["other_city"]),
        404,
        "request-not-found",
    )


def test_rows_carry_the_contract_fields(client: Any, world: World) -> None:
    row = _list(client, world, "kesra", "?limit=1").json()["items"][0]
    assert set(row) == {
        "id", "code", "type", "status", "status_label", "title", "kelurahan_code", "kelurahan",
        "kecamatan_code", "kecamatan", "opd", "created_at", "status_changed_at", "step_age_days",
        "due_at", "overdue", "lon", "lat", "version", "demo",
    }  # fmt: skip
    assert row["status"] == "diajukan"
    assert row["status_label"] == "Diajukan"
    assert row["kelurahan"].startswith("Kelurahan ")
    assert row["kecamatan"] in ("Barat", "Timur")
    assert row["opd"] == "KESRA"
    assert row["step_age_days"] == 0
    assert row["due_at"] is not None
    assert row["overdue"] is False
    assert 106.6 < row["lon"] < 106.7
    assert -6.22 < row["lat"] < -6.14
    page = _list(client, world, "kesra").text
    for secret in SECRETS:
        assert secret not in page


def test_filters_sort_and_paging(client: Any, db: Session, world: World) -> None:
    _step(client, world, "36.71.02.1004/1", "mulai_verifikasi")
    got = _list(client, world, "kesra", "?status=verifikasi_dokumen,evaluasi").json()
    assert [r["id"] for r in got["items"]] == [world.ids["36.71.02.1004/1"]]
    assert got["items"][0]["status_label"] == "Verifikasi dokumen"
    kel = _list(client, world, "kesra", "?kelurahan=36.71.02.1003").json()
    assert kel["total"] == 3
    assert _list(client, world, "kesra", "?kecamatan=36.71.02").json()["total"] == 7
    assert _list(client, world, "kesra", "?opd=KESRA&type=bantuan").json()["total"] == 10
    assert _list(client, world, "kesra", "?opd=DISHUB").json()["total"] == 0
    code = world.codes["36.71.01.1002/1"]
    by_code = _list(client, world, "kesra", f"?q={code[4:9].lower()}").json()
    assert world.ids["36.71.01.1002/1"] in [r["id"] for r in by_code["items"]]
    by_title = _list(client, world, "kesra", "?q=yayasan 1004").json()
    assert by_title["total"] == 4
    assert _list(client, world, "kesra", "?q=100%25").json()["total"] == 0  # % is literal
    today = db.execute(text("SELECT (now() AT TIME ZONE 'Asia/Jakarta')::date")).scalar_one()
    day = today.isoformat()
    assert _list(client, world, "kesra", f"?from={day}&to={day}").json()["total"] == 10
    assert _list(client, world, "kesra", "?to=2001-01-31").json()["total"] == 0
    titles = [r["title"] for r in _list(client, world, "kesra", "?sort=title").json()["items"]]
    assert titles == sorted(titles)
    down = [r["title"] for r in _list(client, world, "kesra", "?sort=-title").json()["items"]]
    assert down == sorted(titles, reverse=True)
    kels = [
        r["kelurahan"] for r in _list(client, world, "kesra", "?sort=kelurahan").json()["items"]
    ]
    assert kels == sorted(kels)
    first = _list(client, world, "kesra", "?sort=-status").json()["items"][0]
    assert first["status"] == "verifikasi_dokumen"  # later in the workflow than diajukan
    one = _list(client, world, "kesra", "?sort=title&limit=3&offset=3").json()
    assert [r["title"] for r in one["items"]] == titles[3:6]
    assert (one["total"], one["limit"], one["offset"]) == (10, 3, 3)


def test_overdue_rows(client: Any, db: Session, world: World) -> None:
    late = world.ids["36.71.01.1001/0"]
    db.execute(
        text(
            "UPDATE service_request SET status_changed_at = now() - interval '4 days' WHERE id = :i"
        ),
        {"i": late},
    )
    rows = _list(client, world, "kesra", "?overdue=true").json()["items"]
    assert [r["id"] for r in rows] == [late]
    assert rows[0]["overdue"] is True
    assert rows[0]["step_age_days"] == 4
    assert _list(client, world, "kesra", "?overdue=false").json()["total"] == 9


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("?status=menunggu", "status"),
        ("?type=sulap", "type"),
        ("?sort=harga", "sort"),
        ("?kelurahan=36.71;drop", "kelurahan"),
        ("?from=2026-02-01&to=2026-01-01", "from"),
        ("?from=2026-13-01", "from"),
        ("?limit=0", "limit"),
        ("?limit=201", "limit"),
        ("?offset=-1", "offset"),
        ("?overdue=kadang", "overdue"),
    ],
)
def test_bad_table_parameters(client: Any, world: World, query: str, field: str) -> None:
    body = assert_problem(_list(client, world, "kesra", query), 422)
    assert field in [e["field"].split(".")[-1] for e in body["errors"]], body


def test_detail(client: Any, db: Session, world: World) -> None:
    key = "36.71.02.1004/0"
    url = f"{CITY}/requests/{world.ids[key]}"
    got = client.get(url, headers=world.users["kesra"])
    assert got.status_code == 200, got.text
    assert got.headers["etag"] == '"v1"'
    assert "no-store" in got.headers["cache-control"]
    detail = got.json()
    assert detail["code"] == world.codes[key]
    assert detail["geometry"]["type"] == "Point"
    assert detail["attrs"]["organisation"] == "Yayasan 1004 0"
    assert [t["name"] for t in detail["transitions"]] == ["mulai_verifikasi"]
    assert detail["transitions"][0]["label"] == "Mulai verifikasi dokumen"
    assert detail["private_allowed"] is True
    assert len(detail["documents"]) == 8
    doc = detail["documents"][0]
    assert doc["url"] == f"{url}/documents/{doc['id']}"
    assert doc["slot_label"] == "Proposal"
    assert doc["media_type"] == "application/pdf"
    assert [e["actor"] for e in detail["timeline"]] == ["Pemohon"]
    # the three other requests of this kelurahan lie within 100 m: possible duplicates
    assert {s["id"] for s in detail["similar"]} == {
        world.ids[f"36.71.02.1004/{m}"] for m in (1, 2, 3)
    }
    assert detail["deadlines"]["lpj_due_at"] is None
    assert detail["deadlines"]["step_due_at"] == detail["due_at"]
    for secret in SECRETS:
        assert secret not in got.text
    # each role sees the steps it may take now
    assert client.get(url, headers=world.users["tapd"]).json()["transitions"] == []
    assert client.get(url, headers=world.users["admin_kota"]).json()["transitions"] == []
    inspektur = client.get(url, headers=world.users["inspektur"]).json()
    assert (inspektur["transitions"], inspektur["private_allowed"]) == ([], False)
    _step(client, world, key, "mulai_verifikasi", internal_note="cek NPWP")
    moved = client.get(url, headers=world.users["kesra"]).json()
    assert moved["version"] == 2
    assert [t["name"] for t in moved["transitions"]] == [
        "minta_perbaikan",
        "lolos_verifikasi",
        "tolak",
    ]
    assert moved["transitions"][0]["requires"] == ["public_note"]
    assert moved["timeline"][-1]["actor"] == "Petugas kesra"
    assert moved["timeline"][-1]["internal_note"] == "cek NPWP"
    admin = client.get(url, headers=world.users["admin_kota"]).json()
    assert [t["name"] for t in admin["transitions"]] == ["tolak"]


def test_lpj_deadline_once_paid(client: Any, db: Session, world: World) -> None:
    key = "36.71.01.1001/0"
    for name, who, fields in [
        ("mulai_verifikasi", "kesra", {}),
        ("lolos_verifikasi", "kesra", {}),
        ("selesai_evaluasi", "kesra", {"berita_acara": "BA-1"}),
        ("tetapkan", "tapd", {"approved_amount_idr": 20_000_000}),
        ("tandatangani_nphd", "kesra", {}),
    ]:
        _step(client, world, key, name, who, **fields)
    bpkad = _headers(db, world.sample.city.id, "bpkad", Grant("opd_staff", opd="BPKAD"))
    world.users["bpkad"] = bpkad
    _step(client, world, key, "cairkan", "bpkad")
    detail = client.get(f"{CITY}/requests/{world.ids[key]}", headers=bpkad).json()
    paid = datetime.fromisoformat(detail["status_changed_at"]).astimezone(WIB)
    due = datetime.fromisoformat(detail["deadlines"]["lpj_due_at"]).astimezone(WIB)
    assert due == datetime(paid.year + 1, 1, 10, 23, 59, 59, tzinfo=WIB)
    assert detail["due_at"] == detail["deadlines"]["lpj_due_at"]
    assert detail["status_label"] == "Dicairkan"


def test_private_data_is_masked_and_audited(client: Any, db: Session, world: World) -> None:
    rid = world.ids["36.71.01.1002/0"]
    url = f"{CITY}/requests/{rid}/private"
    got = client.get(url, headers=world.users["kesra"])
    assert got.status_code == 200, got.text
    assert got.headers["cache-control"] == "no-store"
    body = got.json()
    assert body["contact"]["name"] == "Siti Contoh"
    assert body["contact"]["nik"] == NIKS[2][:4] + "********" + NIKS[2][-4:]
    assert body["private"]["chair"]["nik"] == NIKS[0][:4] + "********" + NIKS[0][-4:]
    assert body["private"]["bank_account"]["number"] == "1234567890"
    for nik in NIKS:
        assert nik not in got.text
    logged = db.execute(
        text(
            "SELECT actor, object_type, object_id FROM audit_log"
            " WHERE action = 'requests.read_personal'"
        )
    ).all()
    assert [tuple(r) for r in logged] == [("kesra", "service_request", str(rid))]
    assert_problem(client.get(url, headers=world.users["inspektur"]), 403, "permission-denied")
    assert_problem(client.get(url, headers=world.users["dishub"]), 404, "request-not-found")
    assert_problem(client.get(url), 401)


def test_documents_stream_as_attachments(client: Any, db: Session, world: World) -> None:
    rid = world.ids["36.71.01.1002/1"]
    other = world.ids["36.71.01.1002/0"]
    doc = client.get(f"{CITY}/requests/{rid}", headers=world.users["kesra"]).json()["documents"][0]
    got = client.get(doc["url"], headers=world.users["kesra"])
    assert got.status_code == 200
    assert got.content == PDF
    assert got.headers["content-type"] == "application/pdf"
    assert got.headers["content-disposition"] == 'attachment; filename="proposal.pdf"'
    assert got.headers["x-content-type-options"] == "nosniff"
    assert got.headers["cache-control"] == "private, no-store"
    logged = db.execute(
        text("SELECT count(*) FROM audit_log WHERE action = 'requests.read_document'")
    ).scalar_one()
    assert logged == 1
    wrong = f"{CITY}/requests/{other}/documents/{doc['id']}"
    assert_problem(client.get(wrong, headers=world.users["kesra"]), 404, "document-not-found")
    assert_problem(client.get(doc["url"], headers=world.users["dishub"]), 404, "request-not-found")
    assert_problem(client.get(doc["url"], headers=world.users["warga"]), 403)


def test_by_kelurahan(client: Any, db: Session, world: World) -> None:
    _step(client, world, "36.71.02.1004/2", "mulai_verifikasi")
    got = client.get(f"{CITY}/requests/by-kelurahan", headers=world.users["kesra"])
    assert got.status_code == 200, got.text
    assert got.headers["content-type"] == "application/geo+json"
    fc = got.json()
    assert fc["type"] == "FeatureCollection"
    props = {f["properties"]["code"]: f["properties"] for f in fc["features"]}
    assert set(props) == set(POINTS)
    direct = dict(
        db.execute(
            text(
                "SELECT kelurahan_code, count(*) FROM service_request WHERE city_id = :c"
                " GROUP BY kelurahan_code"
            ),
            {"c": world.sample.city.id},
        ).all()
    )
    assert {code: p["count"] for code, p in props.items()} == direct
    assert props["36.71.02.1004"]["by_status"] == {"diajukan": 3, "verifikasi_dokumen": 1}
    ne = props["36.71.02.1004"]
    assert ne["area_km2"] > 10
    assert ne["per_km2"] == pytest.approx(4 / ne["area_km2"], rel=1e-2)
    assert ne["kecamatan"] == "Timur"
    assert ne["name"] == "Kelurahan 4"
    assert fc["features"][0]["geometry"]["type"] == "MultiPolygon"
    classes = fc["classes"]
    assert classes["measure"] == "count"
    assert classes["breaks"][-1] == 4
    assert classes["method"] == "EqualInterval"  # 4 distinct values, 5 classes
    for secret in SECRETS:
        assert secret not in got.text
    filtered = client.get(
        f"{CITY}/requests/by-kelurahan?status=verifikasi_dokumen&measure=per_km2&k=3",
        headers=world.users["kesra"],
    ).json()
    counts = {f["properties"]["code"]: f["properties"]["count"] for f in filtered["features"]}
    assert counts == {"36.71.01.1001": 0, "36.71.01.1002": 0, "36.71.02.1003": 0,
                      "36.71.02.1004": 1}  # fmt: skip
    assert filtered["classes"]["measure"] == "per_km2"
    none = client.get(f"{CITY}/requests/by-kelurahan", headers=world.users["dishub"]).json()
    assert {f["properties"]["count"] for f in none["features"]} == {0}
    barat = client.get(f"{CITY}/requests/by-kelurahan", headers=world.users["kesra_barat"]).json()
    assert sum(f["properties"]["count"] for f in barat["features"]) == 3


@pytest.mark.parametrize(
    ("query", "field"),
    [("?k=2", "k"), ("?k=10", "k"), ("?measure=luas", "measure"), ("?status=x", "status")],
)
def test_bad_by_kelurahan_parameters(client: Any, world: World, query: str, field: str) -> None:
    got = client.get(f"{CITY}/requests/by-kelurahan{query}", headers=world.users["kesra"])
    body = assert_problem(got, 422)
    assert field in [e["field"].split(".")[-1] for e in body["errors"]], body


def test_facets_list_the_types_states_and_opds(client: Any, db: Session, world: World) -> None:
    got = client.get(f"{CITY}/requests/facets", headers=world.users["kesra"])
    assert got.status_code == 200, got.text
    assert got.headers["cache-control"] == "private, no-store"
    body = got.json()
    bantuan = next(t for t in body["types"] if t["code"] == "bantuan")
    states = [s["code"] for s in bantuan["states"]]
    assert states[0] == "diajukan"
    assert {"rekomendasi", "selesai"} <= set(states)
    assert {"code": "rekomendasi", "label": "Rekomendasi TAPD"} in bantuan["states"]
    assert bantuan["title_id"].startswith("Hibah")
    assert body["opds"] == [
        {"code": c, "name": f"OPD {c}"} for c in ("BPKAD", "DISHUB", "KESRA", "TAPD")
    ]
    other = client.get("/cities/kota-lain/requests/facets", headers=world.users["other_city"])
    assert [o["code"] for o in other.json()["opds"]] == ["KESRA"]
    # staff read their own city's facets only
    assert (
        client.get(f"{CITY}/requests/facets", headers=world.users["other_city"]).status_code == 403
    )
    assert client.get(f"{CITY}/requests/facets").status_code == 401
    assert client.get(f"{CITY}/requests/facets", headers=world.users["warga"]).status_code == 403
    # every type for OPD staff; a Dishub planner the types its role handles only
    assert {t["code"] for t in body["types"]} == {
        "bantuan",
        "pindah_sekolah",
        "saran_transport",
        "izin",
    }
    planner = _headers(db, world.sample.city.id, "perencana", Grant("dishub"))
    types = client.get(f"{CITY}/requests/facets", headers=planner).json()["types"]
    assert [t["code"] for t in types] == ["saran_transport"]
    assert types[0]["states"][0]["code"] == "diterima"
