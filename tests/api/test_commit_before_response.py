"""A write is committed before its answer leaves the server: a client that reads again as soon
as it has the answer (the staff workspace re-reads a request after a step) sees the write."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from api.app import create_app
from api.deps import SessionDep
from api.settings import Settings

pytestmark = pytest.mark.postgis
TABLE = "commit_probe_test"


def test_the_commit_happens_before_the_response_starts(db_url: str, tmp_path: Any) -> None:
    engine = create_engine(db_url)
    with engine.begin() as conn:
        conn.execute(text(f"CREATE TABLE IF NOT EXISTS {TABLE} (n int)"))
        conn.execute(text(f"DELETE FROM {TABLE}"))
    app = create_app(Settings(database_url=db_url, var_dir=tmp_path / "var", _env_file=None))

    @app.post("/_probe")
    def probe(session: SessionDep) -> dict[str, bool]:
        session.execute(text(f"INSERT INTO {TABLE} VALUES (1)"))
        return {"ok": True}

    seen: list[int] = []

    async def watched(scope: Any, receive: Any, send: Callable[[Any], Awaitable[None]]) -> None:
        async def spy(message: Any) -> None:
            if message["type"] == "http.response.start" and scope["path"] == "/_probe":
                # another connection, at the moment the answer starts going out
                with engine.connect() as conn:
                    seen.append(conn.execute(text(f"SELECT count(*) FROM {TABLE}")).scalar_one())
            await send(message)

        await app(scope, receive, spy)

    try:
        with TestClient(watched) as client:
            assert client.post("/_probe").status_code == 200
        assert seen == [1]
    finally:
        with engine.begin() as conn:
            conn.execute(text(f"DROP TABLE {TABLE}"))
        engine.dispose()
