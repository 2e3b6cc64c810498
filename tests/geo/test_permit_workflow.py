"""The izin request type (#15 §3): submission runs and keeps the pre-check (version 1), the
DPMPTSP steps, approval turns the parcel into a permitted parcel in the same transaction."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.accounts import ANONYMOUS, Grant, Principal, create_user, principal_for_user
from geo.accounts.users import upsert_opd
from geo.errors import InvalidGeometryError, InvalidInputError
from geo.permits import UnknownUseError
from geo.requests import IllegalTransitionError, TransitionFieldsError
from geo.requests.attachments import Upload, UploadStore
from geo.requests.schemas import Receipt, RequestCreate
from geo.requests.service import RequestNotFoundError, submit, transition
from tests.api.accounts import PASSWORD
from tests.geo.permit_city import CLEAN, CROSSING, PermitCity, insert_permit_city
from tests.geo.permit_sample import application, documents
from tests.geo.test_permit_check import utm_area

pytestmark = pytest.mark.postgis


@pytest.fixture
def pc(db: Session) -> PermitCity:
    return insert_permit_city(db)


def _user(db: Session, pc: PermitCity, name: str, grant: Grant) -> Principal:
    if grant.opd:
        upsert_opd(db, pc.city.id, grant.opd, grant.opd)
    uid = create_user(
        db,
        city_id=pc.city.id,
        username=name,
        display_name=name,
        password=PASSWORD,
        grants=[grant],
    )
    return principal_for_user(db, uid, via="session")


def _submit(db: Session, pc: PermitCity, tmp_path: Path, body: dict[str, Any]) -> Receipt:
    return submit(
        db,
        ANONYMOUS,
        pc.city,
        RequestCreate.model_validate(body),
        documents=[Upload(slot, f"{slot}.pdf", data) for slot, data in documents().items()],
        store=UploadStore(tmp_path),
    )


def _count(db: Session, table: str) -> int:
    return int(db.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


def _parcels_revision(db: Session, pc: PermitCity) -> int:
    return int(
        db.execute(
            text("SELECT revision FROM layer_revision WHERE city_id = :c AND layer = 'parcels'"),
            {"c": pc.city.id},
        ).scalar_one()
    )


def test_submit_review_approve(db: Session, pc: PermitCity, tmp_path: Path) -> None:
    receipt = _submit(db, pc, tmp_path, application(CROSSING, round(utm_area(CROSSING))))
    assert receipt.code.startswith("IZN-")
    assert (receipt.status, receipt.opd) == ("diajukan", "DPMPTSP")
    row = db.execute(
        text("SELECT attrs, GeometryType(geom) FROM service_request WHERE id = :r"),
        {"r": receipt.id},
    ).one()
    assert row[1] == "MULTIPOLYGON"
    assert (row[0]["check_verdict"], row[0]["check_version"]) == ("tidak_lolos", 1)
    assert row[0]["area_m2"] == pytest.approx(utm_area(CROSSING), abs=0.1)
    check = db.execute(
        text("SELECT version, verdict, ran_by, result FROM permit_check WHERE request_id = :r"),
        {"r": receipt.id},
    ).one()
    assert (check.version, check.verdict, check.ran_by) == (1, "tidak_lolos", None)
    # the application is not a pending overlap of itself
    by_id = {c["id"]: c["verdict"] for c in check.result["checks"]}
    assert (by_id["overlap_pending"], by_id["protected_sawah"]) == ("lolos", "tidak_lolos")

    staff = _user(db, pc, "staf_dpmptsp", Grant("opd_staff", opd="DPMPTSP"))
    kesra = _user(db, pc, "staf_kesra", Grant("opd_staff", opd="KESRA"))
    with pytest.raises(RequestNotFoundError):  # another office does not handle permits
        transition(
            db, kesra, pc.city, receipt.id, name="mulai_pemeriksaan", fields={}, expected_version=1
        )
    with pytest.raises(IllegalTransitionError):
        transition(db, staff, pc.city, receipt.id, name="setujui", fields={}, expected_version=1)
    v = transition(
        db, staff, pc.city, receipt.id, name="mulai_pemeriksaan", fields={}, expected_version=1
    ).version
    with pytest.raises(TransitionFieldsError):
        transition(
            db, staff, pc.city, receipt.id, name="minta_perbaikan", fields={}, expected_version=v
        )
    v = transition(
        db,
        staff,
        pc.city,
        receipt.id,
        name="minta_perbaikan",
        fields={"public_note": "Lampirkan sertifikat terbaru"},
        expected_version=v,
    ).version
    v = transition(
        db, staff, pc.city, receipt.id, name="ajukan_ulang", fields={}, expected_version=v
    ).version
    assert _count(db, "permit_parcel WHERE request_id IS NOT NULL") == 0
    before = _parcels_revision(db, pc)
    done = transition(db, staff, pc.city, receipt.id, name="setujui", fields={}, expected_version=v)
    assert done.status == "disetujui"
    parcel = db.execute(
        text(
            "SELECT p.code, p.name, p.permit_type, p.status, p.issued_on IS NOT NULL AS issued,"
            " ST_Equals(p.geom, r.geom) AS same FROM permit_parcel p"
            " JOIN service_request r ON r.city_id = p.city_id AND r.id = p.request_id"
            " WHERE p.request_id = :r"
        ),
        {"r": receipt.id},
    ).one()
    assert tuple(parcel) == (receipt.code, "Rumah Keluarga Uji", "PBG", "aktif", True, True)
    assert _parcels_revision(db, pc) == before + 1
    with pytest.raises(IllegalTransitionError):  # final
        transition(
            db,
            staff,
            pc.city,
            receipt.id,
            name="tolak",
            fields={"public_note": "x"},
            expected_version=done.version,
        )


def test_refusal_needs_a_note_and_makes_no_parcel(
    db: Session, pc: PermitCity, tmp_path: Path
) -> None:
    receipt = _submit(db, pc, tmp_path, application(CLEAN, round(utm_area(CLEAN))))
    admin = _user(db, pc, "admin_uji", Grant("admin_kota"))
    with pytest.raises(TransitionFieldsError):
        transition(db, admin, pc.city, receipt.id, name="tolak", fields={}, expected_version=1)
    done = transition(
        db,
        admin,
        pc.city,
        receipt.id,
        name="tolak",
        fields={"public_note": "Bukan zona"},
        expected_version=1,
    )
    assert done.status == "ditolak"
    assert _count(db, "permit_parcel WHERE request_id IS NOT NULL") == 0


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"use": "Kebun binatang"}, UnknownUseError),
        ({"floors": 0}, InvalidInputError),
        ({"check_verdict": "lolos"}, InvalidInputError),  # computed, never sent
        ({"geometry": {"type": "Point", "coordinates": [106.63, -6.15]}}, InvalidGeometryError),
        (
            {
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [
                        [
                            [106.63, -6.15],
                            [106.64, -6.14],
                            [106.64, -6.15],
                            [106.63, -6.14],
                            [106.63, -6.15],
                        ]
                    ],
                }
            },
            InvalidGeometryError,
        ),
        (
            {
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [
                        [
                            [106.63, -6.15],
                            [106.63001, -6.15],
                            [106.63001, -6.14999],
                            [106.63, -6.15],
                        ]
                    ],
                }
            },
            InvalidGeometryError,  # ≈ 0.6 m², below the 10 m² floor
        ),
    ],
    ids=["unknown-use", "no-floors", "computed-field", "point", "bowtie", "too-small"],
)
def test_bad_applications_write_nothing(
    db: Session, pc: PermitCity, tmp_path: Path, change: dict[str, Any], error: type[Exception]
) -> None:
    body = application(CLEAN, 3_700.0)
    if "geometry" in change:
        body["geometry"] = change["geometry"]
    else:
        body["attrs"] |= change
    with pytest.raises(error):
        _submit(db, pc, tmp_path, body)
    assert _count(db, "service_request") == 0
    assert _count(db, "permit_check") == 0
