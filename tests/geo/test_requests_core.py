"""The request core on PostGIS: submit, place, route, track, move through the aid workflow."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from geo.accounts import ANONYMOUS, Grant, Principal, create_user, principal_for_user
from geo.accounts.users import upsert_opd
from geo.cities import CityInfo, create_city
from geo.errors import (
    InvalidGeometryError,
    InvalidInputError,
    PreconditionRequiredError,
    StaleVersionError,
)
from geo.requests import IllegalTransitionError, TransitionFieldsError, normalise_code
from geo.requests.aid import AID_DOCUMENTS
from geo.requests.attachments import FileTooLargeError, UnsupportedFileError, Upload, UploadStore
from geo.requests.schemas import RequestCreate
from geo.requests.service import RequestNotFoundError, submit, transition
from geo.requests.tracking import track

pytestmark = pytest.mark.postgis

BBOX = (106.58, -6.22, 106.66, -6.14)
PDF = b"%PDF-1.4\n% test document\n"
NIK_CHAIR, NIK_SECRETARY, NIK_CONTACT = "9901014507900001", "9901010203850002", "9901016612800003"
PASSWORD = "kata-sandi-uji-7Qx"


def _box(x0: float, y0: float, x1: float, y1: float) -> str:
    return f"MULTIPOLYGON((({x0} {y0}, {x1} {y0}, {x1} {y1}, {x0} {y1}, {x0} {y0})))"


@pytest.fixture
def city(db: Session) -> CityInfo:
    info = create_city(db, "reqkota", "Kota Uji", BBOX)
    areas = [
        ("kota", "99.01", "Kota Uji", None, _box(106.60, -6.20, 106.64, -6.16)),
        ("kecamatan", "99.01.01", "Kecamatan Uji", "99.01", _box(106.60, -6.20, 106.64, -6.16)),
        (
            "kelurahan",
            "99.01.01.1001",
            "Kelurahan Barat",
            "99.01.01",
            _box(106.60, -6.20, 106.62, -6.16),
        ),
        (
            "kelurahan",
            "99.01.01.1002",
            "Kelurahan Timur",
            "99.01.01",
            _box(106.62, -6.20, 106.64, -6.16),
        ),
    ]
    for level, code, name, parent, wkt in areas:
        db.execute(
            text(
                "INSERT INTO admin_area (city_id, level, code, name, parent_code, geom)"
                " VALUES (:c, :l, :code, :n, :p, ST_GeomFromText(:w, 4326))"
            ),
            {"c": info.id, "l": level, "code": code, "n": name, "p": parent, "w": wkt},
        )
    for code, name in (
        ("KESRA", "Bagian Kesra"),
        ("TAPD", "TAPD"),
        ("BPKAD", "BPKAD"),
        ("DISHUB", "Dinas Perhubungan"),
    ):
        upsert_opd(db, info.id, code, name)
    return info


def _user(db: Session, city: CityInfo, name: str, *grants: Grant) -> Principal:
    uid = create_user(
        db,
        city_id=city.id,
        username=name,
        display_name=name.title(),
        password=PASSWORD,
        grants=grants,
    )
    return principal_for_user(db, uid, via="session")


@pytest.fixture
def staff(db: Session, city: CityInfo) -> dict[str, Principal]:
    return {
        opd: _user(db, city, f"staf_{opd.lower()}", Grant("opd_staff", opd=opd))
        for opd in ("KESRA", "TAPD", "BPKAD", "DISHUB")
    }


def _proposal(lon: float = 106.61, lat: float = -6.18, **attrs: Any) -> RequestCreate:
    return RequestCreate(
        type="bantuan",
        geometry={"type": "Point", "coordinates": [lon, lat]},
        attrs={
            "kind": "hibah",
            "organisation": "Yayasan Uji Sejahtera",
            "organisation_kind": "yayasan",
            "purpose": "Renovasi ruang belajar",
            "amount_requested_idr": 25_000_000,
            **attrs,
        },
        contact={"name": "Siti Contoh", "nik": NIK_CONTACT, "phone": "0812 3456 7890"},
        private={
            "chair": {"name": "Siti Contoh", "nik": NIK_CHAIR},
            "secretary": {"name": "Budi Contoh", "nik": NIK_SECRETARY},
            "bank_account": {"bank": "Bank Uji", "number": "1234567890", "holder": "Yayasan Uji"},
        },
    )


def _documents(**replace: bytes) -> list[Upload]:
    return [Upload(slot, f"{slot}.pdf", replace.get(slot, PDF)) for slot in AID_DOCUMENTS]


def _count(db: Session, city: CityInfo, table: str) -> int:
    return db.execute(
        text(f"SELECT count(*) FROM {table} WHERE city_id = :c"),
        {"c": city.id},
    ).scalar_one()


def test_anonymous_submission_is_placed_routed_and_recorded(
    db: Session, city: CityInfo, tmp_path: Path
) -> None:
    store = UploadStore(tmp_path / "uploads")
    receipt = submit(db, ANONYMOUS, city, _proposal(), documents=_documents(), store=store)
    assert normalise_code(receipt.code) == receipt.code
    assert receipt.code.startswith("SBK-")
    assert (receipt.status, receipt.kelurahan, receipt.kecamatan, receipt.opd, receipt.version) == (
        "diajukan",
        "Kelurahan Barat",
        "Kecamatan Uji",
        "KESRA",
        1,
    )
    assert _count(db, city, "request_private") == 1
    assert _count(db, city, "request_event") == 1
    assert _count(db, city, "request_attachment") == len(AID_DOCUMENTS)
    sha = db.execute(text("SELECT sha256 FROM request_attachment LIMIT 1")).scalar_one()
    assert store.read(sha) == PDF
    audit = db.execute(
        text("SELECT actor, object_id FROM audit_log WHERE action = 'requests.submit'")
    ).all()
    assert [(a.actor, a.object_id) for a in audit] == [("anonymous", str(receipt.id))]


def test_a_point_on_a_shared_edge_goes_to_exactly_one_kelurahan(
    db: Session, city: CityInfo, tmp_path: Path
) -> None:
    store = UploadStore(tmp_path)
    on_edge = submit(
        db, ANONYMOUS, city, _proposal(106.62, -6.18), documents=_documents(), store=store
    )
    assert on_edge.kelurahan == "Kelurahan Barat"  # the lower code of the two
    just_outside = submit(
        db, ANONYMOUS, city, _proposal(106.643, -6.18), documents=_documents(), store=store
    )
    assert just_outside.kelurahan == "Kelurahan Timur"  # within 500 m: the nearest


BOWTIE = {
    "type": "Polygon",
    "coordinates": [
        [[106.61, -6.19], [106.62, -6.18], [106.62, -6.19], [106.61, -6.18], [106.61, -6.19]]
    ],
}


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"geometry": {"type": "Point", "coordinates": [106.70, -6.18]}}, InvalidGeometryError),
        ({"geometry": BOWTIE}, InvalidGeometryError),
        (
            {"geometry": {"type": "LineString", "coordinates": [[106.61, -6.18], [106.62, -6.18]]}},
            InvalidGeometryError,
        ),
        (
            {"geometry": {"type": "Point", "coordinates": [float("nan"), -6.18]}},
            InvalidGeometryError,
        ),
        ({"attrs": {"amount_requested_idr": -1}}, InvalidInputError),
        ({"attrs": {"amount_requested_idr": 10**15}}, InvalidInputError),
        ({"attrs": {"organisation": ""}}, InvalidInputError),
        ({"attrs": {"kind": "pinjaman"}}, InvalidInputError),
        ({"type": "sulap"}, InvalidInputError),
        ({"private": {"chair": {"name": "X", "nik": "9901013207900001"}}}, InvalidInputError),
    ],
)
def test_bad_input_writes_nothing(
    db: Session, city: CityInfo, tmp_path: Path, change: dict[str, Any], error: type[Exception]
) -> None:
    data = _proposal().model_dump()
    for key, value in change.items():
        data[key] = {**data[key], **value} if key == "attrs" else value
    with pytest.raises(error):
        submit(
            db,
            ANONYMOUS,
            city,
            RequestCreate.model_validate(data),
            documents=_documents(),
            store=UploadStore(tmp_path),
        )
    assert _count(db, city, "service_request") == 0
    assert _count(db, city, "request_private") == 0


def test_documents_are_checked_by_content_and_size(
    db: Session, city: CityInfo, tmp_path: Path
) -> None:
    store = UploadStore(tmp_path)
    with pytest.raises(InvalidInputError) as missing:
        submit(db, ANONYMOUS, city, _proposal(), documents=_documents()[:-2], store=store)
    assert "KTP ketua" in missing.value.detail
    assert {e["field"] for e in missing.value.errors} == {
        "documents.ktp_ketua",
        "documents.ktp_sekretaris",
    }
    with pytest.raises(UnsupportedFileError):
        submit(
            db,
            ANONYMOUS,
            city,
            _proposal(),
            documents=_documents(npwp=b"MZ\x90\x00 exe"),
            store=store,
        )
    with pytest.raises(FileTooLargeError):
        submit(
            db,
            ANONYMOUS,
            city,
            _proposal(),
            documents=_documents(proposal=PDF + b"x" * 2000),
            store=store,
            max_file_bytes=1000,
        )
    assert _count(db, city, "service_request") == 0
    assert not list(tmp_path.rglob("*"))  # nothing reached the store either


def test_tracking_shows_no_personal_data(db: Session, city: CityInfo, tmp_path: Path) -> None:
    receipt = submit(
        db, ANONYMOUS, city, _proposal(), documents=_documents(), store=UploadStore(tmp_path)
    )
    view = track(db, receipt.code.lower().replace("-", " "))
    assert (view.code, view.status, view.kelurahan) == (receipt.code, "diajukan", "Kelurahan Barat")
    body = orjson.dumps(view.model_dump(mode="json")).decode()
    for secret in (NIK_CHAIR, NIK_SECRETARY, NIK_CONTACT, "Siti", "Budi", "0812", "1234567890"):
        assert secret not in body
    wrong_check = receipt.code[:-1] + ("2" if receipt.code[-1] != "2" else "3")
    with pytest.raises(RequestNotFoundError):
        track(db, wrong_check)


def _step(
    db: Session, who: Principal, city: CityInfo, rid: int, name: str, version: int, **fields: Any
) -> int:
    return transition(
        db, who, city, rid, name=name, fields=fields, expected_version=version
    ).version


def test_the_aid_workflow_end_to_end(
    db: Session, city: CityInfo, staff: dict[str, Principal], tmp_path: Path
) -> None:
    warga = _user(db, city, "warga_uji", Grant("warga"))
    receipt = submit(
        db, warga, city, _proposal(), documents=_documents(), store=UploadStore(tmp_path)
    )
    rid, kesra, tapd, bpkad = receipt.id, staff["KESRA"], staff["TAPD"], staff["BPKAD"]
    with pytest.raises(PreconditionRequiredError):
        transition(db, kesra, city, rid, name="mulai_verifikasi", fields={}, expected_version=None)
    with pytest.raises(RequestNotFoundError):  # Dishub does not handle aid
        _step(db, staff["DISHUB"], city, rid, "mulai_verifikasi", 1)
    with pytest.raises(IllegalTransitionError):  # TAPD does not verify documents
        _step(db, tapd, city, rid, "mulai_verifikasi", 1)
    v = _step(db, kesra, city, rid, "mulai_verifikasi", 1)
    with pytest.raises(StaleVersionError):
        _step(db, kesra, city, rid, "lolos_verifikasi", 1)
    v = _step(db, kesra, city, rid, "minta_perbaikan", v, public_note="Lengkapi NPWP")
    v = _step(db, warga, city, rid, "ajukan_ulang", v)
    v = _step(db, kesra, city, rid, "lolos_verifikasi", v)
    with pytest.raises(TransitionFieldsError):
        _step(db, kesra, city, rid, "selesai_evaluasi", v)
    v = _step(db, kesra, city, rid, "selesai_evaluasi", v, berita_acara="ba-01.pdf")
    v = _step(db, tapd, city, rid, "tetapkan", v, approved_amount_idr=20_000_000)
    v = _step(db, kesra, city, rid, "tandatangani_nphd", v)
    v = _step(db, bpkad, city, rid, "cairkan", v)
    v = _step(db, warga, city, rid, "unggah_lpj", v, lpj="lpj.pdf")
    v = _step(db, kesra, city, rid, "selesaikan", v)
    view = track(db, receipt.code)
    assert view.status == "selesai"
    assert [e.status for e in view.timeline][:3] == [
        "diajukan",
        "verifikasi_dokumen",
        "perlu_perbaikan",
    ]
    assert "Lengkapi NPWP" in [e.note for e in view.timeline]
    with pytest.raises(IllegalTransitionError) as done:
        _step(db, kesra, city, rid, "selesaikan", v)
    assert done.value.allowed == []


def test_history_is_append_only_but_goes_with_its_city(
    db: Session, city: CityInfo, tmp_path: Path
) -> None:
    submit(db, ANONYMOUS, city, _proposal(), documents=_documents(), store=UploadStore(tmp_path))
    for statement in ("UPDATE request_event SET public_note = 'x'", "DELETE FROM request_event"):
        with pytest.raises(DBAPIError, match="append-only"), db.begin_nested():
            db.execute(text(statement))
    with db.begin_nested():
        db.execute(text("DELETE FROM city WHERE id = :c"), {"c": city.id})
    assert _count(db, city, "request_event") == 0


def test_similar_requests_nearby_are_found_by_type_radius_and_age(
    db: Session, city: CityInfo, tmp_path: Path
) -> None:
    from geo.requests import public_count, similar_nearby

    store = UploadStore(tmp_path)
    near = submit(db, ANONYMOUS, city, _proposal(), documents=_documents(), store=store)
    # about 55 m east, then about 330 m east: only the first is within 100 m
    close = submit(
        db, ANONYMOUS, city, _proposal(lon=106.6105), documents=_documents(), store=store
    )
    submit(db, ANONYMOUS, city, _proposal(lon=106.613), documents=_documents(), store=store)
    found = similar_nearby(db, city.id, "bantuan", "POINT(106.61 -6.18)")
    assert [s.id for s in found] == [near.id, close.id]
    assert found[0].distance_m == pytest.approx(0, abs=0.01)
    assert 50 < found[1].distance_m < 60
    assert [
        s.id
        for s in similar_nearby(db, city.id, "bantuan", "POINT(106.61 -6.18)", exclude_id=near.id)
    ] == [close.id]
    assert similar_nearby(db, city.id, "izin", "POINT(106.61 -6.18)") == []
    db.execute(
        text("UPDATE service_request SET created_at = now() - interval '91 days' WHERE id = :i"),
        {"i": close.id},
    )
    assert [s.id for s in similar_nearby(db, city.id, "bantuan", "POINT(106.61 -6.18)")] == [
        near.id
    ]
    assert [public_count(n) for n in (0, 1, 4, 5, 120)] == [0, "< 5", "< 5", 5, 120]
