"""/docs in chromium with every other origin cut off: Swagger UI comes from our own server."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.conftest import LiveServer
from tests.web.conftest import csp_violations, watch

pytestmark = [pytest.mark.browser, pytest.mark.postgis, pytest.mark.slow]
VIEWPORTS = {"desktop": {"width": 1366, "height": 800}, "phone": {"width": 390, "height": 844}}


@pytest.mark.parametrize("size", VIEWPORTS)
def test_docs_work_offline(browser: Any, live_server: LiveServer, size: str) -> None:
    context = browser.new_context(viewport=VIEWPORTS[size])
    try:
        page = watch(context.new_page())
        own = urlsplit(live_server.url).netloc
        elsewhere: list[str] = []

        def offline(route: Any) -> None:
            if urlsplit(route.request.url).netloc == own:
                route.continue_()
            else:  # as on a machine without internet
                elsewhere.append(route.request.url)
                route.abort()

        page.route("**/*", offline)
        page.goto(live_server.url + "/docs")
        page.locator("#swagger-ui .info .title").wait_for(timeout=20_000)
        assert "Tree Point O" in page.locator("#swagger-ui .info .title").inner_text()
        trips = page.locator(".opblock-summary-path", has_text="/cities/{city}/trips")
        trips.first.wait_for()
        assert page.locator(".opblock").count() > 20
        assert elsewhere == []
        assert page.errors == []
        assert csp_violations(page) == []
    finally:
        context.close()
