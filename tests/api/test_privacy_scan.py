"""Personal data never leaks to anonymous callers, and no answer echoes a submitted password.

Known personal values (an email, a full name, a phone number, a NIK) are planted in user and
audit data; then every GET operation of /openapi.json is called anonymously with minimal valid
parameters, plus the pages / and /masuk, and no answer may contain any of them.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.accounts import ANONYMOUS, PERMISSIONS, principal_for_user, record
from tests.api.accounts import (
    ANON,
    CITY,
    PASSWORD,
    Cities,
    call,
    make_user,
    operations,
    sample_cities,
    session_user,
)

pytestmark = pytest.mark.postgis
EMAIL = "siti.rahmawati77@example.org"
NAME = "Siti Rahmawati Kusumadewi"
PHONE = "0812-3456-7890"
NIK = "3671014508900002"
PLANTED = [EMAIL, NAME, PHONE, NIK, "081234567890", "siti.rahmawati77"]


@pytest.fixture
def planted(db: Session) -> Cities:
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
    return cities


def leaks(text: str) -> list[str]:
    low = text.lower()
    digits = re.sub(r"\D", "", text)
    found = [v for v in PLANTED if v.lower() in low]
    if NIK in digits:
        found.append("NIK (digits)")
    return found


def test_anonymous_answers_carry_no_personal_data(client: Any, planted: Cities) -> None:
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
        body = response.content.decode("utf-8", "replace")
        headers = " ".join(f"{k}: {v}" for k, v in response.headers.items())
        if leaks(body) or leaks(headers):
            bad.append((path, response.status_code, leaks(body + headers)))
    for page in ("/", "/masuk"):
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
