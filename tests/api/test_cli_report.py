"""``tpo report kelurahan|kecamatan``: the file is written, full or public, errors exit clearly."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text
from typer.testing import CliRunner

from api.cli import app
from geo.store import migrate
from geo.store.db import drop_database, ensure_database, make_engine, session_scope
from tests.conftest import database_url
from tests.geo.analysis_sample import KECAMATAN, KEL_NW, analysis_city

pytestmark = pytest.mark.postgis
Tpo = Callable[..., Any]


@pytest.fixture(scope="module")
def cli_db(pg_server: str) -> Iterator[tuple[str, Engine]]:
    url = database_url(pg_server, f"tpo_report_cli_{os.getpid()}")
    ensure_database(url)
    migrate.upgrade(url)
    engine = make_engine(url, pool_size=1)
    with session_scope(engine) as session:
        analysis_city(session, "analisis")
    yield url, engine
    engine.dispose()
    drop_database(url)


@pytest.fixture
def tpo(cli_db: tuple[str, Engine]) -> Tpo:
    url, _ = cli_db
    runner = CliRunner()

    def invoke(*args: str) -> Any:
        return runner.invoke(app, list(args), env={"TPO_DATABASE_URL": url, "COLUMNS": "200"})

    return invoke


def test_tpo_report_kecamatan_writes_the_file(
    tpo: Tpo, cli_db: tuple[str, Engine], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = tpo("report", "kecamatan", "analisis", KECAMATAN)
    assert result.exit_code == 0, result.output
    written = tmp_path / f"laporan-kecamatan-{KECAMATAN}.html"
    html = written.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    assert "Laporan Kecamatan Barat" in html
    assert "Laporan internal" in html  # the command line is a deployment administrator
    assert "internal" in result.output
    assert str(written.name) in result.output
    _, engine = cli_db
    with engine.connect() as conn:
        actors = list(
            conn.execute(
                text("SELECT actor FROM audit_log WHERE action = 'reports.read'")
            ).scalars()
        )
    assert actors
    assert all(a.startswith("cli:") for a in actors)


def test_tpo_report_public_to_a_named_file_and_stdout(tpo: Tpo, tmp_path: Path) -> None:
    out = tmp_path / "kel.html"
    result = tpo("report", "kelurahan", "analisis", KEL_NW, "--public", "-o", str(out))
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    assert "Laporan publik" in html
    assert "&lt; 5" in html
    printed = tpo("report", "kelurahan", "analisis", KEL_NW, "--public", "-o", "-")
    assert printed.exit_code == 0, printed.output
    assert printed.stdout.startswith("<!DOCTYPE html>")


@pytest.mark.parametrize(
    ("args", "status", "code"),
    [
        (("kecamatan", "analisis", "99.99"), 3, "area-not-found"),
        (("kelurahan", "analisis", KECAMATAN), 3, "area-not-found"),
        (("kecamatan", "atlantis", KECAMATAN), 3, "city-not-found"),
        (("kecamatan", "analisis", KECAMATAN, "-o", "/nonexistent/dir/x.html"), 2, "invalid-input"),
    ],
)
def test_tpo_report_errors(tpo: Tpo, args: tuple[str, ...], status: int, code: str) -> None:
    result = tpo("report", *args)
    assert result.exit_code == status, result.output
    assert f"error[{code}]" in result.output
    assert "Traceback" not in result.output
