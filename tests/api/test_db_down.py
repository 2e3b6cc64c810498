"""With the database unreachable, /health answers 503 problem+json (not a traceback)."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from geo.store.cluster import free_port


def test_health_503_when_database_is_down(tmp_path: Path) -> None:
    url = f"postgresql://nobody@127.0.0.1:{free_port()}/nothing"
    app = create_app(Settings(database_url=url, var_dir=tmp_path, _env_file=None))
    with TestClient(app, raise_server_exceptions=False) as client:
        r = client.get("/health")
    assert r.status_code == 503
    assert r.headers["content-type"] == "application/problem+json"
    assert "not reachable" in r.json()["detail"]
