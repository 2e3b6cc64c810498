"""``tpo user``, ``tpo token`` and ``tpo audit`` against a database of their own."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, text
from typer.testing import CliRunner

from api.cli import app
from geo.accounts import authenticate, resolve_token
from geo.accounts.users import upsert_opd
from geo.cities import create_city
from geo.errors import InvalidCredentialsError
from geo.store import migrate
from geo.store.db import drop_database, ensure_database, make_engine, session_scope
from tests.conftest import database_url

pytestmark = pytest.mark.postgis
Tpo = Callable[..., Any]
SHOWN = re.compile(r"\(shown once\): (\S+)")


@pytest.fixture(scope="module")
def cli_db(pg_server: str) -> Iterator[tuple[str, Engine]]:
    url = database_url(pg_server, f"tpo_users_cli_{os.getpid()}")
    ensure_database(url)
    migrate.upgrade(url)
    engine = make_engine(url, pool_size=1)
    with session_scope(engine) as session:
        city = create_city(session, "clikota", "Kota CLI", (106.5, -6.3, 106.8, -6.0))
        upsert_opd(session, city.id, "KESRA", "Bagian Kesra")
    yield url, engine
    engine.dispose()
    drop_database(url)


@pytest.fixture
def tpo(cli_db: tuple[str, Engine]) -> Tpo:
    url, _ = cli_db
    runner = CliRunner()

    def invoke(*args: str, stdin: str | None = None) -> Any:
        env = {"TPO_DATABASE_URL": url, "COLUMNS": "200"}
        return runner.invoke(app, list(args), env=env, input=stdin)

    return invoke


def _login(engine: Engine, username: str, password: str) -> str:
    with session_scope(engine) as session:
        city_id = session.execute(text("SELECT id FROM city WHERE slug = 'clikota'")).scalar_one()
        return authenticate(
            session, city_id=city_id, username=username, password=password, ip=None
        ).username


def test_user_lifecycle(tpo: Tpo, cli_db: tuple[str, Engine]) -> None:
    _, engine = cli_db
    added = tpo(
        "user",
        "add",
        "clikota",
        "kesra1",
        "--role",
        "opd_staff",
        "--opd",
        "KESRA",
        "--name",
        "Staf Kesra",
        "--generate",
    )
    assert added.exit_code == 0, added.output
    password = SHOWN.search(added.output).group(1)  # type: ignore[union-attr]
    assert _login(engine, "kesra1", password) == "kesra1"

    listed = tpo("user", "list", "clikota")
    assert listed.exit_code == 0
    assert "kesra1" in listed.output
    assert "opd_staff (KESRA)" in listed.output
    assert password not in listed.output

    typed = tpo(
        "user", "reset-password", "clikota", "kesra1", stdin="Baru-sandi-9182\nBaru-sandi-9182\n"
    )
    assert typed.exit_code == 0, typed.output
    with pytest.raises(InvalidCredentialsError):
        _login(engine, "kesra1", password)
    assert _login(engine, "kesra1", "Baru-sandi-9182") == "kesra1"

    token = tpo("token", "create", "clikota", "kesra1", "--name", "skrip laporan")
    assert token.exit_code == 0, token.output
    raw = SHOWN.search(token.output).group(1)  # type: ignore[union-attr]
    with session_scope(engine) as session:
        assert resolve_token(session, raw) is not None

    assert tpo("user", "disable", "clikota", "kesra1").exit_code == 0
    with pytest.raises(InvalidCredentialsError):
        _login(engine, "kesra1", "Baru-sandi-9182")

    audit = tpo("audit", "--city", "clikota", "--limit", "50")
    assert audit.exit_code == 0, audit.output
    for action in ("users.create", "users.reset_password", "tokens.create", "users.disable"):
        assert action in audit.output
    assert "cli:" in audit.output


@pytest.mark.parametrize(
    ("args", "status", "code"),
    [
        (("user", "add", "nowhere", "x1", "--role", "warga", "--generate"), 3, "city-not-found"),
        (("user", "add", "clikota", "x2", "--role", "wizard", "--generate"), 2, "invalid-input"),
        (
            ("user", "add", "clikota", "x3", "--role", "opd_staff", "--opd", "NOPE", "--generate"),
            2,
            "invalid-input",
        ),
        (("user", "disable", "clikota", "nobody"), 3, "not-found"),
    ],
)
def test_bad_commands_say_why(tpo: Tpo, args: tuple[str, ...], status: int, code: str) -> None:
    result = tpo(*args)
    assert result.exit_code == status, result.output
    assert f"error[{code}" in result.output


def test_typed_passwords_must_match_and_be_strong(tpo: Tpo) -> None:
    differ = tpo("user", "add", "clikota", "w1", "--role", "warga", stdin="Sandi-panjang-1\nlain\n")
    assert differ.exit_code == 2
    weak = tpo("user", "add", "clikota", "w2", "--role", "warga", stdin="123\n123\n")
    assert weak.exit_code == 2
    assert "error[weak-password]" in weak.output
