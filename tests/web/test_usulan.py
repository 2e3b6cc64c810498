"""The public list of aid proposals (/usulan) in chromium: organisations and amounts are
shown, people are not; a filter narrows the list; a phone gets cards without sideways scroll."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.api.request_sample import NIKS, multipart, proposal
from tests.conftest import LiveServer
from tests.web.conftest import api, wait_until, watch

pytestmark = [pytest.mark.browser, pytest.mark.postgis, pytest.mark.slow]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
# generated test organisations and people (no real body, no real person)
HIBAH_ORG = "Yayasan Daftar Terang"
BANSOS_ORG = "Kelompok Tani Usulan Makmur"
PEOPLE = ("Siti Contoh", "Budi Contoh", "0812 3456 7890", "Ratna Pengurus", "0813 9999 0001")


def _submit(server: LiveServer, body: dict[str, Any]) -> None:
    data, files = multipart(body)
    response = httpx.post(
        f"{server.url}/cities/tangerang/requests", data=data, files=files, timeout=30
    )
    assert response.status_code == 201, response.text


@pytest.fixture(scope="module")
def listed(demo_server: LiveServer) -> LiveServer:
    """Two proposals over HTTP (a hibah and a bansos), anonymous like the Ajukan form."""
    fc = api(demo_server, "/cities/tangerang/collections/kelurahan/items?limit=1&offset=2")
    from shapely.geometry import shape

    point = shape(fc["features"][0]["geometry"]).representative_point()
    _submit(
        demo_server,
        proposal(point.x, point.y, organisation=HIBAH_ORG, amount_requested_idr=37_500_000),
    )
    bansos = proposal(
        point.x + 0.0003,
        point.y,
        organisation=BANSOS_ORG,
        organisation_kind="kelompok_tani",
        kind="bansos",
        amount_requested_idr=12_250_000,
    )
    bansos["contact"] = {"name": "Ratna Pengurus", "nik": NIKS[2], "phone": "0813 9999 0001"}
    _submit(demo_server, bansos)
    return demo_server


def _open(page: Any, server: LiveServer, query: str = "") -> None:
    watch(page)
    page.goto(f"{server.url}/usulan{query}")
    page.wait_for_selector("body[data-ready=true]", timeout=30_000)
    wait_until(page, "document.body.dataset.busy === 'false'")


def _rows(page: Any) -> list[str]:
    return list(page.locator("#usulan-table tbody tr th").all_inner_texts())


def _no_people(page: Any) -> None:
    body = page.locator("body").inner_text()
    for text in (*PEOPLE, *NIKS):
        assert text not in body
    assert not any(nik[:6] in body for nik in NIKS)


def test_the_public_list_shows_organisations_and_amounts_not_people(
    page: Any, listed: LiveServer, artifacts: Path
) -> None:
    page.set_viewport_size(DESKTOP)
    _open(page, listed)
    assert page.locator("h1").inner_text() == "Daftar usulan hibah & bansos"
    rows = _rows(page)
    assert HIBAH_ORG in rows
    assert BANSOS_ORG in rows
    row = page.locator("#usulan-table tbody tr", has_text=HIBAH_ORG)
    assert row.locator(".c-amount_requested_idr").inner_text() == "Rp 37.500.000"
    assert row.locator(".c-kind").inner_text() == "Hibah"
    assert row.locator(".c-status").inner_text() == "Diajukan"
    # the totals are those of every proposal the filters match, not only the rows shown
    whole = api(listed, "/cities/tangerang/proposals?limit=1")
    rupiah = f"Rp {whole['total_requested_idr']:,}".replace(",", ".")
    assert page.locator("#total-requested").inner_text() == rupiah
    _open(page, listed, "?limit=1")  # one row a page: the sums still cover both proposals
    assert len(_rows(page)) == 1
    assert page.locator("#total-requested").inner_text() == rupiah
    assert whole["total_requested_idr"] > 37_500_000  # more than the hibah's own amount
    _open(page, listed)
    _no_people(page)
    page.screenshot(path=str(artifacts / "usulan-desktop.png"))
    # a filter narrows the list to the bansos, newest first
    page.select_option("#f-kind", "bansos")
    wait_until(page, "document.body.dataset.busy === 'false'")
    wait_until(
        page,
        "[...document.querySelectorAll('#usulan-table tbody tr')]"
        ".every(r => r.dataset.kind === 'bansos')",
    )
    rows = _rows(page)
    assert BANSOS_ORG in rows
    assert HIBAH_ORG not in rows
    # the status filter: nothing of these is approved yet
    page.select_option("#f-status", "ditetapkan")
    page.wait_for_selector("#usulan-empty", timeout=10_000)
    # English on demand, Bahasa the default
    page.click("#lang-toggle")
    assert page.locator("h1").inner_text() == "Grant & social aid proposals"
    page.click("#lang-toggle")
    assert page.errors == []
    assert page.dialogs == []


def test_a_phone_gets_cards_without_sideways_scroll(
    page: Any, listed: LiveServer, artifacts: Path
) -> None:
    page.set_viewport_size(PHONE)
    _open(page, listed)
    card = page.locator("#usulan-table tbody tr", has_text=BANSOS_ORG)
    assert card.is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    # each cell is labelled (the thead is hidden on a phone)
    assert card.locator(".c-amount_requested_idr").get_attribute("data-label") == (
        "Jumlah diajukan"
    )
    assert "Rp 12.250.000" in card.inner_text()
    box = card.bounding_box()
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= PHONE["width"]
    _no_people(page)
    page.screenshot(path=str(artifacts / "usulan-phone.png"))
    assert page.errors == []


def test_the_map_and_the_tracking_page_link_to_the_list(page: Any, listed: LiveServer) -> None:
    watch(page)
    page.goto(f"{listed.url}/lacak")
    page.click("#lacak-proposals-link")
    page.wait_for_url(f"{listed.url}/usulan")
    page.wait_for_selector("body[data-ready=true]", timeout=30_000)
    page.goto(f"{listed.url}/?city=tangerang")
    page.wait_for_selector("body[data-ready=true]", timeout=30_000)
    page.click("#ajukan-open")
    link = page.locator("#ajukan-proposals-link")
    link.wait_for(timeout=10_000)
    assert link.get_attribute("href") == "/usulan"
    assert link.inner_text() == "Daftar usulan hibah & bansos"
    assert page.errors == []


def test_pages_sorting_and_filters_in_the_address(page: Any, listed: LiveServer) -> None:
    page.set_viewport_size(DESKTOP)
    total = api(listed, "/cities/tangerang/proposals?limit=1")["total"]
    assert total >= 2
    _open(page, listed, "?limit=1")
    first = _rows(page)
    assert len(first) == 1
    assert page.locator("#usulan-count").inner_text() == f"1–1 dari {total} usulan"
    assert page.locator("#page-prev").is_disabled()
    page.click("#page-next")
    page.wait_for_selector("#page-prev:not([disabled])")
    wait_until(page, "document.body.dataset.busy === 'false'")
    assert page.locator("#usulan-count").inner_text() == f"2–2 dari {total} usulan"
    assert _rows(page) != first
    page.click("#page-prev")
    page.wait_for_selector("#page-prev[disabled]")
    assert _rows(page) == first
    # a filter from the address, and back into it (a list one can share)
    _open(page, listed, "?kind=bansos")
    assert page.locator("#f-kind").input_value() == "bansos"
    assert BANSOS_ORG in _rows(page)
    assert HIBAH_ORG not in _rows(page)
    # the address keeps the filters (a list one can share)
    page.select_option("#f-year", str(page.evaluate("new Date().getFullYear()")))
    wait_until(page, "location.search.includes('year=')")
    assert "kind=bansos" in page.evaluate("location.search")
    # sorting the rows of a page by amount, both ways
    _open(page, listed, "?limit=100")
    page.click("#usulan-table button[data-sort=amount_requested_idr]")

    def amounts() -> list[int]:
        texts = page.locator("#usulan-table .c-amount_requested_idr").all_inner_texts()
        return [int(t.removeprefix("Rp ").replace(".", "")) for t in texts if t.startswith("Rp ")]

    assert amounts() == sorted(amounts(), reverse=True)
    header = page.locator("#usulan-table th:has(button[data-sort=amount_requested_idr])")
    assert header.get_attribute("aria-sort") == "descending"
    page.click("#usulan-table button[data-sort=amount_requested_idr]")
    assert amounts() == sorted(amounts())
    assert page.errors == []
