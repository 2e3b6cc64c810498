"""Stored XSS: names and codes that are HTML/script payloads, in every layer, shown as text.

The hostile city (tests/web/hostile.py) is written through the importers into the live
database under its own slug and deleted afterwards. Every place the map shows data is opened:
the top bar, legend, kelurahan search and popup, school and parcel popups, popups of every
layer's features, "angkot near here", place suggestions, trip cards and steps, the schools list
and its tooltips. No payload may run (title, window.__xss, dialogs), none may become elements,
the page may not violate its CSP, and each payload must be visible as literal text.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from geo.cities import delete_city
from geo.errors import NotFoundError
from geo.store.db import make_engine, session_scope
from tests.conftest import LiveServer
from tests.web import hostile as h
from tests.web.conftest import api, csp_violations, go_to, open_map, tap_centre, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.postgis, pytest.mark.slow]
TITLE = "Tree Point O — Peta Layanan Kota"
TITLES = (TITLE, "Tree Point O — City Services Map")  # the page title follows the language
# elements a payload would create if it were parsed as HTML
INJECTED = (
    "img[src='x'], svg[onload], [onerror], [onload], b, i, u,"
    " script:not([src]):not([type=importmap])"
)


@pytest.fixture(scope="module")
def xss_server(
    live_server: LiveServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """The live server with the hostile city committed; the city is deleted afterwards."""
    engine = make_engine(live_server.db_url, pool_size=1)
    try:
        with session_scope(engine) as session:
            with contextlib.suppress(NotFoundError):
                delete_city(session, h.SLUG)
            h.build_hostile_city(session, tmp_path_factory.mktemp("xss-files"))
        yield live_server
    finally:
        with session_scope(engine) as session, contextlib.suppress(NotFoundError):
            delete_city(session, h.SLUG)
        engine.dispose()


def assert_clean(page: Any, where: str) -> None:
    """Nothing ran, nothing was parsed as HTML, the CSP saw nothing to block."""
    assert page.title() in TITLES, where
    assert page.evaluate("typeof window.__xss") == "undefined", where
    assert page.dialogs == [], where
    assert page.evaluate(f"document.querySelectorAll({INJECTED!r}).length") == 0, where
    assert csp_violations(page) == [], where
    assert page.errors == [], where


def shows(page: Any, selector: str, *texts: str) -> str:
    """The visible text of ``selector``, checked to hold each of ``texts`` literally."""
    target = page.locator(selector).first
    target.wait_for(state="visible", timeout=10_000)
    shown = target.inner_text()
    for text in texts:
        assert text in shown, f"{text!r} not shown as text in {selector}: {shown!r}"
    return shown


def click_nearest(page: Any, selector: str) -> None:
    """Click the element matching ``selector`` nearest to the middle of the map."""
    area = page.locator("#map").bounding_box()
    cx, cy = area["x"] + area["width"] / 2, area["y"] + area["height"] / 2
    items = page.locator(selector)
    items.first.wait_for(timeout=10_000)

    def distance(i: int) -> float:
        box = items.nth(i).bounding_box()
        if not box:
            return math.inf
        return math.hypot(box["x"] + box["width"] / 2 - cx, box["y"] + box["height"] / 2 - cy)

    items.nth(min(range(items.count()), key=distance)).click()


def popup_title(page: Any, starting: str) -> str:
    """The heading of the open popup, once it starts with ``starting``."""
    heading = page.locator(".leaflet-popup-content h3", has_text=starting)
    heading.wait_for(timeout=10_000)
    return str(heading.inner_text())


def close_popup(page: Any) -> None:
    page.locator(".leaflet-popup-close-button").click()
    page.locator(".leaflet-popup").wait_for(state="detached", timeout=5_000)


def open_hostile_map(page: Any, server: LiveServer) -> None:
    lon, lat = h.HostileCity.at(6, 1)
    open_map(page, server, f"#15/{lat:.6f}/{lon:.6f}", city=h.SLUG)
    assert_clean(page, "page load")


def test_map_chrome_and_layer_popups(page: Any, xss_server: LiveServer, artifacts: Path) -> None:
    open_hostile_map(page, xss_server)
    shows(page, "#city-name", h.CITY_NAME)
    options = page.eval_on_selector_all("#city-select option", "os => os.map(o => o.textContent)")
    assert h.CITY_NAME in options
    shows(page, "#route-legend", h.ROUTE_CODE, h.ROUTE_CODE_2)
    # place search: the suggestions, the answer and the popup it opens
    page.fill("#place-search", "Barat")
    west = page.locator("#place-search-suggest li", has_text=h.KELURAHAN_WEST)
    west.first.wait_for(timeout=10_000)
    shows(page, "#place-search-suggest", h.KELURAHAN_WEST)
    page.fill("#place-search", h.KELURAHAN_EAST)
    page.press("#place-search", "Enter")
    wait_until(page, "document.getElementById('search-result').textContent.length > 0")
    shows(page, "#search-result", h.KELURAHAN_EAST)
    assert popup_title(page, "Timur") == h.KELURAHAN_EAST
    assert_clean(page, "kelurahan search")
    close_popup(page)
    # a school marker's popup
    npsn, name, _level, _status, address, (col, row) = h.SCHOOLS[0]
    go_to(page, *h.HostileCity.at(col, row), zoom=17)
    click_nearest(page, "path.schools-marker")
    assert popup_title(page, "SD Pelangi") == name
    shows(page, ".leaflet-popup-content", npsn, address)
    page.screenshot(path=str(artifacts / "xss-school-popup.png"))
    assert_clean(page, "school popup")
    close_popup(page)
    # a parcel's popup (the layer is off by default)
    page.check("#layer-parcels")
    go_to(page, *h.HostileCity.at(*h.PARCEL_AT), zoom=18)
    tap_centre(page)
    assert popup_title(page, "Persil") == h.PARCEL["name"]
    shows(page, ".leaflet-popup-content", h.PARCEL["code"], h.PARCEL["permit_type"])
    assert_clean(page, "parcel popup")
    # the English legend is built again from the data
    page.click("#lang-toggle")
    shows(page, "#route-legend", h.ROUTE_CODE, h.ROUTE_CODE_2)
    assert_clean(page, "language switch")


def test_every_layer_popup_shows_its_text(page: Any, xss_server: LiveServer) -> None:
    """The popup builder on every feature of every layer, attached to the live page (some layers,
    such as kota and kecamatan, open popups only from code)."""
    open_hostile_map(page, xss_server)
    collections = api(xss_server, f"/cities/{h.SLUG}/collections")["collections"]
    layers = [c["id"] for c in collections if c["id"] != "roads"]  # roads: canvas tiles only
    shown = page.evaluate(
        """async ([slug, layers]) => {
          const { popupContent } = await import("/js/styles.js");
          const { translator } = await import("/js/i18n.js");
          const box = document.createElement("div");
          document.body.append(box);
          const out = {};
          for (const id of layers) {
            const r = await fetch(`/cities/${slug}/collections/${id}/items?limit=100`);
            out[id] = (await r.json()).features.map((f) => {
              const node = popupContent(id, f.properties, translator("id"));
              box.append(node);
              return [f.properties, node.innerText];
            });
          }
          return out;
        }""",
        [h.SLUG, layers],
    )
    assert set(shown) >= {"kota", "kecamatan", "kelurahan", "angkot_routes", "schools", "parcels"}
    checked = 0
    for layer, features in shown.items():
        assert features, layer
        for props, text in features:
            for key, value in props.items():
                if isinstance(value, str) and "<" in value and key != "colour":
                    assert value in text, (layer, key, value, text)
                    checked += 1
    assert checked >= 20
    assert_clean(page, "every layer's popup")


def test_nearby_routes_and_schools(page: Any, xss_server: LiveServer, artifacts: Path) -> None:
    open_hostile_map(page, xss_server)
    go_to(page, *h.HostileCity.at(6, 1), zoom=16)
    tap_centre(page)
    page.wait_for_selector("#near-list li", timeout=10_000)
    shows(page, "#near-place", f"Kel. {h.KELURAHAN_WEST}", f"Kec. {h.KECAMATAN}")
    shows(page, "#near-list", h.ROUTE_CODE, h.ROUTE_NAME, h.DESTINATION)
    shows(page, "#near-list", h.ROUTE_CODE_2, h.ROUTE_NAME_2, h.ORIGIN)
    assert page.locator("#near-list .chip").count() == 2
    assert_clean(page, "angkot near here")
    page.click("[data-tab=schools]")
    go_to(page, *h.HostileCity.at(6, 1), zoom=15)
    tap_centre(page)
    page.wait_for_selector("body[data-schools=done]", timeout=20_000)
    items = page.locator("#school-results li")
    assert items.count() == len(h.SCHOOLS)
    listed = [items.nth(i).inner_text() for i in range(items.count())]
    for _npsn, name, level, status, _address, _at in h.SCHOOLS:
        # the status as people read it ("Negeri"), in the page's language
        assert any(name in text and level in text and status.title() in text for text in listed), (
            name
        )
    for i in range(items.count()):
        items.nth(i).click()
        tooltip = page.locator(".leaflet-tooltip").last
        tooltip.wait_for(state="visible", timeout=5_000)
        assert tooltip.inner_text() in listed[i], (tooltip.inner_text(), listed[i])
        assert tooltip.inner_text().startswith(("SD ", "SMP ", "SMA "))
    page.screenshot(path=str(artifacts / "xss-schools.png"))
    assert_clean(page, "schools list and tooltips")


def test_suggestions_and_trip(page: Any, xss_server: LiveServer, artifacts: Path) -> None:
    open_hostile_map(page, xss_server)
    page.click("[data-tab=trip]")
    for query, expected in (
        ("Pelangi", [s[1] for s in h.SCHOOLS]),
        ("Mawar", [h.ROW_STREETS[1]]),
        ("Barat", [h.KELURAHAN_WEST]),
        ("Tengah", [h.KECAMATAN]),
        ("Terminal", [h.ORIGIN]),
        ("Pasar", [h.DESTINATION]),
    ):
        page.fill("#trip-from", query)
        for text in expected:
            page.locator("#trip-from-suggest li", has_text=text).first.wait_for(timeout=10_000)
        shows(page, "#trip-from-suggest", *expected)
        assert_clean(page, f"suggestions for {query}")
    page.fill("#trip-from", "")
    for col in (1, 11):
        go_to(page, *h.HostileCity.at(col, 1), zoom=16)
        tap_centre(page)
    page.wait_for_selector("body[data-trip=done]", timeout=30_000)
    assert page.locator("#trip-results li").count() >= 1, page.locator("#trip-status").inner_text()
    shows(page, "#trip-results li .chip", h.ROUTE_CODE)
    shows(page, "#trip-steps", h.ROUTE_CODE, h.ROUTE_NAME, h.DESTINATION, h.ROW_STREETS[1])
    page.screenshot(path=str(artifacts / "xss-trip.png"))
    assert_clean(page, "trip cards and steps")


def test_map_labels_show_names_as_text(page: Any, xss_server: LiveServer, artifacts: Path) -> None:
    """Kecamatan, kelurahan and street names drawn on the map are text, literally."""
    open_hostile_map(page, xss_server)
    labels = "(cls) => [...document.querySelectorAll(`.map-label-${cls}`)].map((n) => n.innerText)"
    centre = h.HostileCity.at(6, 1)
    go_to(page, *centre, zoom=13)
    wait_until(page, "document.querySelectorAll('.map-label-kecamatan').length > 0")
    assert page.evaluate(labels, "kecamatan") == [h.KECAMATAN]
    assert_clean(page, "kecamatan label")
    go_to(page, *centre, zoom=15)
    wait_until(page, "document.querySelectorAll('.map-label-kelurahan').length > 1")
    assert set(page.evaluate(labels, "kelurahan")) == {h.KELURAHAN_WEST, h.KELURAHAN_EAST}
    go_to(page, *centre, zoom=17)
    wait_until(page, "document.querySelectorAll('.map-label-roads').length > 0", 20)
    roads = api(xss_server, f"/cities/{h.SLUG}/collections/roads/items?limit=1000")["features"]
    streets = {f["properties"]["name"] for f in roads}
    shown = page.evaluate(labels, "roads")
    assert set(shown) <= streets, shown
    page.screenshot(path=str(artifacts / "xss-labels.png"))
    assert set(shown) & set(h.ROW_STREETS), shown  # the streets along the rows in view
    assert_clean(page, "street labels")
