"""The map page in Debian's chromium: Leaflet starts and draws the city outline."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.postgis]

OUTLINE = (
    "MULTIPOLYGON(((106.58 -6.24, 106.72 -6.25, 106.74 -6.12, 106.66 -6.10,"
    " 106.57 -6.15, 106.58 -6.24)))"
)


@pytest.fixture(scope="module")
def city_server(live_server: LiveServer) -> LiveServer:
    engine = create_engine(live_server.db_url)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM city WHERE slug = 'tangerang'"))
        city_id = conn.execute(
            text(
                "INSERT INTO city (slug, name, bbox, center_lon, center_lat, demo)"
                " VALUES ('tangerang', 'Kota Tangerang',"
                " ST_MakeEnvelope(106.55, -6.26, 106.75, -6.09, 4326), 106.65, -6.175, true)"
                " RETURNING id"
            )
        ).scalar_one()
        conn.execute(
            text(
                "INSERT INTO admin_area (city_id, level, code, name, geom)"
                " VALUES (:c, 'kota', '36.71', 'Kota Tangerang', ST_GeomFromText(:w, 4326))"
            ),
            {"c": city_id, "w": OUTLINE},
        )
    engine.dispose()
    return live_server


def test_map_shows_city_outline(page: Any, city_server: LiveServer, artifacts: Path) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(city_server.url + "/")
    page.wait_for_selector("body[data-ready=true]", timeout=15_000)
    assert page.locator(".leaflet-container").count() == 1
    assert page.locator("#city-name").inner_text() == "Kota Tangerang"
    assert page.locator("#demo-badge").is_visible()
    assert page.locator("#map").get_attribute("data-outline-features") == "1"
    assert page.locator(".leaflet-overlay-pane canvas").count() == 1
    page.screenshot(path=str(artifacts / "map-outline.png"))
    assert errors == []


def test_language_switch(page: Any, city_server: LiveServer) -> None:
    page.goto(city_server.url + "/")
    page.wait_for_selector("body[data-ready=true]", timeout=15_000)
    assert page.locator("#demo-badge").inner_text() == "Data demo"
    page.click("#lang-toggle")
    assert page.locator("#demo-badge").inner_text() == "Demo data"
    assert page.evaluate("document.documentElement.lang") == "en"


def test_phone_viewport(browser: Any, city_server: LiveServer, artifacts: Path) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    pg = context.new_page()
    pg.goto(city_server.url + "/")
    pg.wait_for_selector("body[data-ready=true]", timeout=15_000)
    box = pg.locator("#map").bounding_box()
    assert box is not None
    assert box["width"] == pytest.approx(390, abs=2)
    assert box["height"] > 600
    pg.screenshot(path=str(artifacts / "map-phone.png"))
    context.close()
