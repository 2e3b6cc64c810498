"""Alembic: up, down, up again; models and migrations agree; revision triggers work."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.orm import Session

from geo.models import Base
from geo.store import migrate
from geo.store.db import drop_database, ensure_database
from geo.store.migrate import include_object
from tests.conftest import database_url

pytestmark = pytest.mark.postgis

TABLES = {
    "city",
    "admin_area",
    "road_edge",
    "angkot_route",
    "school",
    "permit_parcel",
    "layer_revision",
}


@pytest.fixture
def scratch_url(pg_server: str) -> object:
    url = database_url(pg_server, "tpo_migration_test")
    drop_database(url)
    ensure_database(url)
    yield url
    drop_database(url)


def test_upgrade_downgrade_upgrade(scratch_url: str) -> None:
    assert migrate.current_revision(scratch_url) is None
    migrate.upgrade(scratch_url)
    assert migrate.current_revision(scratch_url) == migrate.head_revision()
    engine = create_engine(scratch_url)
    try:
        assert set(inspect(engine).get_table_names()) >= TABLES
        migrate.downgrade(scratch_url, "base")
        assert not TABLES & set(inspect(engine).get_table_names())
        with engine.connect() as conn:
            fn = conn.execute(
                text("SELECT count(*) FROM pg_proc WHERE proname = 'tpo_bump_layer_revision'")
            ).scalar()
        assert fn == 0
        migrate.upgrade(scratch_url)
        assert set(inspect(engine).get_table_names()) >= TABLES
    finally:
        engine.dispose()


def test_models_match_migrations(db_url: str) -> None:
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            ctx = MigrationContext.configure(
                conn, opts={"include_object": include_object, "compare_type": True}
            )
            diff = compare_metadata(ctx, Base.metadata)
    finally:
        engine.dispose()
    assert diff == []


def test_spatial_indexes_are_gist(db: Session) -> None:
    rows = (
        db.execute(
            text("SELECT tablename FROM pg_indexes WHERE indexdef ILIKE '%USING gist (geom)%'")
        )
        .scalars()
        .all()
    )
    assert set(rows) >= {"admin_area", "road_edge", "angkot_route", "school", "permit_parcel"}
