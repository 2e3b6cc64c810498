"""The inspectorate's page (/audit) in chromium on a phone: an inspector opens a site, records
a visit with the phone's position and a finding with a photo; the audited office answers the
notisi and later enters its follow-up (it has no way to edit the finding); the per-OPD table
shows the totals; staff of another OPD see none of it."""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from geo.accounts import Grant, cli_principal, create_token, create_user, upsert_opd
from geo.audits import AuditCreate, SiteCreate, StepCreate, create_audit, create_site, take_step
from geo.cities import get_city
from geo.store.db import make_engine, session_scope
from tests.conftest import LiveServer
from tests.web.conftest import csp_violations, wait_until, watch

pytestmark = [pytest.mark.browser, pytest.mark.postgis, pytest.mark.slow]
PASSWORD = "kuda-lari-pagi-di-sawah-17"  # a test value only
PHONE = {"width": 390, "height": 844}
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 300


def _png(width: int = 4, height: int = 3) -> bytes:
    """A real (decodable) grey PNG, so the browser can show it."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


@dataclass(frozen=True)
class Scene:
    server: LiveServer
    site_id: int
    audit_id: int
    lon: float
    lat: float
    tokens: dict[str, dict[str, str]]


@pytest.fixture(scope="module")
def scene(demo_server: LiveServer) -> Scene:
    engine = make_engine(demo_server.db_url, pool_size=1)
    try:
        with session_scope(engine) as session:
            city = get_city(session, "tangerang")
            upsert_opd(session, city.id, "DPUPR", "Dinas Pekerjaan Umum dan Penataan Ruang")
            upsert_opd(session, city.id, "DISHUB", "Dinas Perhubungan")
            ids = {}
            for username, name, grant in (
                ("insp.audit", "Indra Inspektur", Grant("inspektur")),
                ("dpupr.audit", "Dewi DPUPR", Grant("opd_staff", opd="DPUPR")),
                ("dishub.audit", "Dodi Dishub", Grant("opd_staff", opd="DISHUB")),
            ):
                uid = session.execute(
                    text("SELECT id FROM app_user WHERE username = :u"), {"u": username}
                ).scalar()
                ids[username] = uid or create_user(
                    session,
                    city_id=city.id,
                    username=username,
                    display_name=name,
                    password=PASSWORD,
                    grants=[grant],
                )
            lon, lat = session.execute(
                text(
                    "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) AS p"
                    " FROM admin_area WHERE city_id = :c AND level = 'kelurahan'"
                    " ORDER BY code LIMIT 1) a"
                ),
                {"c": city.id},
            ).one()
            admin = cli_principal("test")
            site_id = create_site(
                session,
                admin,
                city,
                SiteCreate(
                    geometry={"type": "Point", "coordinates": [lon, lat]},
                    opd_code="DPUPR",
                    activity="Normalisasi saluran uji peramban",
                    budget_idr=900_000_000,
                    fiscal_year=2026,
                    contractor="CV Contoh Uji",
                ),
            )
            audit_id = create_audit(
                session, admin, city, AuditCreate(site_id=site_id, title="Audit saluran uji")
            )
            take_step(
                session,
                admin,
                city,
                audit_id,
                StepCreate(
                    transition="terbitkan_surat_tugas",
                    surat_tugas_no="700/ST-99/2026",
                    surat_tugas_date="2026-08-01",  # type: ignore[arg-type]
                    inspectors=[ids["insp.audit"]],
                ),
                expected_version=1,
            )
            take_step(
                session,
                admin,
                city,
                audit_id,
                StepCreate(transition="mulai_pemeriksaan"),
                expected_version=2,
            )
            tokens = {
                name: {"Authorization": f"Bearer {create_token(session, uid, name='t')[1]}"}
                for name, uid in ids.items()
            }
    finally:
        engine.dispose()
    return Scene(demo_server, site_id, audit_id, float(lon), float(lat), tokens)


def phone_page(browser: Any, scene: Scene) -> Any:
    context = browser.new_context(
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
        geolocation={"longitude": scene.lon + 0.002, "latitude": scene.lat},
        permissions=["geolocation"],
    )
    page = watch(context.new_page())
    page.on(
        "console",
        lambda m: page.errors.append(f"console: {m.text}") if m.type == "error" else None,
    )
    return page


def login(page: Any, scene: Scene, username: str) -> None:
    page.goto(f"{scene.server.url}/masuk?next=%2Faudit")
    page.wait_for_selector("body[data-ready=true]", timeout=30_000)
    page.fill("#login-username", username)
    page.fill("#login-password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_url(f"{scene.server.url}/audit", timeout=15_000)
    page.wait_for_selector("body[data-ready=true]", timeout=30_000)


def step(scene: Scene, body: dict[str, Any]) -> None:
    url = f"{scene.server.url}/cities/tangerang/audits/{scene.audit_id}"
    headers = scene.tokens["insp.audit"]
    etag = httpx.get(url, headers=headers, timeout=30).headers["etag"]
    answer = httpx.post(f"{url}/steps", json=body, headers=headers | {"If-Match": etag}, timeout=30)
    assert answer.status_code == 200, answer.text


def test_an_inspector_and_the_office_on_a_phone(
    browser: Any, scene: Scene, artifacts: Path
) -> None:
    page = phone_page(browser, scene)
    login(page, scene, "insp.audit")
    assert page.locator("h1.page-title").inner_text() == "e-Audit Inspektorat"
    row = page.locator(f'#sites-body tr[data-site="{scene.site_id}"]')
    row.click()
    wait_until(page, f"document.body.dataset.audit === '{scene.audit_id}'", 15)
    assert page.locator("#panel").is_visible()
    page.fill("#visit-note", "Tiba di lokasi, saluran sebagian tertutup")
    page.click("#visit-submit")
    wait_until(
        page, "/m dari lokasi audit/.test(document.getElementById('visit-result').textContent)", 15
    )
    metres = int(page.locator("#visit-result").inner_text().split(":")[1].split("m")[0])
    assert 200 < metres < 240  # 0.002 degrees of longitude near 6 degrees south
    page.select_option("#finding-category", "potensi_kerugian")
    page.select_option("#finding-severity", "tinggi")
    page.fill("#finding-loss", "75000000")
    page.fill("#finding-description", "Volume galian kurang 30 m3 dari kontrak")
    page.fill("#finding-recommendation", "Setor kelebihan bayar ke kas daerah")
    page.set_input_files(
        "#finding-photo", files=[{"name": "galian.jpg", "mimeType": "image/jpeg", "buffer": JPEG}]
    )
    page.click("#finding-submit")
    page.wait_for_selector("#panel .finding-card", timeout=15_000)
    page.screenshot(path=str(artifacts / "audit-phone-inspector.png"), full_page=False)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    detail = httpx.get(
        f"{scene.server.url}/cities/tangerang/audits/{scene.audit_id}",
        headers=scene.tokens["insp.audit"],
        timeout=30,
    ).json()
    (finding,) = detail["findings"]
    assert (finding["severity"], finding["potential_loss_idr"]) == ("tinggi", 75_000_000)
    assert [p["finding_id"] for p in detail["photos"]] == [finding["id"]]
    assert detail["visits"][0]["distance_m"] == pytest.approx(metres, abs=1)
    assert page.errors == []
    assert csp_violations(page) == []

    # the office answers the notisi, and has no control that edits the finding
    step(scene, {"transition": "kirim_notisi"})
    office = phone_page(browser, scene)
    login(office, scene, "dpupr.audit")
    card = office.locator(f'.finding-card[data-finding="{finding["id"]}"]')
    assert "Volume galian" in card.inner_text()
    assert office.locator("#finding-form, #visit-form, [data-step]").count() == 0
    card.locator("textarea").fill("Kami akan mengukur ulang bersama penyedia")
    card.locator("button[type=submit]").click()
    office.wait_for_selector("text=Kami akan mengukur ulang bersama penyedia", timeout=15_000)
    # the inspector issues the LHA on the phone: its date starts the 60-day clock
    page.reload()
    page.wait_for_selector("body[data-ready=true]", timeout=30_000)
    page.locator(f'#sites-body tr[data-site="{scene.site_id}"]').click()
    wait_until(page, f"document.body.dataset.audit === '{scene.audit_id}'", 15)
    page.wait_for_selector("#lha-form", timeout=15_000)
    page.fill("#lha-no", "LHA-99/2026")
    page.fill("#lha-date", "2026-09-01")
    page.click("#lha-submit")
    page.wait_for_selector("#panel .finding-card:has-text('tenggat 2026-10-31')", timeout=15_000)
    assert page.locator("#lha-form").count() == 0
    assert "LHA-99/2026 (2026-09-01)" in page.locator("#panel").inner_text()
    office.reload()
    office.wait_for_selector("body[data-ready=true]", timeout=30_000)
    card = office.locator(f'.finding-card[data-finding="{finding["id"]}"]')
    assert "tenggat 2026-10-31" in card.inner_text()
    assert card.locator("form[data-kind=follow]").count() == 1
    card.locator("textarea").fill("Kelebihan bayar disetor, bukti STS terlampir")
    card.locator("input.office-photo").set_input_files(
        files=[{"name": "sts.png", "mimeType": "image/png", "buffer": _png()}]
    )
    card.locator("button[type=submit]").click()
    office.wait_for_selector("text=Kelebihan bayar disetor", timeout=15_000)
    # the follow-up's photo is shown under it, its bytes read by the office itself
    thumb = office.locator(f'.finding-card[data-finding="{finding["id"]}"] .followup img')
    thumb.wait_for(timeout=15_000)
    wait_until(office, "[...document.querySelectorAll('.followup img')].every((i) => i.complete)")
    assert thumb.evaluate("(i) => i.naturalWidth") == 4
    office.screenshot(path=str(artifacts / "audit-phone-office.png"), full_page=False)
    assert office.errors == []
    assert csp_violations(office) == []

    # the inspectorate's table shows the totals; another OPD's staff see nothing
    page.reload()
    page.wait_for_selector("body[data-ready=true]", timeout=30_000)
    dpupr = page.locator('#by-opd-body tr[data-opd="DPUPR"] td')
    cells = dpupr.all_inner_texts()
    assert cells[3] == "1"
    assert cells[5] == "Rp 75.000.000"
    other = phone_page(browser, scene)
    login(other, scene, "dishub.audit")
    assert other.locator(".finding-card").count() == 0
    assert other.locator("#office-count").inner_text() == "0 temuan"
    forbidden = httpx.get(
        f"{scene.server.url}/cities/tangerang/audit-findings/{finding['id']}",
        headers=scene.tokens["dishub.audit"],
        timeout=30,
    )
    assert forbidden.status_code == 403
