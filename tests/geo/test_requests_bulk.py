"""bulk_load on PostGIS: placed as submit places, legal histories, all or nothing, one audit row."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import shapely
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.accounts import ANONYMOUS, cli_principal
from geo.accounts.users import upsert_opd
from geo.cities import CityInfo, create_city
from geo.errors import AuthenticationRequiredError, InvalidGeometryError, InvalidInputError
from geo.requests import AID_WORKFLOW, normalise_code, parse_nik
from geo.requests.aid import AID_DOCUMENTS
from geo.requests.attachments import Upload, UploadStore
from geo.requests.bulk import BulkEvent, BulkRequest, bulk_load
from geo.requests.schemas import RequestCreate
from geo.requests.service import submit

pytestmark = pytest.mark.postgis

BBOX = (106.58, -6.22, 106.66, -6.14)
PDF = b"%PDF-1.4\n% test document\n"
NIKS = ("9901014507900001", "9901010203850002", "9901016612800003")
T0 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
LOADER = cli_principal("bulk-test")


def _box(x0: float, y0: float, x1: float, y1: float) -> str:
    return f"MULTIPOLYGON((({x0} {y0}, {x1} {y0}, {x1} {y1}, {x0} {y1}, {x0} {y0})))"


@pytest.fixture
def city(db: Session) -> CityInfo:
    info = create_city(db, "bulkkota", "Kota Uji Massal", BBOX)
    areas = [
        ("kota", "99.02", "Kota Uji", None, _box(106.60, -6.20, 106.64, -6.16)),
        ("kecamatan", "99.02.01", "Kec Barat", "99.02", _box(106.60, -6.20, 106.62, -6.16)),
        ("kecamatan", "99.02.02", "Kec Timur", "99.02", _box(106.62, -6.20, 106.64, -6.16)),
        ("kelurahan", "99.02.02.1002", "Kel Timur", "99.02.02", _box(106.62, -6.20, 106.64, -6.16)),
        ("kelurahan", "99.02.01.1001", "Kel Barat", "99.02.01", _box(106.60, -6.20, 106.62, -6.16)),
    ]
    for level, code, name, parent, wkt in areas:
        db.execute(
            text(
                "INSERT INTO admin_area (city_id, level, code, name, parent_code, geom)"
                " VALUES (:c, :l, :code, :n, :p, ST_GeomFromText(:w, 4326))"
            ),
            {"c": info.id, "l": level, "code": code, "n": name, "p": parent, "w": wkt},
        )
    upsert_opd(db, info.id, "KESRA", "Bagian Kesra")
    return info


def _attrs(**more: Any) -> dict[str, Any]:
    return {
        "kind": "hibah",
        "organisation": "Yayasan Uji Massal",
        "organisation_kind": "yayasan",
        "purpose": "Renovasi ruang belajar",
        "amount_requested_idr": 25_000_000,
        **more,
    }


CONTACT = {"name": "Siti Contoh", "nik": NIKS[2], "phone": "000-0000-0001"}
PRIVATE = {
    "chair": {"name": "Siti Contoh", "nik": NIKS[0]},
    "secretary": {"name": "Budi Contoh", "nik": NIKS[1]},
    "bank_account": {"bank": "Bank Uji", "number": "000-1234567", "holder": "Yayasan"},
}


def _ev(n: int, name: str | None, src: str | None, dst: str, **fields: Any) -> BulkEvent:
    return BulkEvent(
        transition=name,
        from_status=src,
        to_status=dst,
        at=T0 + timedelta(days=n),
        actor="anonymous" if name is None else "opd_kesra",
        fields=fields,
    )


SUBMITTED = _ev(0, None, None, "diajukan")
REPAIRED = [
    SUBMITTED,
    _ev(1, "mulai_verifikasi", "diajukan", "verifikasi_dokumen"),
    _ev(3, "minta_perbaikan", "verifikasi_dokumen", "perlu_perbaikan", public_note="Lengkapi SK"),
    _ev(9, "ajukan_ulang", "perlu_perbaikan", "verifikasi_dokumen"),
    _ev(12, "lolos_verifikasi", "verifikasi_dokumen", "evaluasi", internal_note="cek lapangan"),
    _ev(30, "tolak", "evaluasi", "ditolak", public_note="Pagu tidak mencukupi"),
]


def _row(geometry: Any = "POINT(106.61 -6.18)", **changes: Any) -> BulkRequest:
    row = BulkRequest(
        type="bantuan",
        geometry=geometry,
        attrs=_attrs(),
        contact=CONTACT,
        private=PRIVATE,
        created_at=T0,
        events=[SUBMITTED],
        status="diajukan",
        demo=True,
    )
    return replace(row, **changes)


def _count(db: Session, sql: str, **params: Any) -> int:
    return int(db.execute(text(sql), params).scalar_one())


PLACES = {
    "west": "POINT(106.61 -6.18)",
    "east": "POINT(106.63 -6.17)",
    "shared edge": "POINT(106.62 -6.18)",
    "corner of both": "POINT(106.62 -6.20)",
    "just outside, west": "POINT(106.597 -6.18)",
    "just outside, east": "POINT(106.643 -6.19)",
    "area over both": "POLYGON((106.615 -6.19, 106.628 -6.19, 106.628 -6.18, 106.615 -6.18,"
    " 106.615 -6.19))",
}


def test_places_match_submit(db: Session, city: CityInfo, tmp_path: Path) -> None:
    """Every place gets the kelurahan, kecamatan and OPD that submit gives it."""
    store = UploadStore(tmp_path / "uploads")
    docs = [Upload(slot, f"{slot}.pdf", PDF) for slot in AID_DOCUMENTS]
    submitted = {}
    for label, wkt in PLACES.items():
        geojson = shapely.geometry.mapping(shapely.from_wkt(wkt))
        data = RequestCreate(
            type="bantuan", geometry=dict(geojson), attrs=_attrs(), contact=CONTACT, private=PRIVATE
        )
        receipt = submit(db, ANONYMOUS, city, data, documents=docs, store=store)
        submitted[label] = receipt.code
    loaded = bulk_load(db, LOADER, city, [_row(wkt) for wkt in PLACES.values()])
    assert loaded == len(PLACES)
    places = {
        r.code: (r.kelurahan_code, r.kecamatan_code, r.opd_code)
        for r in db.execute(
            text(
                "SELECT code, kelurahan_code, kecamatan_code, opd_code, demo, ST_AsText(geom) AS w"
                " FROM service_request WHERE city_id = :c"
            ),
            {"c": city.id},
        )
    }
    bulk = db.execute(
        text("SELECT code FROM service_request WHERE city_id = :c AND demo ORDER BY id"),
        {"c": city.id},
    ).scalars()
    for (label, code), bulk_code in zip(submitted.items(), bulk, strict=True):
        assert places[bulk_code] == places[code], label
    assert places[submitted["shared edge"]][0] == "99.02.01.1001"  # the lower code
    assert places[submitted["just outside, east"]][0] == "99.02.02.1002"  # the nearest
    assert {p[2] for p in places.values()} == {"KESRA"}


def test_history_version_codes_private_and_one_audit_row(db: Session, city: CityInfo) -> None:
    audit_before = _count(db, "SELECT count(*) FROM audit_log WHERE action = 'requests.bulk_load'")
    rows = [_row(events=REPAIRED, status="ditolak"), _row("POINT(106.63 -6.17)"), _row()]
    assert bulk_load(db, LOADER, city, rows, chunk_size=2) == 3
    got = db.execute(
        text(
            "SELECT id, code, status, version, demo, created_at, status_changed_at, updated_at"
            " FROM service_request WHERE city_id = :c ORDER BY id"
        ),
        {"c": city.id},
    ).all()
    assert [r.status for r in got] == ["ditolak", "diajukan", "diajukan"]
    assert [r.version for r in got] == [len(REPAIRED), 1, 1]
    assert all(r.demo for r in got)
    assert got[0].created_at == T0
    assert got[0].status_changed_at == got[0].updated_at == REPAIRED[-1].at
    for r in got:
        assert normalise_code(r.code) == r.code
        assert r.code.startswith("SBK-")
    assert len({r.code for r in got}) == 3
    events = db.execute(
        text(
            "SELECT transition, from_status, to_status, at, actor, public_note, internal_note,"
            " fields FROM request_event WHERE city_id = :c AND request_id = :r ORDER BY id"
        ),
        {"c": city.id, "r": got[0].id},
    ).all()
    assert [(e.transition, e.from_status, e.to_status) for e in events] == [
        (e.transition, e.from_status, e.to_status) for e in REPAIRED
    ]
    status = AID_WORKFLOW.initial
    for e in events[1:]:  # legal, in order
        step = AID_WORKFLOW.transition(e.transition)
        assert step is not None
        assert status in step.sources
        assert step.target == e.to_status
        status = e.to_status
    assert events[2].public_note == "Lengkapi SK"
    assert events[4].internal_note == "cek lapangan"
    assert events[4].fields == {}  # notes have their own columns
    private = db.execute(
        text("SELECT nik, extra FROM request_private WHERE city_id = :c AND request_id = :r"),
        {"c": city.id, "r": got[0].id},
    ).one()
    assert private.nik == NIKS[2]
    assert private.extra["chair"]["nik"] == NIKS[0]
    parse_nik(private.nik)
    audit = db.execute(
        text(
            "SELECT actor, city_id, detail FROM audit_log WHERE action = 'requests.bulk_load'"
            " ORDER BY id DESC LIMIT 1"
        )
    ).one()
    assert _count(db, "SELECT count(*) FROM audit_log WHERE action = 'requests.bulk_load'") == (
        audit_before + 1
    )
    assert audit.actor == "cli:bulk-test"
    assert audit.city_id == city.id
    assert audit.detail["count"] == 3
    assert audit.detail["demo"] == 3
    assert audit.detail["by_status"] == {"bantuan:diajukan": 2, "bantuan:ditolak": 1}


def _skip(events: list[BulkEvent]) -> list[BulkEvent]:
    return [events[0], _ev(1, "lolos_verifikasi", "diajukan", "evaluasi")]


BAD_ROWS: dict[str, tuple[dict[str, Any], str]] = {
    "unknown type": ({"type": "parkir"}, "rows[1].type"),
    "amount -1": ({"attrs": _attrs(amount_requested_idr=-1)}, "rows[1].attrs.amount_requested_idr"),
    "amount 10^15": (
        {"attrs": _attrs(amount_requested_idr=10**15)},
        "rows[1].attrs.amount_requested_idr",
    ),
    "missing field": ({"attrs": {"kind": "hibah"}}, "rows[1].attrs.organisation"),
    "bad contact NIK": ({"contact": {**CONTACT, "nik": "9901013213900001"}}, "rows[1].contact.nik"),
    "bad private part": ({"private": {"chair": {"name": "x"}}}, "rows[1].private.chair.nik"),
    "no events": ({"events": []}, "rows[1].events"),
    "first event a transition": (
        {"events": REPAIRED[1:], "status": "ditolak"},
        "rows[1].events[0]",
    ),
    "skipped step": ({"events": _skip(REPAIRED), "status": "evaluasi"}, "rows[1].events[1]"),
    "step without its note": (
        {
            "events": [
                *REPAIRED[:2],
                _ev(2, "minta_perbaikan", "verifikasi_dokumen", "perlu_perbaikan"),
            ],
            "status": "perlu_perbaikan",
        },
        "rows[1].events[2]",
    ),
    "wrong target": (
        {"events": [SUBMITTED, _ev(1, "mulai_verifikasi", "diajukan", "evaluasi")]},
        "rows[1].events[1].to_status",
    ),
    "out of time order": (
        {"events": [REPAIRED[0], REPAIRED[2], REPAIRED[1]]},
        "rows[1].events[1]",
    ),
    "status not the history's end": ({"status": "selesai"}, "rows[1].status"),
    "bad code": ({"code": "SBK-2222-2222-2222-2223"}, "rows[1].code"),
    "outside the city": ({"geometry": "POINT(106.70 -6.18)"}, "rows[1].geometry"),
    "bow-tie polygon": (
        {
            "geometry": "POLYGON((106.61 -6.19, 106.63 -6.17, 106.63 -6.19, 106.61 -6.17,"
            " 106.61 -6.19))"
        },
        "rows[1].geometry",
    ),
    "a line": ({"geometry": "LINESTRING(106.61 -6.19, 106.63 -6.17)"}, "rows[1].geometry"),
    "not WKT": ({"geometry": "POINT(oops"}, "rows[1].geometry"),
}


@pytest.mark.parametrize("case", list(BAD_ROWS))
def test_bad_rows_are_refused_and_nothing_is_written(
    db: Session, city: CityInfo, case: str
) -> None:
    changes, field = BAD_ROWS[case]
    audit_before = _count(db, "SELECT count(*) FROM audit_log")
    rows = [_row(), _row(**changes), _row()]
    with pytest.raises(InvalidInputError) as caught:
        bulk_load(db, LOADER, city, rows, chunk_size=1)  # the first row is written, then undone
    assert caught.value.errors
    assert caught.value.errors[0]["field"].startswith(field), caught.value.errors
    assert "row 1" in caught.value.detail or "rows outside" in caught.value.detail
    if case in {"outside the city", "bow-tie polygon", "a line", "not WKT"}:
        assert isinstance(caught.value, InvalidGeometryError)
    assert _count(db, "SELECT count(*) FROM service_request WHERE city_id = :c", c=city.id) == 0
    assert _count(db, "SELECT count(*) FROM request_event WHERE city_id = :c", c=city.id) == 0
    assert _count(db, "SELECT count(*) FROM audit_log") == audit_before


def test_codes_given_must_be_new(db: Session, city: CityInfo) -> None:
    code = "SBK-" + "-".join(["2345", "6789", "ABCD"]) + "-EFG"
    from geo.requests.codes import check_char

    body = code.replace("SBK-", "").replace("-", "")
    code = normalise_code("SBK" + body + check_char(body))
    assert code is not None
    assert bulk_load(db, LOADER, city, [_row(code=code)]) == 1
    with pytest.raises(InvalidInputError, match="repeated"):
        bulk_load(db, LOADER, city, [_row(), _row(code=code), _row(code=code)])
    with pytest.raises(InvalidInputError, match="exists already"):
        bulk_load(db, LOADER, city, [_row(code=code)])
    assert _count(db, "SELECT count(*) FROM service_request WHERE city_id = :c", c=city.id) == 1


def test_only_administrators_load(db: Session, city: CityInfo) -> None:
    with pytest.raises(AuthenticationRequiredError):
        bulk_load(db, ANONYMOUS, city, [_row()])
    assert _count(db, "SELECT count(*) FROM service_request WHERE city_id = :c", c=city.id) == 0
