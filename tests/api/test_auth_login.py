"""POST /auth/login (JSON and the form of /masuk), the session cookie, GET /auth/me, throttling."""

from __future__ import annotations

import re
import urllib.parse
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from api.app import create_app
from api.deps import get_session
from api.settings import Settings
from tests.api.accounts import CITY, PASSWORD, Cities, make_user, sample_cities

pytestmark = pytest.mark.postgis
PROBLEM = "application/problem+json"


@pytest.fixture
def cities(db: Session) -> Cities:
    data = sample_cities(db)
    make_user(db, data, "dina", "dishub", display_name="Dina Dishub", email="dina@example.org")
    return data


def client_for(settings: Settings, db: Session, **kwargs: Any) -> TestClient:
    """A TestClient of an app over the test's session (``client`` fixture, other options)."""
    app = create_app(settings)
    app.dependency_overrides[get_session] = lambda: db
    return TestClient(app, **kwargs)


def set_cookie(response: Any) -> dict[str, str]:
    """The attributes of the ``tpo_session`` Set-Cookie header (lowercase names)."""
    headers = [h for h in response.headers.get_list("set-cookie") if h.startswith("tpo_session=")]
    assert len(headers) == 1, response.headers
    first, *attrs = [part.strip() for part in headers[0].split(";")]
    out = {"value": first.split("=", 1)[1]}
    for attr in attrs:
        name, _, value = attr.partition("=")
        out[name.lower()] = value
    return out


def login(client: Any, username: str = "dina", password: str = PASSWORD, **extra: Any) -> Any:
    client.cookies.clear()
    body = {"username": username, "password": password, "city": CITY, **extra}
    return client.post("/auth/login", json=body)


def test_login_json_sets_a_safe_cookie_and_me_shows_the_user(client: Any, cities: Cities) -> None:
    response = login(client)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["user"] == {
        "username": "dina",
        "display_name": "Dina Dishub",
        "city": CITY,
        "roles": [{"role": "dishub", "opd": None, "kecamatan": None, "npsn": None}],
    }
    assert len(body["csrf_token"]) >= 20
    cookie = set_cookie(response)
    assert len(cookie["value"]) >= 32
    assert "httponly" in cookie
    assert cookie["samesite"].lower() == "lax"
    assert cookie["path"] == "/"
    assert cookie["max-age"] == str(8 * 3600)
    assert "secure" not in cookie  # plain http
    assert "dina@example.org" not in response.text  # the user's own view has no email
    client.cookies.clear()
    me = client.get("/auth/me", headers={"Cookie": f"tpo_session={cookie['value']}"})
    assert me.status_code == 200
    assert me.headers["cache-control"] == "no-store"
    assert me.json() == {
        "authenticated": True,
        "user": body["user"],
        "csrf_token": body["csrf_token"],
    }


def test_me_without_a_session_is_anonymous(client: Any, cities: Cities) -> None:
    client.cookies.clear()
    assert client.get("/auth/me").json() == {
        "authenticated": False,
        "user": None,
        "csrf_token": None,
    }
    stale = client.get("/auth/me", headers={"Cookie": "tpo_session=" + "x" * 43})
    assert stale.status_code == 200
    assert stale.json()["authenticated"] is False


@pytest.mark.parametrize(
    ("base_url", "mode", "secure"),
    [
        ("https://testserver", "auto", True),
        ("http://testserver", "auto", False),
        ("http://testserver", "always", True),
        ("https://testserver", "never", False),
    ],
)
def test_secure_flag_follows_the_scheme_and_setting(
    settings: Settings, db: Session, cities: Cities, base_url: str, mode: str, secure: bool
) -> None:
    tuned = settings.model_copy(update={"cookie_secure": mode, "session_ttl_s": 1234})
    with client_for(tuned, db, base_url=base_url) as client:
        response = login(client)
    assert response.status_code == 200
    cookie = set_cookie(response)
    assert ("secure" in cookie) is secure
    assert cookie["max-age"] == "1234"


def test_wrong_password_and_unknown_user_get_the_same_answer(client: Any, cities: Cities) -> None:
    wrong = login(client, password="bukan-kata-sandinya-99")
    unknown = login(client, username="tidak-ada-orangnya")
    for response in (wrong, unknown):
        assert response.status_code == 401
        assert response.headers["content-type"] == PROBLEM
        assert response.headers["www-authenticate"] == 'Bearer realm="tpo"'
        assert "set-cookie" not in response.headers
    assert wrong.json() == unknown.json()
    assert wrong.json()["code"] == "invalid-credentials"
    assert "dina" not in wrong.text


def test_the_sixth_wrong_try_is_throttled(client: Any, cities: Cities) -> None:
    for _ in range(5):
        assert login(client, password="salah-lagi-salah-lagi").status_code == 401
    sixth = login(client, password="salah-lagi-salah-lagi")
    assert sixth.status_code == 429
    assert sixth.headers["content-type"] == PROBLEM
    assert sixth.json()["code"] == "login-throttled"
    retry = int(sixth.headers["retry-after"])
    assert 0 < retry <= 15 * 60
    # while throttled even the right password is refused, and nothing says whether it was right
    right = login(client)
    assert right.status_code == 429
    assert "set-cookie" not in right.headers
    # other users are not blocked by dina's failures
    other = login(client, username="dina-kedua")
    assert other.status_code == 401


def form_post(client: Any, **fields: str) -> Any:
    client.cookies.clear()
    return client.post(
        "/auth/login",
        content=urllib.parse.urlencode(fields),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        follow_redirects=False,
    )


def test_form_post_logs_in_and_goes_to_next(client: Any, cities: Cities) -> None:
    ok = form_post(client, username="dina", password=PASSWORD, city=CITY, next="/?city=tangerang")
    assert ok.status_code == 303
    assert ok.headers["location"] == "/?city=tangerang"
    cookie = set_cookie(ok)
    client.cookies.clear()
    me = client.get("/auth/me", headers={"Cookie": f"tpo_session={cookie['value']}"}).json()
    assert me["user"]["username"] == "dina"
    # without a city the server's default city (tangerang) is used
    assert form_post(client, username="dina", password=PASSWORD).headers["location"] == "/"
    for evil in ("//evil.example/x", "https://evil.example/", "/\\evil.example", "evil"):
        moved = form_post(client, username="dina", password=PASSWORD, city=CITY, next=evil)
        assert moved.headers["location"] == "/", evil


def test_form_post_failures_go_back_to_the_page(client: Any, cities: Cities) -> None:
    wrong = form_post(client, username="dina", password="salah-salah-salah", next="/x")
    assert wrong.status_code == 303
    assert wrong.headers["location"] == "/masuk?error=invalid-credentials&next=%2Fx#salah"
    assert "set-cookie" not in wrong.headers
    city = form_post(client, username="dina", password=PASSWORD, city="atlantis")
    assert city.headers["location"] == "/masuk?error=city-not-found#kota"
    empty = form_post(client, username="", password="")
    assert empty.headers["location"] == "/masuk?error=invalid-input#isian"
    for _ in range(4):
        form_post(client, username="dina", password="salah-salah-salah")
    throttled = form_post(client, username="dina", password="salah-salah-salah")
    match = re.fullmatch(
        r"/masuk\?error=login-throttled&retry=(\d+)#terlalu-banyak", throttled.headers["location"]
    )
    assert match is not None, throttled.headers["location"]
    assert 0 < int(match.group(1)) <= 900


def test_bad_login_bodies(client: Any, cities: Cities) -> None:
    client.cookies.clear()
    missing = client.post("/auth/login", json={"username": "dina"})
    assert missing.status_code == 422
    assert missing.headers["content-type"] == PROBLEM
    assert [e["field"] for e in missing.json()["errors"]] == ["password"]
    not_json = client.post(
        "/auth/login", content=b"{nope", headers={"Content-Type": "application/json"}
    )
    assert not_json.status_code == 422
    listed = client.post("/auth/login", json=["dina", PASSWORD])
    assert listed.status_code == 422
    plain = client.post("/auth/login", content=b"dina", headers={"Content-Type": "text/plain"})
    assert plain.status_code == 415
    assert plain.headers["content-type"] == PROBLEM
    unknown_city = login(client, city="atlantis")
    assert unknown_city.status_code == 404


def test_login_page_is_served_without_inline_code(client: Any) -> None:
    page = client.get("/masuk")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    html = page.text
    assert 'action="/auth/login"' in html
    assert 'method="post"' in html
    for name in ("username", "password", "city"):
        assert f'name="{name}"' in html
    # CSP script-src 'self'; style-src 'self': no inline script, style element or attribute
    scripts = re.findall(r"<script\b[^>]*>", html)
    assert scripts
    assert all("src=" in tag for tag in scripts)
    assert "<style" not in html
    assert not re.search(r"\sstyle=", html)
    assert not re.search(r"\son[a-z]+=", html)
    index = client.get("/").text
    assert 'href="/masuk"' in index
    assert '<script type="module" src="/js/account.js">' in index
