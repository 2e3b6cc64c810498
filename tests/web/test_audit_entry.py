"""The inspectorate's page (/audit) in chromium, second round: an inspector enters an audit site
on the map (a point, then an area drawn with Leaflet-Geoman; a bad budget is refused with the
field named and nothing written), and issues an audit's surat tugas naming inspectors from the
city's list. With the demo city's 150 audit sites loaded for a moment, the map is photographed
for the README (var/test-artifacts/audit-map.png, copied to docs/img/audit.png)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from pyproj import Geod
from sqlalchemy import text

from data.demo import generate_demo_city
from data.demo.audits import DEMO_AUDIT_SITE_COUNT, load_demo_audits
from geo.accounts import Grant, cli_principal, create_token, create_user, upsert_opd
from geo.audits import AuditCreate, SiteCreate, create_audit, create_site
from geo.cities import get_city
from geo.store.db import make_engine, session_scope
from tests.conftest import LiveServer
from tests.web.conftest import csp_violations, wait_until, watch
from tests.web.test_audit_page import PASSWORD, login

pytestmark = [pytest.mark.browser, pytest.mark.postgis, pytest.mark.slow]
DESKTOP = {"width": 1280, "height": 900}
CITY = "/cities/tangerang"


@dataclass(frozen=True)
class Desk:
    server: LiveServer
    site_id: int
    audit_id: int
    centre: tuple[float, float]
    inspectors: dict[str, int]
    headers: dict[str, str]


@dataclass(frozen=True)
class Inspectors:
    server: LiveServer
    ids: dict[str, int]


@pytest.fixture(scope="module")
def inspectors(demo_server: LiveServer) -> Inspectors:
    """The inspectors' accounts only: the README's picture is taken before ``desk`` adds its
    test site, so the list shows the demo city's sites alone."""
    engine = make_engine(demo_server.db_url, pool_size=1)
    try:
        with session_scope(engine) as session:
            city = get_city(session, "tangerang")
            ids = {}
            for username, name in (("insp.meja", "Rina Inspektur"), ("insp.dua", "Sigit Auditor")):
                uid = session.execute(
                    text("SELECT id FROM app_user WHERE username = :u"), {"u": username}
                ).scalar()
                ids[username] = uid or create_user(
                    session,
                    city_id=city.id,
                    username=username,
                    display_name=name,
                    password=PASSWORD,
                    grants=[Grant("inspektur")],
                )
    finally:
        engine.dispose()
    return Inspectors(demo_server, ids)


@pytest.fixture(scope="module")
def desk(inspectors: Inspectors) -> Desk:
    demo_server, ids = inspectors.server, inspectors.ids
    engine = make_engine(demo_server.db_url, pool_size=1)
    try:
        with session_scope(engine) as session:
            city = get_city(session, "tangerang")
            upsert_opd(session, city.id, "DPUPR", "Dinas Pekerjaan Umum dan Penataan Ruang")
            minx, miny, maxx, maxy = city.bbox
            centre = ((minx + maxx) / 2, (miny + maxy) / 2)
            inside = session.execute(
                text(
                    "SELECT bool_or(ST_Contains(geom, ST_SetSRID(ST_MakePoint(:x, :y), 4326)))"
                    " FROM admin_area WHERE city_id = :c AND level = 'kelurahan'"
                ),
                {"c": city.id, "x": centre[0], "y": centre[1]},
            ).scalar()
            assert inside, "the test taps the middle of the city's bounding box: inside the city"
            admin = cli_principal("test")
            site_id = create_site(
                session,
                admin,
                city,
                SiteCreate(
                    geometry={"type": "Point", "coordinates": [centre[0] + 0.01, centre[1]]},
                    opd_code="DPUPR",
                    activity="Pembangunan jembatan uji surat tugas",
                    budget_idr=3_000_000_000,
                    fiscal_year=2026,
                ),
            )
            audit_id = create_audit(
                session, admin, city, AuditCreate(site_id=site_id, title="Audit jembatan uji")
            )
            token = create_token(session, ids["insp.meja"], name="t")[1]
    finally:
        engine.dispose()
    return Desk(demo_server, site_id, audit_id, centre, ids, {"Authorization": f"Bearer {token}"})


def _page(browser: Any) -> Any:
    page = watch(browser.new_context(viewport=DESKTOP).new_page())
    page.on(
        "console",
        lambda m: page.errors.append(f"console: {m.text}") if m.type == "error" else None,
    )
    return page


def _sites(desk: Desk) -> list[dict[str, Any]]:
    answer = httpx.get(f"{desk.server.url}{CITY}/audit-sites", headers=desk.headers, timeout=30)
    assert answer.status_code == 200
    features: list[dict[str, Any]] = answer.json()["features"]
    return features


def _tap(page: Any, dx: float = 0, dy: float = 0) -> None:
    box = page.locator("#map").bounding_box()
    page.locator("#map").click(position={"x": box["width"] / 2 + dx, "y": box["height"] / 2 + dy})


def _fill(page: Any, activity: str, budget: str) -> None:
    page.fill("#site-opd", "DPUPR")
    page.fill("#site-activity", activity)
    page.fill("#site-budget", budget)
    page.fill("#site-year", "2026")
    page.fill("#site-contractor", "PT Uji Peta")
    page.fill("#site-contract", "1.250.000.000")
    page.fill("#site-progress", "40,5")


def test_the_inspectorates_map_of_the_demo_audits(
    browser: Any, inspectors: Inspectors, artifacts: Path
) -> None:
    """The demo city's generated sites on the map, coloured by their worst open finding, and
    the per-OPD totals; removed again afterwards (other tests count their own findings)."""
    engine = make_engine(inspectors.server.db_url, pool_size=1)
    try:
        with session_scope(engine) as session:
            city = get_city(session, "tangerang")
            load_demo_audits(session, cli_principal("test"), city, generate_demo_city("tangerang"))
        page = _page(browser)
        login(page, inspectors, "insp.meja")  # type: ignore[arg-type]
        count = page.locator("#site-count").inner_text()
        assert int(count.split()[0]) >= DEMO_AUDIT_SITE_COUNT
        rows = page.locator("#sites-body tr").evaluate_all("(rs) => rs.map((r) => r.textContent)")
        assert len(rows) >= DEMO_AUDIT_SITE_COUNT
        assert [r for r in rows if "(demo " not in r] == [], "the picture shows demo sites only"
        drawn = "document.querySelectorAll('.leaflet-overlay-pane path.leaflet-interactive').length"
        assert page.evaluate(drawn) >= DEMO_AUDIT_SITE_COUNT
        opds = set(
            page.locator("#by-opd-body tr").evaluate_all("(rs) => rs.map((r) => r.dataset.opd)")
        )
        assert {"DPUPR", "DISDIK", "DINKES", "PERKIM", "DISHUB"} <= opds
        # the kecamatan outlines come on their own: wait for them before the picture
        wait_until(page, "document.querySelectorAll('path[stroke=\"#6a3d9a\"]').length > 0", 15)
        page.screenshot(path=str(artifacts / "audit-map.png"), full_page=False)
        assert page.errors == []
        assert csp_violations(page) == []
    finally:
        with session_scope(engine) as session:
            session.execute(
                text("DELETE FROM audit_site WHERE demo AND city_id = :c"),
                {"c": get_city(session, "tangerang").id},
            )
        engine.dispose()


def test_an_inspector_enters_sites_on_the_map(browser: Any, desk: Desk) -> None:
    page = _page(browser)
    login(page, desk, "insp.meja")  # type: ignore[arg-type]  # login reads .server only
    before = {f["id"] for f in _sites(desk)}
    page.click("#site-add")
    assert page.locator("#panel-title").inner_text() == "Tambah lokasi audit"
    page.click("#site-draw-point")
    page.wait_for_selector("body[data-drawing=CircleMarker]", timeout=10_000)
    assert page.locator("#panel").is_hidden()  # the map is free to tap
    _tap(page)
    page.wait_for_selector("#site-form[data-shape=Point]", timeout=10_000)
    assert page.locator("#panel").is_visible()
    where = page.locator("#site-where").inner_text()
    lon, lat = (float(v) for v in where.split(":")[1].split(","))
    _, _, off_m = Geod(ellps="WGS84").inv(lon, lat, *desk.centre)
    assert off_m < 300  # the middle of the map is the middle of the city's bounding box
    # a budget in words: the server names the field, and nothing is written
    _fill(page, "Pelebaran Jalan Uji Peta", "dua miliar")
    page.click("#site-submit")
    page.wait_for_selector("#site-errors li", timeout=10_000)
    assert "budget_idr" in page.locator("#site-errors").inner_text()
    assert {f["id"] for f in _sites(desk)} == before
    page.fill("#site-budget", "2.000.000.000")
    page.click("#site-submit")
    page.wait_for_selector("#panel-title:has-text('Pelebaran Jalan Uji Peta')", timeout=15_000)
    (made,) = [f for f in _sites(desk) if f["id"] not in before]
    assert made["geometry"] == {"type": "Point", "coordinates": [lon, lat]}
    props = made["properties"]
    assert (props["opd_code"], props["budget_idr"], props["fiscal_year"]) == (
        "DPUPR",
        2 * 10**9,
        2026,
    )
    assert (props["contractor"], props["contract_value_idr"], props["progress_pct"]) == (
        "PT Uji Peta",
        1_250_000_000,
        40.5,
    )
    assert props["kecamatan_code"]  # found by the server's spatial join
    assert page.locator(f'#sites-body tr[data-site="{made["id"]}"]').count() == 1

    # an area: four corners, closed on the first one
    page.click("#site-add")
    page.click("#site-draw-area")
    page.wait_for_selector("body[data-drawing=Polygon]", timeout=10_000)
    corners = [(-30, -30), (30, -30), (30, 30), (-30, 30), (-30, -30)]
    for dx, dy in corners:
        _tap(page, dx, dy)
        page.wait_for_timeout(150)
    page.wait_for_selector("#site-form[data-shape=MultiPolygon]", timeout=10_000)
    assert page.locator("#site-where").inner_text() == "Area dengan 4 sudut"
    _fill(page, "Rehabilitasi Pasar Uji Peta", "750.000.000")
    page.click("#site-submit")
    page.wait_for_selector("#panel-title:has-text('Rehabilitasi Pasar Uji Peta')", timeout=15_000)
    known = before | {made["id"]}
    (area,) = [f for f in _sites(desk) if f["id"] not in known]
    assert area["geometry"]["type"] in ("Polygon", "MultiPolygon")
    site = httpx.get(
        f"{desk.server.url}{CITY}/audit-sites/{area['id']}", headers=desk.headers, timeout=30
    ).json()
    ring = site["geometry"]["coordinates"][0][0]
    assert len(ring) == 5
    assert ring[0] == ring[-1]
    # the one failed load is the refused budget's 422 (chromium logs every 4xx)
    assert page.errors == [
        "console: Failed to load resource: the server responded with a status of 422"
        " (Unprocessable Entity)"
    ]
    assert csp_violations(page) == []


def test_an_inspector_issues_the_surat_tugas(browser: Any, desk: Desk) -> None:
    page = _page(browser)
    login(page, desk, "insp.meja")  # type: ignore[arg-type]
    page.locator(f'#sites-body tr[data-site="{desk.site_id}"]').click()
    wait_until(page, f"document.body.dataset.audit === '{desk.audit_id}'", 15)
    page.wait_for_selector("#st-form", timeout=15_000)
    names = page.locator("#st-inspectors label").all_inner_texts()
    assert {"Rina Inspektur", "Sigit Auditor"} <= set(names)
    page.fill("#st-no", "700/ST-42/Insp/2026")
    page.fill("#st-date", "2026-08-10")
    page.click("#st-submit")
    assert page.locator("#st-result").inner_text() == "Pilih sedikitnya satu inspektur."
    page.check('#st-inspectors input[data-username="insp.dua"]')
    page.click("#st-submit")
    page.wait_for_selector("#panel button[data-step=mulai_pemeriksaan]", timeout=15_000)
    assert page.locator("#st-form").count() == 0
    assert "700/ST-42/Insp/2026" in page.locator("#panel").inner_text()
    detail = httpx.get(
        f"{desk.server.url}{CITY}/audits/{desk.audit_id}", headers=desk.headers, timeout=30
    ).json()
    assert (detail["status"], detail["inspectors"]) == ("surat_tugas", ["Sigit Auditor"])
    assert detail["surat_tugas_date"] == "2026-08-10"
    assert page.errors == []
    assert csp_violations(page) == []
