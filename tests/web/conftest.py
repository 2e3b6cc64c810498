"""Browser-test fixtures: the demo city committed into the live database behind `live_server`;
pages watched for script errors, dialogs and Content-Security-Policy violations."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from geo.cities import list_cities
from geo.store.db import make_engine, session_scope
from tests.conftest import LiveServer


@pytest.fixture(scope="session")
def demo_server(live_server: LiveServer) -> LiveServer:
    """The live server with the Tangerang demo city loaded (once per test session)."""
    from data.demo import load_demo_city

    engine = make_engine(live_server.db_url, pool_size=1)
    try:
        with session_scope(engine) as session:
            if "tangerang" not in {c.slug for c in list_cities(session)}:
                load_demo_city(session, "tangerang")
    finally:
        engine.dispose()
    return live_server


def api(server: LiveServer, path: str) -> Any:
    """GET a JSON document from the live server."""
    response = httpx.get(server.url + path, timeout=30)
    response.raise_for_status()
    return response.json()


# in the page before any of its scripts: every CSP violation event, as "directive blocked-uri"
_CSP_WATCH = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => window.__cspViolations.push(
  `${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`));
"""


def watch(page: Any) -> Any:
    """Record the page's script errors (``page.errors``), dialogs (``page.dialogs``, dismissed)
    and CSP violations (see ``csp_violations``), from its next navigation on."""
    if getattr(page, "watched", False):
        return page
    page.watched = True
    page.errors = []
    page.dialogs = []
    page.csp_console = []
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))

    def on_dialog(dialog: Any) -> None:
        page.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def on_console(message: Any) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            page.csp_console.append(message.text)

    page.on("dialog", on_dialog)
    page.on("console", on_console)
    page.add_init_script(_CSP_WATCH)
    return page


def csp_violations(page: Any) -> list[str]:
    """CSP violations seen by the page so far (console reports and violation events)."""
    try:
        events = page.evaluate("window.__cspViolations || []")
    except Exception:  # the page is gone or navigating: its console reports are still here
        events = []
    return [*page.csp_console, *events]


@pytest.fixture
def page(page: Any) -> Iterator[Any]:
    """The browser page, watched; a test fails at teardown when its page violated the CSP."""
    watch(page)
    yield page
    assert csp_violations(page) == []


def open_map(page: Any, server: LiveServer, fragment: str = "", *, city: str = "tangerang") -> None:
    """Open the map of ``city`` and wait until every layer of the city has loaded."""
    watch(page)
    page.goto(f"{server.url}/?city={city}{fragment}")
    page.wait_for_selector("body[data-ready=true]", timeout=30_000)
    page.wait_for_selector("body[data-busy=false]", timeout=30_000)


def tap_centre(page: Any) -> None:
    """Click the middle of the map."""
    box = page.locator("#map").bounding_box()
    page.locator("#map").click(position={"x": box["width"] / 2, "y": box["height"] / 2})


def go_to(page: Any, lon: float, lat: float, zoom: int = 16) -> None:
    """Centre the map on lon, lat through the address bar's #zoom/lat/lon, and wait until the
    map has moved there (its moveend writes the view back into the address, 5 decimals)."""
    wanted = f"#{zoom}/{lat:.6f}/{lon:.6f}"
    page.evaluate(f"location.hash = '{wanted}'")
    wait_until(page, f"location.hash !== '{wanted}'")
    page.wait_for_timeout(400)


def wait_until(page: Any, expression: str, timeout_s: float = 10.0) -> None:
    """Poll ``expression`` in the page until it is truthy.

    Playwright's ``wait_for_function`` polls with ``eval`` inside the page, which the page's
    CSP refuses (no 'unsafe-eval'); ``page.evaluate`` goes through the debugger and is allowed.
    """
    deadline = time.monotonic() + timeout_s
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s} s waiting for {expression}")
        page.wait_for_timeout(50)
