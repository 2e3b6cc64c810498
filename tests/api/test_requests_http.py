"""Requests over HTTP: an anonymous proposal with its documents, tracking, and bad input."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from tests.api.request_sample import NIKS, multipart, proposal
from tests.api.test_service import assert_problem
from tests.layers.sample import SampleCity, insert_sample_city

pytestmark = pytest.mark.postgis
CITY = "/cities/layers-test"
LON, LAT = 106.65, -6.18


@pytest.fixture
def sample(db: Session) -> SampleCity:
    return insert_sample_city(db)


def _count(db: Session) -> int:
    return db.execute(text("SELECT count(*) FROM service_request")).scalar_one()


def test_submit_and_track(client: Any, db: Session, sample: SampleCity) -> None:
    data, files = multipart(proposal(LON, LAT))
    response = client.post(f"{CITY}/requests", data=data, files=files)
    assert response.status_code == 201, response.text
    receipt = response.json()
    assert receipt["code"].startswith("SBK-")
    assert receipt["status"] == "diajukan"
    assert receipt["kelurahan"] is not None
    assert response.headers["etag"] == '"v1"'
    tracked = client.get(f"/track/{receipt['code']}")
    assert tracked.status_code == 200
    assert tracked.headers["content-type"] == "application/json"
    assert tracked.json()["status"] == "diajukan"
    for secret in (*NIKS, "Siti", "Budi", "0812", "1234567890"):
        assert secret not in tracked.text


EXE = b"MZ\x90\x00\x03\x00\x00\x00 this is not a pdf"


@pytest.mark.parametrize(
    ("body", "replace", "status", "code"),
    [
        (proposal(107.5, -6.18), {}, 422, "invalid-geometry"),
        (
            proposal(LON, LAT)
            | {
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [
                        [
                            [106.64, -6.19],
                            [106.66, -6.17],
                            [106.66, -6.19],
                            [106.64, -6.17],
                            [106.64, -6.19],
                        ]
                    ],
                }
            },
            {},
            422,
            "invalid-geometry",
        ),
        ({k: v for k, v in proposal(LON, LAT).items() if k != "contact"}, {}, 422, "invalid-input"),
        (proposal(LON, LAT, amount_requested_idr=-1), {}, 422, "invalid-input"),
        (proposal(LON, LAT, amount_requested_idr=10**15), {}, 422, "invalid-input"),
        (proposal(LON, LAT) | {"type": "sulap"}, {}, 422, "invalid-input"),
        (proposal(LON, LAT), {"npwp": EXE}, 415, "unsupported-file"),
        (proposal(LON, LAT), {"ktp_ketua": b""}, 422, "invalid-input"),
    ],
)
def test_bad_submissions_write_nothing(
    client: Any,
    db: Session,
    sample: SampleCity,
    body: dict[str, Any],
    replace: dict[str, bytes],
    status: int,
    code: str,
) -> None:
    data, files = multipart(body, **replace)
    assert_problem(client.post(f"{CITY}/requests", data=data, files=files), status, code)
    assert _count(db) == 0


def test_a_file_over_the_limit_is_413(client: Any, db: Session, sample: SampleCity) -> None:
    data, files = multipart(proposal(LON, LAT), proposal=b"%PDF-1.4\n" + b"0" * 10_100_000)
    assert_problem(client.post(f"{CITY}/requests", data=data, files=files), 413, "file-too-large")
    assert _count(db) == 0


def test_not_json_and_unknown_codes(client: Any, sample: SampleCity) -> None:
    assert_problem(
        client.post(
            f"{CITY}/requests", content=b"{nope", headers={"content-type": "application/json"}
        ),
        422,
        "invalid-input",
    )
    assert_problem(
        client.post(f"{CITY}/requests", content=b"x", headers={"content-type": "text/plain"}),
        422,
        "invalid-input",
    )
    assert_problem(client.get("/track/SBK-2222-2222-2222-2222"), 404, "request-not-found")


def _bearer(db: Session, sample: SampleCity, name: str, opd: str) -> dict[str, str]:
    from geo.accounts import Grant, create_token, create_user, upsert_opd

    upsert_opd(db, sample.city.id, opd, f"OPD {opd}")
    uid = create_user(
        db,
        city_id=sample.city.id,
        username=name,
        display_name=name,
        password="kata-sandi-uji-7Qx",
        grants=[Grant("opd_staff", opd=opd)],
    )
    _, token = create_token(db, uid, name="test")
    return {"Authorization": f"Bearer {token}"}


def test_staff_move_a_request_with_if_match(client: Any, db: Session, sample: SampleCity) -> None:
    data, files = multipart(proposal(LON, LAT))
    receipt = client.post(f"{CITY}/requests", data=data, files=files).json()
    url = f"{CITY}/requests/{receipt['id']}/transitions"
    kesra = _bearer(db, sample, "kesra1", "KESRA")
    dishub = _bearer(db, sample, "dishub1", "DISHUB")
    step = {"transition": "mulai_verifikasi"}
    assert_problem(client.post(url, json=step), 401, "authentication-required")
    assert_problem(client.post(url, json=step, headers=kesra), 428, "precondition-required")
    wrong = {**kesra, "If-Match": "v1"}
    assert_problem(client.post(url, json=step, headers=wrong), 422, "invalid-input")
    other = {**dishub, "If-Match": '"v1"'}
    assert_problem(client.post(url, json=step, headers=other), 404, "request-not-found")
    ok = client.post(url, json=step, headers={**kesra, "If-Match": '"v1"'})
    assert ok.status_code == 200, ok.text
    assert ok.headers["etag"] == '"v2"'
    assert ok.json()["status"] == "verifikasi_dokumen"
    stale = client.post(
        url, json={"transition": "lolos_verifikasi"}, headers={**kesra, "If-Match": '"v1"'}
    )
    assert_problem(stale, 412, "stale-version")
    illegal = client.post(
        url, json={"transition": "cairkan"}, headers={**kesra, "If-Match": '"v2"'}
    )
    body = assert_problem(illegal, 409, "illegal-transition")
    assert "lolos_verifikasi" in body["detail"]
    note = {"transition": "minta_perbaikan", "public_note": "Lengkapi NPWP"}
    assert client.post(url, json=note, headers={**kesra, "If-Match": '"v2"'}).status_code == 200
    missing = client.post(url, json={"transition": "tolak"}, headers={**kesra, "If-Match": '"v3"'})
    assert_problem(missing, 409, "illegal-transition")  # tolak is not a step from perlu_perbaikan
    timeline = client.get(f"/track/{receipt['code']}").json()["timeline"]
    assert [e["status"] for e in timeline] == ["diajukan", "verifikasi_dokumen", "perlu_perbaikan"]
    assert timeline[-1]["note"] == "Lengkapi NPWP"


def test_anonymous_submissions_are_rate_limited_per_address(
    settings: Any, db: Session, sample: SampleCity
) -> None:
    from fastapi.testclient import TestClient

    from api.app import create_app
    from tests.conftest import use_session

    limited = settings.model_copy(update={"anonymous_submissions_per_hour": 2})
    app = use_session(create_app(limited), db)
    with (
        TestClient(app, client=("203.0.113.9", 50000)) as one,
        TestClient(app, client=("198.51.100.7", 50000)) as other,
    ):
        for _ in range(2):
            data, files = multipart(proposal(LON, LAT))
            assert one.post(f"{CITY}/requests", data=data, files=files).status_code == 201
        data, files = multipart(proposal(LON, LAT))
        third = one.post(f"{CITY}/requests", data=data, files=files)
        assert_problem(third, 429, "submissions-throttled")
        assert 1 <= int(third.headers["retry-after"]) <= 3601
        data, files = multipart(proposal(LON, LAT))
        assert other.post(f"{CITY}/requests", data=data, files=files).status_code == 201
    assert _count(db) == 3
    ips = db.execute(
        text("SELECT DISTINCT host(ip) FROM audit_log WHERE action = 'requests.submit'")
    ).scalars()
    assert set(ips) == {"203.0.113.9", "198.51.100.7"}
