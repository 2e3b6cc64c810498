"""The citizen side of requests over HTTP: services, the nearby hint, the submission window,
the transparency list, a warga's own requests, and every kind of bad input."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import orjson
import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from api.settings import Settings
from geo.accounts import Grant, create_user, principal_for_user, start_session
from geo.requests.windows import today_in_city
from tests.api.request_sample import NIKS, multipart, proposal
from tests.api.test_service import assert_problem
from tests.layers.sample import SampleCity, insert_sample_city

pytestmark = pytest.mark.postgis
SLUG = "layers-test"
CITY = f"/cities/{SLUG}"
LON, LAT = 106.65, -6.18
PASSWORD = "kata-sandi-uji-7Qx"


@pytest.fixture
def sample(db: Session) -> SampleCity:
    return insert_sample_city(db)


def _count(db: Session) -> int:
    return db.execute(text("SELECT count(*) FROM service_request")).scalar_one()


def _closed_today() -> str:
    """A window for hibah that opens in 10 days and closes in 20: closed today."""
    today = today_in_city()
    opens, closes = today + timedelta(days=10), today + timedelta(days=20)
    span = f"{opens:%m-%d}/{closes:%m-%d}".replace("02-29", "02-28")
    return orjson.dumps({SLUG: {"bantuan.hibah": span}}).decode()


@pytest.fixture
def windowed(settings: Settings, db: Session) -> Iterator[Any]:
    """A client whose app has hibah closed today (bansos has no window)."""
    from fastapi.testclient import TestClient

    from api.app import create_app
    from tests.conftest import use_session

    closed = Settings(
        database_url=settings.database_url,
        var_dir=settings.var_dir,
        submission_windows=_closed_today(),
        _env_file=None,
    )
    with TestClient(use_session(create_app(closed), db)) as client:
        yield client


def _json(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    return response.json()


def _submit(client: Any, lon: float = LON, lat: float = LAT, **attrs: Any) -> dict[str, Any]:
    data, files = multipart(proposal(lon, lat, **attrs))
    return _json(client.post(f"{CITY}/requests", data=data, files=files), 201)


# -- services ---------------------------------------------------------------------------------
def test_services_describe_the_form(client: Any, sample: SampleCity) -> None:
    aid, transfer, saran, izin = _json(client.get(f"{CITY}/services"))
    assert izin["type"] == "izin"
    assert [d["slot"] for d in izin["documents"] if d["required"]] == ["ktp", "sertifikat"]
    assert transfer["type"] == "pindah_sekolah"
    assert saran["type"] == "saran_transport"
    assert aid["type"] == "bantuan"
    assert aid["title"]["id"].startswith("Hibah")
    assert [k["code"] for k in aid["kinds"]] == ["hibah", "bansos"]
    assert all(
        k["window"] == {"open": True, "opens_on": None, "closes_on": None} for k in aid["kinds"]
    )
    assert len([d for d in aid["documents"] if d["required"]]) == 8
    assert aid["max_file_bytes"] == 10_000_000
    assert aid["accepted_media_types"] == ["application/pdf", "image/jpeg", "image/png"]
    assert aid["limits"]["attrs.amount_requested_idr"]["maximum"] == 100_000_000_000
    assert_problem(client.get("/cities/atlantis/services"), 404, "city-not-found")


def test_a_closed_window_is_shown_and_refused(
    windowed: Any, db: Session, sample: SampleCity
) -> None:
    aid, _transfer, _saran, _izin = _json(windowed.get(f"{CITY}/services"))
    hibah, bansos = aid["kinds"]
    opens = today_in_city() + timedelta(days=10)
    assert hibah["window"]["open"] is False
    assert hibah["window"]["opens_on"] == opens.isoformat().replace("-02-29", "-02-28")
    assert bansos["window"]["open"] is True
    data, files = multipart(proposal(LON, LAT))
    body = assert_problem(
        windowed.post(f"{CITY}/requests", data=data, files=files), 409, "submission-window-closed"
    )
    assert body["detail"].startswith("Pengajuan hibah dibuka ")
    assert body["errors"][0]["field"] == "attrs.kind"
    assert body["errors"][0]["opens_on"] == hibah["window"]["opens_on"]
    assert _count(db) == 0
    _submit(windowed, kind="bansos")  # the other kind is open
    assert _count(db) == 1


def test_a_bad_window_setting_stops_the_start() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="TPO_SUBMISSION_WINDOWS"):
        Settings(_env_file=None, submission_windows='{"x": {"bantuan.hibah": "31-03"}}')


# -- the nearby hint --------------------------------------------------------------------------
def test_the_nearby_hint(client: Any, sample: SampleCity) -> None:
    url = f"{CITY}/requests/nearby?type=bantuan&lon={LON}&lat={LAT}"
    empty = _json(client.get(url))
    assert empty["count"] == 0
    assert empty["message"] == "Belum ada pengajuan serupa di dekat sini."
    assert empty["place"]["inside"] is True
    receipt = _submit(client)
    _submit(client, lon=LON + 0.0005)
    hint = _json(client.get(url))
    assert hint["count"] == 2
    assert hint["message"] == "Sudah ada 2 pengajuan serupa dalam 100 m dalam 90 hari terakhir."
    assert set(hint["items"][0]) == {
        "status",
        "status_label",
        "kelurahan",
        "created_on",
        "distance_m",
    }
    assert [i["distance_m"] for i in hint["items"]] == [0, 60]
    assert hint["items"][0]["status_label"] == "Diajukan"
    assert len(hint["items"][0]["created_on"]) == 10
    for secret in (receipt["code"], "Yayasan", "Siti", *NIKS):
        assert secret not in client.get(url).text


@pytest.mark.parametrize(
    ("query", "status", "code"),
    [
        ("type=sulap&lon=106.65&lat=-6.18", 422, "invalid-input"),
        ("lon=106.65&lat=-6.18", 422, "validation-error"),
        ("type=bantuan&lat=-6.18", 422, "validation-error"),
        ("type=bantuan&lon=abc&lat=-6.18", 422, "validation-error"),
        ("type=bantuan&lon=106.65&lat=-91", 422, "validation-error"),
        ("type=bantuan&lon=nan&lat=-6.18", 422, None),
        ("type=bantuan&lon=110.5&lat=-6.18", 422, "invalid-input"),
        (f"type={'x' * 40}&lon=106.65&lat=-6.18", 422, "validation-error"),
    ],
)
def test_the_nearby_hint_refuses_bad_input(
    client: Any, sample: SampleCity, query: str, status: int, code: str | None
) -> None:
    assert_problem(client.get(f"{CITY}/requests/nearby?{query}"), status, code)


# -- the transparency list --------------------------------------------------------------------
def test_the_transparency_list(client: Any, sample: SampleCity) -> None:
    receipt = _submit(client)
    _submit(client, kind="bansos", organisation="Karang Taruna Maju")
    page = _json(client.get(f"{CITY}/proposals"))
    assert page["total"] == 2
    assert set(page["items"][0]) == {
        "organisation",
        "kind",
        "organisation_kind",
        "kelurahan",
        "kecamatan",
        "amount_requested_idr",
        "amount_approved_idr",
        "status",
        "status_label",
        "submitted_month",
    }
    assert page["items"][0]["organisation"] == "Karang Taruna Maju"
    assert page["items"][1]["amount_requested_idr"] == 25_000_000
    assert _json(client.get(f"{CITY}/proposals?kind=hibah"))["total"] == 1
    assert _json(client.get(f"{CITY}/proposals?status=ditolak"))["total"] == 0
    one = _json(client.get(f"{CITY}/proposals?limit=1&offset=1"))
    assert (one["total"], len(one["items"])) == (2, 1)
    text_ = client.get(f"{CITY}/proposals").text
    for secret in (receipt["code"], "Siti", "Budi", "1234567890", *NIKS):
        assert secret not in text_


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("kind=pinjaman", "invalid-input"),
        ("status=hilang", "invalid-input"),
        ("year=abc", "validation-error"),
        ("year=1999", "validation-error"),
        ("limit=0", "validation-error"),
        ("limit=1000", "validation-error"),
        ("offset=-1", "validation-error"),
        (f"kelurahan={'9' * 40}", "validation-error"),
    ],
)
def test_the_transparency_list_refuses_bad_filters(
    client: Any, sample: SampleCity, query: str, code: str
) -> None:
    assert_problem(client.get(f"{CITY}/proposals?{query}"), 422, code)


# -- a warga's own requests -------------------------------------------------------------------
def _login(db: Session, sample: SampleCity, name: str, role: str) -> dict[str, str]:
    uid = create_user(
        db,
        city_id=sample.city.id,
        username=name,
        display_name=name,
        password=PASSWORD,
        grants=[Grant(role, opd="KESRA" if role == "opd_staff" else None)],
    )
    cookie, csrf = start_session(
        db, principal_for_user(db, uid, via="session"), ip=None, user_agent="t", ttl_s=600
    )
    return {"Cookie": f"tpo_session={cookie}", "X-CSRF-Token": csrf}


def test_a_warga_lists_their_own_requests(client: Any, db: Session, sample: SampleCity) -> None:
    from geo.accounts import upsert_opd

    upsert_opd(db, sample.city.id, "KESRA", "Bagian Kesra")
    warga = _login(db, sample, "warga1", "warga")
    data, files = multipart(proposal(LON, LAT))
    mine = client.post(f"{CITY}/requests", data=data, files=files, headers=warga)
    assert mine.status_code == 201, mine.text
    client.cookies.clear()
    _submit(client)  # anonymous: nobody's
    listed = client.get("/me/requests", headers=warga)
    assert listed.headers["cache-control"] == "private, no-store"
    rows = _json(listed)
    assert [r["code"] for r in rows] == [mine.json()["code"]]
    assert set(rows[0]) == {
        "code",
        "type",
        "title",
        "status",
        "status_label",
        "kelurahan",
        "created_at",
        "updated_at",
    }
    assert rows[0]["status_label"] == "Diajukan"
    client.cookies.clear()
    assert_problem(client.get("/me/requests"), 401, "authentication-required")
    staff = _login(db, sample, "kesra1", "opd_staff")
    client.cookies.clear()
    assert_problem(client.get("/me/requests", headers=staff), 403, "permission-denied")


def test_the_tracking_page_is_served(client: Any) -> None:
    page = client.get("/lacak?kode=SBK-2222")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "lacak.js" in page.text
