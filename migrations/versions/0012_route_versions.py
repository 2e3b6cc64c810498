"""route versions: every save of an angkot route, drafts, review

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 03:10:00

``route_version`` (#13) keeps every save of a route direction: its geometry and attributes,
author, message, time, parent version and state (``draft``, ``returned``, ``published``,
``superseded``). Rows are never rewritten: a trigger lets an UPDATE change only ``state`` and
``note``, and a DELETE happen only with the city. Partial unique indexes keep at most one live
draft per planner and route, and one published version per route. ``angkot_route`` stays the
published state that citizens and the planner read.

Filled here from ``angkot_route``: one published version 1 per route, no author, message
"imported".
"""

from collections.abc import Sequence

import geoalchemy2
import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATES = "('draft', 'returned', 'published', 'superseded')"


def upgrade() -> None:
    op.create_table(
        "route_version",
        sa.Column(
            "city_id", sa.Integer(), sa.ForeignKey("city.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("route_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("parent", sa.Integer()),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("direction", sa.SmallInteger(), nullable=False),
        sa.Column("origin", sa.String(200)),
        sa.Column("destination", sa.String(200)),
        sa.Column("colour", sa.String(7), nullable=False),
        sa.Column("fare_idr", sa.Integer(), nullable=False),
        sa.Column("headway_s", sa.Integer(), nullable=False),
        sa.Column("speed_kmh", sa.Float(), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("circular", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("author_id", sa.BigInteger()),
        sa.Column("author", sa.String(64)),
        sa.Column("message", sa.Text()),
        sa.Column("note", sa.Text()),
        sa.Column(
            "saved_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "geom",
            geoalchemy2.Geometry(geometry_type="LINESTRING", srid=4326, spatial_index=False),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("city_id", "route_id", "number"),
        sa.CheckConstraint(f"state IN {STATES}", name="state_known"),
        sa.CheckConstraint("number >= 1", name="number_positive"),
        sa.CheckConstraint("parent IS NULL OR parent < number", name="parent_older"),
        sa.CheckConstraint("direction IN (0, 1)", name="direction_known"),
        sa.CheckConstraint("colour ~ '^#[0-9a-fA-F]{6}$'", name="colour_hex"),
        sa.CheckConstraint("fare_idr >= 0", name="fare_positive"),
        sa.CheckConstraint("headway_s > 0", name="headway_positive"),
        sa.CheckConstraint("speed_kmh > 0 AND speed_kmh <= 120", name="speed_range"),
        sa.CheckConstraint("ST_NPoints(geom) >= 2", name="geom_two_points"),
        sa.CheckConstraint("NOT ST_IsEmpty(geom)", name="geom_not_empty"),
        sa.CheckConstraint("ST_IsValid(geom)", name="geom_valid"),
    )
    op.create_index(
        "ix_route_version_live_draft",
        "route_version",
        ["city_id", "route_id", "author_id"],
        unique=True,
        postgresql_where=sa.text("state IN ('draft', 'returned')"),
    )
    op.create_index(
        "ix_route_version_published",
        "route_version",
        ["city_id", "route_id"],
        unique=True,
        postgresql_where=sa.text("state = 'published'"),
    )
    op.execute(
        """
        CREATE FUNCTION tpo_route_version_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'DELETE' THEN
                -- rows go only with their city (deleting a city cascades here)
                IF NOT EXISTS (SELECT 1 FROM city c WHERE c.id = OLD.city_id) THEN
                    RETURN OLD;
                END IF;
            ELSIF (NEW.city_id, NEW.route_id, NEW.number, NEW.parent, NEW.code, NEW.name,
                   NEW.direction, NEW.origin, NEW.destination, NEW.colour, NEW.fare_idr,
                   NEW.headway_s, NEW.speed_kmh, NEW.active, NEW.circular, NEW.author_id,
                   NEW.author, NEW.message, NEW.saved_at, ST_AsBinary(NEW.geom))
                  IS NOT DISTINCT FROM
                  (OLD.city_id, OLD.route_id, OLD.number, OLD.parent, OLD.code, OLD.name,
                   OLD.direction, OLD.origin, OLD.destination, OLD.colour, OLD.fare_idr,
                   OLD.headway_s, OLD.speed_kmh, OLD.active, OLD.circular, OLD.author_id,
                   OLD.author, OLD.message, OLD.saved_at, ST_AsBinary(OLD.geom)) THEN
                RETURN NEW;  -- only state and note changed
            END IF;
            RAISE EXCEPTION 'route_version is append-only (% of a saved version refused)', TG_OP
                USING ERRCODE = 'insufficient_privilege';
        END $$;
        CREATE TRIGGER route_version_append_only BEFORE UPDATE OR DELETE ON route_version
            FOR EACH ROW EXECUTE FUNCTION tpo_route_version_append_only();
        """
    )
    op.execute(
        """
        INSERT INTO route_version (city_id, route_id, number, parent, state, code, name,
            direction, origin, destination, colour, fare_idr, headway_s, speed_kmh, active,
            circular, author_id, author, message, geom)
        SELECT city_id, id, 1, NULL, 'published', code, name, direction, origin, destination,
            colour, fare_idr, headway_s, speed_kmh, active,
            ST_NPoints(geom) > 3 AND ST_IsClosed(geom), NULL, NULL, 'imported', geom
        FROM angkot_route
        """
    )


def downgrade() -> None:
    op.execute("DROP TABLE route_version")
    op.execute("DROP FUNCTION tpo_route_version_append_only()")
