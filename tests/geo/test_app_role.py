"""The server's least-privilege role (geo/store/roles.py): rows yes, schema and history no."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, create_engine, make_url, text
from sqlalchemy.exc import ProgrammingError

from geo.store import APP_ROLE, ensure_app_role

pytestmark = pytest.mark.postgis


@pytest.fixture(scope="module")
def app_engine(db_url: str) -> Iterator[Engine]:
    engine = create_engine(ensure_app_role(db_url))
    yield engine
    engine.dispose()


def _refused(engine: Engine, sql: str) -> str:
    with engine.connect() as conn, pytest.raises(ProgrammingError) as caught:
        conn.execute(text(sql))
    return str(caught.value.orig)


def test_the_url_names_the_role_and_no_password(db_url: str) -> None:
    url = make_url(ensure_app_role(db_url))
    assert (url.username, url.password) == (APP_ROLE, None)
    assert url.database == make_url(db_url).database
    assert ensure_app_role(db_url) == url.render_as_string(hide_password=False)  # idempotent


def test_the_role_reads_and_writes_rows(app_engine: Engine) -> None:
    with app_engine.connect() as conn:
        who = conn.execute(
            text("SELECT current_user, rolsuper FROM pg_roles WHERE rolname = current_user")
        ).one()
        assert (who[0], who[1]) == (APP_ROLE, False)
        conn.execute(text("SELECT count(*) FROM city")).scalar_one()
        conn.execute(text("SELECT count(*) FROM spatial_ref_sys")).scalar_one()
        n = conn.execute(
            text(
                "INSERT INTO city (slug, name, bbox, center_lon, center_lat) VALUES"
                " ('peran-uji', 'Kota Uji Peran',"
                " ST_MakeEnvelope(106.5, -6.3, 106.7, -6.1, 4326), 106.6, -6.2) RETURNING id"
            )
        ).scalar_one()
        conn.execute(text("UPDATE city SET name = 'Kota Uji' WHERE id = :i"), {"i": n})
        conn.execute(text("DELETE FROM city WHERE id = :i"), {"i": n})
        conn.execute(text("CREATE TEMP TABLE scratch (x int)"))  # temporary tables are fine
        conn.rollback()


@pytest.mark.parametrize(
    ("sql", "why"),
    [
        ("CREATE TABLE public.sneaky (x int)", "permission denied for schema public"),
        ("DROP TABLE city", "must be owner"),
        ("ALTER TABLE audit_log DISABLE TRIGGER ALL", "must be owner"),
        ("TRUNCATE layer_revision", "permission denied"),
        ("DELETE FROM audit_log", "permission denied"),
        ("UPDATE audit_log SET action = 'x'", "permission denied"),
        ("DELETE FROM request_event", "permission denied"),
        ("UPDATE alembic_version SET version_num = '0001'", "permission denied"),
        ("CREATE EXTENSION IF NOT EXISTS hstore", "permission denied"),
        ("CREATE ROLE intruder SUPERUSER", "must be superuser"),
        ("CREATE ROLE intruder", "permission denied to create role"),
    ],
)
def test_the_role_cannot_change_the_schema_or_the_history(
    app_engine: Engine, sql: str, why: str
) -> None:
    assert why in _refused(app_engine, sql)


def test_tables_added_later_get_their_grants(db_url: str, app_engine: Engine) -> None:
    owner = create_engine(db_url, isolation_level="AUTOCOMMIT")
    try:
        with owner.connect() as conn:
            conn.execute(text("CREATE TABLE later_table (id serial PRIMARY KEY, v text)"))
        assert "permission denied" in _refused(app_engine, "SELECT * FROM later_table")
        ensure_app_role(db_url)  # as prepare_database does after every migration
        with app_engine.connect() as conn:
            conn.execute(text("INSERT INTO later_table (v) VALUES ('ok')"))
            assert conn.execute(text("SELECT v FROM later_table")).scalar_one() == "ok"
            conn.rollback()
    finally:
        with owner.connect() as conn:
            conn.execute(text("DROP TABLE later_table"))
        owner.dispose()
