"""city keys

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 10:00:00

Keys ready for many cities (DESIGN §8, issue #9 §1): the primary key of every city-scoped
table becomes ``(city_id, id)``, and every unique constraint and index of those tables leads
with ``city_id`` — what Citus needs to distribute them by city. ``id`` keeps its sequence
(identity for ``place``), so ids stay unique across cities and the URLs that carry them keep
working; queries that look a row up by id also name its city, so the key serves them.

- ``admin_area``, ``angkot_route``, ``permit_parcel``, ``road_edge``, ``school``: primary key
  ``(city_id, id)`` (same name ``pk_<table>``); their index on ``city_id`` alone is dropped,
  the primary key leads with it.
- ``place``: primary key ``(city_id, id)``; ``ix_place_kind_ref`` becomes
  ``ix_place_city_id_kind_ref (city_id, kind, ref)``, and the ``tpo_search_*`` trigger
  functions of migration 0004 delete a changed row's place rows by ``(city_id, kind, ref)``.
- The spatial (GiST) indexes stay on ``geom`` alone: GiST on geometry cannot hold an integer
  column without btree_gist, cities do not overlap in space (the geometry already separates
  them), and a Citus shard keeps its own index for its cities. The unique constraints already
  led with ``city_id``; no foreign key joins two city-scoped tables yet.

The revision triggers (``tpo_rev_*``) key ``layer_revision`` by ``(city_id, layer)`` and name
no primary key; nothing else refers to the old keys. ``downgrade()`` restores 0005 exactly.
"""

import importlib.util
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

from alembic import op
from sqlalchemy import text

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# tables whose primary key was (id); the first five also had an index on city_id alone
TABLES = ("admin_area", "angkot_route", "permit_parcel", "road_edge", "school")
KEYED = (*TABLES, "place")

OLD_DELETE = "AND p.ref = o.id;"
NEW_DELETE = "AND p.city_id = o.city_id AND p.ref = o.id;"


def _place_index_migration() -> ModuleType:
    """Migration 0004 as a module: its place trigger functions are what this one rewrites."""
    path = Path(__file__).with_name("0004_place_index.py")
    spec = importlib.util.spec_from_file_location("tpo_migration_0004", path)
    if spec is None or spec.loader is None:
        raise RuntimeError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _sync_functions() -> list[str]:
    """0004's functions that delete the place rows of changed source rows, as CREATE OR REPLACE."""
    functions = [sql for sql in _place_index_migration().TRIGGER_FUNCTIONS if OLD_DELETE in sql]
    if len(functions) != 3:  # areas, schools, routes
        raise RuntimeError(f"expected 3 place sync functions in 0004, found {len(functions)}")
    return [sql.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1) for sql in functions]


def upgrade() -> None:
    for table in KEYED:
        op.execute(
            f"ALTER TABLE {table} DROP CONSTRAINT pk_{table},"
            f" ADD CONSTRAINT pk_{table} PRIMARY KEY (city_id, id)"
        )
    for table in TABLES:
        op.drop_index(f"ix_{table}_city_id", table_name=table)
    op.drop_index("ix_place_kind_ref", table_name="place")
    op.create_index("ix_place_city_id_kind_ref", "place", ["city_id", "kind", "ref"])
    for sql in _sync_functions():
        op.execute(sql.replace(OLD_DELETE, NEW_DELETE))


def downgrade() -> None:
    for sql in _sync_functions():
        op.execute(sql)
    op.drop_index("ix_place_city_id_kind_ref", table_name="place")
    op.create_index("ix_place_kind_ref", "place", ["kind", "ref"])
    for table in TABLES:
        op.create_index(f"ix_{table}_city_id", table, ["city_id"])
    bind = op.get_bind()
    for table in KEYED:
        # a key on id alone needs ids unique across cities (the sequences keep them so)
        shared = bind.execute(
            text(f"SELECT id FROM {table} GROUP BY id HAVING count(*) > 1 LIMIT 1")  # noqa: S608
        ).scalar()
        if shared is not None:
            raise RuntimeError(f"{table}.id {shared} is used by two cities: cannot key on id alone")
        op.execute(
            f"ALTER TABLE {table} DROP CONSTRAINT pk_{table},"
            f" ADD CONSTRAINT pk_{table} PRIMARY KEY (id)"
        )
