"""Settings: environment prefix, validation, nothing built at import."""

from __future__ import annotations

import subprocess
import sys

import pytest
from pydantic import ValidationError

from api.settings import Settings
from geo.cities import is_valid_slug


def test_env_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TPO_PORT", "8081")
    monkeypatch.setenv("TPO_DEFAULT_CITY", "bogor")
    s = Settings(_env_file=None)
    assert s.port == 8081
    assert s.default_city == "bogor"
    assert s.database_url is None


def test_plain_postgres_url_gets_psycopg_driver() -> None:
    s = Settings(database_url="postgresql://u:p@db:5432/tpo", _env_file=None)
    assert s.database_url == "postgresql+psycopg://u:p@db:5432/tpo"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("database_url", "mysql://u@h/db"),
        ("port", "0"),
        ("port", "70000"),
        ("port", "eighty"),
        ("default_city", "Not A Slug"),
        ("db_name", "tpo; drop"),
        ("pool_size", "0"),
        ("connect_timeout_s", "1"),
        ("connect_timeout_s", "soon"),
        ("pool_timeout_s", "0"),
        ("pool_timeout_s", "-1"),
        ("request_timeout_s", "0"),
        ("request_timeout_s", "nan"),
        ("tcp_user_timeout_ms", "-1"),
        ("retry_after_s", "0"),
    ],
)
def test_bad_settings_are_refused(monkeypatch: pytest.MonkeyPatch, field: str, value: str) -> None:
    monkeypatch.setenv(f"TPO_{field.upper()}", value)
    with pytest.raises(ValidationError):
        Settings(_env_file=None)


def test_timeouts_must_fit_the_request_deadline() -> None:
    s = Settings(_env_file=None)
    assert (s.connect_timeout_s, s.pool_timeout_s, s.request_timeout_s) == (5, 10.0, 30.0)
    assert s.retry_after_s == 5
    with pytest.raises(ValidationError, match="pool_timeout_s"):
        Settings(request_timeout_s=5, pool_timeout_s=5, _env_file=None)
    with pytest.raises(ValidationError, match="connect_timeout_s"):
        Settings(request_timeout_s=3, pool_timeout_s=1, connect_timeout_s=3, _env_file=None)
    ok = Settings(request_timeout_s=2.5, pool_timeout_s=0.5, connect_timeout_s=2, _env_file=None)
    assert ok.request_timeout_s == 2.5


def test_slugs() -> None:
    assert is_valid_slug("tangerang")
    assert is_valid_slug("tangerang-real")
    assert not is_valid_slug("-x")
    assert not is_valid_slug("Tangerang")
    assert not is_valid_slug("a" * 65)


def test_import_touches_no_database() -> None:
    """Importing the packages builds no settings and no engine (and needs no database)."""
    code = (
        "import sqlalchemy, sqlalchemy.engine.create as c\n"
        "made = []\n"
        "orig = c.create_engine\n"
        "def spy(*a, **k):\n"
        "    made.append(a)\n"
        "    return orig(*a, **k)\n"
        "sqlalchemy.create_engine = c.create_engine = spy\n"
        "import api.settings as gs\n"
        "built = []\n"
        "orig_init = gs.Settings.__init__\n"
        "gs.Settings.__init__ = lambda self, *a, **k: built.append(1) or orig_init(self, *a, **k)\n"
        "import api.app, api.cli, geo, layers, data, geo.store.db, geo.models\n"
        "assert not made and not built, (made, built)\n"
        "print('clean')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": "/usr/bin:/bin", "TPO_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/x"},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "clean"
