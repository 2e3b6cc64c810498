"""Ajukan in chromium on a phone (390×844): a citizen proposes aid on the map, attaches the 8
documents, gets the code and its QR, and tracks it on /lacak; the nearby hint; a closed window."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from api.settings import Settings
from geo.requests.aid import AID_DOCUMENTS
from geo.requests.windows import today_in_city
from tests.api.request_sample import multipart, proposal
from tests.conftest import LiveServer
from tests.web.conftest import api, go_to, open_map, wait_until, watch

pytestmark = [pytest.mark.browser, pytest.mark.postgis, pytest.mark.slow]
PHONE = {"width": 390, "height": 844}
# every text the progress label shows while the proposal goes up
WATCH_PROGRESS = """() => {
  const seen = window.__progress = [];
  new MutationObserver(() => {
    const label = document.getElementById('ajukan-progress-text');
    const text = label && label.textContent;
    if (text && seen.at(-1) !== text) seen.push(text);
  }).observe(document.getElementById('ajukan-body'),
             {subtree: true, childList: true, characterData: true});
}"""
NIK_CHAIR, NIK_SECRETARY = "9901014507900001", "9901010203850002"


def _pdfs(folder: Path) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    files = {}
    for slot in AID_DOCUMENTS:
        path = folder / f"{slot}.pdf"
        path.write_bytes(b"%PDF-1.4\n% " + slot.encode() + b"\n%%EOF\n")
        files[slot] = path
    return files


def _kelurahan_point(server: LiveServer, index: int) -> tuple[float, float]:
    """A point well inside one demo kelurahan (its label point), lon, lat."""
    fc = api(server, f"/cities/tangerang/collections/kelurahan/items?limit=1&offset={index}")
    geom = fc["features"][0]["geometry"]
    from shapely.geometry import shape

    point = shape(geom).representative_point()
    return point.x, point.y


def _open_ajukan(page: Any, server: LiveServer, lon: float, lat: float) -> None:
    page.set_viewport_size(PHONE)
    open_map(page, server)
    go_to(page, lon, lat, 16)
    page.click("#ajukan-open")
    page.wait_for_selector(".service-card [data-kind=hibah]", timeout=10_000)


def _place(page: Any) -> None:
    page.click(".service-card [data-kind=hibah]")
    page.wait_for_selector("#ajukan-nearby", timeout=5_000)
    wait_until(page, "document.body.dataset.nearby === 'done'")
    page.wait_for_selector("#ajukan-place-next:not([disabled])", timeout=10_000)


def test_a_citizen_proposes_aid_on_a_phone_and_tracks_it(
    page: Any, demo_server: LiveServer, tmp_path: Path, artifacts: Path
) -> None:
    lon, lat = _kelurahan_point(demo_server, 3)
    _open_ajukan(page, demo_server, lon, lat)
    aid_kinds = page.locator(".service-card[data-type=bantuan] [data-window=open]")
    assert aid_kinds.count() == 2  # no window set
    page.screenshot(path=str(artifacts / "ajukan-services-phone.png"))
    _place(page)
    # tap the map above the bottom sheet: the marker moves and the hint is asked again
    box = page.locator("#map").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] * 0.2)
    wait_until(page, "document.body.dataset.nearby === 'done'")
    page.wait_for_selector("#ajukan-place-next:not([disabled])", timeout=10_000)
    assert page.locator("#ajukan-where").inner_text().startswith("Kel. ")
    page.screenshot(path=str(artifacts / "ajukan-place-phone.png"))
    page.click("#ajukan-place-next")

    # the form: the browser checks the server's limits before anything is sent
    page.click("#ajukan-form-next")
    assert page.locator(".field.invalid").count() >= 5
    assert "Wajib diisi" in page.locator("#f-attrs-organisation-error").inner_text()
    page.fill("#f-attrs-organisation", "Yayasan Peta Sejahtera")
    page.select_option("#f-attrs-organisation_kind", "yayasan")
    page.fill("#f-attrs-purpose", "Renovasi ruang belajar warga")
    page.locator("#f-attrs-amount_requested_idr").press_sequentially("25000000")
    assert page.input_value("#f-attrs-amount_requested_idr") == "25.000.000"
    page.fill("#f-private-chair-name", "Ketua Contoh")
    page.fill("#f-private-chair-nik", "12345")
    page.fill("#f-private-secretary-name", "Sekretaris Contoh")
    page.fill("#f-private-secretary-nik", NIK_SECRETARY)
    page.fill("#f-private-bank_account-bank", "Bank Uji")
    page.fill("#f-private-bank_account-number", "1234567890")
    page.fill("#f-private-bank_account-holder", "Yayasan Peta Sejahtera")
    page.fill("#f-contact-name", "Ketua Contoh")
    page.fill("#f-contact-phone", "0812 3456 7890")
    page.click("#ajukan-form-next")
    assert page.locator("#f-private-chair-nik-error").inner_text() == "NIK harus 16 angka"
    page.fill("#f-private-chair-nik", NIK_CHAIR)
    page.click("#ajukan-form-next")

    # the documents: a missing one blocks with a clear list; a wrong type is refused at once
    page.wait_for_selector("#doc-proposal", timeout=5_000)
    files = _pdfs(tmp_path / "docs")
    exe = tmp_path / "setup.exe"
    exe.write_bytes(b"MZ not a document")
    page.set_input_files("#doc-npwp", str(exe))
    assert page.locator("#doc-npwp-error").inner_text() == "Hanya PDF, JPEG atau PNG"
    for slot, path in files.items():
        if slot != "ktp_sekretaris":
            page.set_input_files(f"#doc-{slot}", str(path))
    page.click("#ajukan-send")
    missing = page.locator("#ajukan-missing")
    assert missing.is_visible()
    assert missing.locator("li").all_inner_texts() == ["KTP sekretaris"]
    page.set_input_files("#doc-ktp_sekretaris", str(files["ktp_sekretaris"]))
    assert not missing.is_visible()
    page.screenshot(path=str(artifacts / "ajukan-docs-phone.png"), full_page=True)
    page.evaluate(WATCH_PROGRESS)
    page.click("#ajukan-send")

    # the code, big, with a Copy button and a QR drawn in the browser
    page.wait_for_selector("#ajukan-code", timeout=20_000)
    code = page.locator("#ajukan-code").inner_text().strip()
    assert code.startswith("SBK-")
    # the progress bar went up with the upload's progress events, to 100 %
    shown = page.evaluate("window.__progress")
    assert shown[0] == "Mengirim ... 0%"
    assert "Mengirim ... 100%" in shown
    modules = int(page.locator("#ajukan-qr").get_attribute("data-modules") or 0)
    assert modules >= 25
    dark = page.evaluate(
        """() => { const c = document.getElementById('ajukan-qr');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0; for (let i = 0; i < d.length; i += 4) if (d[i] < 128) n++; return n; }"""
    )
    assert dark > 100
    link = page.locator("#ajukan-track-link").get_attribute("href") or ""
    assert link.endswith(f"/lacak?kode={code}")
    page.click("#ajukan-copy")
    page.wait_for_selector("#ajukan-copied:has-text('Kode tersalin')", timeout=5_000)
    page.screenshot(path=str(artifacts / "ajukan-code-phone.png"))
    assert page.errors == []

    # tracking it: type, kelurahan, the timeline
    page.goto(f"{demo_server.url}/lacak?kode={code}")
    wait_until(page, "document.body.dataset.track === 'found'")
    assert page.locator("#track-status").inner_text() == "Diajukan"
    assert page.locator("#track-type").inner_text() == "Hibah dan bantuan sosial"
    assert page.locator("#track-place").inner_text().startswith("Kel. ")
    assert page.locator("#track-timeline li").count() == 1
    for secret in ("Ketua Contoh", NIK_CHAIR, "1234567890", "0812"):
        assert secret not in page.content()
    page.screenshot(path=str(artifacts / "lacak-phone.png"))
    page.fill("#track-code", "SBK-2222-2222-2222-2222")
    page.click("#track-form button")
    wait_until(page, "document.body.dataset.track === 'error'")
    assert page.locator("#track-message").inner_text().startswith("Kode tidak ditemukan")
    assert page.errors == []


def test_the_nearby_hint_names_similar_requests(page: Any, demo_server: LiveServer) -> None:
    lon, lat = _kelurahan_point(demo_server, 7)
    data, files = multipart(proposal(lon, lat))
    made = httpx.post(f"{demo_server.url}/cities/tangerang/requests", data=data, files=files)
    assert made.status_code == 201, made.text
    _open_ajukan(page, demo_server, lon, lat)
    _place(page)
    message = page.locator("#ajukan-nearby-message")
    assert int(message.get_attribute("data-count") or 0) >= 1
    assert message.inner_text().startswith("Sudah ada ")
    assert "pengajuan serupa dalam 100 m dalam 90 hari terakhir" in message.inner_text()
    assert made.json()["code"] not in page.locator("#ajukan-nearby").inner_text()
    assert page.locator(".nearby-items li").first.inner_text().startswith("Diajukan")


@pytest.fixture(scope="module")
def closed_server(
    demo_server: LiveServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A second live server on the demo database whose hibah window is closed today."""
    import uvicorn

    from api.app import create_app
    from geo.store.cluster import free_port

    today = today_in_city()
    span = f"{today + timedelta(days=30):%m-%d}/{today + timedelta(days=60):%m-%d}"
    settings = Settings(
        database_url=demo_server.db_url,
        var_dir=tmp_path_factory.mktemp("closed-var"),
        default_city="tangerang",
        submission_windows=orjson.dumps(
            {"tangerang": {"bantuan.hibah": span.replace("02-29", "02-28")}}
        ).decode(),
        _env_file=None,
    )
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the closed-window server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def test_a_closed_window_says_when_it_opens(
    page: Any, demo_server: LiveServer, closed_server: str, artifacts: Path
) -> None:
    page.set_viewport_size(PHONE)
    watch(page)
    page.goto(f"{closed_server}/?city=tangerang")
    page.wait_for_selector("body[data-ready=true]", timeout=30_000)
    page.click("#ajukan-open")
    page.wait_for_selector(".service-card [data-kind=hibah]", timeout=10_000)
    assert page.locator("[data-kind=hibah]").is_disabled()
    assert page.locator("[data-kind=bansos]").is_enabled()
    closed = page.locator("[data-window=closed]")
    assert closed.count() == 1
    assert closed.inner_text().startswith("Ditutup. Dibuka ")
    page.screenshot(path=str(artifacts / "ajukan-closed-phone.png"))
    lon, lat = api(demo_server, "/cities/tangerang")["center"]
    data, files = multipart(proposal(lon, lat))
    refused = httpx.post(f"{closed_server}/cities/tangerang/requests", data=data, files=files)
    assert refused.status_code == 409
    assert refused.json()["code"] == "submission-window-closed"
    assert page.errors == []


def test_a_warga_sees_server_errors_per_field_and_their_own_requests(
    page: Any, demo_server: LiveServer, tmp_path: Path
) -> None:
    """Logged in (the upload carries the CSRF token); a NIK of 16 digits whose birth date is
    impossible passes the browser and is refused by the server, shown under its field."""
    from geo.accounts import Grant, create_user
    from geo.cities import get_city
    from geo.store.db import make_engine, session_scope

    password = "kuda-lari-pagi-di-sawah-17"  # a test value only
    engine = make_engine(demo_server.db_url, pool_size=1)
    try:
        with session_scope(engine) as session:
            create_user(
                session,
                city_id=get_city(session, "tangerang").id,
                username="warga.ajukan",
                display_name="Warga Ajukan",
                password=password,
                grants=[Grant("warga")],
            )
    finally:
        engine.dispose()
    watch(page)
    login = page.request.post(
        f"{demo_server.url}/auth/login",
        data={"username": "warga.ajukan", "password": password, "city": "tangerang"},
    )
    assert login.status == 200, login.text()
    lon, lat = _kelurahan_point(demo_server, 11)
    _open_ajukan(page, demo_server, lon, lat)
    assert page.locator("#my-requests").inner_text().endswith("Belum ada pengajuan.")
    _place(page)
    page.click("#ajukan-place-next")
    fields = {
        "#f-attrs-organisation": "Masjid Al-Peta",
        "#f-attrs-purpose": "Perbaikan atap",
        "#f-attrs-amount_requested_idr": "15000000",
        "#f-private-chair-name": "Ketua Masjid",
        "#f-private-chair-nik": "9901019999900001",  # 16 digits, born on the 99th
        "#f-private-secretary-name": "Sekretaris Masjid",
        "#f-private-secretary-nik": NIK_SECRETARY,
        "#f-private-bank_account-bank": "Bank Uji",
        "#f-private-bank_account-number": "987654321",
        "#f-private-bank_account-holder": "Masjid Al-Peta",
        "#f-contact-name": "Ketua Masjid",
    }
    for selector, value in fields.items():
        page.fill(selector, value)
    page.select_option("#f-attrs-organisation_kind", "masjid_musala")
    page.click("#ajukan-form-next")
    for slot, path in _pdfs(tmp_path / "docs").items():
        page.set_input_files(f"#doc-{slot}", str(path))
    page.click("#ajukan-send")
    page.wait_for_selector("#ajukan-form .field.invalid", timeout=10_000)
    error = page.locator("#f-private-chair-nik-error").inner_text()
    assert error == "tanggal lahir dalam NIK tidak valid"
    assert page.input_value("#f-attrs-organisation") == "Masjid Al-Peta"  # nothing typed is lost
    page.fill("#f-private-chair-nik", NIK_CHAIR)
    page.click("#ajukan-form-next")
    page.click("#ajukan-send")  # the chosen files are kept
    page.wait_for_selector("#ajukan-code", timeout=20_000)
    code = page.locator("#ajukan-code").inner_text().strip()
    page.click("#ajukan-again")
    page.wait_for_selector(f"#my-requests [data-code='{code}'] a", timeout=10_000)
    assert page.locator("#my-requests li").count() == 1
    assert page.errors == []
