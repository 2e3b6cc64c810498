"""During a database outage the log gets one traceback, then one short line per request."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.outage import OutageLog
from api.settings import Settings
from geo.store.cluster import free_port
from tests.api.test_service import assert_problem

URLS = [
    "/health",
    "/cities",
    "/cities/tangerang",
    "/cities/tangerang/collections/schools/items",
    "/cities/tangerang/search?q=poris",
]


def _ours(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name.startswith("tpo")]


def test_twenty_failures_one_traceback(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    url = f"postgresql://nobody@127.0.0.1:{free_port()}/nothing"
    app = create_app(Settings(database_url=url, var_dir=tmp_path, _env_file=None))
    with TestClient(app, raise_server_exceptions=False) as client:
        caplog.clear()
        caplog.set_level(logging.INFO)
        for n in range(20):
            assert_problem(client.get(URLS[n % len(URLS)]), 503)
    records = _ours(caplog)
    with_traceback = [r for r in records if r.exc_info]
    assert len(with_traceback) == 1
    assert len(records) <= 20
    for record in records:
        text = record.getMessage()
        if record.exc_info is None:
            assert "\n" not in text
            assert len(text) < 400
        assert "unavailable" in text
    assert "20 failed requests" in records[-1].getMessage()


def test_a_success_ends_the_outage(caplog: pytest.LogCaptureFixture) -> None:
    log = logging.getLogger("tpo.test-outage")
    outage = OutageLog(log)
    request = _request()
    caplog.set_level(logging.INFO, logger="tpo.test-outage")
    for _ in range(3):
        outage.failed(request, OSError("connection refused\nsecond line"))
    outage.recovered()
    outage.recovered()
    outage.failed(request, OSError("refused again"))
    messages = [r.getMessage() for r in caplog.records]
    assert [bool(r.exc_info) for r in caplog.records] == [True, False, False, False, True]
    assert messages[1] == (
        "database still unavailable (2 failed requests) GET /cities: connection refused"
    )
    assert messages[3] == "database available again after 3 failed requests"


@pytest.mark.postgis
def test_checkout_ends_the_outage(
    db_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The app's pools say when the database is back: a sync request and an items read."""
    app = create_app(Settings(database_url=db_url, var_dir=tmp_path, _env_file=None))
    with TestClient(app) as client:
        caplog.set_level(logging.INFO)
        for path in ("/cities", "/cities/nowhere/collections/schools/items"):
            app.state.outage.failed(_request(), OSError("refused"))
            caplog.clear()
            assert client.get(path).status_code in {200, 404}
            assert [r.getMessage() for r in _ours(caplog)] == [
                "database available again after 1 failed requests"
            ]
            assert app.state.outage.failures == 0


def _request() -> object:
    from starlette.requests import Request

    return Request({"type": "http", "method": "GET", "path": "/cities", "headers": []})
