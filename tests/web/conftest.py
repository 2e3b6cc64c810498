"""Browser-test fixtures: the demo city committed into the live database behind `live_server`."""

from __future__ import annotations

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


def open_map(page: Any, server: LiveServer, fragment: str = "") -> None:
    """Open the map and wait until every layer of the city has loaded."""
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{server.url}/?city=tangerang{fragment}")
    page.wait_for_selector("body[data-ready=true]", timeout=30_000)
    page.wait_for_selector("body[data-busy=false]", timeout=30_000)
    page.errors = errors
