"""Saran angkutan in chromium on a phone (390×844): an anonymous citizen suggests a route from
here to there as a line on the map, with no documents and no contact, gets the code, tracks it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import LiveServer
from tests.web.conftest import api, go_to, open_map, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.postgis, pytest.mark.slow]
PHONE = {"width": 390, "height": 844}
NOTE = "Butuh angkot dari perumahan ke pasar, sekarang harus jalan 2 km"


def _kelurahan_point(server: LiveServer, index: int) -> tuple[float, float]:
    fc = api(server, f"/cities/tangerang/collections/kelurahan/items?limit=1&offset={index}")
    from shapely.geometry import shape

    point = shape(fc["features"][0]["geometry"]).representative_point()
    return point.x, point.y


def test_an_anonymous_citizen_suggests_a_line_and_tracks_it(
    page: Any, demo_server: LiveServer, artifacts: Path
) -> None:
    lon, lat = _kelurahan_point(demo_server, 5)
    page.set_viewport_size(PHONE)
    open_map(page, demo_server)
    go_to(page, lon, lat, 15)
    page.click("#ajukan-open")
    page.wait_for_selector(".service-card[data-type=saran_transport] [data-kind=butuh_trayek]")
    kinds = page.locator(".service-card[data-type=saran_transport] [data-kind]")
    assert kinds.count() == 4
    page.click(".service-card[data-type=saran_transport] [data-kind=butuh_trayek]")

    # a line: the + pin is where it starts; one tap on the map puts the destination
    page.wait_for_selector("#ajukan-shape-line[aria-pressed=true]", timeout=5_000)
    wait_until(page, "document.body.dataset.nearby === 'done'")
    assert page.locator("#ajukan-place-next").is_disabled()  # no destination yet
    assert page.locator("#ajukan-line-to").inner_text().startswith("Ketuk peta")
    box = page.locator("#map").bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.8, box["y"] + box["height"] * 0.15)
    wait_until(page, "document.body.dataset.nearbyTo === 'done'")
    page.wait_for_selector("#ajukan-place-next:not([disabled])", timeout=10_000)
    assert page.locator("#ajukan-line-to").inner_text().startswith("Tujuan: Kel. ")
    assert page.locator("#ajukan-pin-to").count() == 1
    assert page.locator("#map path.leaflet-interactive, #map path").count() >= 1  # the line
    page.screenshot(path=str(artifacts / "ajukan-saran-line-phone.png"))
    page.click("#ajukan-place-next")

    # the form: the note only (the contact may stay empty)
    page.wait_for_selector("#f-attrs-note", timeout=5_000)
    assert page.locator("#f-private-chair-nik").count() == 0
    assert page.locator("#f-contact-nik").count() == 0
    page.click("#ajukan-form-next")
    assert "Wajib diisi" in page.locator("#f-attrs-note-error").inner_text()
    assert page.locator(".field.invalid").count() == 1
    page.fill("#f-attrs-note", NOTE)
    page.click("#ajukan-form-next")

    # no documents to attach: straight to sending
    page.wait_for_selector("#ajukan-docs-hint", timeout=5_000)
    assert "tidak memerlukan dokumen" in page.locator("#ajukan-docs-hint").inner_text()
    assert page.locator("#ajukan-body input[type=file]").count() == 0
    page.click("#ajukan-send")
    page.wait_for_selector("#ajukan-code", timeout=20_000)
    code = page.locator("#ajukan-code").inner_text().strip()
    assert code.startswith("SRN-")
    page.screenshot(path=str(artifacts / "ajukan-saran-code-phone.png"))
    assert page.errors == []

    # the suggestion was stored as a line from the start pin to the tapped end
    engine = create_engine(demo_server.db_url)
    try:
        with engine.connect() as conn:
            row = conn.execute(
                text(
                    "SELECT GeometryType(r.geom) AS kind, ST_NPoints(r.geom) AS n, r.attrs,"
                    " r.opd_code, (SELECT count(*) FROM request_private p WHERE p.city_id ="
                    " r.city_id AND p.request_id = r.id) AS private"
                    " FROM service_request r WHERE r.code = :code"
                ),
                {"code": code},
            ).one()
    finally:
        engine.dispose()
    assert (row.kind, row.n, row.opd_code, row.private) == ("LINESTRING", 2, "DISHUB", 0)
    assert row.attrs == {"kind": "butuh_trayek", "note": NOTE}

    # tracking it, as for aid
    page.click("#ajukan-track-link")
    wait_until(page, "document.body.dataset.track === 'found'")
    assert page.locator("#track-type").inner_text() == "Saran angkutan umum"
    assert page.locator("#track-status").inner_text() == "Diterima"
    assert page.locator("#track-place").inner_text().startswith("Kel. ")
    assert page.locator("#track-timeline li").count() == 1
    assert page.errors == []


@pytest.fixture(autouse=True)
def _forget_suggestions(demo_server: LiveServer) -> Any:
    """The live database is shared by the browser tests (/kelola counts DISHUB's requests):
    the suggestions made here go again afterwards (their history goes with them)."""
    yield
    engine = create_engine(demo_server.db_url)
    try:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM service_request WHERE type = 'saran_transport'"))
    finally:
        engine.dispose()
