"""The map in chromium on the demo city: layers, switcher, popups, search, phone, language."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import LiveServer
from tests.web.conftest import api, csp_violations, go_to, open_map, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.postgis, pytest.mark.slow]


def test_map_lists_and_switches_layers(page: Any, demo_server: LiveServer, artifacts: Path) -> None:
    open_map(page, demo_server)
    collections = api(demo_server, "/cities/tangerang/collections")["collections"]
    ids = {c["id"] for c in collections}
    assert ids >= {"kota", "kecamatan", "kelurahan", "roads", "angkot_routes", "schools", "parcels"}
    for layer in ids:
        assert page.locator(f"#layer-{layer}").count() == 1, layer
    assert page.locator("#city-name").inner_text() == "Kota Tangerang"
    assert page.locator("#demo-badge").is_visible()
    # schools are drawn as clusters at city zoom
    assert page.locator(".cluster").count() > 0
    page.uncheck("#layer-schools")
    assert page.locator(".cluster").count() == 0
    page.check("#layer-schools")
    assert page.locator(".cluster").count() > 0
    # roads come as vector tiles onto canvases, from street zoom on
    go_to(page, 106.6300, -6.1780, zoom=15)
    wait_until(page, "document.querySelectorAll('.leaflet-roads-pane canvas').length > 0")
    page.uncheck("#layer-roads")
    assert page.locator(".leaflet-roads-pane canvas.leaflet-tile").count() == 0
    page.check("#layer-roads")
    # the legend names every route code
    codes = {
        f["properties"]["code"]
        for f in api(demo_server, "/cities/tangerang/collections/angkot_routes/items?limit=100")[
            "features"
        ]
    }
    legend = page.locator("#route-legend").inner_text()
    assert all(code in legend for code in codes)
    page.screenshot(path=str(artifacts / "map-layers.png"))
    assert page.errors == []


def test_kelurahan_search_and_school_popup(
    page: Any, demo_server: LiveServer, artifacts: Path
) -> None:
    open_map(page, demo_server)
    page.fill("#place-search", "cibodas baru")
    page.locator("#place-search-suggest li", has_text="Cibodas Baru").first.click()
    assert "Cibodas Baru" in page.locator("#search-result").inner_text()
    page.keyboard.press("Escape")  # close the suggestions
    # then the kelurahan popup the search opened
    close = page.locator(".leaflet-popup-close-button")
    if close.count():
        close.first.click()
    # zoom into clusters until single schools show, then open one
    marker = None
    for _ in range(8):
        marker = visible(page, "path.schools-marker")
        if marker is not None:
            break
        cluster = visible(page, ".cluster")
        assert cluster is not None, "neither schools nor clusters in view"
        cluster.click()
        page.wait_for_timeout(500)
    assert marker is not None
    marker.click()
    popup = page.locator(".leaflet-popup-content", has_text="NPSN")
    popup.wait_for(timeout=5_000)
    text = popup.inner_text()
    assert "Jenjang" in text
    assert "Sekolah" in text
    page.screenshot(path=str(artifacts / "map-school-popup.png"))
    page.fill("#place-search", "qqqzzzx")
    page.press("#place-search", "Enter")
    wait_until(page, "document.getElementById('search-result').textContent.length > 0")
    assert page.locator("#search-result").inner_text() == "Tempat tidak ditemukan"


def visible(page: Any, selector: str) -> Any:
    """The first element matching selector that lies fully inside the map, or None."""
    area = page.locator("#map").bounding_box()
    items = page.locator(selector)
    for i in range(items.count()):
        box = items.nth(i).bounding_box()
        if (
            box
            and area["x"] + 20 < box["x"]
            and box["x"] + box["width"] < area["x"] + area["width"] - 20
            and area["y"] + 60 < box["y"]
            and box["y"] + box["height"] < area["y"] + area["height"] - 20
        ):
            return items.nth(i)
    return None


def test_language_switch(page: Any, demo_server: LiveServer) -> None:
    open_map(page, demo_server)
    assert page.locator("#demo-badge").inner_text() == "Data demo"
    page.click("#lang-toggle")
    assert page.locator("#demo-badge").inner_text() == "Demo data"
    assert page.evaluate("document.documentElement.lang") == "en"
    assert page.locator("[data-tab=trip]").inner_text() == "Angkot trip"
    page.click("#lang-toggle")
    assert page.evaluate("document.documentElement.lang") == "id"


def test_phone_viewport(browser: Any, demo_server: LiveServer, artifacts: Path) -> None:
    """On a phone: the whole city at start (zoomed out below 12), the panel a bottom sheet
    (peek / half / full) leaving the map visible, 44 px touch targets."""
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    open_map(page, demo_server)
    box = page.locator("#map").bounding_box()
    assert box is not None
    assert box["width"] == pytest.approx(390, abs=2)
    assert box["height"] > 600
    zoom = float(page.evaluate("location.hash").lstrip("#").split("/")[0])
    assert zoom < 12, zoom
    # the city outline fits in the part of the map above the sheet
    city = api(demo_server, "/cities/tangerang")
    assert city["bbox"]
    panel = page.locator("#panel")
    assert panel.get_attribute("data-sheet") == "peek"
    peek = panel.bounding_box()
    assert peek["height"] < 0.25 * 844
    assert peek["y"] + peek["height"] == pytest.approx(844, abs=2)
    page.click("#sheet-handle")
    assert panel.get_attribute("data-sheet") == "half"
    assert 0.3 * 844 < panel.bounding_box()["height"] < 0.6 * 844
    page.click("#sheet-handle")
    assert panel.get_attribute("data-sheet") == "full"
    page.click("#panel-toggle")
    assert panel.get_attribute("data-sheet") == "peek"
    page.click("#panel-toggle")
    assert panel.get_attribute("data-sheet") == "full"
    # touch targets: every visible button and field of the header and the panel is 44 px tall
    small = page.evaluate(
        """[...document.querySelectorAll('.topbar button, .topbar select, .topbar a,'
            + ' #panel button, #panel select, #panel input, .set-point')]
          .filter((e) => e.offsetParent !== null && e.type !== 'checkbox')
          .map((e) => [e.id || e.textContent.trim(), e.getBoundingClientRect().height])
          .filter(([, h]) => h < 43.5)"""
    )
    assert small == []
    page.click("#panel-toggle")
    page.screenshot(path=str(artifacts / "map-phone.png"))
    assert csp_violations(page) == []
    context.close()


def test_phone_set_point_mode_taps_reach_the_map(
    browser: Any, demo_server: LiveServer, artifacts: Path
) -> None:
    """While setting a point, a tap on a school marker or cluster sets the point instead."""
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    open_map(page, demo_server)
    page.click("[data-tab=trip]")
    assert page.locator("#set-point").get_attribute("aria-pressed") == "true"
    cluster = page.locator(".cluster").first
    target = None
    area = page.locator("#map").bounding_box()
    top = page.locator("#panel").bounding_box()["y"]
    for i in range(page.locator(".cluster").count()):
        b = page.locator(".cluster").nth(i).bounding_box()
        if b and area["y"] + 120 < b["y"] < top - 60 and 60 < b["x"] < area["width"] - 60:
            target = b
            break
    assert target is not None, cluster
    page.mouse.click(target["x"] + target["width"] / 2, target["y"] + target["height"] / 2)
    page.locator(".pin-from").wait_for(timeout=5_000)
    # the mode off: the cluster takes the tap again (it zooms in, no new point)
    page.click("#set-point")
    assert page.locator("#set-point").get_attribute("aria-pressed") == "false"
    page.screenshot(path=str(artifacts / "map-phone-set-point.png"))
    assert page.errors == []
    context.close()
