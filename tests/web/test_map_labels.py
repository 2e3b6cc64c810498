"""Street and place names on the citizens' map (issue #10 §2): kecamatan names at city zoom,
kelurahan and street names closer in, from the city's own layers; text that never overlaps,
never takes a tap, and a scale bar beside them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import LiveServer
from tests.web.conftest import api, go_to, open_map, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.postgis, pytest.mark.slow]

CENTRE = (106.6300, -6.1780)

# the boxes of the shown labels' text, as the browser laid them out
_BOXES = """(cls) => [...document.querySelectorAll(`.map-label-${cls} > span`)].map((s) => {
  const r = s.getBoundingClientRect();
  return { text: s.textContent, left: r.left, right: r.right, top: r.top, bottom: r.bottom };
})"""


def label_boxes(page: Any, cls: str) -> list[dict[str, Any]]:
    return list(page.evaluate(_BOXES, cls))


def names(server: LiveServer, layer: str, bbox: str = "") -> set[str]:
    query = f"&bbox={bbox}" if bbox else ""
    limit = 10_000 if layer == "roads" else 2_000  # the layers' maxLimit
    features = api(server, f"/cities/tangerang/collections/{layer}/items?limit={limit}{query}")[
        "features"
    ]
    return {f["properties"]["name"] for f in features if f["properties"].get("name")}


def assert_apart(boxes: list[dict[str, Any]]) -> None:
    """No two label boxes overlap (a pixel of rounding allowed)."""
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            apart = (
                a["right"] <= b["left"] + 1
                or b["right"] <= a["left"] + 1
                or a["bottom"] <= b["top"] + 1
                or b["bottom"] <= a["top"] + 1
            )
            assert apart, (a, b)


def test_place_and_street_labels_by_zoom(
    page: Any, demo_server: LiveServer, artifacts: Path
) -> None:
    console: list[str] = []
    page.on("console", lambda m: m.type == "error" and console.append(m.text))
    open_map(page, demo_server)
    kecamatan = names(demo_server, "kecamatan")
    kelurahan = names(demo_server, "kelurahan")
    # the city: kecamatan names, no streets
    go_to(page, *CENTRE, zoom=12)
    wait_until(page, "document.querySelectorAll('.map-label-kecamatan').length > 0")
    shown = label_boxes(page, "kecamatan")
    texts = [b["text"] for b in shown]
    assert set(texts) <= kecamatan
    assert len(set(texts)) == len(texts), texts
    assert len(texts) >= len(kecamatan) // 2, (texts, kecamatan)
    assert label_boxes(page, "roads") == []
    all_boxes = shown + label_boxes(page, "kelurahan")
    assert_apart(all_boxes)
    # a scale bar in metres
    assert page.locator(".leaflet-control-scale-line").first.inner_text().endswith(("m", "km"))
    # a label takes no tap: what lies under its middle is the map, not the label
    hit = page.evaluate(
        """() => { const s = document.querySelector('.map-label-kecamatan > span');
          const r = s.getBoundingClientRect();
          const under = document.elementFromPoint((r.left + r.right) / 2, (r.top + r.bottom) / 2);
          return under.closest('.map-labels') === null && getComputedStyle(s).pointerEvents; }"""
    )
    assert hit == "none"
    page.screenshot(path=str(artifacts / "map-labels-z12.png"))
    # a neighbourhood: kelurahan names instead of kecamatan
    go_to(page, *CENTRE, zoom=14)
    wait_until(page, "document.querySelectorAll('.map-label-kelurahan').length > 0")
    assert {b["text"] for b in label_boxes(page, "kelurahan")} <= kelurahan
    assert label_boxes(page, "kecamatan") == []
    # the street: names of the roads there, along them, none over another
    go_to(page, *CENTRE, zoom=16)
    wait_until(page, "document.querySelectorAll('.map-label-roads').length > 0", 20)
    lon, lat = CENTRE
    near = names(demo_server, "roads", f"{lon - 0.03},{lat - 0.02},{lon + 0.03},{lat + 0.02}")
    streets = label_boxes(page, "roads")
    assert {b["text"] for b in streets} <= near
    assert_apart(streets + label_boxes(page, "kelurahan"))
    page.screenshot(path=str(artifacts / "map-labels-z16.png"))
    # the labels follow the roads layer
    page.uncheck("#layer-roads")
    wait_until(page, "document.querySelectorAll('.map-label-roads').length === 0")
    page.check("#layer-roads")
    wait_until(page, "document.querySelectorAll('.map-label-roads').length > 0", 20)
    assert page.errors == []
    assert console == []


def test_legend_names_routes_and_popups_name_areas(page: Any, demo_server: LiveServer) -> None:
    """The legend gives each route's name beside its code; a kelurahan's popup names its
    kecamatan ("Kec. …") instead of showing the code."""
    open_map(page, demo_server)
    routes = api(demo_server, "/cities/tangerang/collections/angkot_routes/items?limit=100")
    legend = page.locator("#route-legend").inner_text()
    for f in routes["features"]:
        assert f["properties"]["name"] in legend, f["properties"]["name"]
    kelurahan = api(demo_server, "/cities/tangerang/collections/kelurahan/items?limit=2000")
    kecamatan = api(demo_server, "/cities/tangerang/collections/kecamatan/items?limit=2000")
    baru = next(f for f in kelurahan["features"] if f["properties"]["name"] == "Cibodas Baru")
    parent_code = baru["properties"]["parent_code"]
    parent = next(f for f in kecamatan["features"] if f["properties"]["code"] == parent_code)
    page.fill("#place-search", "cibodas baru")
    page.locator("#place-search-suggest li", has_text="Cibodas Baru").first.click()
    popup = page.locator(".leaflet-popup-content", has_text="Cibodas Baru")
    popup.wait_for(timeout=10_000)
    text = popup.inner_text()
    assert f"Kec. {parent['properties']['name']}" in text
    # no row shows the parent's bare code (the kelurahan's own code starts with it)
    assert not any(line.split("\t")[-1] == parent_code for line in text.splitlines()), text
    assert page.errors == []
