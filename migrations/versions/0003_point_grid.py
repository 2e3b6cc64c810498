"""point grid

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 12:00:00

Pre-aggregated point counts per Web Mercator grid cell (one pyramid per city and point layer),
built lazily for the layer's current revision; low-zoom tiles sum these cells instead of
scanning every point (issue #4 targets). ``layer_point_grid_state`` says which revision and
finest level the cells of a layer were built from.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "layer_point_grid",
        sa.Column("city_id", sa.Integer(), nullable=False),
        sa.Column("layer", sa.String(length=64), nullable=False),
        sa.Column("level", sa.SmallInteger(), nullable=False),
        sa.Column("cx", sa.Integer(), nullable=False),
        sa.Column("cy", sa.Integer(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("sum_x_m", sa.Float(), nullable=False),
        sa.Column("sum_y_m", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["city_id"],
            ["city.id"],
            name=op.f("fk_layer_point_grid_city_id_city"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "city_id", "layer", "level", "cx", "cy", name=op.f("pk_layer_point_grid")
        ),
    )
    op.create_table(
        "layer_point_grid_state",
        sa.Column("city_id", sa.Integer(), nullable=False),
        sa.Column("layer", sa.String(length=64), nullable=False),
        sa.Column("revision", sa.BigInteger(), nullable=False),
        sa.Column("finest_level", sa.SmallInteger(), nullable=False),
        sa.Column("cells", sa.Integer(), nullable=False),
        sa.Column(
            "built_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["city_id"],
            ["city.id"],
            name=op.f("fk_layer_point_grid_state_city_id_city"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("city_id", "layer", name=op.f("pk_layer_point_grid_state")),
    )


def downgrade() -> None:
    op.drop_table("layer_point_grid_state")
    op.drop_table("layer_point_grid")
