"""The trip planner in chromium, desktop and phone: never the wrong trip, the trip standing out
over faded layers, the keyboard in the place boxes, an older answer never replacing a newer one."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import LiveServer
from tests.web.conftest import api, go_to, open_map, tap_centre, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.postgis, pytest.mark.slow]

VIEWPORTS = {"desktop": (1366, 800), "phone": (390, 844)}


@pytest.fixture(params=list(VIEWPORTS))
def view(request: Any, browser: Any) -> Any:
    """A watched page at the desktop or the phone viewport."""
    width, height = VIEWPORTS[request.param]
    phone = request.param == "phone"
    context = browser.new_context(
        viewport={"width": width, "height": height}, is_mobile=phone, has_touch=phone
    )
    page = context.new_page()
    page.viewport_name = request.param
    yield page
    context.close()


def route_points(server: LiveServer) -> tuple[tuple[float, float], tuple[float, float]]:
    fc = api(server, "/cities/tangerang/collections/angkot_routes/items?limit=1")
    coords = fc["features"][0]["geometry"]["coordinates"]
    return tuple(coords[len(coords) // 5]), tuple(coords[4 * len(coords) // 5])  # type: ignore[return-value]


def tap_both_ends(page: Any, server: LiveServer) -> None:
    """On the trip tab, tap A then B on one route (the second tap plans the trip)."""
    (lon_a, lat_a), (lon_b, lat_b) = route_points(server)
    page.click("[data-tab=trip]")
    go_to(page, lon_a, lat_a)
    tap_centre(page)
    go_to(page, lon_b, lat_b)
    tap_centre(page)


def plan_by_taps(page: Any, server: LiveServer) -> None:
    tap_both_ends(page, server)
    page.wait_for_selector("body[data-trip=done]", timeout=20_000)
    page.locator("#trip-results li").first.wait_for(timeout=10_000)


def inside(inner: dict[str, float], outer: dict[str, float]) -> bool:
    return (
        outer["x"] - 1 <= inner["x"]
        and inner["x"] + inner["width"] <= outer["x"] + outer["width"] + 1
        and outer["y"] - 1 <= inner["y"]
        and inner["y"] + inner["height"] <= outer["y"] + outer["height"] + 1
    )


def visible_map(page: Any) -> dict[str, float]:
    """The part of the map the panel does not cover (above the sheet on a phone)."""
    box = page.locator("#map").bounding_box()
    if page.viewport_name == "phone":
        top = page.locator("#panel").bounding_box()["y"]
        box = {**box, "height": top - box["y"]}
    return box


def test_typed_end_is_resolved_never_the_old_trip(
    view: Any, demo_server: LiveServer, artifacts: Path
) -> None:
    page = view
    open_map(page, demo_server)
    plan_by_taps(page, demo_server)
    assert page.locator("#trip-results li").count() >= 1
    # typing a new destination clears the shown trip at once
    page.fill("#trip-to", "Cibodas")
    assert page.locator("#trip-results li").count() == 0
    assert page.locator("#trip-steps li").count() == 0
    assert page.locator(".pin-to").count() == 0
    page.click("#trip-go")  # with the list maybe open: it must not cover the button
    page.wait_for_selector("body[data-trip=done]", timeout=20_000)
    wait_until(page, "document.getElementById('trip-to').value.includes('(')")
    understood = page.input_value("#trip-to")
    assert understood.startswith("Cibodas"), understood
    assert "(Kecamatan)" in understood or "(Kelurahan)" in understood, understood
    assert "Dipahami" in page.locator("#trip-status").inner_text()
    # A and B are shown whatever the answer
    assert page.locator(".pin-from").count() == 1
    assert page.locator(".pin-to").count() == 1
    # text that is no place: the button asks to pick, no trip is shown
    page.fill("#trip-to", "qqzzxx tidak ada")
    page.click("#trip-go")  # with the list maybe open: it must not cover the button
    page.wait_for_selector("body[data-trip=done]", timeout=20_000)
    assert "Pilih tempat" in page.locator("#trip-status").inner_text()
    assert page.locator("#trip-results li").count() == 0
    page.screenshot(path=str(artifacts / f"trip-resolved-{page.viewport_name}.png"))
    assert page.errors == []


def test_trip_stands_out_over_faded_layers(
    view: Any, demo_server: LiveServer, artifacts: Path
) -> None:
    page = view
    open_map(page, demo_server)
    assert page.evaluate("document.getElementById('map').classList.contains('map-focus')") is False
    plan_by_taps(page, demo_server)
    page.wait_for_timeout(500)  # the fit animation
    assert page.evaluate("document.getElementById('map').classList.contains('map-focus')")
    opacity = page.evaluate(
        "Number(getComputedStyle(document.querySelector('.leaflet-routes-pane')).opacity)"
    )
    assert opacity < 0.5
    # the ride with a dark casing under its colour, walking dashed
    assert page.locator(".leaflet-trip-pane .trip-casing").count() >= 2
    assert page.locator(".leaflet-trip-pane .trip-ride").count() >= 1
    walk = page.locator(".leaflet-trip-pane .trip-walk")
    if walk.count():
        assert walk.first.get_attribute("stroke-dasharray")
    # boarding and alighting points named by their street
    labels = page.locator(".stop-label")
    assert labels.count() >= 2
    text = " ".join(labels.nth(i).inner_text() for i in range(labels.count()))
    assert "Naik di" in text
    assert "Turun di" in text
    # the map fits the trip: A, B and the stops lie in the part of the map left visible
    area = visible_map(page)
    for selector in (".pin-from", ".pin-to", ".trip-stop"):
        box = page.locator(selector).first.bounding_box()
        assert box, selector
        assert inside(box, area), selector
    page.screenshot(path=str(artifacts / f"trip-emphasis-{page.viewport_name}.png"))
    # "angkot lewat sini": the same emphasis
    page.click("[data-tab=layers]")
    assert page.evaluate("document.getElementById('map').classList.contains('map-focus')") is False
    assert page.errors == []


def test_keyboard_in_the_place_box(view: Any, demo_server: LiveServer) -> None:
    page = view
    open_map(page, demo_server)
    page.click("[data-tab=trip]")
    box = page.locator("#trip-from")
    assert box.get_attribute("role") == "combobox"
    box.click()
    box.type("Karawaci")
    options = page.locator("#trip-from-suggest [role=option]")
    options.first.wait_for(timeout=10_000)
    assert page.locator("#trip-from-suggest").get_attribute("role") == "listbox"
    assert box.get_attribute("aria-expanded") == "true"
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    second = options.nth(1) if options.count() > 1 else options.first
    assert second.get_attribute("aria-selected") == "true"
    assert box.get_attribute("aria-activedescendant") == second.get_attribute("id")
    name = second.evaluate("li => li.firstChild.textContent")
    page.keyboard.press("Enter")
    assert box.input_value() == name
    assert options.count() == 0
    assert box.get_attribute("aria-expanded") == "false"
    assert page.locator(".pin-from").count() == 1
    # Esc closes the list, and the list never covers the button
    page.fill("#trip-to", "Cibodas")
    page.locator("#trip-to-suggest [role=option]").first.wait_for(timeout=10_000)
    go = page.locator("#trip-go").bounding_box()
    shown = page.locator("#trip-to-suggest").bounding_box()  # the list scrolls inside its box
    assert shown["y"] + shown["height"] <= go["y"] or shown["y"] >= go["y"] + go["height"]
    page.keyboard.press("Escape")
    assert page.locator("#trip-to-suggest li").count() == 0
    assert page.errors == []


def test_older_answer_never_replaces_newer(view: Any, demo_server: LiveServer) -> None:
    """Schools filters: the answer to "swasta" held back until "negeri" is shown."""
    page = view
    city = api(demo_server, "/cities/tangerang")
    held: list[Any] = []

    def hold_swasta(route: Any) -> None:
        if "status=swasta" in route.request.url:
            held.append(route)
        else:
            route.continue_()

    page.route("**/schools/**", hold_swasta)
    open_map(page, demo_server)
    page.click("[data-tab=schools]")
    lon, lat = city["center"]
    go_to(page, lon, lat, 15)
    tap_centre(page)
    page.wait_for_selector("body[data-schools=done]", timeout=20_000)
    page.select_option("#school-status", "swasta")
    wait_until(page, "document.body.dataset.schools === 'loading'")
    page.select_option("#school-status", "negeri")
    page.wait_for_selector("body[data-schools=done]", timeout=20_000)
    tags = page.locator("#school-results li .tag")
    assert page.locator("#school-results li").count() > 0
    negeri = {tags.nth(i).inner_text() for i in range(tags.count())}
    assert "Swasta" not in negeri
    # the older request ends now: aborted or answered, it must change nothing
    assert held
    for route in held:
        with contextlib.suppress(Exception):  # the page may have aborted it already
            route.continue_()
    page.wait_for_timeout(500)
    after = {tags.nth(i).inner_text() for i in range(tags.count())}
    assert after == negeri
    assert page.locator("#school-results li").count() > 0
    assert page.errors == []


def test_new_trip_keys_shown_when_present(page: Any, demo_server: LiveServer) -> None:
    """Optional keys of the trip answer (vehicle, wait_s, arrive_at) are shown when present."""

    def with_brt(route: Any) -> None:
        response = route.fetch()
        body = response.json()
        for it in body.get("itineraries", []):
            it["arrive_at"] = "2026-12-02T08:45:00+07:00"
            for leg in it["legs"]:
                if leg.get("route"):
                    leg["vehicle"] = "brt"  # the answer's key (geo/transit/modes.py)
                    leg["wait_s"] = 300
        route.fulfill(response=response, body=json.dumps(body))

    page.route("**/trips?**", with_brt)
    open_map(page, demo_server)
    page.set_viewport_size({"width": 1366, "height": 800})
    page.page_viewport = "desktop"
    page.viewport_name = "desktop"
    plan_by_taps(page, demo_server)
    card = page.locator("#trip-results li").first.inner_text()
    assert "tunggu" in card
    assert "tiba" in card
    steps = page.locator("#trip-steps").inner_text()
    assert "Naik BRT" in steps
    assert page.errors == []


def test_older_trip_answer_never_replaces_newer(view: Any, demo_server: LiveServer) -> None:
    """The first trip's answer held back while the destination changes and a new trip is shown."""
    page = view
    held: list[Any] = []

    def hold_first(route: Any) -> None:
        if not held:
            held.append(route)
        else:
            route.continue_()

    page.route("**/trips?**", hold_first)
    open_map(page, demo_server)
    tap_both_ends(page, demo_server)
    wait_until(page, "document.body.dataset.trip === 'loading'")
    assert held
    page.fill("#trip-to", "Karawaci")
    page.click("#trip-go")
    page.wait_for_selector("body[data-trip=done]", timeout=20_000)
    wait_until(page, "document.getElementById('trip-to').value.includes('(')")
    shown = page.locator("#trip-status").inner_text()
    cards = page.locator("#trip-results").inner_text()
    assert "Karawaci" in shown
    with contextlib.suppress(Exception):  # aborted when the destination changed
        held[0].continue_()
    page.wait_for_timeout(500)
    assert page.locator("#trip-status").inner_text() == shown
    assert page.locator("#trip-results").inner_text() == cards
    assert page.errors == []
