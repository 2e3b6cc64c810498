"""service requests

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 22:00:00

The request core (#12): ``service_request`` (one row per request of any type, a point or a
multipolygon, keyed by city), ``request_private`` (its personal data, apart), ``request_event``
(the history: appended, never rewritten; a trigger refuses UPDATE, DELETE and TRUNCATE) and
``request_attachment`` (document metadata; the bytes live in the upload store).
"""

from collections.abc import Sequence

import geoalchemy2
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TYPES = "('bantuan', 'pindah_sekolah', 'izin', 'audit', 'saran_transport')"


def _request_fk() -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["city_id", "request_id"],
        ["service_request.city_id", "service_request.id"],
        ondelete="CASCADE",
    )


def _city() -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(
        "city_id", sa.Integer(), sa.ForeignKey("city.id", ondelete="CASCADE"), nullable=False
    )


def upgrade() -> None:
    op.create_table(
        "service_request",
        _city(),
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column(
            "geom",
            geoalchemy2.Geometry(geometry_type="GEOMETRY", srid=4326, spatial_index=False),
            nullable=False,
        ),
        sa.Column("kelurahan_code", sa.String(32)),
        sa.Column("kecamatan_code", sa.String(32)),
        sa.Column("opd_code", sa.String(32)),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column(
            "attrs", postgresql.JSONB(), server_default=sa.text("'{}'::jsonb"), nullable=False
        ),
        sa.Column("priority", sa.SmallInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column(
            "submitted_by", sa.BigInteger(), sa.ForeignKey("app_user.id", ondelete="SET NULL")
        ),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("demo", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "status_changed_at",
            sa.DateTime(timezone=True),
            server_default=sa.func.now(),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("city_id", "id"),
        sa.UniqueConstraint("city_id", "code"),
        sa.CheckConstraint(f"type IN {TYPES}", name="type_known"),
        sa.CheckConstraint(
            "GeometryType(geom) IN ('POINT', 'MULTIPOLYGON')", name="geom_point_or_area"
        ),
        sa.CheckConstraint("version >= 1", name="version_positive"),
        sa.CheckConstraint("NOT ST_IsEmpty(geom)", name="geom_not_empty"),
        sa.CheckConstraint("ST_IsValid(geom)", name="geom_valid"),
    )
    op.create_index("ix_service_request_geom", "service_request", ["geom"], postgresql_using="gist")
    for cols in (
        ("city_id", "type", "status"),
        ("city_id", "kelurahan_code"),
        ("city_id", "opd_code", "status"),
        ("city_id", "created_at"),
        ("city_id", "submitted_by"),
    ):
        op.create_index(f"ix_service_request_{'_'.join(cols)}", "service_request", list(cols))

    op.create_table(
        "request_private",
        _city(),
        sa.Column("request_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("nik", sa.String(16)),
        sa.Column("phone", sa.String(32)),
        sa.Column("email", sa.String(254)),
        sa.Column("address", sa.String(500)),
        sa.Column(
            "extra", postgresql.JSONB(), server_default=sa.text("'{}'::jsonb"), nullable=False
        ),
        sa.PrimaryKeyConstraint("city_id", "request_id"),
        _request_fk(),
    )
    op.create_table(
        "request_event",
        _city(),
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("request_id", sa.BigInteger(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("actor_id", sa.BigInteger()),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("transition", sa.String(64)),
        sa.Column("from_status", sa.String(32)),
        sa.Column("to_status", sa.String(32), nullable=False),
        sa.Column("public_note", sa.Text()),
        sa.Column("internal_note", sa.Text()),
        sa.Column(
            "fields", postgresql.JSONB(), server_default=sa.text("'{}'::jsonb"), nullable=False
        ),
        sa.PrimaryKeyConstraint("city_id", "id"),
        _request_fk(),
    )
    op.create_index(
        "ix_request_event_city_id_request_id", "request_event", ["city_id", "request_id", "id"]
    )
    op.create_table(
        "request_attachment",
        _city(),
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("request_id", sa.BigInteger(), nullable=False),
        sa.Column("slot", sa.String(64), nullable=False),
        sa.Column("filename", sa.String(200), nullable=False),
        sa.Column("media_type", sa.String(64), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("uploaded_by", sa.BigInteger()),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("city_id", "id"),
        _request_fk(),
        sa.CheckConstraint("size_bytes > 0", name="size_positive"),
        sa.CheckConstraint(
            "media_type IN ('application/pdf', 'image/jpeg', 'image/png')", name="media_known"
        ),
    )
    op.create_index(
        "ix_request_attachment_city_id_request_id",
        "request_attachment",
        ["city_id", "request_id"],
    )
    # history is appended, never rewritten: UPDATE and TRUNCATE are refused, and so is DELETE
    # while the request exists
    op.execute(
        """
        CREATE FUNCTION tpo_request_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            -- rows go only with their request (deleting a request or a city cascades here)
            IF TG_OP = 'DELETE' AND NOT EXISTS (
                SELECT 1 FROM service_request r
                WHERE r.city_id = OLD.city_id AND r.id = OLD.request_id) THEN
                RETURN OLD;
            END IF;
            RAISE EXCEPTION 'request_event is append-only (% refused)', TG_OP
                USING ERRCODE = 'insufficient_privilege';
        END $$;
        CREATE TRIGGER request_event_no_update BEFORE UPDATE OR DELETE ON request_event
            FOR EACH ROW EXECUTE FUNCTION tpo_request_event_append_only();
        CREATE TRIGGER request_event_no_truncate BEFORE TRUNCATE ON request_event
            FOR EACH STATEMENT EXECUTE FUNCTION tpo_request_event_append_only();
        """
    )


def downgrade() -> None:
    op.execute("DROP TABLE request_attachment, request_event, request_private, service_request")
    op.execute("DROP FUNCTION tpo_request_event_append_only()")
