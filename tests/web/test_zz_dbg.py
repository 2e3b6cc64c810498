from tests.web.conftest import open_map
def test_dbg(page, demo_server):
    open_map(page, demo_server)
    page.set_viewport_size({"width": 1366, "height": 800})
    page.click("[data-tab=trip]")
    page.fill("#trip-to", "Cibodas")
    page.locator("#trip-to-suggest [role=option]").first.wait_for(timeout=10_000)
    print("POS", page.evaluate("getComputedStyle(document.getElementById('trip-to-suggest')).position"), page.evaluate("[...document.styleSheets].map(s=>s.href).join(' ')"))
    page.screenshot(path="/tmp/mapweb-dbg.png")
