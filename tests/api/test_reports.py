"""GET /cities/{city}/reports/{level}/{code}.html: public vs staff, bad input, no personal data."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.cities import get_city
from tests.api.accounts import CITY, Cities, make_user, sample_cities, session_user
from tests.api.request_sample import NIKS, multipart, proposal
from tests.api.test_service import assert_problem
from tests.geo.analysis_sample import insert_requests

pytestmark = pytest.mark.postgis
REPORT = f"/cities/{CITY}/reports/kecamatan/36.71.01.html"
HTML = "text/html; charset=utf-8"
PERSONAL = (*NIKS, "Siti Contoh", "Budi Contoh", "0812 3456 7890", "1234567890")


@pytest.fixture
def cities(db: Session) -> Cities:
    data = sample_cities(db)
    insert_requests(db, get_city(db, CITY))  # 12 in the west kecamatan, 4 in the east
    return data


def staff_headers(db: Session, cities: Cities, role: str = "admin_kota") -> dict[str, str]:
    user = session_user(db, make_user(db, cities, f"u-{role}", role), f"u-{role}", role, CITY)
    return user.headers()


def test_the_public_report(client: Any, cities: Cities) -> None:
    response = client.get(REPORT)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == HTML
    assert response.headers["cache-control"] == "public, max-age=300"
    assert "Cookie" in response.headers["vary"]
    assert response.headers["content-disposition"] == (
        'inline; filename="laporan-kecamatan-36.71.01.html"'
    )
    policy = response.headers["content-security-policy"]
    assert "script-src 'sha256-" in policy
    assert "unsafe-inline" not in policy
    assert "connect-src" not in policy  # default-src 'none' covers it: nothing is fetched
    body = response.text
    assert "Laporan publik" in body
    assert '<td class="n">&lt; 5</td>' in body  # the 2 rejected proposals of Kelurahan 1
    assert "Titik pengajuan" not in body
    # the kelurahan report too
    kelurahan = client.get(f"/cities/{CITY}/reports/kelurahan/36.71.01.1002.html")
    assert kelurahan.status_code == 200
    assert "Laporan Kelurahan 2" in kelurahan.text


def test_staff_get_the_full_report_privately(client: Any, db: Session, cities: Cities) -> None:
    response = client.get(REPORT, headers=staff_headers(db, cities))
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "private, no-store"
    assert "Laporan internal" in response.text
    assert "Titik pengajuan" in response.text
    assert "&lt; 5" not in response.text.split("</head>")[1].split("<script>")[0]
    audited = db.execute(
        text("SELECT count(*) FROM audit_log WHERE action = 'reports.read' AND object_id = :o"),
        {"o": "kecamatan:36.71.01"},
    ).scalar_one()
    assert audited == 1
    # a role without requests.read gets the public report
    client.cookies.clear()
    dishub = client.get(REPORT, headers=staff_headers(db, cities, "dishub"))
    assert dishub.headers["cache-control"] == "public, max-age=300"
    assert "Laporan publik" in dishub.text


@pytest.mark.parametrize(
    ("path", "status", "code", "words"),
    [
        ("kecamatan/99.99.html", 404, "area-not-found", "no kecamatan with code '99.99'"),
        ("kelurahan/36.71.01.html", 404, "area-not-found", "no kelurahan"),
        ("kota/36.71.html", 422, "invalid-input", "kelurahan or kecamatan"),
        ("kecamatan/" + "9" * 70 + ".html", 422, "validation-error", None),
    ],
)
def test_bad_areas(
    client: Any, cities: Cities, path: str, status: int, code: str, words: str | None
) -> None:
    body = assert_problem(client.get(f"/cities/{CITY}/reports/{path}"), status, code)
    if words:
        assert words in body["detail"]


def test_an_unknown_city_or_a_missing_suffix(client: Any, cities: Cities) -> None:
    assert_problem(client.get("/cities/atlantis/reports/kecamatan/36.71.01.html"), 404)
    assert_problem(client.get(f"/cities/{CITY}/reports/kecamatan/36.71.01"), 404)


def test_no_personal_data_in_any_report(client: Any, db: Session, cities: Cities) -> None:
    """A real proposal (names, NIK, phone, bank account) in the kecamatan: neither the public
    nor the staff report shows any of it."""
    data, files = multipart(proposal(106.62, -6.20))
    made = client.post(f"/cities/{CITY}/requests", data=data, files=files)
    assert made.status_code == 201, made.text
    tracking = made.json()["code"]
    public = client.get(REPORT).text
    staff = client.get(REPORT, headers=staff_headers(db, cities)).text
    for body in (public, staff):
        for value in (*PERSONAL, tracking):
            assert value not in body
    assert "Titik pengajuan" in staff
