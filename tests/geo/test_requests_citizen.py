"""The citizen side of requests on PostGIS: windows, the nearby hint, the transparency list,
a warga's own requests, and the catalogue the form is built from."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.accounts import ANONYMOUS, Grant, Principal
from geo.cities import CityInfo
from geo.errors import (
    AuthenticationRequiredError,
    InvalidInputError,
    InvalidSettingError,
    PermissionDeniedError,
    SubmissionWindowClosedError,
)
from geo.requests.aid import AID_DOCUMENTS
from geo.requests.attachments import Upload, UploadStore, check_upload, sniff
from geo.requests.catalogue import ACCEPTED_MEDIA_TYPES, services, status_label
from geo.requests.hint import nearby_hint
from geo.requests.proposals import list_proposals, own_requests
from geo.requests.schemas import AidAttributes
from geo.requests.service import submit
from geo.requests.windows import (
    Window,
    check_window,
    format_date_id,
    parse_windows,
    window_state,
)
from tests.geo.test_requests_core import _documents, _proposal, _step, _user
from tests.geo.test_requests_core import city as _city  # noqa: F401 (fixture "city")
from tests.geo.test_requests_core import staff as _staff  # noqa: F401 (fixture "staff")

pytestmark = pytest.mark.postgis


@pytest.fixture
def city(_city: CityInfo) -> CityInfo:  # noqa: F811
    """The request core's test city (two kelurahan, Kesra, TAPD, BPKAD)."""
    return _city


@pytest.fixture
def staff(_staff: dict[str, Principal]) -> dict[str, Principal]:  # noqa: F811
    """One opd_staff user per OPD of the test city."""
    return _staff


TANGERANG = '{"reqkota": {"bantuan.hibah": "01-01/03-31", "bantuan.bansos": "01-01/03-31"}}'


# -- windows ----------------------------------------------------------------------------------
def test_windows_parse_and_say_when_they_open() -> None:
    windows = parse_windows(TANGERANG)
    hibah = windows["reqkota"]["bantuan.hibah"]
    assert hibah == Window((1, 1), (3, 31))
    assert hibah.is_open(date(2026, 1, 1))
    assert hibah.is_open(date(2026, 3, 31))
    assert not hibah.is_open(date(2026, 4, 1))
    closed = window_state(hibah, date(2026, 12, 2))
    assert (closed.open, closed.opens_on, closed.closes_on) == (
        False,
        date(2027, 1, 1),
        date(2027, 3, 31),
    )
    assert window_state(hibah, date(2026, 2, 10)).opens_on == date(2026, 1, 1)
    assert window_state(None, date(2026, 12, 2)).open  # no window: always open
    # over the new year, and 29 February in a year without one
    winter = parse_windows('{"x": {"bantuan": "11-01/02-29"}}')["x"]["bantuan"]
    assert winter.is_open(date(2026, 12, 31))
    assert winter.is_open(date(2027, 2, 28))
    assert not winter.is_open(date(2027, 3, 1))
    assert winter.period(date(2027, 3, 1)) == (date(2027, 11, 1), date(2028, 2, 29))
    assert format_date_id(date(2027, 1, 1)) == "1 Januari 2027"
    assert parse_windows("") == {}
    assert parse_windows(None) == {}


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("not json", "must be JSON"),
        ("[1, 2]", "JSON object of cities"),
        ('{"Kota Besar": {}}', "city slug"),
        ('{"x": {"sulap.hibah": "01-01/03-31"}}', "unknown request type"),
        ('{"x": {"bantuan.pinjaman": "01-01/03-31"}}', "unknown kind"),
        ('{"x": {"bantuan.hibah": "1 Jan - 31 Mar"}}', "MM-DD/MM-DD"),
        ('{"x": {"bantuan.hibah": "02-30/03-31"}}', "no such day 02-30"),
        ('{"x": {"bantuan.hibah": "13-01/03-31"}}', "no such day 13-01"),
        ('{"x": {"bantuan.hibah": 5}}', "MM-DD/MM-DD"),
    ],
)
def test_bad_windows_are_refused_with_a_clear_error(value: str, says: str) -> None:
    with pytest.raises(InvalidSettingError, match="TPO_SUBMISSION_WINDOWS") as refused:
        parse_windows(value)
    assert says in refused.value.detail


def test_the_kind_window_wins_over_the_type_window() -> None:
    windows = parse_windows('{"x": {"bantuan": "01-01/03-31", "bantuan.bansos": "06-01/06-30"}}')
    check_window(windows, "x", "bantuan", "hibah", date(2026, 2, 1))
    with pytest.raises(SubmissionWindowClosedError) as closed:
        check_window(
            windows, "x", "bantuan", "bansos", date(2026, 2, 1), kind_title="Bantuan sosial"
        )
    assert closed.value.detail == "Pengajuan bantuan sosial dibuka 1 Juni 2026 sampai 30 Juni 2026."
    assert closed.value.opens_on == "2026-06-01"
    check_window(windows, "y", "bantuan", "hibah", date(2026, 7, 1))  # another city: open


def _rows(db: Session, city: CityInfo) -> dict[str, int]:
    return {
        table: db.execute(
            text(f"SELECT count(*) FROM {table} WHERE city_id = :c"), {"c": city.id}
        ).scalar_one()
        for table in ("service_request", "request_private", "request_event", "request_attachment")
    }


def test_submit_outside_the_window_writes_nothing(
    db: Session, city: CityInfo, tmp_path: Path
) -> None:
    windows = parse_windows(TANGERANG)
    store = UploadStore(tmp_path / "up")
    before = _rows(db, city)
    with pytest.raises(SubmissionWindowClosedError) as closed:
        submit(
            db,
            ANONYMOUS,
            city,
            _proposal(),
            documents=_documents(),
            store=store,
            windows=windows,
            today=date(2026, 12, 2),
        )
    assert closed.value.code == "submission-window-closed"
    assert "Pengajuan hibah dibuka 1 Januari 2027" in closed.value.detail
    assert _rows(db, city) == before
    assert not (tmp_path / "up").exists() or not any((tmp_path / "up").rglob("*.*"))
    receipt = submit(
        db,
        ANONYMOUS,
        city,
        _proposal(),
        documents=_documents(),
        store=store,
        windows=windows,
        today=date(2027, 2, 14),
    )
    assert receipt.status == "diajukan"


# -- the nearby hint --------------------------------------------------------------------------
def test_the_nearby_hint_counts_similar_requests_without_naming_them(
    db: Session, city: CityInfo, tmp_path: Path
) -> None:
    store = UploadStore(tmp_path)
    empty = nearby_hint(db, ANONYMOUS, city, "bantuan", lon=106.61, lat=-6.18)
    assert empty.count == 0
    assert empty.message == "Belum ada pengajuan serupa di dekat sini."
    assert empty.place.inside
    assert empty.place.kelurahan == "Kelurahan Barat"
    first = submit(db, ANONYMOUS, city, _proposal(), documents=_documents(), store=store)
    submit(db, ANONYMOUS, city, _proposal(lon=106.6105), documents=_documents(), store=store)
    submit(db, ANONYMOUS, city, _proposal(lon=106.613), documents=_documents(), store=store)
    hint = nearby_hint(db, ANONYMOUS, city, "bantuan", lon=106.61, lat=-6.18)
    assert hint.count == 2
    assert hint.radius_m == 100
    assert hint.days == 90
    assert hint.message == "Sudah ada 2 pengajuan serupa dalam 100 m dalam 90 hari terakhir."
    assert [i.distance_m for i in hint.items] == [0, 60]  # about 55 m, rounded to 10 m
    assert {i.status_label for i in hint.items} == {"Diajukan"}
    assert {i.kelurahan for i in hint.items} == {"Kelurahan Barat"}
    assert hint.items[0].created_on == date.today() or hint.items[0].created_on > date(2026, 1, 1)
    dumped = hint.model_dump_json()
    for secret in (first.code, "Yayasan Uji", "Siti", "Budi", "9901"):
        assert secret not in dumped
    outside = nearby_hint(db, ANONYMOUS, city, "bantuan", lon=106.70, lat=-6.18)
    assert not outside.place.inside  # 6 km east: the form says so before the citizen types


@pytest.mark.parametrize(
    ("type_name", "lon", "lat", "field"),
    [
        ("sulap", 106.61, -6.18, "type"),
        ("bantuan", 110.0, -6.18, "lon"),  # hundreds of km away
        ("bantuan", 106.61, float("nan"), "lon,lat"),
        ("bantuan", 200.0, -6.18, "lon,lat"),
    ],
)
def test_the_nearby_hint_refuses_bad_input(
    db: Session, city: CityInfo, type_name: str, lon: float, lat: float, field: str
) -> None:
    with pytest.raises(InvalidInputError) as refused:
        nearby_hint(db, ANONYMOUS, city, type_name, lon=lon, lat=lat)
    assert refused.value.errors[0]["field"] == field


# -- the transparency list --------------------------------------------------------------------
def test_the_transparency_list_shows_organisations_and_amounts_not_people(
    db: Session, city: CityInfo, staff: dict[str, Principal], tmp_path: Path
) -> None:
    store = UploadStore(tmp_path)
    hibah = submit(db, ANONYMOUS, city, _proposal(), documents=_documents(), store=store)
    submit(
        db,
        ANONYMOUS,
        city,
        _proposal(lon=106.63, kind="bansos", organisation="Karang Taruna Uji Jaya"),
        documents=_documents(),
        store=store,
    )
    kesra, tapd = staff["KESRA"], staff["TAPD"]
    v = _step(db, kesra, city, hibah.id, "mulai_verifikasi", 1)
    v = _step(db, kesra, city, hibah.id, "lolos_verifikasi", v)
    v = _step(db, kesra, city, hibah.id, "selesai_evaluasi", v, berita_acara="ba.pdf")
    _step(db, tapd, city, hibah.id, "tetapkan", v, approved_amount_idr=20_000_000)
    page = list_proposals(db, ANONYMOUS, city)
    assert page.total == 2
    assert [p.organisation for p in page.items] == [
        "Karang Taruna Uji Jaya",
        "Yayasan Uji Sejahtera",
    ]
    bansos, approved = page.items
    assert (bansos.kind, bansos.kelurahan, bansos.amount_approved_idr) == (
        "bansos",
        "Kelurahan Timur",
        None,
    )
    assert approved.status == "ditetapkan"
    assert approved.status_label == "Ditetapkan (DNPH)"
    assert (approved.amount_requested_idr, approved.amount_approved_idr) == (
        25_000_000,
        20_000_000,
    )
    assert approved.kecamatan == "Kecamatan Uji"
    assert len(approved.submitted_month) == 7
    assert approved.submitted_month[4] == "-"
    dumped = page.model_dump_json()
    for secret in (hibah.code, "Siti", "Budi", "9901", "1234567890", "Bank Uji"):
        assert secret not in dumped
    assert list_proposals(db, ANONYMOUS, city, kind="hibah").total == 1
    assert list_proposals(db, ANONYMOUS, city, status="ditetapkan").total == 1
    assert list_proposals(db, ANONYMOUS, city, kelurahan="99.01.01.1002").total == 1
    this_year = int(approved.submitted_month[:4])
    assert list_proposals(db, ANONYMOUS, city, year=this_year).total == 2
    assert list_proposals(db, ANONYMOUS, city, year=this_year - 1).total == 0
    second = list_proposals(db, ANONYMOUS, city, limit=1, offset=1)
    assert (second.total, [p.organisation for p in second.items]) == (2, ["Yayasan Uji Sejahtera"])
    # the sums are those of every matching proposal, not of the page shown
    requested = sum(p.amount_requested_idr or 0 for p in page.items)
    assert (second.total_requested_idr, second.total_approved_idr) == (requested, 20_000_000)
    assert list_proposals(db, ANONYMOUS, city, kind="bansos").total_approved_idr == 0


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"kind": "pinjaman"}, "kind"),
        ({"status": "hilang"}, "status"),
        ({"year": 1999}, "year"),
        ({"limit": 0}, "limit"),
        ({"limit": 101}, "limit"),
    ],
)
def test_the_transparency_list_refuses_bad_filters(
    db: Session, city: CityInfo, kwargs: dict[str, object], field: str
) -> None:
    with pytest.raises(InvalidInputError) as refused:
        list_proposals(db, ANONYMOUS, city, **kwargs)  # type: ignore[arg-type]
    assert refused.value.errors[0]["field"] == field


# -- a warga's own requests -------------------------------------------------------------------
def test_a_warga_sees_only_their_own_requests(
    db: Session, city: CityInfo, staff: dict[str, Principal], tmp_path: Path
) -> None:
    store = UploadStore(tmp_path)
    warga = _user(db, city, "warga_satu", Grant("warga"))
    other = _user(db, city, "warga_dua", Grant("warga"))
    mine = submit(db, warga, city, _proposal(), documents=_documents(), store=store)
    submit(
        db, other, city, _proposal(organisation="Masjid Lain"), documents=_documents(), store=store
    )
    submit(db, ANONYMOUS, city, _proposal(), documents=_documents(), store=store)
    listed = own_requests(db, warga)
    assert [(r.code, r.title, r.status_label, r.kelurahan) for r in listed] == [
        (mine.code, "Yayasan Uji Sejahtera", "Diajukan", "Kelurahan Barat")
    ]
    with pytest.raises(AuthenticationRequiredError):
        own_requests(db, ANONYMOUS)
    with pytest.raises(PermissionDeniedError):
        own_requests(db, staff["KESRA"])


# -- the catalogue ----------------------------------------------------------------------------
def test_the_catalogue_carries_the_rules_the_server_checks() -> None:
    today = date(2026, 12, 2)
    aid, transfer, _saran, _izin = services(
        "reqkota", windows=parse_windows(TANGERANG), today=today, max_file_bytes=5000
    )
    assert transfer["type"] == "pindah_sekolah"
    assert transfer["kinds"] == []
    assert transfer["open"]
    assert "Palima, Kota Serang" in transfer["form"]["province_notice"]["id"]
    assert transfer["limits"]["private.student.nisn"]["pattern"] == "^[0-9]{10}$"
    assert aid["type"] == "bantuan"
    assert aid["prefix"] == "SBK"
    assert [k["code"] for k in aid["kinds"]] == ["hibah", "bansos"]
    assert aid["kinds"][0]["window"] == {
        "open": False,
        "opens_on": "2027-01-01",
        "closes_on": "2027-03-31",
    }
    assert aid["open"] is False
    required = [d["slot"] for d in aid["documents"] if d["required"]]
    assert required == list(AID_DOCUMENTS)
    assert len(required) == 8
    assert aid["max_file_bytes"] == 5000
    assert aid["nearby_radius_m"] == 100
    limits = aid["limits"]
    amount = AidAttributes.model_json_schema()["properties"]["amount_requested_idr"]
    assert limits["attrs.amount_requested_idr"]["minimum"] == amount["minimum"] == 1
    assert limits["attrs.amount_requested_idr"]["maximum"] == amount["maximum"]
    assert limits["attrs.organisation"]["maxLength"] == 200
    assert limits["private.chair.nik"]["pattern"] == r"^[0-9]{16}$"
    assert limits["private.bank_account.number"]["pattern"] == r"^[0-9\-]{5,30}$"
    assert limits["contact.email"]["required"] is False
    assert {o["code"] for o in aid["organisation_kinds"]} == set(
        limits["attrs.organisation_kind"]["enum"]
    )
    always, _transfer, _saran, _izin = services(
        "lain", windows=parse_windows(TANGERANG), today=today, max_file_bytes=1
    )
    assert always["open"] is True
    assert all(k["window"]["open"] for k in always["kinds"])


def test_the_catalogue_media_types_are_what_the_server_sniffs() -> None:
    samples = {
        "application/pdf": b"%PDF-1.4\n",
        "image/jpeg": b"\xff\xd8\xff\xe0",
        "image/png": b"\x89PNG\r\n\x1a\n",
    }
    assert set(samples) == set(ACCEPTED_MEDIA_TYPES)
    for media_type, content in samples.items():
        assert sniff(content) == media_type
        assert check_upload(Upload("proposal", "x", content), 100).media_type == media_type
    assert sniff(b"GIF89a") is None
    assert status_label("bantuan", "perlu_perbaikan") == "Perlu perbaikan"
    assert status_label("izin", "baru_masuk") == "Baru masuk"
