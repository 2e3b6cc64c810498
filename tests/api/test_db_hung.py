"""A frozen database (SIGSTOP on its postmaster and backends): 503 within the deadline, then
recovery once it runs again. And every pooled connection busy: 503, not a 500 after 30 s.

Before: every request hung, and once the pool was exhausted requests got a 500 after 30 s.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from geo.store import migrate
from geo.store.cluster import EmbeddedCluster
from geo.store.db import ensure_database, make_engine, session_scope
from tests.api.test_service import assert_problem
from tests.conftest import PG_BIN
from tests.layers.sample import insert_sample_city

pytestmark = [pytest.mark.postgis, pytest.mark.slow]
C = "/cities/frozen"
REQUEST_TIMEOUT_S = 2.5
BOUND_S = REQUEST_TIMEOUT_S + 2.0  # the deadline, plus what a busy 2-core machine adds
URLS = [
    "/health",
    C,
    f"{C}/collections/schools/items",
    f"{C}/collections/schools/items?limit=3",
    f"{C}/schools/nearest?lon=106.65&lat=-6.18&limit=3",
    f"{C}/collections/roads/tiles/WebMercatorQuad/14/13045/8473",
    "/cities",
]


def _processes_of(postmaster: int) -> list[int]:
    """The postmaster and its children (checkpointer, walwriter, backends ...)."""
    pids = [postmaster]
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == postmaster:
            pids.append(int(entry.name))
    return pids


def _signal(pids: list[int], sig: signal.Signals) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)


@pytest.fixture(scope="module")
def own_cluster() -> Iterator[tuple[EmbeddedCluster, str]]:
    """A throwaway cluster of this module's own (the shared one must never be frozen)."""
    if not (PG_BIN / "initdb").exists():
        pytest.skip(f"PostgreSQL not installed at {PG_BIN}")
    root = Path(tempfile.mkdtemp(prefix="tpo-hung-pg-"))
    cluster = EmbeddedCluster(root, PG_BIN, fast=True)
    try:
        url = cluster.up().url("tpo_hung")
        ensure_database(url)
        migrate.upgrade(url)
        engine = make_engine(url, pool_size=1)
        with session_scope(engine) as session:
            insert_sample_city(session, "frozen")
        engine.dispose()
        yield cluster, url
    finally:
        cluster.destroy()
        shutil.rmtree(root, ignore_errors=True)


def _settings(url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=url,
        var_dir=tmp_path,
        pool_size=1,
        statement_timeout_ms=1000,
        connect_timeout_s=2,
        pool_timeout_s=0.5,
        request_timeout_s=REQUEST_TIMEOUT_S,
        retry_after_s=7,
        layer_cache_mb=0,
        _env_file=None,
    )


def _timed_get(client: TestClient, url: str) -> tuple[Any, float]:
    started = time.monotonic()
    r = client.get(url)
    return r, time.monotonic() - started


def test_frozen_database_gives_503_then_recovers(
    own_cluster: tuple[EmbeddedCluster, str], tmp_path: Path
) -> None:
    cluster, url = own_cluster
    postmaster = cluster.status().pid
    assert postmaster is not None
    app = create_app(_settings(url, tmp_path))
    with TestClient(app, raise_server_exceptions=False) as client:
        for u in URLS:  # warm: pooled connections, walking graph, revisions
            assert client.get(u).status_code in {200, 204}, u
        pids = _processes_of(postmaster)
        assert len(pids) > 3
        # whatever happens below, the cluster runs again (so it can be stopped and deleted)
        safety = threading.Timer(120, _signal, (pids, signal.SIGCONT))
        safety.start()
        answers = []
        try:
            _signal(pids, signal.SIGSTOP)
            for u in URLS:
                r, elapsed = _timed_get(client, u)
                answers.append((u, r.status_code, round(elapsed, 2)))
                body = assert_problem(r, 503)
                assert r.headers["retry-after"] == "7", u
                assert elapsed < BOUND_S, (u, elapsed)
                assert "try again" in body["detail"]
        finally:
            _signal(pids, signal.SIGCONT)
            safety.cancel()
        # running again: every endpoint answers (connections stuck meanwhile come back)
        deadline = time.monotonic() + 30
        pending = list(URLS)
        while pending and time.monotonic() < deadline:
            pending = [u for u in pending if client.get(u).status_code not in {200, 204}]
            if pending:
                time.sleep(0.5)
        assert pending == [], answers


def test_pool_exhausted_is_503(db_url: str, tmp_path: Path) -> None:
    """Every connection of the engine held elsewhere: the pool timeout is a 503."""
    app = create_app(_settings(db_url, tmp_path))
    with TestClient(app, raise_server_exceptions=False) as client:
        engine = app.state.engine
        held = [engine.connect() for _ in range(2)]  # pool_size 1 + overflow 1
        try:
            r, elapsed = _timed_get(client, "/cities")
        finally:
            for conn in held:
                conn.close()
        body = assert_problem(r, 503)
        assert r.headers["retry-after"] == "7"
        assert "busy" in body["detail"]
        assert elapsed < 0.5 + 1.5
        assert client.get("/cities").status_code == 200


def test_items_pool_exhausted_is_503(db_url: str, tmp_path: Path) -> None:
    """The lean items pool: all its connections in use, the next read waits pool_timeout_s."""
    app = create_app(_settings(db_url, tmp_path))
    with TestClient(app, raise_server_exceptions=False) as client:
        pool = app.state.layer_pool
        taken = client.portal.call(pool.acquire)
        try:
            r, elapsed = _timed_get(client, "/cities/nowhere/collections/schools/items")
        finally:
            client.portal.call(pool.release, taken[0])
        body = assert_problem(r, 503)
        assert r.headers["retry-after"] == "7"
        assert "busy" in body["detail"]
        assert elapsed < 0.5 + 1.5
        assert client.get("/cities/nowhere/collections/schools/items").status_code == 404
