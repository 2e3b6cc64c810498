"""Switching language with results on screen: trip cards, steps, the school list, the page title,
labels and options are all redone; no visible text stays in the other language."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import LiveServer
from tests.web.conftest import api, csp_violations, go_to, open_map, tap_centre
from tests.web.test_trip_view import VIEWPORTS, plan_by_taps

pytestmark = [pytest.mark.browser, pytest.mark.postgis, pytest.mark.slow]

# words of our own Indonesian interface (not of the data: names of streets and schools)
INDONESIAN = [
    "menit",
    "jalan kaki",
    "ganti",
    "Tercepat",
    "Paling sedikit",
    "Cari rute",
    "Dari",
    "Tukar",
    "tunggu",
    "Naik angkot",
    "turun di",
    "Ketuk peta",
    "Semua jenjang",
    "sekolah di dalam",
    "Radius zonasi",
    "Negeri & swasta",
    "Peta Layanan",
    "Lapisan",
    "Rute angkot",
    "Sekolah",
]

# the visible text of the interface: every text node shown, minus those inside data elements
VISIBLE_UI_TEXT = """(() => {
  const out = [];
  const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walk.nextNode(); n; n = walk.nextNode()) {
    const e = n.parentElement;
    if (!e || !n.textContent.trim()) continue;
    if (e.closest('strong, .chip, .leaflet-popup, .stop-label, .city-name')) continue;
    if (e.closest('#trip-from, #trip-to, datalist, script, style, [hidden]')) continue;
    const r = e.getBoundingClientRect();
    if (r.width === 0 || r.height === 0 || getComputedStyle(e).visibility === 'hidden') continue;
    out.push(n.textContent.trim());
  }
  for (const o of document.querySelectorAll('select')) {
    out.push(o.selectedOptions[0]?.textContent || '');
  }
  out.push(document.title);
  return out.join(' | ');
})()"""


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_language_switch_redoes_results(
    browser: Any, demo_server: LiveServer, artifacts: Path, viewport: str
) -> None:
    width, height = VIEWPORTS[viewport]
    phone = viewport == "phone"
    context = browser.new_context(
        viewport={"width": width, "height": height}, is_mobile=phone, has_touch=phone
    )
    page = context.new_page()
    page.viewport_name = viewport
    open_map(page, demo_server)
    plan_by_taps(page, demo_server)
    card = page.locator("#trip-results li").first.inner_text()
    assert "menit" in card
    before = page.evaluate(VISIBLE_UI_TEXT)
    assert len([w for w in INDONESIAN if w in before]) > 5, before  # the check sees them
    page.click("#lang-toggle")
    assert page.evaluate("document.documentElement.lang") == "en"
    assert page.title() == "Tree Point O — City Services Map"
    card = page.locator("#trip-results li").first.inner_text()
    assert "min" in card
    assert "menit" not in card
    assert "transfer" in card
    steps = page.locator("#trip-steps").inner_text()
    assert "Take" in steps or "Walk" in steps
    text = page.evaluate(VISIBLE_UI_TEXT)
    left = [w for w in INDONESIAN if w in text]
    assert left == [], text
    page.screenshot(path=str(artifacts / f"trip-english-{viewport}.png"))
    # the school list, and the Negeri/Swasta options
    city = api(demo_server, "/cities/tangerang")
    page.click("[data-tab=schools]")
    go_to(page, *city["center"], 15)
    tap_centre(page)
    page.wait_for_selector("body[data-schools=done]", timeout=20_000)
    assert "schools inside the radius" in page.locator("#school-status-text").inner_text()
    options = page.locator("#school-status option").all_inner_texts()
    assert "Public" in options
    assert "Private" in options
    tags = set(page.locator("#school-results .tag").all_inner_texts())
    assert tags & {"Public", "Private"}
    assert not tags & {"Negeri", "Swasta"}
    # and back: the same results in Bahasa Indonesia
    page.click("#lang-toggle")
    assert "sekolah di dalam radius" in page.locator("#school-status-text").inner_text()
    tags = set(page.locator("#school-results .tag").all_inner_texts())
    assert tags & {"Negeri", "Swasta"}
    assert not tags & {"Public", "Private"}
    assert page.title() == "Tree Point O — Peta Layanan Kota"
    assert page.errors == []
    assert csp_violations(page) == []
    context.close()
