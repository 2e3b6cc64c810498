"""e-audit: audit sites, audits, visits, findings, responses, follow-ups, photos

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02 03:29:22

The inspectorate's audits (#14 §2) in their own tables, keyed by (city_id, id) (DESIGN §8):
``audit_site`` (a point or a multipolygon, ``geom_point`` a point on it as in 0009), ``audit``
(its workflow state, surat tugas, LHA), ``audit_inspector``, ``audit_event`` (history),
``audit_visit`` (the inspector's position and its distance from the site), ``audit_finding``
(owned by one OPD, with its follow-up status), ``finding_response`` (the office's answers in the
notisi step), ``finding_followup`` (the office's actions and the inspectorate's assessments),
``audit_photo``. History tables are appended to, never rewritten: UPDATE and TRUNCATE are
refused, DELETE only once the parent row is gone (cascades).

The restricted layer ``audit_sites`` reads the view ``audit_site_layer``: each site's point, its
latest audit's status, the number, worst severity and potential loss of its open findings (not
``sesuai`` nor ``tidak_dapat_ditindaklanjuti``), those past 60 days from the LHA date, and a
colour from them. Writes to sites, audits and findings bump its revision in the same
transaction (``tpo_bump_layer_revision``).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# (history table, parent table, its key column)
HISTORY = (
    ("audit_event", "audit", "audit_id"),
    ("finding_response", "audit_finding", "finding_id"),
    ("finding_followup", "audit_finding", "finding_id"),
)
REVISIONED = ("audit_site", "audit", "audit_finding")

APPEND_ONLY_FUNCTION = """
CREATE FUNCTION tpo_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    parent_exists boolean;
BEGIN
    IF TG_OP = 'DELETE' THEN
        -- rows go only with their parent (deleting an audit or a city cascades here)
        EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I WHERE city_id = $1 AND id = $2)',
                       TG_ARGV[0])
            INTO parent_exists USING OLD.city_id, (to_jsonb(OLD) ->> TG_ARGV[1])::bigint;
        IF NOT parent_exists THEN
            RETURN OLD;
        END IF;
    END IF;
    RAISE EXCEPTION '% is append-only (% refused)', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END $$
"""

# open findings: follow-up not sesuai nor tidak_dapat_ditindaklanjuti (geo.audits.CLOSED,
# written out); overdue: open and past 60 days from the LHA date (geo.audits.FOLLOWUP_DAYS)
LAYER_VIEW = """
CREATE VIEW audit_site_layer AS
SELECT s.city_id, s.id, s.geom_point AS geom, s.opd_code, s.kecamatan_code, s.kelurahan_code,
       s.activity, s.fiscal_year, s.budget_idr, s.progress_pct, s.demo,
       coalesce(a.status, 'belum_diaudit') AS audit_status,
       coalesce(f.open_findings, 0) AS open_findings,
       coalesce(f.worst_severity, '') AS worst_severity,
       coalesce(f.potential_loss_idr, 0) AS potential_loss_idr,
       coalesce(f.overdue, 0) AS overdue_findings,
       CASE f.worst_severity
           WHEN 'tinggi' THEN '#d7191c'
           WHEN 'sedang' THEN '#fdae61'
           WHEN 'rendah' THEN '#e6c700'
           ELSE CASE WHEN a.status IS NULL THEN '#878787'
                     WHEN a.status = 'selesai' THEN '#1a9641'
                     ELSE '#2b83ba' END
       END AS colour
FROM audit_site s
LEFT JOIN LATERAL (
    SELECT x.id, x.status, x.lha_date FROM audit x
    WHERE x.city_id = s.city_id AND x.site_id = s.id
    ORDER BY x.id DESC LIMIT 1
) a ON true
LEFT JOIN LATERAL (
    SELECT count(*)::integer AS open_findings,
           (ARRAY['rendah', 'sedang', 'tinggi'])[max(CASE fi.severity WHEN 'rendah' THEN 1
                WHEN 'sedang' THEN 2 WHEN 'tinggi' THEN 3 END)] AS worst_severity,
           sum(fi.potential_loss_idr)::bigint AS potential_loss_idr,
           count(*) FILTER (WHERE x.lha_date IS NOT NULL
               AND x.lha_date + 60 < (now() AT TIME ZONE 'Asia/Jakarta')::date)::integer
               AS overdue
    FROM audit x
    JOIN audit_finding fi ON fi.city_id = x.city_id AND fi.audit_id = x.id
    WHERE x.city_id = s.city_id AND x.site_id = s.id
      AND fi.followup_status NOT IN ('sesuai', 'tidak_dapat_ditindaklanjuti')
) f ON true
"""


def upgrade() -> None:
    op.create_geospatial_table(
        "audit_site",
        sa.Column("city_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column(
            "geom",
            Geometry(
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.Column(
            "geom_point",
            Geometry(
                geometry_type="POINT",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
            ),
            sa.Computed(
                "CASE WHEN GeometryType(geom) = 'POINT' THEN geom ELSE ST_PointOnSurface(geom) END",
                persisted=True,
            ),
            nullable=True,
        ),
        sa.Column("opd_code", sa.String(length=32), nullable=False),
        sa.Column("activity", sa.String(length=300), nullable=False),
        sa.Column("budget_idr", sa.BigInteger(), nullable=False),
        sa.Column("fiscal_year", sa.SmallInteger(), nullable=False),
        sa.Column("contractor", sa.String(length=200), nullable=True),
        sa.Column("contract_value_idr", sa.BigInteger(), nullable=True),
        sa.Column("progress_pct", sa.Double(), server_default=sa.text("0"), nullable=False),
        sa.Column("kelurahan_code", sa.String(length=32), nullable=True),
        sa.Column("kecamatan_code", sa.String(length=32), nullable=True),
        sa.Column("demo", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("created_by", sa.BigInteger(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "GeometryType(geom) IN ('POINT', 'MULTIPOLYGON')",
            name=op.f("ck_audit_site_point_or_area"),
        ),
        sa.CheckConstraint("NOT ST_IsEmpty(geom)", name=op.f("ck_audit_site_geom_not_empty")),
        sa.CheckConstraint("ST_IsValid(geom)", name=op.f("ck_audit_site_geom_valid")),
        sa.CheckConstraint("budget_idr >= 0", name=op.f("ck_audit_site_budget_not_negative")),
        sa.CheckConstraint(
            "contract_value_idr >= 0", name=op.f("ck_audit_site_contract_not_negative")
        ),
        sa.CheckConstraint(
            "fiscal_year BETWEEN 2000 AND 2100", name=op.f("ck_audit_site_fiscal_year_range")
        ),
        sa.CheckConstraint(
            "progress_pct BETWEEN 0 AND 100", name=op.f("ck_audit_site_progress_range")
        ),
        sa.ForeignKeyConstraint(
            ["city_id"], ["city.id"], name=op.f("fk_audit_site_city_id_city"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["app_user.id"],
            name=op.f("fk_audit_site_created_by_app_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("city_id", "id", name=op.f("pk_audit_site")),
    )
    op.create_index(
        "ix_audit_site_city_id_kecamatan_code",
        "audit_site",
        ["city_id", "kecamatan_code"],
        unique=False,
    )
    op.create_index(
        "ix_audit_site_city_id_opd_code_fiscal_year",
        "audit_site",
        ["city_id", "opd_code", "fiscal_year"],
        unique=False,
    )
    op.create_geospatial_index(
        "ix_audit_site_geom",
        "audit_site",
        ["geom"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_geospatial_index(
        "ix_audit_site_geom_point",
        "audit_site",
        ["geom_point"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_table(
        "audit",
        sa.Column("city_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("site_id", sa.BigInteger(), nullable=False),
        sa.Column("basis", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("surat_tugas_no", sa.String(length=100), nullable=True),
        sa.Column("surat_tugas_date", sa.Date(), nullable=True),
        sa.Column("lha_no", sa.String(length=100), nullable=True),
        sa.Column("lha_date", sa.Date(), nullable=True),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("demo", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "status_changed_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("basis IN ('pkpt', 'permintaan')", name=op.f("ck_audit_basis_known")),
        sa.CheckConstraint(
            "status IN ('direncanakan', 'surat_tugas', 'pemeriksaan', 'notisi', 'lha', 'pemantauan', 'selesai')",
            name=op.f("ck_audit_status_known"),
        ),
        sa.CheckConstraint("version >= 1", name=op.f("ck_audit_version_positive")),
        sa.ForeignKeyConstraint(
            ["city_id", "site_id"],
            ["audit_site.city_id", "audit_site.id"],
            name=op.f("fk_audit_city_id_audit_site"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["city_id"], ["city.id"], name=op.f("fk_audit_city_id_city"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("city_id", "id", name=op.f("pk_audit")),
    )
    op.create_index("ix_audit_city_id_site_id", "audit", ["city_id", "site_id"], unique=False)
    op.create_index("ix_audit_city_id_status", "audit", ["city_id", "status"], unique=False)
    op.create_table(
        "audit_photo",
        sa.Column("city_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("site_id", sa.BigInteger(), nullable=False),
        sa.Column("audit_id", sa.BigInteger(), nullable=True),
        sa.Column("visit_id", sa.BigInteger(), nullable=True),
        sa.Column("finding_id", sa.BigInteger(), nullable=True),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("media_type", sa.String(length=64), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("uploaded_by", sa.BigInteger(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "media_type IN ('image/jpeg', 'image/png')", name=op.f("ck_audit_photo_media_known")
        ),
        sa.CheckConstraint("size_bytes > 0", name=op.f("ck_audit_photo_size_positive")),
        sa.ForeignKeyConstraint(
            ["city_id", "site_id"],
            ["audit_site.city_id", "audit_site.id"],
            name=op.f("fk_audit_photo_city_id_audit_site"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["city_id"], ["city.id"], name=op.f("fk_audit_photo_city_id_city"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("city_id", "id", name=op.f("pk_audit_photo")),
    )
    op.create_index(
        "ix_audit_photo_city_id_site_id", "audit_photo", ["city_id", "site_id"], unique=False
    )
    op.create_table(
        "audit_event",
        sa.Column("city_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("audit_id", sa.BigInteger(), nullable=False),
        sa.Column(
            "at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("actor_id", sa.BigInteger(), nullable=True),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("transition", sa.String(length=64), nullable=True),
        sa.Column("from_status", sa.String(length=32), nullable=True),
        sa.Column("to_status", sa.String(length=32), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column(
            "fields",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["city_id", "audit_id"],
            ["audit.city_id", "audit.id"],
            name=op.f("fk_audit_event_city_id_audit"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["city_id"], ["city.id"], name=op.f("fk_audit_event_city_id_city"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("city_id", "id", name=op.f("pk_audit_event")),
    )
    op.create_index(
        "ix_audit_event_city_id_audit_id",
        "audit_event",
        ["city_id", "audit_id", "id"],
        unique=False,
    )
    op.create_table(
        "audit_finding",
        sa.Column("city_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("audit_id", sa.BigInteger(), nullable=False),
        sa.Column("opd_code", sa.String(length=32), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column(
            "potential_loss_idr", sa.BigInteger(), server_default=sa.text("0"), nullable=False
        ),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("recommendation", sa.Text(), nullable=False),
        sa.Column(
            "followup_status",
            sa.String(length=32),
            server_default=sa.text("'belum_ditindaklanjuti'"),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("created_by", sa.BigInteger(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "category IN ('kelemahan_spi', 'ketidakpatuhan', 'potensi_kerugian')",
            name=op.f("ck_audit_finding_category_known"),
        ),
        sa.CheckConstraint(
            "followup_status IN ('belum_ditindaklanjuti', 'belum_sesuai', 'sesuai', 'tidak_dapat_ditindaklanjuti')",
            name=op.f("ck_audit_finding_followup_known"),
        ),
        sa.CheckConstraint(
            "severity IN ('rendah', 'sedang', 'tinggi')",
            name=op.f("ck_audit_finding_severity_known"),
        ),
        sa.CheckConstraint(
            "potential_loss_idr >= 0", name=op.f("ck_audit_finding_loss_not_negative")
        ),
        sa.CheckConstraint("version >= 1", name=op.f("ck_audit_finding_version_positive")),
        sa.ForeignKeyConstraint(
            ["city_id", "audit_id"],
            ["audit.city_id", "audit.id"],
            name=op.f("fk_audit_finding_city_id_audit"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["city_id"], ["city.id"], name=op.f("fk_audit_finding_city_id_city"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["app_user.id"],
            name=op.f("fk_audit_finding_created_by_app_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("city_id", "id", name=op.f("pk_audit_finding")),
    )
    op.create_index(
        "ix_audit_finding_city_id_audit_id", "audit_finding", ["city_id", "audit_id"], unique=False
    )
    op.create_index(
        "ix_audit_finding_city_id_opd_code", "audit_finding", ["city_id", "opd_code"], unique=False
    )
    op.create_table(
        "audit_inspector",
        sa.Column("city_id", sa.Integer(), nullable=False),
        sa.Column("audit_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["city_id", "audit_id"],
            ["audit.city_id", "audit.id"],
            name=op.f("fk_audit_inspector_city_id_audit"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["city_id"],
            ["city.id"],
            name=op.f("fk_audit_inspector_city_id_city"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["app_user.id"],
            name=op.f("fk_audit_inspector_user_id_app_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("city_id", "audit_id", "user_id", name=op.f("pk_audit_inspector")),
    )
    op.create_geospatial_table(
        "audit_visit",
        sa.Column("city_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("audit_id", sa.BigInteger(), nullable=False),
        sa.Column("visited_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("inspector_id", sa.BigInteger(), nullable=True),
        sa.Column("inspector", sa.String(length=64), nullable=False),
        sa.Column(
            "position",
            Geometry(
                geometry_type="POINT",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
            ),
            nullable=True,
        ),
        sa.Column("accuracy_m", sa.Double(), nullable=True),
        sa.Column("distance_m", sa.Double(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.CheckConstraint("distance_m >= 0", name=op.f("ck_audit_visit_distance_not_negative")),
        sa.ForeignKeyConstraint(
            ["city_id", "audit_id"],
            ["audit.city_id", "audit.id"],
            name=op.f("fk_audit_visit_city_id_audit"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["city_id"], ["city.id"], name=op.f("fk_audit_visit_city_id_city"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["inspector_id"],
            ["app_user.id"],
            name=op.f("fk_audit_visit_inspector_id_app_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("city_id", "id", name=op.f("pk_audit_visit")),
    )
    op.create_index(
        "ix_audit_visit_city_id_audit_id", "audit_visit", ["city_id", "audit_id"], unique=False
    )
    op.create_table(
        "finding_followup",
        sa.Column("city_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("finding_id", sa.BigInteger(), nullable=False),
        sa.Column(
            "at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("actor_id", sa.BigInteger(), nullable=True),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("side", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "side IN ('opd', 'inspektorat')", name=op.f("ck_finding_followup_side_known")
        ),
        sa.CheckConstraint(
            "status IS NULL OR status IN ('belum_ditindaklanjuti', 'belum_sesuai', 'sesuai', 'tidak_dapat_ditindaklanjuti')",
            name=op.f("ck_finding_followup_followup_known"),
        ),
        sa.ForeignKeyConstraint(
            ["city_id", "finding_id"],
            ["audit_finding.city_id", "audit_finding.id"],
            name=op.f("fk_finding_followup_city_id_audit_finding"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["city_id"],
            ["city.id"],
            name=op.f("fk_finding_followup_city_id_city"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("city_id", "id", name=op.f("pk_finding_followup")),
    )
    op.create_index(
        "ix_finding_followup_city_id_finding_id",
        "finding_followup",
        ["city_id", "finding_id"],
        unique=False,
    )
    op.create_table(
        "finding_response",
        sa.Column("city_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("finding_id", sa.BigInteger(), nullable=False),
        sa.Column(
            "at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("actor_id", sa.BigInteger(), nullable=True),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("opd_code", sa.String(length=32), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["city_id", "finding_id"],
            ["audit_finding.city_id", "audit_finding.id"],
            name=op.f("fk_finding_response_city_id_audit_finding"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["city_id"],
            ["city.id"],
            name=op.f("fk_finding_response_city_id_city"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("city_id", "id", name=op.f("pk_finding_response")),
    )
    op.create_index(
        "ix_finding_response_city_id_finding_id",
        "finding_response",
        ["city_id", "finding_id"],
        unique=False,
    )
    op.execute(APPEND_ONLY_FUNCTION)
    for table, parent, column in HISTORY:
        op.execute(
            f"CREATE TRIGGER {table}_no_update BEFORE UPDATE OR DELETE ON {table}"
            f" FOR EACH ROW EXECUTE FUNCTION tpo_audit_append_only('{parent}', '{column}')"
        )
        op.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}"
            f" FOR EACH STATEMENT EXECUTE FUNCTION tpo_audit_append_only('{parent}', '{column}')"
        )
    op.execute(LAYER_VIEW)
    for table in REVISIONED:
        for event, ref in (
            ("INSERT", "NEW TABLE AS tpo_changed"),
            ("UPDATE", "NEW TABLE AS tpo_changed"),
            ("DELETE", "OLD TABLE AS tpo_changed"),
        ):
            op.execute(
                f"CREATE TRIGGER tpo_rev_audit_{event.lower()} AFTER {event} ON {table} "
                f"REFERENCING {ref} FOR EACH STATEMENT "
                f"EXECUTE FUNCTION tpo_bump_layer_revision('audit_sites')"
            )


def downgrade() -> None:
    for table in REVISIONED:
        for event in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER tpo_rev_audit_{event} ON {table}")
    op.execute("DROP VIEW audit_site_layer")
    for table, _parent, _column in HISTORY:
        op.execute(f"DROP TRIGGER {table}_no_update ON {table}")
        op.execute(f"DROP TRIGGER {table}_no_truncate ON {table}")
    op.drop_index("ix_finding_response_city_id_finding_id", table_name="finding_response")
    op.drop_table("finding_response")
    op.drop_index("ix_finding_followup_city_id_finding_id", table_name="finding_followup")
    op.drop_table("finding_followup")
    op.drop_index("ix_audit_visit_city_id_audit_id", table_name="audit_visit")
    op.drop_geospatial_table("audit_visit")
    op.drop_table("audit_inspector")
    op.drop_index("ix_audit_finding_city_id_opd_code", table_name="audit_finding")
    op.drop_index("ix_audit_finding_city_id_audit_id", table_name="audit_finding")
    op.drop_table("audit_finding")
    op.drop_index("ix_audit_event_city_id_audit_id", table_name="audit_event")
    op.drop_table("audit_event")
    op.drop_index("ix_audit_photo_city_id_site_id", table_name="audit_photo")
    op.drop_table("audit_photo")
    op.drop_index("ix_audit_city_id_status", table_name="audit")
    op.drop_index("ix_audit_city_id_site_id", table_name="audit")
    op.drop_table("audit")
    op.drop_geospatial_index(
        "ix_audit_site_geom_point",
        table_name="audit_site",
        postgresql_using="gist",
        column_name="geom_point",
    )
    op.drop_geospatial_index(
        "ix_audit_site_geom", table_name="audit_site", postgresql_using="gist", column_name="geom"
    )
    op.drop_index("ix_audit_site_city_id_opd_code_fiscal_year", table_name="audit_site")
    op.drop_index("ix_audit_site_city_id_kecamatan_code", table_name="audit_site")
    op.drop_geospatial_table("audit_site")
    op.execute("DROP FUNCTION tpo_audit_append_only()")
