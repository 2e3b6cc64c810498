"""With the database unreachable, every endpoint answers 503 problem+json with Retry-After."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from geo.store.cluster import free_port
from tests.api.test_service import assert_problem

# one endpoint per way to the database: the sync session, the async items pool, the city lookup
DOWN_URLS = [
    "/health",
    "/cities",
    "/cities/tangerang",
    "/cities/tangerang/collections/schools/items",
    "/cities/tangerang/collections/schools/tiles/WebMercatorQuad/12/3263/2118",
    "/cities/tangerang/search?q=poris",
]


def _down_settings(tmp_path: Path, **extra: object) -> Settings:
    url = f"postgresql://nobody@127.0.0.1:{free_port()}/nothing"
    return Settings(database_url=url, var_dir=tmp_path, _env_file=None, **extra)


def test_health_503_when_database_is_down(tmp_path: Path) -> None:
    app = create_app(_down_settings(tmp_path))
    with TestClient(app, raise_server_exceptions=False) as client:
        r = client.get("/health")
    assert r.status_code == 503
    assert r.headers["content-type"] == "application/problem+json"
    assert "not reachable" in r.json()["detail"]


@pytest.mark.parametrize("url", DOWN_URLS)
def test_every_503_carries_retry_after(tmp_path: Path, url: str) -> None:
    app = create_app(_down_settings(tmp_path))
    with TestClient(app, raise_server_exceptions=False) as client:
        r = client.get(url)
    body = assert_problem(r, 503)
    assert r.headers["retry-after"] == "5"
    assert body["title"]
    assert body["detail"]


def test_retry_after_follows_the_setting(tmp_path: Path) -> None:
    app = create_app(_down_settings(tmp_path, retry_after_s=17))
    with TestClient(app, raise_server_exceptions=False) as client:
        sync = client.get("/cities")
        lean = client.get("/cities/tangerang/collections/schools/items")
    for r in (sync, lean):
        assert_problem(r, 503)
        assert r.headers["retry-after"] == "17"
