"""The OPD staff workspace (/kelola) in chromium: a citizen's aid proposal found on the
choropleth by Bagian Kesra staff, moved through verification with a public note that the
public tracking page then shows; other OPDs see none of it; a phone can do the same."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from geo.accounts import Grant, create_token, create_user, upsert_opd
from geo.cities import get_city
from geo.store.db import make_engine, session_scope
from tests.api.request_sample import NIKS, multipart, proposal
from tests.conftest import LiveServer
from tests.web.conftest import csp_violations, wait_until, watch

pytestmark = [pytest.mark.browser, pytest.mark.postgis, pytest.mark.slow]
PASSWORD = "kuda-lari-pagi-di-sawah-17"  # a test value only
DESKTOP = {"width": 1366, "height": 820}
PHONE = {"width": 390, "height": 844}
NOTE = "Dokumen lengkap; lanjut ke evaluasi tim."
# generated organisations for the demo-looking rows of the screenshots (no real body)
ORGANISATIONS = (
    ("Yayasan Cahaya Pelita", "yayasan", "Renovasi ruang belajar PAUD"),
    ("Masjid Al-Ikhlas RW 05", "masjid_musala", "Perbaikan atap dan tempat wudu"),
    ("Karang Taruna Tunas Muda", "karang_taruna", "Pelatihan sablon untuk pemuda"),
    ("Kelompok Tani Sawah Makmur", "kelompok_tani", "Pompa air dan benih padi"),
    ("RW 03 Kelurahan Sejahtera", "rt_rw", "Penerangan jalan lingkungan"),
    ("Gereja Kasih Karunia", "gereja", "Bantuan sembako lansia"),
    ("Yayasan Anak Bangsa Mandiri", "yayasan", "Beasiswa anak yatim"),
)

# which of the ten biggest kelurahan each of those lies in: some busy, some quiet
SPREAD = (0, 0, 1, 1, 1, 2, 3, 3, 4, 5, 6, 6, 6, 6, 7, 8, 9, 2, 4, 1, 0)


@dataclass(frozen=True)
class Workspace:
    server: LiveServer
    code: str  # the citizen's proposal
    id: int
    kelurahan: str
    stale_id: int  # a second proposal, moved behind the browser's back
    stale_code: str
    ready_code: str  # a third, evaluated already (rekomendasi)


def _kelurahan_points(session: Any, city_id: int, n: int) -> list[tuple[str, float, float]]:
    rows = session.execute(
        text(
            "SELECT code, ST_X(p) AS lon, ST_Y(p) AS lat FROM ("
            " SELECT code, ST_PointOnSurface(geom) AS p FROM admin_area"
            " WHERE city_id = :c AND level = 'kelurahan' ORDER BY ST_Area(geom) DESC LIMIT :n) a"
        ),
        {"c": city_id, "n": n},
    ).all()
    return [(r.code, float(r.lon), float(r.lat)) for r in rows]


def _submit(server: LiveServer, body: dict[str, Any], headers: dict[str, str]) -> dict[str, Any]:
    data, files = multipart(body)
    response = httpx.post(
        f"{server.url}/cities/tangerang/requests",
        data=data,
        files=files,
        headers=headers,
        timeout=30,
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def _step(server: LiveServer, rid: int, version: int, headers: dict[str, str], **body: Any) -> int:
    response = httpx.post(
        f"{server.url}/cities/tangerang/requests/{rid}/transitions",
        json=body,
        headers={**headers, "If-Match": f'"v{version}"'},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    return int(response.json()["version"])


@pytest.fixture(scope="module")
def workspace(demo_server: LiveServer) -> Workspace:
    """Staff of KESRA and DISHUB and a citizen; the citizen's proposal (anonymous, over HTTP)
    and a handful of others spread over the biggest kelurahan, some moved a step or two."""
    engine = make_engine(demo_server.db_url, pool_size=1)
    try:
        with session_scope(engine) as session:
            city_id = get_city(session, "tangerang").id
            upsert_opd(session, city_id, "KESRA", "Bagian Kesejahteraan Rakyat")
            upsert_opd(session, city_id, "DISHUB", "Dinas Perhubungan")
            upsert_opd(session, city_id, "TAPD", "Tim Anggaran Pemerintah Daerah")
            tokens = {}
            for username, name, grant in (
                ("kesra.kelola", "Rina Kesra", Grant("opd_staff", opd="KESRA")),
                ("dishub.kelola", "Dodi Dishub", Grant("opd_staff", opd="DISHUB")),
                ("tapd.kelola", "Tono TAPD", Grant("opd_staff", opd="TAPD")),
                ("warga.kelola", "Wati Warga", Grant("warga")),
                ("admin.kelola", "Ayu Admin Kota", Grant("admin_kota")),
            ):
                uid = session.execute(
                    text("SELECT id FROM app_user WHERE username = :u"), {"u": username}
                ).scalar()
                if uid is None:
                    uid = create_user(
                        session,
                        city_id=city_id,
                        username=username,
                        display_name=name,
                        password=PASSWORD,
                        grants=[grant],
                    )
                tokens[username] = {
                    "Authorization": f"Bearer {create_token(session, uid, name='t')[1]}"
                }
            points = _kelurahan_points(session, city_id, 10)
    finally:
        engine.dispose()
    kelurahan, lon, lat = points[0]
    # the citizen: anonymous, over HTTP, like the Ajukan form
    receipt = _submit(demo_server, proposal(lon, lat), {})
    kesra, warga = tokens["kesra.kelola"], tokens["warga.kelola"]
    stale = _submit(
        demo_server, proposal(lon + 0.0004, lat, organisation="Yayasan Uji Ganda"), warga
    )
    # a third one, evaluated already: up to TAPD (or a city admin) to approve
    ready_row = _submit(
        demo_server, proposal(lon - 0.0004, lat, organisation="Yayasan Siap Tetap"), warga
    )
    version = ready_row["version"]
    for step in ("mulai_verifikasi", "lolos_verifikasi"):
        version = _step(demo_server, ready_row["id"], version, kesra, transition=step)
    _step(
        demo_server,
        ready_row["id"],
        version,
        kesra,
        transition="selesai_evaluasi",
        berita_acara="BA/017/KESRA/2026",
    )
    for i, (org, kind, purpose) in enumerate(ORGANISATIONS * 3):
        _code, plon, plat = points[SPREAD[i]]
        body = proposal(
            plon + 0.0003 * (i % 3),
            plat - 0.0002 * (i % 2),
            organisation=org,
            organisation_kind=kind,
            purpose=purpose,
            amount_requested_idr=5_000_000 * (i + 2),
            kind="bansos" if i % 3 == 0 else "hibah",
        )
        row = _submit(demo_server, body, warga)
        version = row["version"]
        if i % 2 == 0:
            version = _step(demo_server, row["id"], version, kesra, transition="mulai_verifikasi")
        if i % 4 == 0:
            version = _step(demo_server, row["id"], version, kesra, transition="lolos_verifikasi")
    return Workspace(
        demo_server,
        receipt["code"],
        receipt["id"],
        kelurahan,
        stale["id"],
        stale["code"],
        ready_row["code"],
    )


def new_page(browser: Any, viewport: dict[str, int]) -> Any:
    phone = viewport["width"] < 500
    context = browser.new_context(viewport=viewport, is_mobile=phone, has_touch=phone)
    page = watch(context.new_page())

    def on_console(msg: Any) -> None:
        # chromium logs refused fetches; 404/412 are the answers these tests provoke
        if msg.type == "error" and not re.search(r"status of (404|412)", msg.text):
            page.errors.append(f"console: {msg.text}")

    page.on("console", on_console)
    return page


def login(page: Any, server: LiveServer, username: str) -> None:
    """Log in through /masuk?next=/kelola and wait for the workspace."""
    page.goto(f"{server.url}/masuk?next=%2Fkelola")
    page.wait_for_selector("body[data-ready=true]", timeout=30_000)
    page.fill("#login-username", username)
    page.fill("#login-password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_url(f"{server.url}/kelola", timeout=15_000)
    ready(page)


def ready(page: Any) -> None:
    page.wait_for_selector("body[data-ready=true]", timeout=30_000)
    wait_until(page, "document.body.dataset.busy === 'false'", 30)


def click_kelurahan(page: Any, code: str) -> None:
    """Click a point inside the kelurahan's polygon on the map (where it is on top)."""
    spot = page.evaluate(
        """code => {
          const path = document.querySelector(`path[data-kelurahan="${code}"]`);
          const box = path.getBBox();
          const ctm = path.getScreenCTM();
          for (let i = 1; i < 20; i++) for (let j = 1; j < 20; j++) {
            const x = box.x + box.width * i / 20, y = box.y + box.height * j / 20;
            if (!path.isPointInFill(new DOMPoint(x, y))) continue;
            const s = new DOMPoint(x, y).matrixTransform(ctm);
            if (document.elementFromPoint(s.x, s.y) === path) return [s.x, s.y];
          }
          return null;
        }""",
        code,
    )
    assert spot is not None, f"kelurahan {code} is not clickable on the map"
    page.mouse.click(spot[0], spot[1])


def timeline(page: Any) -> list[str]:
    return list(page.locator("#timeline li").evaluate_all("els => els.map(e => e.dataset.to)"))


def take_step(page: Any, transition: str, *, public_note: str | None = None) -> None:
    before = len(timeline(page))
    page.click(f"#detail .actions button[data-transition={transition}]")
    page.wait_for_selector(f"#step-form[data-transition={transition}]")
    if public_note:
        page.fill("#step-public_note", public_note)
    page.click("#step-save")
    page.wait_for_selector("#detail-notice.ok", timeout=15_000)
    wait_until(page, f"document.querySelectorAll('#timeline li').length === {before + 1}")


def no_sideways_scroll(page: Any, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_kesra_staff_find_and_move_a_proposal(
    browser: Any, workspace: Workspace, artifacts: Path
) -> None:
    server = workspace.server
    page = new_page(browser, DESKTOP)
    login(page, server, "kesra.kelola")
    assert page.locator("#account .account-name").inner_text() == "Rina Kesra"
    assert "KESRA" in page.locator("#account .account-role").inner_text()
    assert page.locator("#account .account-logout").inner_text() == "Keluar"
    # the choropleth: every kelurahan, coloured by class, with a legend of ranges
    assert page.locator("path[data-kelurahan]").count() > 50
    counted = page.locator(f'path[data-kelurahan="{workspace.kelurahan}"]')
    assert int(counted.get_attribute("data-count") or 0) >= 2
    legend = page.locator("#legend li")
    assert legend.count() >= 2
    assert legend.first.inner_text() == "Tidak ada"
    colours = page.locator("path[data-kelurahan]").evaluate_all(
        "els => [...new Set(els.map(e => e.getAttribute('fill')))]"
    )
    assert len(colours) >= 2
    # a kelurahan drills down: its requests in the table and as points
    click_kelurahan(page, workspace.kelurahan)
    ready(page)
    row = page.locator(f'#requests-body tr[data-code="{workspace.code}"]')
    row.wait_for(timeout=15_000)
    assert page.locator("#list-where").inner_text().startswith("·")
    assert page.locator("#clear-selection").is_visible()
    count = page.locator("#list-count").inner_text()
    assert re.match(r"^\d+ pengajuan$", count), count
    assert (
        page.locator("[data-request-id]").count()
        == page.locator("#requests-body tr[data-id]").count()
    )
    assert row.locator(".age").inner_text() == "0 hari"
    assert row.locator(".status").inner_text() == "Diajukan"
    # sorting by title flips the order; the pager names the rows
    page.click("#requests-head button[data-sort=title]")
    ready(page)
    assert (
        page.locator("#requests-head th[aria-sort=ascending] button").get_attribute("data-sort")
        == "title"
    )
    titles = page.locator("#requests-body td.title").all_inner_texts()
    assert titles == sorted(titles, key=str.casefold)
    assert re.match(r"^1–\d+ dari \d+$", page.locator("#page-text").inner_text())
    page.screenshot(path=str(artifacts / "kelola-desktop.png"))
    # the request's detail: fields, documents, no personal data until asked
    page.locator(f'#requests-body tr[data-code="{workspace.code}"]').click()
    page.wait_for_selector("#detail:not([hidden]) #timeline li")
    detail = page.locator("#detail")
    assert workspace.code in page.locator("#detail-title").inner_text()
    assert "Yayasan Uji Sejahtera" in detail.inner_text()
    assert "Rp 25.000.000" in detail.inner_text()
    assert page.locator("#detail .documents li").count() >= 8
    href = page.locator("#detail .documents a").first.get_attribute("href")
    document = page.context.request.get(f"{server.url}{href}")
    assert document.status == 200
    assert document.headers["content-type"] == "application/pdf"
    assert document.body().startswith(b"%PDF")
    assert "Siti Contoh" not in detail.inner_text()
    assert timeline(page) == ["diajukan"]
    steps = page.locator("#detail .actions button").evaluate_all(
        "els => els.map(e => e.dataset.transition)"
    )
    assert steps == ["mulai_verifikasi"]
    page.click("#show-private")
    page.wait_for_selector("#private-data")
    private = page.locator("#private-data").inner_text()
    assert "Siti Contoh" in private
    for nik in NIKS:
        assert nik not in private  # masked
    assert page.locator("#detail .leaflet-container").count() == 1
    # verification, then approval of the documents with a public note
    take_step(page, "mulai_verifikasi")
    assert page.locator("#detail .detail-status .status").inner_text() == "Verifikasi dokumen"
    take_step(page, "lolos_verifikasi", public_note=NOTE)
    assert timeline(page) == ["diajukan", "verifikasi_dokumen", "evaluasi"]
    last = page.locator("#timeline li").last
    assert NOTE in last.locator(".note.public").inner_text()
    assert "Rina Kesra" in last.locator(".when").inner_text()
    # the table follows: the row shows the new status
    wait_until(
        page,
        f"""document.querySelector('#requests-body tr[data-code="{workspace.code}"] .status')"""
        "?.textContent === 'Evaluasi'",
    )
    page.locator("#detail").evaluate("e => e.scrollTop = 0")
    page.screenshot(path=str(artifacts / "kelola-detail.png"))
    # the citizen's tracking page shows the new steps with the note
    tracked = httpx.get(f"{server.url}/track/{workspace.code}", timeout=30).json()
    assert [e["status"] for e in tracked["timeline"]] == [
        "diajukan",
        "verifikasi_dokumen",
        "evaluasi",
    ]
    assert tracked["timeline"][-1]["note"] == NOTE
    assert "Siti Contoh" not in str(tracked)
    # English, then back
    page.click("#lang-toggle")
    assert page.locator("#detail .detail-status .status").inner_text() == "Evaluation"
    assert page.locator("#legend li").first.inner_text() == "None"
    page.click("#lang-toggle")
    assert page.errors == []
    assert csp_violations(page) == []
    page.context.close()


def test_a_stale_detail_says_so_and_reloads(browser: Any, workspace: Workspace) -> None:
    server = workspace.server
    page = new_page(browser, DESKTOP)
    login(page, server, "kesra.kelola")
    page.fill("#f-q", workspace.stale_code)
    row = page.locator(f'#requests-body tr[data-code="{workspace.stale_code}"]')
    row.wait_for(timeout=15_000)
    row.click()
    page.wait_for_selector("#detail #timeline li")
    # another officer takes the step meanwhile (with this session's cookie, over HTTP)
    detail = page.context.request.get(
        f"{server.url}/cities/tangerang/requests/{workspace.stale_id}"
    )
    assert detail.status == 200
    csrf = page.context.request.get(f"{server.url}/auth/me").json()["csrf_token"]
    moved = page.context.request.post(
        f"{server.url}/cities/tangerang/requests/{workspace.stale_id}/transitions",
        data={"transition": "mulai_verifikasi"},
        headers={"If-Match": detail.headers["etag"], "X-CSRF-Token": csrf},
    )
    assert moved.status == 200, moved.text()
    page.click("#detail .actions button[data-transition=mulai_verifikasi]")
    page.click("#step-save")
    notice = page.locator("#detail-notice")
    notice.wait_for()
    assert notice.inner_text().startswith(
        "Pengajuan ini baru saja diubah oleh petugas lain; muat ulang"
    )
    page.click("#detail-reload")
    wait_until(
        page,
        "document.querySelector('#detail .detail-status .status')?.textContent"
        " === 'Verifikasi dokumen'",
    )
    steps = page.locator("#detail .actions button").evaluate_all(
        "els => els.map(e => e.dataset.transition)"
    )
    assert "lolos_verifikasi" in steps
    assert page.errors == []
    page.context.close()


def test_a_city_admin_filters_by_opd(browser: Any, workspace: Workspace) -> None:
    server = workspace.server
    page = new_page(browser, DESKTOP)
    login(page, server, "admin.kelola")
    assert page.locator("#f-opd").is_visible()  # the OPD filter is for city admins
    # the filters list what the server offers: its types, their states, the city's OPDs
    page.wait_for_selector('#f-opd option[value="KESRA"]', state="attached")
    assert "Dinas Perhubungan" in page.locator('#f-opd option[value="DISHUB"]').inner_text()
    assert page.locator('#f-type option[value="bantuan"]').count() == 1
    assert page.locator('#f-status-list input[value="rekomendasi"]').count() == 1
    page.select_option("#f-opd", "KESRA")
    ready(page)
    page.fill("#f-q", workspace.ready_code)
    page.locator(f'#requests-body tr[data-code="{workspace.ready_code}"]').wait_for(timeout=15_000)
    assert page.errors == []
    page.context.close()


def test_tapd_staff_approve_with_the_amount(browser: Any, workspace: Workspace) -> None:
    """TAPD recommends to the mayor and sets the approved amount (the routing of the demo city:
    Kesra verifies and evaluates, TAPD approves), as staff of its own OPD, not as a city admin."""
    server = workspace.server
    page = new_page(browser, DESKTOP)
    login(page, server, "tapd.kelola")
    assert not page.locator("#f-opd").is_visible()  # staff of one OPD: no OPD filter
    ready(page)
    page.fill("#f-q", workspace.ready_code)
    row = page.locator(f'#requests-body tr[data-code="{workspace.ready_code}"]')
    row.wait_for(timeout=15_000)
    row.click()
    page.wait_for_selector("#detail #timeline li")
    assert timeline(page)[-1] == "rekomendasi"
    assert "BA/017/KESRA/2026" in page.locator("#timeline").inner_text()
    page.click("#detail .actions button[data-transition=tetapkan]")
    page.wait_for_selector("#step-form[data-transition=tetapkan]")
    assert page.locator("#step-approved_amount_idr").get_attribute("required") is not None
    # saving without the amount says what is missing and sends nothing
    page.click("#step-save")
    notice = page.locator("#detail-notice")
    notice.wait_for()
    assert notice.inner_text() == "Wajib diisi: Jumlah disetujui (Rp)"
    page.locator("#step-approved_amount_idr").press_sequentially("20000000")
    assert page.locator("#step-approved_amount_idr").input_value() == "20.000.000"
    page.fill("#step-public_note", "Disetujui dalam DNPH 2026.")
    page.fill("#step-internal_note", "Dipotong 20% sesuai pagu.")
    page.click("#step-save")
    page.wait_for_selector("#detail-notice.ok", timeout=15_000)
    assert timeline(page)[-1] == "ditetapkan"
    last = page.locator("#timeline li").last
    assert "Rp 20.000.000" in last.inner_text()
    assert "Dipotong 20% sesuai pagu." in last.locator(".note.internal").inner_text()
    tracked = httpx.get(f"{server.url}/track/{workspace.ready_code}", timeout=30).json()
    assert tracked["status"] == "ditetapkan"
    assert tracked["timeline"][-1]["note"] == "Disetujui dalam DNPH 2026."
    assert "Dipotong" not in str(tracked)  # internal notes stay inside
    assert page.errors == []
    page.context.close()


def test_other_opd_staff_see_none_of_it(browser: Any, workspace: Workspace) -> None:
    server = workspace.server
    page = new_page(browser, DESKTOP)
    login(page, server, "dishub.kelola")
    assert page.locator("#list-count").inner_text() == "0 pengajuan"
    counts = page.locator("path[data-kelurahan]").evaluate_all(
        "els => els.map(e => e.dataset.count)"
    )
    assert counts
    assert set(counts) == {"0"}
    assert page.locator(f'[data-code="{workspace.code}"]').count() == 0
    answer = page.context.request.get(f"{server.url}/cities/tangerang/requests/{workspace.id}")
    assert answer.status == 404
    assert page.errors == []
    page.context.close()


def test_the_gate_without_a_staff_role(browser: Any, workspace: Workspace) -> None:
    server = workspace.server
    page = new_page(browser, PHONE)
    page.goto(f"{server.url}/kelola")
    page.wait_for_selector("body[data-ready=true][data-gate=login]")
    assert (
        page.locator("#gate-text").inner_text()
        == "Masuk sebagai petugas OPD untuk membuka ruang kerja ini."
    )
    assert page.locator("#gate-login").get_attribute("href") == "/masuk?next=%2Fkelola"
    assert not page.locator("#workspace").is_visible()
    no_sideways_scroll(page, PHONE["width"])
    page.goto(f"{server.url}/masuk?next=%2Fkelola")
    page.wait_for_selector("body[data-ready=true]")
    page.fill("#login-username", "warga.kelola")
    page.fill("#login-password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_url(f"{server.url}/kelola")
    page.wait_for_selector("body[data-ready=true][data-gate=role]")
    assert page.locator("#gate-text").inner_text().startswith("Akun ini bukan akun petugas OPD")
    assert page.locator("#account .account-name").inner_text() == "Wati Warga"
    # a next= that leaves the site is not followed
    page.goto(f"{server.url}/masuk?next=//example.org/kelola")
    page.wait_for_selector("body[data-ready=true]")
    assert page.locator("#login-next").input_value() == "/"
    assert page.errors == []
    page.context.close()


def test_a_phone_can_use_the_workspace(browser: Any, workspace: Workspace, artifacts: Path) -> None:
    server = workspace.server
    page = new_page(browser, PHONE)
    login(page, server, "kesra.kelola")
    no_sideways_scroll(page, PHONE["width"])
    for selector in ("#account .account-logout", "#f-type", "#f-from", "#lang-toggle"):
        box = page.locator(selector).bounding_box()
        assert box is not None, selector
        assert box["height"] >= 44, selector
        assert box["x"] >= 0, selector
        assert box["x"] + box["width"] <= PHONE["width"] + 1, selector
    page.locator("#map").scroll_into_view_if_needed()
    click_kelurahan(page, workspace.kelurahan)
    ready(page)
    row = page.locator(f'#requests-body tr[data-code="{workspace.code}"]')
    row.wait_for(timeout=15_000)
    no_sideways_scroll(page, PHONE["width"])
    page.screenshot(path=str(artifacts / "kelola-phone-list.png"))
    row.locator("button.open-request").click()
    page.wait_for_selector("#detail #timeline li")
    panel = page.locator("#detail").bounding_box()
    assert panel is not None
    assert panel["x"] >= 0
    assert panel["x"] + panel["width"] <= PHONE["width"] + 1
    close = page.locator("#detail-close")
    assert close.is_visible()
    assert (close.bounding_box() or {}).get("height", 0) >= 44
    page.locator("#timeline").scroll_into_view_if_needed()
    assert page.locator("#timeline li").first.is_visible()
    first_step = page.locator("#detail .actions button").first
    first_step.scroll_into_view_if_needed()
    assert first_step.is_visible()
    no_sideways_scroll(page, PHONE["width"])
    page.screenshot(path=str(artifacts / "kelola-phone-detail.png"))
    close.click()
    assert page.locator("#detail").is_hidden()
    assert page.errors == []
    page.context.close()


def test_the_selected_kelurahan_links_its_map_reports(browser: Any, workspace: Workspace) -> None:
    server = workspace.server
    engine = make_engine(server.db_url, pool_size=1)
    try:
        with session_scope(engine) as session:
            kecamatan = session.execute(
                text(
                    "SELECT a.parent_code FROM admin_area a JOIN city c ON c.id = a.city_id"
                    " WHERE c.slug = 'tangerang' AND a.level = 'kelurahan' AND a.code = :k"
                ),
                {"k": workspace.kelurahan},
            ).scalar_one()
    finally:
        engine.dispose()
    page = new_page(browser, DESKTOP)
    login(page, server, "kesra.kelola")
    assert page.locator("#report-links").is_hidden()
    click_kelurahan(page, workspace.kelurahan)
    ready(page)
    link = page.locator("#report-kelurahan")
    link.wait_for(timeout=10_000)
    assert link.inner_text() == "Laporan peta (HTML)"
    href = link.get_attribute("href")
    assert href == f"/cities/tangerang/reports/kelurahan/{workspace.kelurahan}.html"
    assert link.get_attribute("target") == "_blank"
    assert link.get_attribute("rel") == "noopener"
    assert page.locator("#report-kecamatan").get_attribute("href") == (
        f"/cities/tangerang/reports/kecamatan/{kecamatan}.html"
    )
    # the staff's session gets the full report (not cached by anyone)
    report = page.context.request.get(f"{server.url}{href}")
    assert report.status == 200
    assert report.headers["content-type"].startswith("text/html")
    assert report.headers["cache-control"] == "private, no-store"
    # clearing the selection takes the links away
    page.click("#clear-selection")
    ready(page)
    assert page.locator("#report-links").is_hidden()
    assert page.errors == []
    assert csp_violations(page) == []
    page.context.close()
