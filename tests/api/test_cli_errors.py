"""`tpo` exit statuses (api/cli_errors.py): one per error class, detail and code, no traceback."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.exc import OperationalError
from typer.testing import CliRunner

from api.cli import app
from api.cli_errors import EXIT_CODES, exit_code
from geo.store.cluster import free_port
from geo.store.db import drop_database, ensure_database
from tests.api.test_error_codes import all_error_classes
from tests.conftest import database_url

Tpo = Callable[..., Any]


def run(*args: str, **env: str) -> Any:
    """``tpo args`` with ``env`` (and COLUMNS=160); ``.text`` is the output on one line."""
    result = CliRunner().invoke(app, list(args), env={"COLUMNS": "160", **env})
    result.text = " ".join(result.output.split())
    assert "Traceback" not in result.output
    return result


@pytest.fixture(scope="module")
def cli_url(pg_server: str) -> Iterator[str]:
    url = database_url(pg_server, f"tpo_cli_errors_{os.getpid()}")
    ensure_database(url)
    yield url
    drop_database(url)


@pytest.fixture
def tpo(cli_url: str) -> Tpo:
    return lambda *args: run(*args, TPO_DATABASE_URL=cli_url)


# -- the table -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("code", "status"),
    [
        ("invalid-input", 2),
        ("invalid-geometry", 2),
        ("point-outside-city", 2),
        ("invalid-file", 2),
        ("invalid-setting", 2),
        ("insecure-setting", 2),
        ("not-found", 3),
        ("city-not-found", 3),
        ("layer-not-found", 3),
        ("conflict", 4),
        ("city-exists", 4),
        ("database-unavailable", 5),
        ("cluster-error", 5),
        ("error", 1),
    ],
)
def test_exit_status_of_each_code(code: str, status: int) -> None:
    by_code = {cls.code: cls for cls in all_error_classes()}
    assert exit_code(by_code[code]("x")) == status


def test_every_error_class_has_an_exit_status_of_its_kind() -> None:
    for cls in all_error_classes():
        if cls.__name__ != "GeoError":
            assert exit_code(cls("x")) in set(EXIT_CODES.values()), cls.__name__


def test_errors_that_are_no_geo_error() -> None:
    lost = OperationalError("SELECT 1", {}, Exception("connection refused"))
    assert exit_code(lost) == 5
    assert exit_code(RuntimeError("bug")) == 1


# -- one command per exit status -------------------------------------------------------------
@pytest.mark.postgis
def test_exit_0_ok(tpo: Tpo) -> None:
    result = tpo("city", "list")
    assert result.exit_code == 0, result.output
    assert "No cities yet." in result.output


def test_exit_1_unexpected_error_without_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    import api.cli

    def broken(*_: object, **__: object) -> None:
        raise RuntimeError("the cluster code has a bug\nsecond line")

    monkeypatch.setattr(api.cli, "prepare_database", broken)
    result = run("city", "list")
    assert result.exit_code == 1
    assert "error[internal-error]: unexpected RuntimeError: the cluster code has a bug" in (
        result.text
    )
    assert "second line" not in result.output


def test_exit_2_bad_input_and_bad_settings(tmp_path: Path) -> None:
    unknown = run("city", "demo", "atlantis")
    assert unknown.exit_code == 2
    assert "error[invalid-input]: no demo city 'atlantis'" in unknown.text
    neither = run("city", "create", "x", "--name", "X")
    assert neither.exit_code == 2
    assert "error[invalid-input]: give either --boundary FILE or --bbox" in neither.text
    bad = run("db", "status", TPO_PORT="0", TPO_VAR_DIR=str(tmp_path))
    assert bad.exit_code == 2
    assert "error[invalid-setting]: bad setting: TPO_PORT" in bad.text


@pytest.mark.postgis
def test_exit_3_not_found(tpo: Tpo) -> None:
    result = tpo("city", "delete", "no-such-city", "--yes")
    assert result.exit_code == 3
    assert "error[city-not-found]: no city 'no-such-city'" in result.text
    assert "Nothing was written." in result.output


@pytest.mark.postgis
def test_exit_4_conflict(tpo: Tpo) -> None:
    create = ("city", "create", "twice", "--name", "Twice", "--bbox", "106.5,-6.3,106.8,-6.05")
    assert tpo(*create).exit_code == 0
    try:
        again = tpo(*create)
        assert again.exit_code == 4
        assert "error[city-exists]: a city 'twice' exists already" in again.text
    finally:
        assert tpo("city", "delete", "twice", "--yes").exit_code == 0


def test_exit_5_database_unavailable() -> None:
    url = f"postgresql://nobody@127.0.0.1:{free_port()}/nothing"
    result = run("city", "list", TPO_DATABASE_URL=url)
    assert result.exit_code == 5
    assert "error[database-unavailable]: cannot reach PostgreSQL" in result.text


def test_exit_5_cluster_error(tmp_path: Path) -> None:
    result = run(
        "db",
        "up",
        TPO_DATABASE_URL="",
        TPO_VAR_DIR=str(tmp_path / "var"),
        TPO_PG_BIN_DIR=str(tmp_path / "no-postgresql"),
    )
    assert result.exit_code == 5
    assert "error[cluster-error]:" in result.text
    assert "not found" in result.text
