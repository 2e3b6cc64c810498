"""Sessions after login: logout, CSRF, Bearer tokens, the client address and the audit log."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session
from starlette.requests import Request

from api.auth import client_ip
from api.settings import Settings
from geo.accounts import resolve_session
from tests.api.accounts import (
    CITY,
    PASSWORD,
    Cities,
    make_user,
    sample_cities,
    session_user,
    token_user,
)
from tests.api.test_auth_login import client_for, login

pytestmark = pytest.mark.postgis


@pytest.fixture
def cities(db: Session) -> Cities:
    data = sample_cities(db)
    make_user(db, data, "dina", "dishub", display_name="Dina Dishub")
    return data


def cookie_of(response: Any) -> str:
    assert response.status_code == 200, response.text
    value = response.cookies.get("tpo_session")
    assert value
    return str(value)


def as_cookie(value: str, csrf: str | None = None) -> dict[str, str]:
    headers = {"Cookie": f"tpo_session={value}"}
    if csrf:
        headers["X-CSRF-Token"] = csrf
    return headers


def test_logout_ends_the_session(client: Any, db: Session, cities: Cities) -> None:
    response = login(client)
    cookie, csrf = cookie_of(response), response.json()["csrf_token"]
    client.cookies.clear()
    out = client.post("/auth/logout", headers=as_cookie(cookie, csrf))
    assert out.status_code == 204
    cleared = out.headers["set-cookie"]
    assert cleared.startswith('tpo_session=""') or cleared.startswith("tpo_session=;")
    assert "Max-Age=0" in cleared
    assert resolve_session(db, cookie) is None
    client.cookies.clear()
    me = client.get("/auth/me", headers=as_cookie(cookie))
    assert me.json()["authenticated"] is False
    # the old cookie opens nothing any more
    client.cookies.clear()
    again = client.post("/auth/logout", headers=as_cookie(cookie, csrf))
    assert again.status_code in (204, 401)


def test_cookie_posts_need_the_csrf_token(client: Any, db: Session, cities: Cities) -> None:
    response = login(client)
    cookie, csrf = cookie_of(response), response.json()["csrf_token"]
    for headers in (as_cookie(cookie), as_cookie(cookie, "x" * len(csrf))):
        client.cookies.clear()
        refused = client.post("/auth/logout", headers=headers)
        assert refused.status_code == 403
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.json()["code"] == "csrf-failed"
        assert resolve_session(db, cookie) is not None  # nothing happened
    client.cookies.clear()
    form = client.post(
        "/auth/logout",
        content=f"csrf_token={csrf}".encode(),
        headers={**as_cookie(cookie), "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert form.status_code == 204
    assert resolve_session(db, cookie) is None


def test_with_the_header_a_cookie_post_goes_through(
    client: Any, db: Session, cities: Cities
) -> None:
    response = login(client)
    cookie, csrf = cookie_of(response), response.json()["csrf_token"]
    client.cookies.clear()
    assert client.post("/auth/logout", headers=as_cookie(cookie, csrf)).status_code == 204


def test_a_bearer_token_needs_no_csrf(client: Any, db: Session, cities: Cities) -> None:
    admin_id = make_user(db, cities, "root", "admin")
    admin = token_user(db, admin_id, "root", "admin", None)
    client.cookies.clear()
    me = client.get("/auth/me", headers=admin.headers())
    assert me.json()["authenticated"] is True
    assert me.json()["user"]["roles"] == [
        {"role": "admin", "opd": None, "kecamatan": None, "npsn": None}
    ]
    assert me.json()["csrf_token"] is None
    assert client.get("/admin/audit", headers=admin.headers()).status_code == 200
    assert client.post("/auth/logout", headers=admin.headers()).status_code == 204
    # a token beside a cookie: the token decides, and CSRF is not asked for
    dina = session_user(db, cities_user(db, "dina"), "dina", "dishub", CITY)
    both = {**admin.headers(), "Cookie": f"tpo_session={dina.cookie}"}
    client.cookies.clear()
    assert client.get("/auth/me", headers=both).json()["user"]["username"] == "root"
    assert client.post("/auth/logout", headers=both).status_code == 204
    assert resolve_session(db, dina.cookie or "") is not None


def cities_user(db: Session, username: str) -> int:
    return int(
        db.execute(
            text("SELECT id FROM app_user WHERE username = :u"), {"u": username}
        ).scalar_one()
    )


def audit_rows(db: Session) -> list[dict[str, Any]]:
    rows = db.execute(
        text("SELECT actor, action, object_type, host(ip) AS ip, detail FROM audit_log ORDER BY id")
    ).mappings()
    return [dict(r) for r in rows]


def test_the_audit_log_records_logins_writes_and_personal_reads(
    client: Any, db: Session, cities: Cities
) -> None:
    admin_id = make_user(db, cities, "ak", "admin_kota", email="ak@example.org")
    assert login(client, password="salah-salah-salah").status_code == 401
    response = login(client)
    cookie, csrf = cookie_of(response), response.json()["csrf_token"]
    client.cookies.clear()
    assert client.post("/auth/logout", headers=as_cookie(cookie, csrf)).status_code == 204
    admin = session_user(db, admin_id, "ak", "admin_kota", CITY)
    client.cookies.clear()
    users = client.get("/admin/users", headers=admin.headers())
    assert users.status_code == 200
    assert "ak@example.org" in users.text
    client.cookies.clear()
    audit = client.get("/admin/audit?limit=50", headers=admin.headers())
    assert audit.status_code == 200
    seen = [(r["actor"], r["action"]) for r in audit_rows(db)]
    assert ("dina", "auth.login") in seen
    assert ("dina", "auth.logout") in seen
    assert ("ak", "users.read") in seen
    assert ("ak", "audit.read") in seen
    assert any(action == "auth.login_failed" for _, action in seen)
    personal = next(r for r in audit_rows(db) if r["action"] == "users.read")
    assert personal["object_type"] == "app_user"
    assert "email" in personal["detail"]["personal_data"]
    listed = {(e["actor"], e["action"]) for e in audit.json()["entries"]}
    assert {("dina", "auth.login"), ("dina", "auth.logout"), ("ak", "users.read")} <= listed


def fake_request(settings: Settings, peer: str, forwarded: str | None = None) -> Request:
    class App:
        class state:  # noqa: N801 - the shape of app.state
            pass

    App.state.settings = settings  # type: ignore[attr-defined]
    headers = [(b"x-forwarded-for", forwarded.encode())] if forwarded else []
    return Request({"type": "http", "client": (peer, 5000), "headers": headers, "app": App})


def test_client_ip_believes_only_configured_proxies(settings: Settings) -> None:
    chain = "198.51.100.4, 203.0.113.9, 10.0.0.7"
    assert client_ip(fake_request(settings, "10.0.0.5", chain)) == "10.0.0.5"
    assert client_ip(fake_request(settings, "testclient")) is None
    proxied = settings.model_copy(update={"trusted_proxies": "10.0.0.0/8, ::1"})
    assert client_ip(fake_request(proxied, "10.0.0.5", chain)) == "203.0.113.9"
    assert client_ip(fake_request(proxied, "10.0.0.5")) == "10.0.0.5"
    assert client_ip(fake_request(proxied, "192.0.2.1", chain)) == "192.0.2.1"
    assert client_ip(fake_request(proxied, "10.0.0.5", "nonsense, 10.0.0.9")) == "10.0.0.5"
    with pytest.raises(ValueError, match="not an IP"):
        Settings(trusted_proxies="10.0.0.0/8, proxy.local", _env_file=None)


def test_logins_record_the_client_address(settings: Settings, db: Session, cities: Cities) -> None:
    spoofed = {"X-Forwarded-For": "198.51.100.77"}
    with client_for(settings, db, client=("203.0.113.7", 5000)) as client:
        body = {"username": "dina", "password": PASSWORD, "city": CITY}
        assert client.post("/auth/login", json=body, headers=spoofed).status_code == 200
    row = next(r for r in audit_rows(db) if r["action"] == "auth.login")
    assert row["ip"] == "203.0.113.7"
    session_ip = db.execute(text("SELECT host(ip) FROM user_session")).scalars().all()
    assert session_ip == ["203.0.113.7"]
