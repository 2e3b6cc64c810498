"""e-audit over HTTP: the inspectorate's flow end to end, the office's answers and follow-ups,
bad input (4xx problem+json, nothing written), and every audit endpoint and the audit_sites
layer refused to anonymous callers (401) and to staff of another OPD (403)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from pyproj import Geod
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.accounts import create_token
from tests.api.accounts import tile_of
from tests.api.test_service import assert_problem
from tests.geo.audit_city import ROAD, SITE_POINT, AuditCity, audit_at, audit_city

pytestmark = pytest.mark.postgis
SLUG = "audit-test"
CITY = f"/cities/{SLUG}"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 200
PDF = b"%PDF-1.4\n%" + b"x" * 100
HISTORY = (
    "audit_site",
    "audit",
    "audit_event",
    "audit_visit",
    "audit_finding",
    "finding_response",
    "finding_followup",
    "audit_photo",
)


@dataclass
class World:
    ac: AuditCity
    headers: dict[str, dict[str, str]]


def _token(db: Session, user_id: int | None) -> dict[str, str]:
    assert user_id is not None
    _, token = create_token(db, user_id, name="test")
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def world(db: Session) -> World:
    ac = audit_city(db, SLUG)
    who = {"insp": ac.inspector, "dpupr": ac.dpupr, "dishub": ac.dishub, "ak": ac.admin_kota}
    return World(ac, {name: _token(db, p.user_id) for name, p in who.items()})


def _counts(db: Session) -> dict[str, int]:
    return {
        t: int(db.execute(text(f"SELECT count(*) FROM {t}")).scalar_one())  # fixed names
        for t in HISTORY
    }


SITE = {
    "geometry": {"type": "Point", "coordinates": list(SITE_POINT)},
    "opd_code": "DPUPR",
    "activity": "Rehabilitasi gedung SDN Contoh 1",
    "budget_idr": 2_000_000_000,
    "fiscal_year": 2026,
    "contractor": "PT Contoh Bangun",
    "contract_value_idr": 1_900_000_000,
    "progress_pct": 65.5,
}
FINDING = {
    "opd_code": "DPUPR",
    "category": "ketidakpatuhan",
    "severity": "sedang",
    "potential_loss_idr": 40_000_000,
    "description": "Jaminan pelaksanaan tidak diperpanjang",
    "recommendation": "Perpanjang jaminan pelaksanaan",
}


def _step(client: Any, h: dict[str, str], audit_id: int, body: dict[str, Any]) -> Any:
    etag = client.get(f"{CITY}/audits/{audit_id}", headers=h).headers["etag"]
    return client.post(f"{CITY}/audits/{audit_id}/steps", json=body, headers=h | {"If-Match": etag})


def test_the_inspectorate_and_the_office_take_an_audit_through(
    client: Any, db: Session, world: World
) -> None:
    insp, dpupr = world.headers["insp"], world.headers["dpupr"]
    made = client.post(f"{CITY}/audit-sites", json=SITE, headers=insp)
    assert made.status_code == 201, made.text
    site_id = made.json()["id"]
    feature = client.get(f"{CITY}/audit-sites/{site_id}", headers=insp)
    assert feature.headers["content-type"] == "application/geo+json"
    assert feature.headers["cache-control"] == "private, no-store"
    props = feature.json()["properties"]
    assert (props["kecamatan_code"], props["audit_status"]) == ("36.71.01", "belum_diaudit")
    audit = client.post(
        f"{CITY}/audits", json={"site_id": site_id, "title": "Audit rehab SDN"}, headers=insp
    )
    assert audit.status_code == 201, audit.text
    audit_id = audit.json()["id"]
    no_match = client.post(
        f"{CITY}/audits/{audit_id}/steps", json={"transition": "mulai_pemeriksaan"}, headers=insp
    )
    assert_problem(no_match, 428)
    stale = client.post(
        f"{CITY}/audits/{audit_id}/steps",
        json={"transition": "mulai_pemeriksaan"},
        headers=insp | {"If-Match": '"v9"'},
    )
    assert_problem(stale, 412)
    illegal = _step(client, insp, audit_id, {"transition": "kirim_notisi"})
    assert_problem(illegal, 409, "illegal-transition")
    surat = {
        "transition": "terbitkan_surat_tugas",
        "surat_tugas_no": "700/ST-3/2026",
        "surat_tugas_date": "2026-08-03",
        "inspectors": [world.ac.inspector_id],
    }
    assert _step(client, insp, audit_id, surat).status_code == 200
    assert _step(client, insp, audit_id, {"transition": "mulai_pemeriksaan"}).status_code == 200
    lon, lat = SITE_POINT
    visit = client.post(
        f"{CITY}/audits/{audit_id}/visits",
        json={"lon": lon + 0.001, "lat": lat, "accuracy_m": 5, "note": "Tiba di lokasi"},
        headers=insp,
    )
    assert visit.status_code == 201, visit.text
    _, _, want = Geod(ellps="WGS84").inv(lon, lat, lon + 0.001, lat)
    assert visit.json()["distance_m"] == pytest.approx(want, abs=0.5)
    finding = client.post(f"{CITY}/audits/{audit_id}/findings", json=FINDING, headers=insp)
    assert finding.status_code == 201, finding.text
    finding_id = finding.json()["id"]
    photo = client.post(
        f"{CITY}/audits/{audit_id}/photos",
        files={"photo": ("retak.jpg", JPEG, "image/jpeg")},
        data={"finding_id": str(finding_id)},
        headers=insp,
    )
    assert photo.status_code == 201, photo.text
    got = client.get(f"{CITY}/audit-photos/{photo.json()['id']}", headers=insp)
    assert (got.status_code, got.content, got.headers["content-type"]) == (200, JPEG, "image/jpeg")
    # before the notisi the office sees nothing of it
    assert client.get(f"{CITY}/audit-findings", headers=dpupr).json() == []
    assert _step(client, insp, audit_id, {"transition": "kirim_notisi"}).status_code == 200
    mine = client.get(f"{CITY}/audit-findings", headers=dpupr).json()
    assert [f["id"] for f in mine] == [finding_id]
    answer = client.post(
        f"{CITY}/audit-findings/{finding_id}/responses",
        json={"text": "Jaminan sudah diperpanjang sampai Desember"},
        headers=dpupr,
    )
    assert answer.status_code == 201, answer.text
    edit = client.patch(
        f"{CITY}/audit-findings/{finding_id}", json={"severity": "rendah"}, headers=dpupr
    )
    assert_problem(edit, 403, "permission-denied")
    shown = client.get(f"{CITY}/audit-findings/{finding_id}", headers=dpupr).json()
    assert shown["severity"] == "sedang"
    assert [r["text"] for r in shown["responses"]] == ["Jaminan sudah diperpanjang sampai Desember"]
    lha = {"transition": "terbitkan_lha", "lha_no": "LHA-3/2026", "lha_date": "2026-09-10"}
    assert _step(client, insp, audit_id, lha).status_code == 200
    late = client.post(
        f"{CITY}/audit-findings/{finding_id}/responses", json={"text": "Tambahan"}, headers=dpupr
    )
    assert_problem(late, 409, "audit-step-closed")
    followed = client.post(
        f"{CITY}/audit-findings/{finding_id}/follow-ups",
        json={"note": "Salinan jaminan diunggah"},
        headers=dpupr,
    )
    assert followed.status_code == 201, followed.text
    detail = client.get(f"{CITY}/audit-findings/{finding_id}", headers=dpupr).json()
    assert (detail["lha_date"], detail["due_date"]) == ("2026-09-10", "2026-11-09")
    overdue = client.get(f"{CITY}/audit-findings?overdue=true", headers=insp).json()
    assert [f["id"] for f in overdue] == ([finding_id] if detail["days_left"] < 0 else [])
    table = client.get(f"{CITY}/audits/by-opd", headers=world.headers["ak"])
    assert table.status_code == 200
    row = next(r for r in table.json() if r["opd_code"] == "DPUPR")
    assert (row["sites"], row["audits"], row["findings"], row["potential_loss_idr"]) == (
        1,
        1,
        1,
        40_000_000,
    )
    assessed = client.post(
        f"{CITY}/audit-findings/{finding_id}/assessment",
        json={"status": "sesuai", "note": "Sesuai rekomendasi"},
        headers=insp,
    )
    assert assessed.status_code == 201
    assert _step(client, insp, audit_id, {"transition": "mulai_pemantauan"}).status_code == 200
    assert _step(client, insp, audit_id, {"transition": "selesai"}).status_code == 200
    sites = client.get(f"{CITY}/audit-sites?opd=DPUPR&fiscal_year=2026", headers=insp).json()
    assert [f["properties"]["audit_status"] for f in sites["features"]] == ["selesai"]


def test_the_layer_is_the_inspectorates(client: Any, db: Session, world: World) -> None:
    audit_at(db, world.ac, "lha")
    items = client.get(f"{CITY}/collections/audit_sites/items", headers=world.headers["insp"])
    assert items.status_code == 200, items.text
    assert "private" in items.headers["cache-control"]
    (feature,) = items.json()["features"]
    assert feature["properties"]["worst_severity"] == "tinggi"
    assert feature["properties"]["colour"] == "#d7191c"
    listed = client.get(f"{CITY}/collections", headers=world.headers["dishub"]).json()
    assert "audit_sites" not in {c["id"] for c in listed["collections"]}
    listed = client.get(f"{CITY}/collections", headers=world.headers["insp"]).json()
    assert "audit_sites" in {c["id"] for c in listed["collections"]}


def _created(client: Any, db: Session, world: World) -> dict[str, int]:
    audit_id, (finding_id,) = audit_at(db, world.ac, "notisi")
    site_id = db.execute(
        text("SELECT site_id FROM audit WHERE id = :a"), {"a": audit_id}
    ).scalar_one()
    photo = client.post(
        f"{CITY}/audits/{audit_id}/photos",
        files={"photo": ("a.jpg", JPEG, "image/jpeg")},
        headers=world.headers["insp"],
    )
    assert photo.status_code == 201
    return {"site_id": site_id, "audit_id": audit_id, "finding_id": finding_id}


BODIES: dict[str, Any] = {
    "/audit-sites": SITE,
    "/audits": {"site_id": 1, "title": "Audit"},
    "/steps": {"transition": "terbitkan_lha", "lha_no": "L-1", "lha_date": "2026-09-01"},
    "/visits": {"note": "tanpa posisi"},
    "/findings": FINDING,
    "/responses": {"text": "Tanggapan kami"},
    "/follow-ups": {"note": "Tindak lanjut"},
    "/assessment": {"status": "sesuai", "note": "Sesuai"},
    "/audit-findings/{finding_id}": {"severity": "rendah"},
}


def _audit_operations(spec: dict[str, Any]) -> list[tuple[str, str]]:
    ops = []
    for path, methods in spec["paths"].items():
        for method, op in methods.items():
            if str(op.get("x-permission", "")).startswith("audits."):
                ops.append((method, path))
    return sorted(ops)


def test_every_audit_endpoint_refuses_anonymous_and_other_offices(
    client: Any, db: Session, world: World
) -> None:
    ids = _created(client, db, world)
    photo_id = db.execute(text("SELECT max(id) FROM audit_photo")).scalar_one()
    ops = _audit_operations(client.get("/openapi.json").json())
    assert len(ops) >= 17
    x, y = tile_of(*SITE_POINT, 12)
    layer = [
        ("get", "/collections/audit_sites"),
        ("get", "/collections/audit_sites/items"),
        ("get", "/collections/audit_sites/queryables"),
        ("get", "/collections/audit_sites/items/{site_id}"),
        ("get", f"/collections/audit_sites/tiles/WebMercatorQuad/12/{x}/{y}"),
    ]
    before = _counts(db)
    seen = []
    for method, path in [*ops, *[(m, f"/cities/{{city}}{p}") for m, p in layer]]:
        url = path.replace("{city}", SLUG).replace("{photo_id}", str(photo_id))
        url = url.replace("{followup_id}", "1")  # refused at the door: any entry id
        for name, value in ids.items():
            url = url.replace("{" + name + "}", str(value))
        if url.endswith("/audit-findings"):
            url += "?opd=DPUPR"  # the office list: asking for another OPD's findings
        body = next((b for k, b in BODIES.items() if path.endswith(k)), None)
        kwargs: dict[str, Any] = {}
        if path.endswith("/photos"):
            kwargs["files"] = {"photo": ("a.jpg", JPEG, "image/jpeg")}
        elif method in ("post", "patch"):
            kwargs["json"] = body
        for who, want in ((None, 401), ("dishub", 403)):
            client.cookies.clear()
            headers = world.headers[who] if who else {}
            answer = client.request(method.upper(), url, headers=headers, **kwargs)
            assert answer.status_code == want, (method, url, who, answer.text)
            assert answer.headers["content-type"] == "application/problem+json"
            seen.append((method, path, who))
    assert _counts(db) == before
    assert len(seen) == 2 * (len(ops) + len(layer))


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"geometry": {"type": "Point", "coordinates": [110.0, -7.0]}}, "geometry"),
        (
            {"geometry": {"type": "LineString", "coordinates": [[106.6, -6.2], [106.61, -6.2]]}},
            "geometry.type",
        ),
        (
            {
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [
                        [
                            [106.62, -6.2],
                            [106.63, -6.19],
                            [106.63, -6.2],
                            [106.62, -6.19],
                            [106.62, -6.2],
                        ]
                    ],
                }
            },
            "geometry",
        ),
        ({"budget_idr": -1}, "budget_idr"),
        ({"budget_idr": 10**15}, "budget_idr"),
        ({"fiscal_year": 1999}, "fiscal_year"),
        ({"progress_pct": 101}, "progress_pct"),
        ({"activity": ""}, "activity"),
        ({"opd_code": "DPU PR'; --"}, "opd_code"),
        ({"surprise": 1}, "surprise"),
    ],
)
def test_bad_sites_are_refused(
    client: Any, db: Session, world: World, change: dict[str, Any], field: str
) -> None:
    before = _counts(db)
    answer = client.post(f"{CITY}/audit-sites", json=SITE | change, headers=world.headers["insp"])
    body = assert_problem(answer, 422)
    assert any(e["field"].endswith(field) for e in body.get("errors", [])), body
    assert _counts(db) == before


def test_bad_audit_writes_are_refused(client: Any, db: Session, world: World) -> None:
    insp = world.headers["insp"]
    audit_id, (finding_id,) = audit_at(db, world.ac, "pemeriksaan")
    before = _counts(db)
    cases = [
        (
            client.post(f"{CITY}/audits", json={"site_id": 999999, "title": "x y z"}, headers=insp),
            404,
        ),
        (
            client.post(
                f"{CITY}/audits", json={"site_id": 1, "title": "x", "basis": "?"}, headers=insp
            ),
            422,
        ),
        (
            client.post(
                f"{CITY}/audits/{audit_id}/findings",
                json=FINDING | {"opd_code": "NOPE"},
                headers=insp,
            ),
            422,
        ),
        (
            client.post(
                f"{CITY}/audits/{audit_id}/findings",
                json=FINDING | {"category": "lain"},
                headers=insp,
            ),
            422,
        ),
        (
            client.post(
                f"{CITY}/audits/{audit_id}/findings",
                json=FINDING | {"potential_loss_idr": -5},
                headers=insp,
            ),
            422,
        ),
        (client.post(f"{CITY}/audits/{audit_id}/visits", json={"lon": 106.6}, headers=insp), 422),
        (
            client.post(
                f"{CITY}/audits/{audit_id}/visits", json={"lon": 106.6, "lat": 95}, headers=insp
            ),
            422,
        ),
        (
            client.post(
                f"{CITY}/audits/{audit_id}/visits",
                json={"visited_at": "2099-01-01T00:00:00+07:00"},
                headers=insp,
            ),
            422,
        ),
        (
            client.post(
                f"{CITY}/audits/{audit_id}/steps",
                json={"transition": "kirim_notisi"},
                headers=insp | {"If-Match": "junk"},
            ),
            422,
        ),
        (
            client.post(
                f"{CITY}/audits/{audit_id}/steps",
                json={"transition": "kirim_notisi", "inspectors": "x"},
                headers=insp | {"If-Match": '"v3"'},
            ),
            422,
        ),
        (
            client.post(
                f"{CITY}/audit-findings/{finding_id}/assessment",
                json={"status": "sesuai", "note": "Terlalu dini"},
                headers=insp,
            ),
            409,
        ),
        (
            client.post(
                f"{CITY}/audit-findings/{finding_id}/assessment",
                json={"status": "beres", "note": "x y z"},
                headers=insp,
            ),
            422,
        ),
        (client.patch(f"{CITY}/audit-findings/{finding_id}", json={}, headers=insp), 422),
        (
            client.post(
                f"{CITY}/audits/{audit_id}/photos",
                files={"photo": ("virus.jpg", b"MZ\x90\x00" * 50, "image/jpeg")},
                headers=insp,
            ),
            415,
        ),
        (
            client.post(
                f"{CITY}/audits/{audit_id}/photos",
                files={"photo": ("foto.jpg", PDF, "image/jpeg")},
                headers=insp,
            ),
            415,
        ),
        (
            client.post(
                f"{CITY}/audits/{audit_id}/photos",
                data={"finding_id": "x"},
                files={"photo": ("a.jpg", JPEG, "image/jpeg")},
                headers=insp,
            ),
            422,
        ),
        (client.post(f"{CITY}/audits/{audit_id}/photos", json={"photo": "no"}, headers=insp), 422),
        (client.get(f"{CITY}/audit-sites?fiscal_year=1800", headers=insp), 422),
        (client.get(f"{CITY}/audits/999999", headers=insp), 404),
    ]
    for answer, status in cases:
        assert_problem(answer, status)
    assert _counts(db) == before


def test_a_photo_over_the_limit_is_refused(client: Any, db: Session, world: World) -> None:
    audit_id, _ = audit_at(db, world.ac, "pemeriksaan")
    before = _counts(db)
    big = JPEG + b"\x00" * (11 * 1024 * 1024)
    answer = client.post(
        f"{CITY}/audits/{audit_id}/photos",
        files={"photo": ("besar.jpg", big, "image/jpeg")},
        headers=world.headers["insp"],
    )
    assert_problem(answer, 413)
    assert _counts(db) == before


def test_a_polygon_site_and_a_visit_inside_it(client: Any, db: Session, world: World) -> None:
    insp = world.headers["insp"]
    made = client.post(f"{CITY}/audit-sites", json=SITE | {"geometry": ROAD}, headers=insp)
    assert made.status_code == 201
    feature = client.get(f"{CITY}/audit-sites/{made.json()['id']}", headers=insp).json()
    assert feature["geometry"]["type"] == "MultiPolygon"
