"""The inspectorate's audits (e-audit): sites of OPD-funded activities, audits, findings."""

from __future__ import annotations

from datetime import date, datetime

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Computed,
    Date,
    DateTime,
    Double,
    ForeignKey,
    ForeignKeyConstraint,
    Identity,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from geo.models.base import Base, geom_checks

AUDIT_STATES = (
    "direncanakan",
    "surat_tugas",
    "pemeriksaan",
    "notisi",
    "lha",
    "pemantauan",
    "selesai",
)
AUDIT_BASES = ("pkpt", "permintaan")
FINDING_CATEGORIES = ("kelemahan_spi", "ketidakpatuhan", "potensi_kerugian")
SEVERITIES = ("rendah", "sedang", "tinggi")
FOLLOWUP_STATUSES = (
    "belum_ditindaklanjuti",
    "belum_sesuai",
    "sesuai",
    "tidak_dapat_ditindaklanjuti",
)


def _fk(table: str, column: str) -> ForeignKeyConstraint:
    return ForeignKeyConstraint(
        ["city_id", column], [f"{table}.city_id", f"{table}.id"], ondelete="CASCADE"
    )


def _city() -> Mapped[int]:
    return mapped_column(ForeignKey("city.id", ondelete="CASCADE"), primary_key=True)


def _id() -> Mapped[int]:
    return mapped_column(BigInteger, Identity(always=False), primary_key=True)


class AuditSite(Base):
    """The place of an OPD-funded activity (a road section, a school building, a market)."""

    __tablename__ = "audit_site"
    __table_args__ = (
        CheckConstraint("GeometryType(geom) IN ('POINT', 'MULTIPOLYGON')", name="point_or_area"),
        *geom_checks(),
        CheckConstraint("budget_idr >= 0", name="budget_not_negative"),
        CheckConstraint("contract_value_idr >= 0", name="contract_not_negative"),
        CheckConstraint("fiscal_year BETWEEN 2000 AND 2100", name="fiscal_year_range"),
        CheckConstraint("progress_pct BETWEEN 0 AND 100", name="progress_range"),
        Index("ix_audit_site_geom", "geom", postgresql_using="gist"),
        Index("ix_audit_site_geom_point", "geom_point", postgresql_using="gist"),
        Index("ix_audit_site_city_id_opd_code_fiscal_year", "city_id", "opd_code", "fiscal_year"),
        Index("ix_audit_site_city_id_kecamatan_code", "city_id", "kecamatan_code"),
    )

    city_id: Mapped[int] = _city()
    id: Mapped[int] = _id()
    geom: Mapped[WKBElement] = mapped_column(
        Geometry(geometry_type="GEOMETRY", srid=4326, spatial_index=False)
    )
    geom_point: Mapped[WKBElement | None] = mapped_column(
        Geometry(geometry_type="POINT", srid=4326, spatial_index=False),
        Computed(
            "CASE WHEN GeometryType(geom) = 'POINT' THEN geom ELSE ST_PointOnSurface(geom) END",
            persisted=True,
        ),
        deferred=True,
    )
    opd_code: Mapped[str] = mapped_column(String(32))
    activity: Mapped[str] = mapped_column(String(300))
    budget_idr: Mapped[int] = mapped_column(BigInteger)
    fiscal_year: Mapped[int] = mapped_column(SmallInteger)
    contractor: Mapped[str | None] = mapped_column(String(200))
    contract_value_idr: Mapped[int | None] = mapped_column(BigInteger)
    progress_pct: Mapped[float] = mapped_column(Double, server_default=text("0"))
    kelurahan_code: Mapped[str | None] = mapped_column(String(32))
    kecamatan_code: Mapped[str | None] = mapped_column(String(32))
    demo: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    created_by: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("app_user.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Audit(Base):
    """One audit of a site: in the annual plan (PKPT) or on request, through its steps."""

    __tablename__ = "audit"
    __table_args__ = (
        _fk("audit_site", "site_id"),
        CheckConstraint(f"status IN {AUDIT_STATES!r}", name="status_known"),
        CheckConstraint(f"basis IN {AUDIT_BASES!r}", name="basis_known"),
        CheckConstraint("version >= 1", name="version_positive"),
        Index("ix_audit_city_id_site_id", "city_id", "site_id"),
        Index("ix_audit_city_id_status", "city_id", "status"),
    )

    city_id: Mapped[int] = _city()
    id: Mapped[int] = _id()
    site_id: Mapped[int] = mapped_column(BigInteger)
    basis: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(32))
    surat_tugas_no: Mapped[str | None] = mapped_column(String(100))
    surat_tugas_date: Mapped[date | None] = mapped_column(Date)
    lha_no: Mapped[str | None] = mapped_column(String(100))
    lha_date: Mapped[date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, server_default=text("1"))
    demo: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    status_changed_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


class AuditInspector(Base):
    """An inspector assigned to an audit by its surat tugas."""

    __tablename__ = "audit_inspector"
    __table_args__ = (_fk("audit", "audit_id"),)

    city_id: Mapped[int] = _city()
    audit_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("app_user.id", ondelete="CASCADE"), primary_key=True
    )


class AuditEvent(Base):
    """One step of an audit's history; appended, never rewritten."""

    __tablename__ = "audit_event"
    __table_args__ = (
        _fk("audit", "audit_id"),
        Index("ix_audit_event_city_id_audit_id", "city_id", "audit_id", "id"),
    )

    city_id: Mapped[int] = _city()
    id: Mapped[int] = _id()
    audit_id: Mapped[int] = mapped_column(BigInteger)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    actor_id: Mapped[int | None] = mapped_column(BigInteger)
    actor: Mapped[str] = mapped_column(String(64))
    transition: Mapped[str | None] = mapped_column(String(64))
    from_status: Mapped[str | None] = mapped_column(String(32))
    to_status: Mapped[str] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(Text)
    fields: Mapped[dict[str, object]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))


class AuditVisit(Base):
    """A field visit: when, who, where the inspector stood (when given), how far from the site."""

    __tablename__ = "audit_visit"
    __table_args__ = (
        _fk("audit", "audit_id"),
        CheckConstraint("distance_m >= 0", name="distance_not_negative"),
        Index("ix_audit_visit_city_id_audit_id", "city_id", "audit_id"),
    )

    city_id: Mapped[int] = _city()
    id: Mapped[int] = _id()
    audit_id: Mapped[int] = mapped_column(BigInteger)
    visited_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    inspector_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("app_user.id", ondelete="SET NULL")
    )
    inspector: Mapped[str] = mapped_column(String(64))
    position: Mapped[WKBElement | None] = mapped_column(
        Geometry(geometry_type="POINT", srid=4326, spatial_index=False)
    )
    accuracy_m: Mapped[float | None] = mapped_column(Double)
    distance_m: Mapped[float | None] = mapped_column(Double)
    note: Mapped[str | None] = mapped_column(Text)


class AuditFinding(Base):
    """A finding of an audit, owned by one office; its follow-up status after the LHA."""

    __tablename__ = "audit_finding"
    __table_args__ = (
        _fk("audit", "audit_id"),
        CheckConstraint(f"category IN {FINDING_CATEGORIES!r}", name="category_known"),
        CheckConstraint(f"severity IN {SEVERITIES!r}", name="severity_known"),
        CheckConstraint(f"followup_status IN {FOLLOWUP_STATUSES!r}", name="followup_known"),
        CheckConstraint("potential_loss_idr >= 0", name="loss_not_negative"),
        CheckConstraint("version >= 1", name="version_positive"),
        Index("ix_audit_finding_city_id_audit_id", "city_id", "audit_id"),
        Index("ix_audit_finding_city_id_opd_code", "city_id", "opd_code"),
    )

    city_id: Mapped[int] = _city()
    id: Mapped[int] = _id()
    audit_id: Mapped[int] = mapped_column(BigInteger)
    opd_code: Mapped[str] = mapped_column(String(32))
    category: Mapped[str] = mapped_column(String(32))
    severity: Mapped[str] = mapped_column(String(16))
    potential_loss_idr: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))
    description: Mapped[str] = mapped_column(Text)
    recommendation: Mapped[str] = mapped_column(Text)
    followup_status: Mapped[str] = mapped_column(
        String(32), server_default=text("'belum_ditindaklanjuti'")
    )
    version: Mapped[int] = mapped_column(Integer, server_default=text("1"))
    created_by: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("app_user.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class FindingResponse(Base):
    """The audited office's answer to a finding in the notisi step; appended, never edited."""

    __tablename__ = "finding_response"
    __table_args__ = (
        _fk("audit_finding", "finding_id"),
        Index("ix_finding_response_city_id_finding_id", "city_id", "finding_id"),
    )

    city_id: Mapped[int] = _city()
    id: Mapped[int] = _id()
    finding_id: Mapped[int] = mapped_column(BigInteger)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    actor_id: Mapped[int | None] = mapped_column(BigInteger)
    actor: Mapped[str] = mapped_column(String(64))
    opd_code: Mapped[str] = mapped_column(String(32))
    body: Mapped[str] = mapped_column(Text)


class FindingFollowup(Base):
    """A follow-up entry: the office's action (``opd``) or the inspectorate's assessment."""

    __tablename__ = "finding_followup"
    __table_args__ = (
        _fk("audit_finding", "finding_id"),
        CheckConstraint("side IN ('opd', 'inspektorat')", name="side_known"),
        CheckConstraint(
            f"status IS NULL OR status IN {FOLLOWUP_STATUSES!r}", name="followup_known"
        ),
        Index("ix_finding_followup_city_id_finding_id", "city_id", "finding_id"),
    )

    city_id: Mapped[int] = _city()
    id: Mapped[int] = _id()
    finding_id: Mapped[int] = mapped_column(BigInteger)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    actor_id: Mapped[int | None] = mapped_column(BigInteger)
    actor: Mapped[str] = mapped_column(String(64))
    side: Mapped[str] = mapped_column(String(16))
    status: Mapped[str | None] = mapped_column(String(32))
    note: Mapped[str] = mapped_column(Text)


class AuditPhoto(Base):
    """A photo of a site, a visit, a finding or the office's follow-up of one: metadata here,
    bytes in the upload store."""

    __tablename__ = "audit_photo"
    __table_args__ = (
        _fk("audit_site", "site_id"),
        CheckConstraint("size_bytes > 0", name="size_positive"),
        CheckConstraint("media_type IN ('image/jpeg', 'image/png')", name="media_known"),
        Index("ix_audit_photo_city_id_site_id", "city_id", "site_id"),
    )

    city_id: Mapped[int] = _city()
    id: Mapped[int] = _id()
    site_id: Mapped[int] = mapped_column(BigInteger)
    audit_id: Mapped[int | None] = mapped_column(BigInteger)
    visit_id: Mapped[int | None] = mapped_column(BigInteger)
    finding_id: Mapped[int | None] = mapped_column(BigInteger)
    # the office's follow-up entry (finding_followup) the photo documents, if any
    followup_id: Mapped[int | None] = mapped_column(BigInteger)
    filename: Mapped[str] = mapped_column(String(200))
    media_type: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
