"""The Peta tab's place box in chromium, at a desktop and a phone viewport: the same typo-tolerant
/search and ARIA combobox as the trip boxes, ↑ ↓ Enter Esc, a picked kelurahan fitted to the map
with its popup open, typed text resolved on Enter, "not found" in the page's language."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import LiveServer
from tests.web.conftest import api, open_map, wait_until, watch

pytestmark = [pytest.mark.browser, pytest.mark.postgis, pytest.mark.slow]

VIEWPORTS = {
    "desktop": {"viewport": {"width": 1366, "height": 800}},
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
}
BOX = "#place-search"
LIST = "#place-search-suggest"


def view(page: Any) -> tuple[float, float, float]:
    """zoom, lat, lon of the map (from the address: #zoom/lat/lon)."""
    z, lat, lon = page.evaluate("location.hash").lstrip("#").split("/")
    return float(z), float(lat), float(lon)


def inside(box: dict[str, float], area: dict[str, float]) -> bool:
    return (
        area["x"] <= box["x"]
        and box["x"] + box["width"] <= area["x"] + area["width"]
        and area["y"] <= box["y"]
        and box["y"] + box["height"] <= area["y"] + area["height"]
    )


def open_box(page: Any, kind: str) -> None:
    if kind == "phone":
        page.click("#sheet-handle")  # the sheet at half: the box and its list have room
    page.locator(BOX).focus()


def wait_options(page: Any, text: str) -> Any:
    option = page.locator(f"{LIST} li[role=option]", has_text=text).first
    option.wait_for(timeout=10_000)
    return option


@pytest.mark.parametrize("kind", ["desktop", "phone"])
def test_kelurahan_by_keyboard_with_a_typo(
    browser: Any, demo_server: LiveServer, artifacts: Path, kind: str
) -> None:
    context = browser.new_context(**VIEWPORTS[kind])
    page = watch(context.new_page())
    open_map(page, demo_server)
    start_zoom = view(page)[0]
    [hit] = [
        r
        for r in api(demo_server, "/cities/tangerang/search?q=Cibodas%20Baru")["results"]
        if r["kind"] == "kelurahan" and r["name"] == "Cibodas Baru"
    ]
    box = page.locator(BOX)
    assert box.get_attribute("role") == "combobox"
    assert box.get_attribute("aria-controls") == LIST[1:]
    assert page.locator(LIST).get_attribute("role") == "listbox"
    assert page.locator("#place-options").count() == 0  # no datalist of names any more
    open_box(page, kind)
    page.keyboard.type("cibodsa baru")  # a typo, as the trip boxes forgive it
    first = wait_options(page, "Cibodas Baru")
    assert box.get_attribute("aria-expanded") == "true"
    options = page.locator(f"{LIST} li[role=option]")
    assert options.first.inner_text().startswith("Cibodas Baru")
    assert "kelurahan" in options.first.inner_text()
    page.screenshot(path=str(artifacts / f"map-search-{kind}.png"))
    page.keyboard.press("ArrowDown")
    assert box.get_attribute("aria-activedescendant") == first.get_attribute("id")
    assert first.get_attribute("aria-selected") == "true"
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowUp")
    assert box.get_attribute("aria-activedescendant") == first.get_attribute("id")
    page.keyboard.press("Enter")
    # picked: the list closes, the answer says what was understood, the map fits the kelurahan
    assert box.get_attribute("aria-expanded") == "false"
    assert page.locator(f"{LIST} li").count() == 0
    assert box.input_value() == "Cibodas Baru"
    assert page.locator("#search-result").inner_text() == "Ditemukan: Cibodas Baru (Kelurahan)"
    popup = page.locator(".leaflet-popup-content", has_text="Cibodas Baru")
    popup.wait_for(timeout=5_000)
    assert "Kelurahan" in popup.inner_text()
    wait_until(page, f"Number(location.hash.slice(1).split('/')[0]) > {start_zoom + 2}")
    zoom, lat, lon = view(page)
    minx, miny, maxx, maxy = hit["bbox"]
    assert minx <= lon <= maxx, (lon, hit["bbox"])
    assert miny <= lat <= maxy, (lat, hit["bbox"])
    assert zoom <= 17
    area = page.locator("#map").bounding_box()
    if kind == "phone":
        # the sheet went down and the kelurahan's popup stands above it
        assert page.locator("#panel").get_attribute("data-sheet") == "peek"
        area = {**area, "height": page.locator("#panel").bounding_box()["y"] - area["y"]}
    assert inside(popup.bounding_box(), area)
    page.screenshot(path=str(artifacts / f"map-search-picked-{kind}.png"))
    assert page.errors == []
    context.close()


@pytest.mark.parametrize("kind", ["desktop", "phone"])
def test_typed_text_escape_and_not_found(browser: Any, demo_server: LiveServer, kind: str) -> None:
    context = browser.new_context(**VIEWPORTS[kind])
    page = watch(context.new_page())
    open_map(page, demo_server)
    open_box(page, kind)
    box = page.locator(BOX)
    # Esc closes the list and keeps the text
    page.keyboard.type("panungan")
    wait_options(page, "Panunggangan")
    page.keyboard.press("Escape")
    assert box.get_attribute("aria-expanded") == "false"
    assert page.locator(f"{LIST} li").count() == 0
    assert box.input_value() == "panungan"
    # Enter without picking: the best hit of the typed text is shown
    page.keyboard.press("Enter")
    result = page.locator("#search-result")
    wait_until(page, "document.getElementById('search-result').textContent.length > 0")
    assert result.inner_text() == "Ditemukan: Panunggangan (Kelurahan)"
    assert box.input_value() == "Panunggangan"
    page.locator(".leaflet-popup-content", has_text="Panunggangan").wait_for(timeout=5_000)
    # an edit clears the answer; nothing by that name: said so, in the page's language
    if kind == "phone":
        page.click("#sheet-handle")
    box.fill("")
    box.focus()
    page.keyboard.type("qqqzzzx")
    assert result.inner_text() == ""
    page.keyboard.press("Enter")
    wait_until(page, "document.getElementById('search-result').textContent.length > 0")
    assert result.inner_text() == "Tempat tidak ditemukan"
    page.click("#lang-toggle")
    assert result.inner_text() == "No place by that name"
    assert page.locator("label[for=place-search]").inner_text() == "Find a place"
    assert page.errors == []
    context.close()
