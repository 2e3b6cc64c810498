"""search indexes

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 10:00:00

pg_trgm GIN indexes for the typo-tolerant place search (issue #5 §4): admin_area.name,
school.name, road_edge.name, angkot_route.name/origin/destination.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (index name, table, column); geo/models.py declares the same indexes
TRGM_INDEXES = (
    ("ix_admin_area_name_trgm", "admin_area", "name"),
    ("ix_school_name_trgm", "school", "name"),
    ("ix_road_edge_name_trgm", "road_edge", "name"),
    ("ix_angkot_route_name_trgm", "angkot_route", "name"),
    ("ix_angkot_route_origin_trgm", "angkot_route", "origin"),
    ("ix_angkot_route_destination_trgm", "angkot_route", "destination"),
)


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, column in TRGM_INDEXES:
        op.create_index(
            name,
            table,
            [column],
            unique=False,
            postgresql_using="gin",
            postgresql_ops={column: "gin_trgm_ops"},
        )


def downgrade() -> None:
    for name, table, _column in TRGM_INDEXES:
        op.drop_index(name, table_name=table)
