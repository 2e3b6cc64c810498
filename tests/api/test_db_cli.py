"""`tpo db ...` never prints a database password, and settings errors never echo a value."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import ValidationError

from api.settings import Settings
from geo.store.cluster import EmbeddedCluster
from tests.api.test_cli_errors import run
from tests.conftest import PG_BIN

PASSWORD = "Sup3r-S3cret-Pw-42"


def test_db_status_shows_an_external_url_without_its_password() -> None:
    result = run("db", "status", TPO_DATABASE_URL=f"postgresql://alice:{PASSWORD}@db.example/tpo")
    assert result.exit_code == 0, result.output
    assert "postgresql+psycopg://alice:***@db.example/tpo" in result.output
    assert PASSWORD not in result.output


def test_a_malformed_url_is_a_setting_error_that_does_not_echo_it(tmp_path: Path) -> None:
    url = f"postgresql://alice:{PASSWORD}@db.example:notaport/tpo"
    result = run("db", "status", TPO_DATABASE_URL=url, TPO_VAR_DIR=str(tmp_path))
    assert result.exit_code == 2
    assert "error[invalid-setting]: bad setting: TPO_DATABASE_URL" in result.text
    assert PASSWORD not in result.output
    with pytest.raises(ValidationError) as caught:
        Settings(database_url=f"mysql://alice:{PASSWORD}@db.example/tpo", _env_file=None)
    assert PASSWORD not in str(caught.value)


@pytest.fixture
def var_dir() -> Iterator[Path]:
    # not tmp_path: pytest's folders are private to root, and the postgres user must reach var/pg
    root = Path(tempfile.mkdtemp(prefix="tpo-db-cli-test-"))
    root.chmod(0o755)
    yield root / "var"
    EmbeddedCluster(root / "var" / "pg", PG_BIN).destroy()
    shutil.rmtree(root, ignore_errors=True)


@pytest.mark.postgis
@pytest.mark.slow
def test_db_up_masks_the_tcp_password(var_dir: Path) -> None:
    if not (PG_BIN / "initdb").exists():
        pytest.skip("PostgreSQL 15 is not installed")
    env = {"TPO_DATABASE_URL": "", "TPO_VAR_DIR": str(var_dir), "TPO_PG_BIN_DIR": str(PG_BIN)}
    result = run("db", "up", **env)
    assert result.exit_code == 0, result.output
    password = (var_dir / "pg" / "password").read_text().strip()
    assert len(password) >= 16
    assert password not in result.output
    assert "TCP URL (QGIS, psql): postgresql://postgres:***@127.0.0.1:" in result.text
    assert f"the password (***) is in {var_dir / 'pg' / 'password'}" in result.text
    status = run("db", "status", **env)
    assert status.exit_code == 0, status.output
    assert password not in status.output
    assert run("db", "down", **env).exit_code == 0
