"""The kecamatan report in chromium with the network off: Leaflet draws the map from the file;
names from the data show as text; served by the app, it runs under its own CSP."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.accounts import ANONYMOUS
from geo.analysis import area_report
from geo.cities import get_city
from geo.store.db import make_engine, session_scope
from layers.reports import render_report
from layers.reports.mapping import BOUNDARY, ROADS
from tests.conftest import LiveServer
from tests.web import hostile as h
from tests.web.conftest import csp_violations, watch

pytestmark = [pytest.mark.browser, pytest.mark.postgis]


def first_kecamatan(server: LiveServer) -> tuple[str, int]:
    """The code of the demo city's first kecamatan and how many kelurahan it has."""
    engine = make_engine(server.db_url, pool_size=1)
    try:
        with session_scope(engine) as session:
            row = session.execute(
                text(
                    "SELECT k.code, (SELECT count(*) FROM admin_area l WHERE l.city_id = k.city_id"
                    " AND l.level = 'kelurahan' AND l.parent_code = k.code) AS n"
                    " FROM admin_area k JOIN city c ON c.id = k.city_id"
                    " WHERE c.slug = 'tangerang' AND k.level = 'kecamatan' ORDER BY k.code LIMIT 1"
                )
            ).one()
            return str(row.code), int(row.n)
    finally:
        engine.dispose()


class Offline:
    """A browser context with the network off; every request that is not a file is aborted
    (and counted), and failed requests are kept."""

    def __init__(self, browser: Any) -> None:
        self.context = browser.new_context(viewport={"width": 1000, "height": 1200})
        self.context.set_offline(True)
        self.requests: list[str] = []
        self.failed: list[str] = []
        self.aborted: list[str] = []

        def route(r: Any) -> None:
            if r.request.url.startswith(("file:", "data:")):
                r.continue_()
            else:
                self.aborted.append(r.request.url)
                r.abort()

        self.context.route("**/*", route)
        self.page = watch(self.context.new_page())
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("requestfailed", lambda r: self.failed.append(r.url))

    def open(self, path: Path) -> Any:
        self.page.goto(path.as_uri())
        self.page.wait_for_selector(".leaflet-overlay-pane path", timeout=10_000)
        return self.page


@pytest.fixture
def offline(browser: Any) -> Iterator[Offline]:
    context = Offline(browser)
    yield context
    context.context.close()


def test_the_kecamatan_report_draws_offline(
    offline: Offline, demo_server: LiveServer, tmp_path: Path, artifacts: Path
) -> None:
    code, kelurahan = first_kecamatan(demo_server)
    response = httpx.get(f"{demo_server.url}/cities/tangerang/reports/kecamatan/{code}.html")
    assert response.status_code == 200, response.text
    path = tmp_path / f"laporan-kecamatan-{code}.html"
    path.write_bytes(response.content)
    (artifacts / "laporan-kecamatan-demo.html").write_bytes(response.content)
    page = offline.open(path)
    assert page.locator(".leaflet-map-pane").count() == 1
    assert page.locator(".leaflet-overlay-pane").count() == 1
    paths = page.locator(".leaflet-overlay-pane path")
    # the kelurahan, the boundary, the routes and the schools are all drawn
    assert paths.count() >= kelurahan + 1
    assert page.locator(f'.leaflet-overlay-pane path[stroke="{BOUNDARY}"]').count() == 1
    assert page.locator(f'.leaflet-overlay-pane path[stroke="{ROADS}"]').count() == 1  # streets
    box = page.locator(f'.leaflet-overlay-pane path[stroke="{BOUNDARY}"]').bounding_box()
    assert box["width"] > 200 or box["height"] > 200  # fitted to the area, not a dot
    assert page.locator(".leaflet-control-scale").count() == 1
    assert page.locator("h1").inner_text().startswith("Laporan Kecamatan ")
    assert page.locator("table.summary tr").count() >= 8
    assert offline.failed == []
    assert offline.aborted == []
    assert all(u.startswith(("file:", "data:")) for u in offline.requests), offline.requests
    assert page.errors == []
    assert csp_violations(page) == []  # the file's own meta policy lets everything it has run
    page.screenshot(path=str(artifacts / "report-kecamatan-offline.png"), full_page=True)
    # printed: the map keeps its drawing and its A4 height
    page.emulate_media(media="print")
    page.wait_for_timeout(200)
    height = page.locator(".peta").bounding_box()["height"]
    assert 380 < height < 420  # 105 mm at 96 dpi
    assert page.locator(".leaflet-control-zoom").is_hidden()
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF")


def test_hostile_names_show_as_text(
    offline: Offline, db: Session, tmp_path: Path, artifacts: Path
) -> None:
    city = h.build_hostile_city(db, tmp_path)
    report = area_report(db, ANONYMOUS, get_city(db, city.slug), "kecamatan", "99.01.01")
    path = tmp_path / "laporan-xss.html"
    path.write_text(render_report(report), encoding="utf-8")
    page = offline.open(path)
    page.wait_for_timeout(300)
    assert page.locator("img").count() == 0
    assert page.locator("main script, main svg[onload]").count() == 0
    assert page.evaluate("window.__xss") is None
    assert page.title() != "XSS-FIRED"
    assert page.dialogs == []
    assert h.SCHOOLS[0][1] in page.locator("main table").last.inner_text()
    assert h.KELURAHAN_WEST in page.locator("main").inner_text()
    # a school's tooltip is its name as text
    school = page.locator('.leaflet-overlay-pane path[fill="#d73027"], path[fill="#1a9850"]')
    assert school.count() == len(h.SCHOOLS)
    for i in range(school.count()):
        school.nth(i).hover(force=True)
        page.wait_for_timeout(100)
        tooltip = page.locator(".leaflet-tooltip")
        if tooltip.count() and "Pelangi" in tooltip.first.inner_text():
            break
    tooltip = page.locator(".leaflet-tooltip").first
    assert "Pelangi <" in tooltip.inner_text()
    assert tooltip.locator("img, script, svg, b, i, u").count() == 0
    assert page.evaluate("window.__xss") is None
    assert page.errors == []
    assert offline.failed == []
    page.screenshot(path=str(artifacts / "report-xss.png"), full_page=True)


def test_the_served_report_runs_under_its_csp(page: Any, demo_server: LiveServer) -> None:
    """Opened from the server (as staff open it from the workspace): the response's own
    policy (hashes of its inline scripts and styles) lets the map draw, with no violation."""
    code, _ = first_kecamatan(demo_server)
    watch(page)
    page.goto(f"{demo_server.url}/cities/tangerang/reports/kecamatan/{code}.html")
    page.wait_for_selector(".leaflet-overlay-pane path", timeout=10_000)
    assert page.locator(f'.leaflet-overlay-pane path[stroke="{BOUNDARY}"]').count() == 1
    assert page.errors == []
    assert csp_violations(page) == []
