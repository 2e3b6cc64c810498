"""Logging in through /masuk in chromium: the header shows who, wrong passwords and throttling
read plainly, at desktop and phone sizes, with and without JavaScript."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from geo.accounts import Grant, create_user
from geo.cities import get_city
from geo.store.db import make_engine, session_scope
from tests.conftest import LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.postgis, pytest.mark.slow]
PASSWORD = "kuda-lari-pagi-di-sawah-17"  # a test value only
NAME = "Budi Santoso"
DESKTOP = {"width": 1366, "height": 800}
PHONE = {"width": 390, "height": 844}
BAD = "Nama pengguna atau kata sandi salah."
THROTTLED = re.compile(r"^Terlalu banyak percobaan\. Coba lagi dalam (\d+) menit\.$")


@pytest.fixture(scope="module")
def accounts(demo_server: LiveServer) -> Iterator[LiveServer]:
    """A dishub user (and one to fail with) committed into the live database."""
    engine = make_engine(demo_server.db_url, pool_size=1)
    try:
        with session_scope(engine) as session:
            city_id = get_city(session, "tangerang").id
            for username in ("budi.dishub", "gagal.dishub", "nojs.dishub"):
                found = session.execute(
                    text("SELECT 1 FROM app_user WHERE username = :u"), {"u": username}
                ).first()
                if found is None:
                    create_user(
                        session,
                        city_id=city_id,
                        username=username,
                        display_name=NAME,
                        password=PASSWORD,
                        grants=[Grant("dishub")],
                    )
        yield demo_server
    finally:
        engine.dispose()


@pytest.fixture
def fresh_attempts(accounts: LiveServer) -> Iterator[None]:
    """Forget failed logins before and after a test: they throttle by address (127.0.0.1)."""

    def forget() -> None:
        engine = make_engine(accounts.db_url, pool_size=1)
        try:
            with session_scope(engine) as session:
                session.execute(text("DELETE FROM login_attempt"))
        finally:
            engine.dispose()

    forget()
    yield
    forget()


def open_page(browser: Any, viewport: dict[str, int], **options: Any) -> Any:
    phone = viewport["width"] < 500
    context = browser.new_context(viewport=viewport, is_mobile=phone, has_touch=phone, **options)
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda exc: page.errors.append(f"pageerror: {exc}"))

    def on_console(msg: Any) -> None:
        # chromium logs every 4xx fetch; the refused logins of these tests are expected
        expected = "the server responded with a status of 401" in msg.text or (
            "the server responded with a status of 429" in msg.text
        )
        if msg.type == "error" and not expected:
            page.errors.append(f"console: {msg.text}")

    page.on("console", on_console)
    return page


def goto_login(page: Any, server: LiveServer) -> None:
    page.goto(f"{server.url}/masuk")
    page.wait_for_selector("body[data-ready=true]", timeout=30_000)


def submit(page: Any, username: str, password: str) -> None:
    page.fill("#login-username", username)
    page.fill("#login-password", password)
    page.click("#login-submit")


def assert_touch_targets(page: Any, selectors: list[str]) -> None:
    for selector in selectors:
        box = page.locator(selector).first.bounding_box()
        assert box is not None, selector
        assert box["height"] >= 44, (selector, box)
        assert box["width"] >= 44, (selector, box)


def assert_no_sideways_scroll(page: Any, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.parametrize(("size", "viewport"), [("desktop", DESKTOP), ("phone", PHONE)])
def test_login_shows_name_and_role_in_the_header(
    browser: Any,
    accounts: LiveServer,
    fresh_attempts: None,
    artifacts: Path,
    size: str,
    viewport: dict[str, int],
) -> None:
    page = open_page(browser, viewport)
    goto_login(page, accounts)
    assert page.locator("h1").inner_text() == "Masuk"
    assert page.locator("#login-city").input_value() == "tangerang"
    assert_touch_targets(
        page, ["#login-username", "#login-password", "#login-city", "#login-submit", "#lang-toggle"]
    )
    assert_no_sideways_scroll(page, viewport["width"])
    page.screenshot(path=str(artifacts / f"login-form-{size}.png"))
    submit(page, "budi.dishub", PASSWORD)
    page.wait_for_url(f"{accounts.url}/", timeout=15_000)
    page.wait_for_selector("#account[data-state=in]", timeout=15_000)
    page.wait_for_selector("body[data-ready=true]", timeout=30_000)
    name = page.locator("#account .account-name")
    role = page.locator("#account .account-role")
    assert name.inner_text() == NAME
    assert role.inner_text() == "Perencana Dishub"
    for element in (name, role, page.locator("#account .account-logout")):
        assert element.is_visible()
        box = element.bounding_box()
        assert box is not None
        assert box["x"] >= 0
        assert box["x"] + box["width"] <= viewport["width"] + 1
    assert_touch_targets(page, ["#account .account-logout"])
    page.screenshot(path=str(artifacts / f"login-header-{size}.png"))
    # English: the same header in the other language
    page.click("#lang-toggle")
    assert role.inner_text() == "Dishub planner"
    assert page.locator("#account .account-logout").inner_text() == "Log out"
    page.click("#lang-toggle")
    # Keluar ends the session: the header offers Masuk again, and so does a reload
    page.click("#account .account-logout")
    page.wait_for_selector("#account[data-state=out] a.account-link", timeout=10_000)
    assert page.locator("#account a.account-link").inner_text() == "Masuk"
    page.reload()
    page.wait_for_selector("#account[data-state=out]", timeout=10_000)
    assert page.errors == []
    page.context.close()


@pytest.mark.parametrize(("size", "viewport"), [("desktop", DESKTOP), ("phone", PHONE)])
def test_wrong_password_then_throttled(
    browser: Any,
    accounts: LiveServer,
    fresh_attempts: None,
    artifacts: Path,
    size: str,
    viewport: dict[str, int],
) -> None:
    page = open_page(browser, viewport)
    goto_login(page, accounts)
    message = page.locator("#login-message")
    for attempt in range(1, 6):
        submit(page, "gagal.dishub", f"bukan-ini-{attempt}")
        page.wait_for_function(
            "text => document.getElementById('login-message').textContent === text", arg=BAD
        )
        assert message.is_visible()
        assert page.locator("#login-password").input_value() == ""  # cleared for the next try
        if attempt == 1:
            page.screenshot(path=str(artifacts / f"login-wrong-{size}.png"))
    submit(page, "gagal.dishub", "bukan-ini-6")
    page.wait_for_function(
        "() => document.getElementById('login-message').textContent.startsWith('Terlalu')"
    )
    match = THROTTLED.match(message.inner_text())
    assert match is not None, message.inner_text()
    assert 1 <= int(match.group(1)) <= 15
    assert_no_sideways_scroll(page, viewport["width"])
    page.screenshot(path=str(artifacts / f"login-throttled-{size}.png"))
    page.click("#lang-toggle")
    assert re.match(r"^Too many attempts\. Try again in \d+ minutes\.$", message.inner_text())
    page.click("#lang-toggle")
    # the right password does not get through while throttled
    submit(page, "gagal.dishub", PASSWORD)
    page.wait_for_timeout(500)
    assert THROTTLED.match(message.inner_text())
    assert page.url == f"{accounts.url}/masuk"
    assert page.errors == []
    page.context.close()


def test_the_form_works_without_javascript(
    browser: Any, accounts: LiveServer, fresh_attempts: None, artifacts: Path
) -> None:
    page = open_page(browser, PHONE, java_script_enabled=False)
    page.goto(f"{accounts.url}/masuk")
    assert not page.locator("#salah").is_visible()
    submit(page, "nojs.dishub", "bukan-kata-sandinya")
    page.wait_for_url(re.compile(r".*/masuk\?error=invalid-credentials#salah$"))
    assert page.locator("#salah").is_visible()
    assert page.locator("#salah").inner_text() == BAD
    assert not page.locator("#terlalu-banyak").is_visible()
    page.screenshot(path=str(artifacts / "login-nojs-wrong-phone.png"))
    submit(page, "nojs.dishub", PASSWORD)
    page.wait_for_url(f"{accounts.url}/", timeout=15_000)
    cookies = {c["name"]: c for c in page.context.cookies()}
    assert cookies["tpo_session"]["httpOnly"] is True
    assert cookies["tpo_session"]["sameSite"] == "Lax"
    me = page.context.request.get(f"{accounts.url}/auth/me").json()
    assert me["user"]["username"] == "nojs.dishub"
    assert page.errors == []
    page.context.close()
