"""Citizen panels in chromium on the demo city: angkot near a tap, trip planning, nearby schools."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import LiveServer
from tests.web.conftest import api, go_to, open_map, tap_centre
from tests.web.test_trip_view import plan_by_taps

pytestmark = [pytest.mark.browser, pytest.mark.postgis, pytest.mark.slow]


def first_route(server: LiveServer) -> dict[str, Any]:
    fc = api(server, "/cities/tangerang/collections/angkot_routes/items?limit=1")
    return fc["features"][0]


def test_which_angkot_passes_here(page: Any, demo_server: LiveServer, artifacts: Path) -> None:
    route = first_route(demo_server)
    coords = route["geometry"]["coordinates"]
    lon, lat = coords[len(coords) // 2]
    open_map(page, demo_server)
    go_to(page, lon, lat)
    tap_centre(page)
    page.wait_for_selector("#near-list li", timeout=10_000)
    assert route["properties"]["code"] in page.locator("#near-list").inner_text()
    assert page.locator("#near-place").inner_text().startswith("Kel. ")
    # the routes near the tap stand out: a casing under each, the other layers faded
    assert page.locator(".leaflet-trip-pane .near-route").count() >= 1
    assert page.locator(".leaflet-trip-pane .trip-casing").count() >= 1
    assert page.evaluate("document.getElementById('map').classList.contains('map-focus')")
    page.screenshot(path=str(artifacts / "angkot-near.png"))


def test_plan_trip_by_tapping(page: Any, demo_server: LiveServer, artifacts: Path) -> None:
    route = first_route(demo_server)
    open_map(page, demo_server)
    plan_by_taps(page, demo_server)
    items = page.locator("#trip-results li")
    assert items.count() >= 1, page.locator("#trip-status").inner_text()
    summary = items.first.inner_text()
    assert "menit" in summary
    assert route["properties"]["code"] in page.locator("#trip-results").inner_text()
    steps = page.locator("#trip-steps li")
    assert steps.count() >= 1
    assert any(
        "Naik" in steps.nth(i).inner_text() or "naik" in steps.nth(i).inner_text()
        for i in range(steps.count())
    )
    page.screenshot(path=str(artifacts / "trip-planned.png"))


def test_plan_trip_by_search(page: Any, demo_server: LiveServer) -> None:
    open_map(page, demo_server)
    page.click("[data-tab=trip]")
    page.fill("#trip-from", "Cibodas")
    page.locator("#trip-from-suggest li").first.click(timeout=10_000)
    page.fill("#trip-to", "Karawaci")
    page.locator("#trip-to-suggest li").first.click(timeout=10_000)
    page.click("#trip-go")
    page.wait_for_selector("body[data-trip=done]", timeout=20_000)
    has_result = page.locator("#trip-results li").count() > 0
    status = page.locator("#trip-status").inner_text()
    assert has_result or status, "neither itineraries nor a reason shown"


def test_nearby_schools(page: Any, demo_server: LiveServer, artifacts: Path) -> None:
    city = api(demo_server, "/cities/tangerang")
    lon, lat = city["center"]
    open_map(page, demo_server)
    page.click("[data-tab=schools]")
    page.select_option("#school-level", "SD")
    go_to(page, lon, lat, 15)
    tap_centre(page)
    page.wait_for_selector("body[data-schools=done]", timeout=20_000)
    items = page.locator("#school-results li")
    assert items.count() == 10
    texts = [items.nth(i).inner_text() for i in range(items.count())]
    assert all("SD" in t for t in texts)
    assert all("jalan" in t for t in texts)
    assert "sekolah di dalam radius" in page.locator("#school-status-text").inner_text()
    page.screenshot(path=str(artifacts / "schools-nearby.png"))
