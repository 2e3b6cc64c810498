"""TPO_ENV=production refuses default secrets and insecure URLs; development makes a key up."""

from __future__ import annotations

import logging
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.app import create_app
from api.settings import Settings, startup_settings
from geo.errors import InsecureSettingError
from geo.store.cluster import free_port
from geo.store.db import drop_database
from tests.api.test_cli_errors import run
from tests.conftest import database_url

STRONG = "postgresql+psycopg://tpo:Qm4v-8xZr2pLw9sKd7Hn@db.example:5432/tpo"


def production(**values: Any) -> Settings:
    """Production settings that pass, with ``values`` changed; nothing read from the environment."""
    good: dict[str, Any] = {
        "env": "production",
        "secret_key": secrets.token_urlsafe(32),
        "database_url": STRONG,
        "basemap_url": None,
    }
    return Settings(**{**good, **values}, _env_file=None)


def refusal(settings: Settings) -> InsecureSettingError:
    with pytest.raises(InsecureSettingError) as caught:
        settings.validate_for_production()
    assert caught.value.code == "insecure-setting"
    return caught.value


def test_a_random_secret_and_strong_urls_pass() -> None:
    production().validate_for_production()
    production(database_url=None).validate_for_production()  # the embedded cluster
    production(database_url="postgresql://tpo@/tpo?host=/run/postgresql").validate_for_production()
    production(
        basemap_url="https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    ).validate_for_production()


@pytest.mark.parametrize(
    "secret",
    [None, "", "changeme", "SECRET", "tpo", "x" * 40, "0123456789abcdef", "my-example-key-" * 3],
)
def test_missing_default_or_weak_secret_is_refused(secret: str | None) -> None:
    error = refusal(production(secret_key=secret))
    assert [e["field"] for e in error.errors] == ["TPO_SECRET_KEY"]
    assert "TPO_SECRET_KEY" in error.detail
    if secret and len(secret) >= 10:  # (short words occur in the message itself)
        assert secret not in error.detail


@pytest.mark.parametrize("password", ["postgres", "password", "tpo", "", "Postgres", "alice"])
def test_database_url_with_a_well_known_password_is_refused(password: str) -> None:
    url = f"postgresql://alice:{password}@db.example:5432/tpo"
    error = refusal(production(database_url=url))
    assert [e["field"] for e in error.errors] == ["TPO_DATABASE_URL"]
    assert url not in error.detail
    assert "db.example" not in error.detail


def test_plain_http_basemap_is_refused() -> None:
    error = refusal(production(basemap_url="http://tiles.example/{z}/{x}/{y}.png"))
    assert [e["field"] for e in error.errors] == ["TPO_BASEMAP_URL"]


def test_every_problem_is_named_at_once() -> None:
    error = refusal(
        production(secret_key=None, database_url="postgresql://postgres:postgres@h/tpo",
                   basemap_url="http://x/{z}/{x}/{y}.png")
    )  # fmt: skip
    assert [e["field"] for e in error.errors] == [
        "TPO_SECRET_KEY",
        "TPO_DATABASE_URL",
        "TPO_BASEMAP_URL",
    ]


def test_development_accepts_defaults_and_makes_a_key_per_process(
    caplog: pytest.LogCaptureFixture,
) -> None:
    dev = Settings(env="development", secret_key=None, _env_file=None)
    dev.validate_for_production()
    with caplog.at_level(logging.WARNING, logger="tpo.settings"):
        first = startup_settings(dev)
        second = startup_settings(dev)
    assert first.secret_key is not None
    assert second.secret_key is not None
    key = first.secret_key.get_secret_value()
    assert len(key) >= 32
    assert key == second.secret_key.get_secret_value()  # one key per process
    assert dev.secret_key is None  # the given settings are not changed
    given = Settings(env="development", secret_key="k" * 8, _env_file=None)
    assert startup_settings(given).secret_key == given.secret_key


def test_secrets_and_database_password_never_show_in_a_repr() -> None:
    settings = production()
    assert settings.secret_key is not None
    text = repr(settings) + str(settings)
    assert settings.secret_key.get_secret_value() not in text
    assert "Qm4v-8xZr2pLw9sKd7Hn" not in text


def test_create_app_refuses_production_defaults(tmp_path: Path) -> None:
    with pytest.raises(InsecureSettingError, match="TPO_SECRET_KEY"):
        create_app(production(secret_key=None, var_dir=tmp_path))
    secret = secrets.token_urlsafe(32)
    app = create_app(production(secret_key=secret, var_dir=tmp_path))
    assert app.state.settings.secret_key.get_secret_value() == secret


def test_tpo_serve_refuses_production_without_a_secret(tmp_path: Path) -> None:
    result = run(
        "serve",
        TPO_ENV="production",
        TPO_SECRET_KEY="",
        TPO_DATABASE_URL="",
        TPO_VAR_DIR=str(tmp_path / "var"),
    )
    assert result.exit_code == 2  # invalid-setting (api/cli_errors.py)
    assert "error[insecure-setting]: TPO_ENV=production refuses to start" in result.text
    assert "TPO_SECRET_KEY is unset" in result.text
    assert not (tmp_path / "var" / "pg").exists()  # refused before the database was touched


@pytest.mark.postgis
@pytest.mark.slow
def test_tpo_serve_starts_in_production_with_a_random_secret(
    pg_server: str, tmp_path: Path
) -> None:
    url = database_url(pg_server, f"tpo_production_{os.getpid()}")
    try:
        production(database_url=url).validate_for_production()
    except InsecureSettingError:
        pytest.skip("TEST_DATABASE_URL has a well-known password, which production refuses")
    env = {k: v for k, v in os.environ.items() if not k.startswith("TPO_")}
    env.update(
        TPO_ENV="production",
        TPO_SECRET_KEY=secrets.token_urlsafe(32),
        TPO_DATABASE_URL=url,
        TPO_VAR_DIR=str(tmp_path / "var"),
    )
    port = free_port()
    tpo = Path(sys.executable).parent / "tpo"
    proc = subprocess.Popen(
        [str(tpo), "serve", "--port", str(port), "--no-demo"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        health = None
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/health", timeout=2)
                break
            except httpx.HTTPError:
                time.sleep(0.3)
        assert health is not None, proc.poll()
        assert health.status_code == 200, health.text
        assert health.json()["database"] == "ok"
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        out, _ = proc.communicate(timeout=60)
        drop_database(url)
    assert proc.returncode == 0, out
    assert "insecure" not in out.lower()
    assert env["TPO_SECRET_KEY"] not in out
