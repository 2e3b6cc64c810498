"""Pindah sekolah in chromium on a phone (390×844): a parent places the home, picks the level
and the two schools, sees the figures and the 5 nearest alternatives (on the map too), meets
the province notice for SMA, submits with the six documents and tracks it on /lacak."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from geo.requests.transfer import TRANSFER_DOCUMENTS
from tests.conftest import LiveServer
from tests.web.conftest import go_to, open_map, wait_until
from tests.web.test_ajukan import PHONE, _kelurahan_point

pytestmark = [pytest.mark.browser, pytest.mark.postgis, pytest.mark.slow]
CHILD, NISN = "Putri Anak Uji", "0011223344"


def _pdfs(folder: Path) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for slot in TRANSFER_DOCUMENTS:
        path = folder / f"{slot}.pdf"
        path.write_bytes(b"%PDF-1.4\n% " + slot.encode() + b"\n%%EOF\n")
        out[slot] = path
    return out


def _wait_form(page: Any) -> None:
    page.wait_for_selector("#f-private-student-level", timeout=10_000)


def test_a_parent_asks_for_a_school_transfer_on_a_phone(
    page: Any, demo_server: LiveServer, tmp_path: Path, artifacts: Path
) -> None:
    lon, lat = _kelurahan_point(demo_server, 5)
    page.set_viewport_size(PHONE)
    open_map(page, demo_server)
    go_to(page, lon, lat, 16)
    page.click("#ajukan-open")
    page.click(".service-card [data-service=pindah_sekolah]", timeout=10_000)
    wait_until(page, "document.body.dataset.nearby === 'done'")
    page.wait_for_selector("#ajukan-place-next:not([disabled])", timeout=10_000)
    page.click("#ajukan-place-next")
    _wait_form(page)

    # a province level: the notice with the address, and no way on
    page.select_option("#f-private-student-level", "SMA")
    page.wait_for_selector("#transfer-province:not([hidden])", timeout=10_000)
    notice = page.locator("#transfer-province").inner_text()
    assert "Dindikbud Provinsi Banten" in notice
    assert "Jl. Syech Nawawi Al Bantani, Palima, Kota Serang" in notice
    assert page.locator("#ajukan-form-next").is_disabled()

    page.select_option("#f-private-student-level", "SD")
    wait_until(page, "document.querySelectorAll('#f-attrs-origin_npsn option').length > 3")
    assert page.locator("#transfer-province").is_hidden()
    page.fill("#f-private-student-name", CHILD)
    page.fill("#f-private-student-nisn", "123")
    page.select_option("#f-private-student-grade", "4")
    options = page.locator("#f-attrs-origin_npsn option").evaluate_all(
        "os => os.map(o => o.value).filter(Boolean)"
    )
    page.select_option("#f-attrs-origin_npsn", options[0])
    page.select_option("#f-attrs-target_npsn", options[2])
    wait_until(page, "document.body.dataset.figures === 'done'", timeout_s=20)
    assert "Jarak garis lurus" in page.locator("#transfer-target-figures").inner_text()
    assert page.locator("#transfer-alternatives tbody tr").count() == 5
    assert page.locator(".leaflet-interactive").count() >= 5  # the schools on the map
    # picking the nearest alternative makes it the target
    nearest = page.locator("#transfer-alternatives tbody tr").first.get_attribute("data-npsn")
    page.locator("#transfer-alternatives tbody tr button").first.click()
    wait_until(page, f"document.getElementById('f-attrs-target_npsn').value === '{nearest}'")
    if nearest == options[0]:  # the nearest is the current school: take the next one
        page.locator("#transfer-alternatives tbody tr button").nth(1).click()
    wait_until(page, "document.body.dataset.figures === 'done'", timeout_s=20)
    page.select_option("#f-attrs-reason", "pindah_domisili")
    page.fill("#f-private-home_address", "Jl. Rumah Uji No. 3")
    page.fill("#f-contact-name", "Ibu Uji")
    page.fill("#f-contact-phone", "0812 5555 6666")
    page.locator("#transfer-figures").scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "pindah-sekolah-phone.png"))
    page.click("#ajukan-form-next")
    assert page.locator("#f-private-student-nisn-error").inner_text() == "NISN harus 10 angka"
    page.fill("#f-private-student-nisn", NISN)
    page.click("#ajukan-form-next")

    page.wait_for_selector("#doc-surat_permohonan", timeout=5_000)
    for slot, path in _pdfs(tmp_path / "docs").items():
        page.set_input_files(f"#doc-{slot}", str(path))
    page.click("#ajukan-send")
    page.wait_for_selector("#ajukan-code", timeout=30_000)
    code = page.locator("#ajukan-code").inner_text().strip()
    assert code.startswith("PSK-")
    assert "Jarak garis lurus" in page.locator("#ajukan-figures").inner_text()
    assert page.errors == []

    page.goto(f"{demo_server.url}/lacak?kode={code}")
    wait_until(page, "document.body.dataset.track === 'found'")
    assert page.locator("#track-type").inner_text() == "Pindah sekolah"
    assert page.locator("#track-status").inner_text() == "Diajukan"
    assert page.locator("#track-place").inner_text() != "—"
    for secret in (CHILD, NISN, "Jl. Rumah Uji", "Ibu Uji", "0812"):
        assert secret not in page.content()
    assert page.errors == []
