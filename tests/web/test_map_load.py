"""The citizens' map's first load in chromium, at a desktop and a phone viewport: what crosses the
wire (≤ 400 KB compressed, every text answer compressed, no whole-layer downloads), no console
errors; the schools come as vector tiles (counts per cell at low zooms), roads at street zoom."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from shapely.geometry import shape

from tests.conftest import LiveServer
from tests.web.conftest import api, go_to, open_map, tap_centre, wait_until, watch

pytestmark = [pytest.mark.browser, pytest.mark.postgis, pytest.mark.slow]

BUDGET_BYTES = 400 * 1024
MOST_POINT_FEATURES = 10  # the most features of a point layer one items request may ask for
VIEWPORTS = {
    "desktop": {"viewport": {"width": 1366, "height": 800}},
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
}
TEXT_TYPES = ("text/", "application/javascript", "application/json", "application/geo+json")


@dataclass
class Wire:
    """Every response of a page as the network saw it (Chrome DevTools Protocol)."""

    urls: dict[str, str] = field(default_factory=dict)
    types: dict[str, str] = field(default_factory=dict)
    encodings: dict[str, str] = field(default_factory=dict)
    bodies: dict[str, int] = field(default_factory=dict)
    sizes: dict[str, int] = field(default_factory=dict)  # bytes received, headers included
    failed: list[str] = field(default_factory=list)

    @property
    def pending(self) -> set[str]:
        return set(self.urls) - set(self.sizes) - set(self.failed)

    @property
    def total(self) -> int:
        return sum(self.sizes.values())

    def responses(self) -> list[tuple[str, str, str, int]]:
        """(url, content type, content encoding, bytes on the wire) of every finished response."""
        return [
            (self.urls[r], self.types.get(r, ""), self.encodings.get(r, ""), self.sizes[r])
            for r in self.sizes
        ]


def fresh_page(browser: Any, kind: str) -> tuple[Any, Any, Wire]:
    """A new context (empty cache, caching off) whose page records its traffic in a Wire."""
    context = browser.new_context(**VIEWPORTS[kind])
    page = watch(context.new_page())
    page.console_errors = []
    page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    wire = Wire()

    def on_request(e: dict[str, Any]) -> None:
        wire.urls[e["requestId"]] = e["request"]["url"]

    def on_response(e: dict[str, Any]) -> None:
        headers = {k.lower(): v for k, v in e["response"]["headers"].items()}
        wire.types[e["requestId"]] = headers.get("content-type", "")
        wire.encodings[e["requestId"]] = headers.get("content-encoding", "")

    def on_finished(e: dict[str, Any]) -> None:
        wire.sizes[e["requestId"]] = int(e["encodedDataLength"])

    def on_data(e: dict[str, Any]) -> None:
        wire.bodies[e["requestId"]] = wire.bodies.get(e["requestId"], 0) + int(e["dataLength"])

    cdp.on("Network.requestWillBeSent", on_request)
    cdp.on("Network.responseReceived", on_response)
    cdp.on("Network.dataReceived", on_data)
    cdp.on("Network.loadingFinished", on_finished)
    cdp.on("Network.loadingFailed", lambda e: wire.failed.append(e["requestId"]))
    return context, page, wire


def settle(page: Any, wire: Wire, timeout_s: float = 30.0) -> None:
    """Wait until the page asks for nothing more (every request it made has finished)."""
    deadline = time.monotonic() + timeout_s
    page.wait_for_load_state("networkidle")
    while wire.pending:
        if time.monotonic() > deadline:
            raise AssertionError(f"still loading: {[wire.urls[r] for r in wire.pending]}")
        page.wait_for_timeout(100)  # lets the protocol's events in
        page.wait_for_load_state("networkidle")


def items_requests(wire: Wire, layer: str) -> list[dict[str, list[str]]]:
    """The query parameters of every items request of ``layer``."""
    return [
        parse_qs(urlsplit(url).query)
        for url in wire.urls.values()
        if urlsplit(url).path.endswith(f"/collections/{layer}/items")
    ]


@pytest.mark.parametrize("kind", ["desktop", "phone"])
def test_first_load_fits_the_budget(
    browser: Any, demo_server: LiveServer, artifacts: Path, kind: str
) -> None:
    context, page, wire = fresh_page(browser, kind)
    open_map(page, demo_server)
    settle(page, wire)
    page.screenshot(path=str(artifacts / f"map-start-{kind}.png"))
    responses = wire.responses()
    total = wire.total
    print(f"\nfirst load ({kind}): {total / 1024:.1f} KB in {len(responses)} responses")
    for url, _type, encoding, size in sorted(responses, key=lambda r: -r[3])[:8]:
        print(f"  {size / 1024:7.1f} KB {encoding or '-':4} {urlsplit(url).path}")
    assert wire.failed == []
    assert total <= BUDGET_BYTES, f"{total} bytes"
    # every text answer big enough to gain from it crossed the wire compressed
    plain = [
        url
        for rid, url in wire.urls.items()
        if wire.types.get(rid, "").startswith(TEXT_TYPES)
        and wire.bodies.get(rid, 0) > 1024
        and wire.encodings.get(rid) not in ("br", "gzip")
    ]
    assert plain == []
    paths = {urlsplit(url).path for url in wire.urls.values()}
    assert "/vendor/leaflet/leaflet.js" in paths  # Leaflet's minified build
    assert not any(p.endswith(("leaflet-src.js", "leaflet-src.esm.js")) for p in paths)
    # the "Ajukan" forms come with their first opening
    assert not any(p.startswith(("/js/ajukan/", "/js/izin/", "/vendor/qrcode")) for p in paths)
    assert page.errors == []
    assert page.console_errors == []
    context.close()


@pytest.mark.parametrize("kind", ["desktop", "phone"])
def test_no_whole_layer_downloads_at_start(
    browser: Any, demo_server: LiveServer, kind: str
) -> None:
    """Point layers (up to 200,000 features) come as vector tiles; a layer switched off is not
    loaded until it is switched on."""
    context, page, wire = fresh_page(browser, kind)
    open_map(page, demo_server)
    settle(page, wire)
    collections = api(demo_server, "/cities/tangerang/collections")["collections"]
    points = [c["id"] for c in collections if c["geometryType"] in ("Point", "MultiPoint")]
    assert "schools" in points
    for layer in points:
        for query in items_requests(wire, layer):
            assert int(query["limit"][0]) <= MOST_POINT_FEATURES, (layer, query)
    tiles = [u for u in wire.urls.values() if "/collections/schools/tiles/WebMercatorQuad/" in u]
    assert tiles
    # at the whole-city zoom of a phone the tiles hold counts per grid cell (below zoom 12)
    zooms = {int(urlsplit(u).path.split("/")[-3]) for u in tiles}
    if kind == "phone":
        assert max(zooms) < 12, zooms
    assert page.locator(".cluster").count() > 0
    # the school count of the layer switcher comes from numberMatched, not from the features
    assert page.locator("label[for=layer-schools]").inner_text().endswith("(900)")
    off = [c["id"] for c in collections if page.locator(f"#layer-{c['id']}").is_checked() is False]
    assert "parcels" in off
    for layer in off:
        assert items_requests(wire, layer) == [], layer
    page.check("#layer-zoning")
    page.wait_for_selector("body[data-busy=false]")
    settle(page, wire)
    assert len(items_requests(wire, "zoning")) >= 1
    assert page.locator("label[for=layer-zoning] .hint").count() == 1  # its count, once loaded
    assert page.errors == []
    assert page.console_errors == []
    context.close()


def test_roads_and_schools_at_street_zoom(browser: Any, demo_server: LiveServer) -> None:
    """Zoomed in: the road tiles (compressed) and the schools themselves, from the tiles."""
    context, page, wire = fresh_page(browser, "desktop")
    open_map(page, demo_server)
    settle(page, wire)
    assert not any("/collections/roads/tiles/" in u for u in wire.urls.values())
    assert page.locator(".leaflet-roads-pane canvas.leaflet-tile").count() == 0
    go_to(page, 106.6300, -6.1780, zoom=15)
    settle(page, wire)
    roads = [rid for rid, u in wire.urls.items() if "/roads/tiles/WebMercatorQuad/15/" in u]
    assert roads
    big = [rid for rid in roads if wire.bodies.get(rid, 0) > 1024]
    assert big
    assert all(wire.encodings.get(rid) in ("br", "gzip") for rid in big)
    assert page.locator(".leaflet-roads-pane canvas.leaflet-tile").count() > 0
    wait_until(page, "document.querySelectorAll('path.schools-marker').length > 0")
    school_tiles = [u for u in wire.urls.values() if "/collections/schools/tiles/" in u]
    assert any("/WebMercatorQuad/15/" in u for u in school_tiles)
    # a school from a tile opens its popup: its own fields, none of the clustering's
    page.locator("path.schools-marker").first.dispatch_event("click")
    popup = page.locator(".leaflet-popup-content", has_text="NPSN")
    popup.wait_for(timeout=5_000)
    fields = popup.locator("th").all_inner_texts()
    assert "Jenjang" in fields
    assert not {"n", "count", "cell", "cluster"} & {f.strip().lower() for f in fields}
    assert page.errors == []
    assert page.console_errors == []
    context.close()


def test_parcels_come_as_tiles_and_open_on_tap(browser: Any, demo_server: LiveServer) -> None:
    """#10 §6: a layer that can be large (the permit parcels) is never downloaded whole when it
    is switched on: vector tiles of the view, its count from one feature's numberMatched, and a
    tap on a parcel opens its popup from the tile's own properties."""
    parcel = api(demo_server, "/cities/tangerang/collections/parcels/items?limit=1")["features"][0]
    at = shape(parcel["geometry"]).representative_point()
    context, page, wire = fresh_page(browser, "desktop")
    open_map(page, demo_server)
    settle(page, wire)
    go_to(page, at.x, at.y, zoom=17)
    page.check("#layer-parcels")
    settle(page, wire)
    tiles = [u for u in wire.urls.values() if "/collections/parcels/tiles/WebMercatorQuad/17/" in u]
    assert tiles
    assert [q["limit"] for q in items_requests(wire, "parcels")] == [["1"]]
    total = api(demo_server, "/cities/tangerang/collections/parcels/items?limit=1")["numberMatched"]
    assert page.locator("label[for=layer-parcels]").inner_text().endswith(f"({total})")
    tap_centre(page)
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for(timeout=5_000)
    assert parcel["properties"]["code"] in popup.inner_text()
    assert parcel["properties"]["name"] in popup.inner_text()
    page.locator(".leaflet-popup-close-button").click()
    # switched off, a tap there opens no parcel
    page.uncheck("#layer-parcels")
    tap_centre(page)
    page.wait_for_timeout(500)
    assert parcel["properties"]["code"] not in (
        popup.inner_text() if page.locator(".leaflet-popup-content").count() else ""
    )
    assert page.errors == []
    assert page.console_errors == []
    context.close()
