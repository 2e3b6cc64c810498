"""permits: zoning plan, ITBX table, protected land, rivers, pre-check versions

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02 06:30:00

Permits (#15, perizinan online), keyed by (city_id, id) (DESIGN §8):

- ``zoning_zone``: the zones of the detailed spatial plan (RDTR: code, name, KDB %, KLB, KDH %),
  ``zoning_rule``: the city's ITBX table (zone code × activity → I/T/B/X);
- ``protected_area``: protected rice fields (sawah), green open space (rth) and river setbacks
  (sungai, the buffer computed at import from ``river_line`` and its class);
- ``river_line``: river centre lines with depth and levee;
- ``permit_check``: every run of an application's pre-check (version 1, 2, …), with the
  CheckResult JSON and the layer revisions it read;
- ``permit_parcel.request_id``: the application an approved parcel came from (one parcel per
  application).

Layers ``zoning`` (zones and the ITBX table), ``protected_areas`` and ``rivers`` bump their
revision on write in the writing transaction (``tpo_bump_layer_revision``, as 0001).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# table -> layer whose revision its writes bump
REVISIONED = {
    "zoning_zone": "zoning",
    "zoning_rule": "zoning",
    "protected_area": "protected_areas",
    "river_line": "rivers",
}
GEOMETRY_TABLES = ("zoning_zone", "protected_area", "river_line")


def _city(table: str) -> tuple[sa.Column, sa.ForeignKeyConstraint]:  # type: ignore[type-arg]
    return (
        sa.Column("city_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["city_id"], ["city.id"], name=op.f(f"fk_{table}_city_id_city"), ondelete="CASCADE"
        ),
    )


def _id() -> sa.Column:  # type: ignore[type-arg]
    return sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False)


def _geom(kind: str) -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column(
            "geom",
            Geometry(
                geometry_type=kind,
                srid=4326,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.Column(
            "geom_geojson",
            sa.Text(),
            sa.Computed("ST_AsGeoJSON(geom, 6)", persisted=True),
            nullable=True,
        ),
    ]


def _geom_checks(table: str) -> list[sa.CheckConstraint]:
    return [
        sa.CheckConstraint("NOT ST_IsEmpty(geom)", name=op.f(f"ck_{table}_geom_not_empty")),
        sa.CheckConstraint("ST_IsValid(geom)", name=op.f(f"ck_{table}_geom_valid")),
    ]


def upgrade() -> None:
    city_id, city_fk = _city("zoning_zone")
    op.create_geospatial_table(
        "zoning_zone",
        city_id,
        _id(),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kdb", sa.Double(), nullable=True),
        sa.Column("klb", sa.Double(), nullable=True),
        sa.Column("kdh", sa.Double(), nullable=True),
        *_geom("MULTIPOLYGON"),
        sa.CheckConstraint(
            "kdb IS NULL OR kdb BETWEEN 0 AND 100", name=op.f("ck_zoning_zone_kdb_range")
        ),
        sa.CheckConstraint("klb IS NULL OR klb >= 0", name=op.f("ck_zoning_zone_klb_not_negative")),
        sa.CheckConstraint(
            "kdh IS NULL OR kdh BETWEEN 0 AND 100", name=op.f("ck_zoning_zone_kdh_range")
        ),
        *_geom_checks("zoning_zone"),
        city_fk,
        sa.PrimaryKeyConstraint("city_id", "id", name=op.f("pk_zoning_zone")),
        sa.UniqueConstraint("city_id", "code", "id", name=op.f("uq_zoning_zone_city_id_code_id")),
    )
    city_id, city_fk = _city("zoning_rule")
    op.create_table(
        "zoning_rule",
        city_id,
        sa.Column("zone_code", sa.String(length=32), nullable=False),
        sa.Column("activity", sa.String(length=200), nullable=False),
        sa.Column("verdict", postgresql.CHAR(length=1), nullable=False),
        sa.CheckConstraint(
            "verdict IN ('I', 'T', 'B', 'X')", name=op.f("ck_zoning_rule_verdict_known")
        ),
        city_fk,
        sa.PrimaryKeyConstraint("city_id", "zone_code", "activity", name=op.f("pk_zoning_rule")),
    )
    city_id, city_fk = _city("protected_area")
    op.create_geospatial_table(
        "protected_area",
        city_id,
        _id(),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("source", sa.Text(), nullable=True),
        *_geom("MULTIPOLYGON"),
        sa.CheckConstraint(
            "kind IN ('sawah', 'rth', 'sungai')", name=op.f("ck_protected_area_kind_known")
        ),
        *_geom_checks("protected_area"),
        city_fk,
        sa.PrimaryKeyConstraint("city_id", "id", name=op.f("pk_protected_area")),
    )
    city_id, city_fk = _city("river_line")
    op.create_geospatial_table(
        "river_line",
        city_id,
        _id(),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("depth_m", sa.Double(), nullable=True),
        sa.Column("has_levee", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        *_geom("MULTILINESTRING"),
        sa.CheckConstraint(
            "depth_m IS NULL OR depth_m >= 0", name=op.f("ck_river_line_depth_not_negative")
        ),
        *_geom_checks("river_line"),
        city_fk,
        sa.PrimaryKeyConstraint("city_id", "id", name=op.f("pk_river_line")),
    )
    for table in GEOMETRY_TABLES:
        op.execute(f"ALTER TABLE {table} ALTER COLUMN geom_geojson SET STORAGE EXTERNAL")
        op.create_geospatial_index(
            f"ix_{table}_geom",
            table,
            ["geom"],
            unique=False,
            postgresql_using="gist",
            postgresql_ops={},
        )
    city_id, city_fk = _city("permit_check")
    op.create_table(
        "permit_check",
        city_id,
        _id(),
        sa.Column("request_id", sa.BigInteger(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "ran_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("ran_by", sa.BigInteger(), nullable=True),
        sa.Column("verdict", sa.String(length=16), nullable=False),
        sa.Column("result", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("layer_revisions", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.CheckConstraint("version >= 1", name=op.f("ck_permit_check_version_positive")),
        sa.CheckConstraint(
            "verdict IN ('lolos', 'perlu_kajian', 'tidak_lolos')",
            name=op.f("ck_permit_check_verdict_known"),
        ),
        city_fk,
        sa.ForeignKeyConstraint(
            ["city_id", "request_id"],
            ["service_request.city_id", "service_request.id"],
            name=op.f("fk_permit_check_city_id_service_request"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["ran_by"],
            ["app_user.id"],
            name=op.f("fk_permit_check_ran_by_app_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("city_id", "id", name=op.f("pk_permit_check")),
        sa.UniqueConstraint(
            "city_id",
            "request_id",
            "version",
            name=op.f("uq_permit_check_city_id_request_id_version"),
        ),
    )
    op.add_column("permit_parcel", sa.Column("request_id", sa.BigInteger(), nullable=True))
    op.create_unique_constraint(
        op.f("uq_permit_parcel_city_id_request_id"), "permit_parcel", ["city_id", "request_id"]
    )
    for table, layer in REVISIONED.items():
        for event, ref in (
            ("INSERT", "NEW TABLE AS tpo_changed"),
            ("UPDATE", "NEW TABLE AS tpo_changed"),
            ("DELETE", "OLD TABLE AS tpo_changed"),
        ):
            op.execute(
                f"CREATE TRIGGER tpo_rev_{event.lower()} AFTER {event} ON {table} "
                f"REFERENCING {ref} FOR EACH STATEMENT "
                f"EXECUTE FUNCTION tpo_bump_layer_revision('{layer}')"
            )


def downgrade() -> None:
    # the triggers go with their tables; the layer_revision rows stay (revisions only grow)
    op.drop_constraint(op.f("uq_permit_parcel_city_id_request_id"), "permit_parcel", type_="unique")
    op.drop_column("permit_parcel", "request_id")
    op.drop_table("permit_check")
    for table in reversed(GEOMETRY_TABLES):
        op.drop_geospatial_index(
            f"ix_{table}_geom", table_name=table, postgresql_using="gist", column_name="geom"
        )
        op.drop_geospatial_table(table)
    op.drop_table("zoning_rule")
