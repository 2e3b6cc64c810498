"""Shared fixtures: a throwaway PostGIS cluster, per-test rolled-back sessions, the app client."""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import Engine, make_url
from sqlalchemy.orm import Session

from api.settings import Settings

# Starlette's TestClient sends "Host: testserver": let the test apps answer for it too
os.environ.setdefault("TPO_ALLOWED_HOSTS", "localhost,127.0.0.1,::1,testserver,peta.example.org")
from geo.store import PROJECT_ROOT, migrate
from geo.store.cluster import EmbeddedCluster
from geo.store.db import drop_database, ensure_database, make_engine
from geo.store.roles import ensure_app_role

if TYPE_CHECKING:
    from fastapi import FastAPI

CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
PG_BIN = Path(os.environ.get("TPO_PG_BIN_DIR", "/usr/lib/postgresql/15/bin"))
SHARED_DATA = (PROJECT_ROOT.parent / "shared" / "data").resolve()
CHROMIUM = Path("/usr/bin/chromium")


def shared_file(path: Path) -> Path:
    """``path`` under ../shared/data, or skip (which CI=true turns into a failure)."""
    if not path.exists():
        pytest.skip(f"shared data missing: {path} (CI must have ../shared/data)")
    return path


# -- a skipped PostGIS or browser test under CI is a failure --------------------------------
@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    strict = {"postgis", "browser", "shared_data"}
    if CI and report.skipped and strict & {m.name for m in item.iter_markers()}:
        report.outcome = "failed"
        report.longrepr = f"skipped under CI=true, which counts as a failure: {report.longrepr}"


# -- database --------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """URL (without database) of a throwaway cluster, or of TEST_DATABASE_URL's server."""
    external = os.environ.get("TEST_DATABASE_URL")
    if external:
        yield str(make_url(Settings(database_url=external, _env_file=None).database_url or ""))
        return
    if not (PG_BIN / "initdb").exists():
        pytest.skip(f"PostgreSQL not installed at {PG_BIN} (make test installs it)")
    root = Path(tempfile.mkdtemp(prefix="tpo-test-pg-"))
    cluster = EmbeddedCluster(root, PG_BIN, fast=True)
    try:
        status = cluster.up()
        yield status.url("postgres")
    finally:
        cluster.destroy()
        shutil.rmtree(root, ignore_errors=True)


def database_url(server_url: str, name: str) -> str:
    """URL of database ``name`` on the test server."""
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def db_url(pg_server: str) -> Iterator[str]:
    """A migrated test database, shared by the session (tests roll back their writes)."""
    url = database_url(pg_server, f"tpo_test_{os.getpid()}")
    ensure_database(url)
    migrate.upgrade(url)
    yield url
    drop_database(url)


@pytest.fixture(scope="session")
def engine(db_url: str) -> Iterator[Engine]:
    eng = make_engine(db_url, pool_size=2)
    yield eng
    eng.dispose()


@pytest.fixture
def db(engine: Engine) -> Iterator[Session]:
    """A session in a transaction that is rolled back after the test (savepoints join it)."""
    connection = engine.connect()
    transaction = connection.begin()
    session = Session(bind=connection, join_transaction_mode="create_savepoint")
    try:
        yield session
    finally:
        session.close()
        transaction.rollback()
        connection.close()


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return Settings(database_url=db_url, var_dir=tmp_path / "var", _env_file=None)


def use_session(app: FastAPI, db: Session) -> FastAPI:
    """Make every request of ``app`` use ``db``: the session dependency and the items read."""
    from api.deps import get_session
    from layers.items_async import SessionRead

    app.dependency_overrides[get_session] = lambda: db
    app.state.layer_read_factory = lambda _request: SessionRead(db)
    return app


@pytest.fixture
def client(settings: Settings, db: Session) -> Iterator[object]:
    """TestClient on create_app(settings) whose sessions are the test's rolled-back session."""
    from fastapi.testclient import TestClient

    from api.app import create_app

    with TestClient(use_session(create_app(settings), db)) as test_client:
        yield test_client


# -- a real server on loopback (browser and GDAL tests) --------------------------------------
class LiveServer:
    def __init__(self, url: str, db_url: str) -> None:
        self.url = url
        self.db_url = db_url


@pytest.fixture(scope="session")
def live_db_url(pg_server: str) -> Iterator[str]:
    """A committed database for servers run by tests; fixtures fill it."""
    url = database_url(pg_server, f"tpo_live_{os.getpid()}")
    ensure_database(url)
    migrate.upgrade(url)
    yield url
    drop_database(url)


@pytest.fixture(scope="session")
def live_server(live_db_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    import uvicorn

    from api.app import create_app
    from geo.store.cluster import free_port

    settings = Settings(
        database_url=live_db_url,
        # as `tpo serve` does: rows only, no DDL, the audit log append-only (geo/store/roles.py)
        # (an external TEST_DATABASE_URL server may not let a passwordless role in: its URL)
        app_database_url=None
        if os.environ.get("TEST_DATABASE_URL")
        else ensure_app_role(live_db_url),
        var_dir=tmp_path_factory.mktemp("live-var"),
        default_city="tangerang",
        _env_file=None,
    )
    port = free_port()
    config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the live test server did not start")
        time.sleep(0.05)
    yield LiveServer(f"http://127.0.0.1:{port}", live_db_url)
    server.should_exit = True
    thread.join(timeout=10)


# -- browser -----------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed (make test installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
            ],
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})  # type: ignore[attr-defined]
    pg = context.new_page()
    yield pg
    context.close()


ARTIFACTS = PROJECT_ROOT / "var" / "test-artifacts"


@pytest.fixture
def artifacts() -> Path:
    """Folder for screenshots taken by browser tests."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
