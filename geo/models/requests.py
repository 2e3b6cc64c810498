"""Service requests of every type (aid, school transfer, permit, audit), their people, history."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Computed,
    Date,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Identity,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from geo.models.base import Base, geom_checks

REQUEST_TYPES = ("bantuan", "pindah_sekolah", "izin", "audit", "saran_transport")


class ServiceRequest(Base):
    """One request at a place: a point, a line or a (multi)polygon, handled through a workflow."""

    __tablename__ = "service_request"
    __table_args__ = (
        UniqueConstraint("city_id", "code"),
        CheckConstraint(f"type IN {REQUEST_TYPES!r}", name="type_known"),
        CheckConstraint(
            "GeometryType(geom) IN ('POINT', 'LINESTRING', 'MULTIPOLYGON')",
            name="geom_point_line_or_area",
        ),
        CheckConstraint("version >= 1", name="version_positive"),
        *geom_checks(),
        Index("ix_service_request_geom", "geom", postgresql_using="gist"),
        Index("ix_service_request_geom_point", "geom_point", postgresql_using="gist"),
        Index("ix_service_request_city_id_type_status", "city_id", "type", "status"),
        Index("ix_service_request_city_id_kelurahan_code", "city_id", "kelurahan_code"),
        Index("ix_service_request_city_id_opd_code_status", "city_id", "opd_code", "status"),
        # covering indexes of the staff table and the by-kelurahan aggregate (migration 0010)
        Index(
            "ix_service_request_city_id_status_created_at",
            "city_id",
            "status",
            "created_at",
            postgresql_include=["type", "opd_code", "kecamatan_code", "kelurahan_code"],
        ),
        Index(
            "ix_service_request_city_id_created_at",
            "city_id",
            "created_at",
            postgresql_include=["type", "status", "opd_code", "kecamatan_code", "kelurahan_code"],
        ),
        Index("ix_service_request_city_id_submitted_by", "city_id", "submitted_by"),
    )

    city_id: Mapped[int] = mapped_column(
        ForeignKey("city.id", ondelete="CASCADE"), primary_key=True
    )
    id: Mapped[int] = mapped_column(BigInteger, Identity(always=False), primary_key=True)
    type: Mapped[str] = mapped_column(String(32))
    code: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(32))
    geom: Mapped[WKBElement] = mapped_column(
        Geometry(geometry_type="GEOMETRY", srid=4326, spatial_index=False)
    )
    # the point, a line's start, or a point on the area: what the ``requests`` layer shows
    # and the kelurahan is assigned by (migrations 0009, 0014)
    geom_point: Mapped[WKBElement | None] = mapped_column(
        Geometry(geometry_type="POINT", srid=4326, spatial_index=False),
        Computed(
            "CASE GeometryType(geom) WHEN 'POINT' THEN geom WHEN 'LINESTRING'"
            " THEN ST_StartPoint(geom) ELSE ST_PointOnSurface(geom) END",
            persisted=True,
        ),
        deferred=True,
    )
    kelurahan_code: Mapped[str | None] = mapped_column(String(32))
    kecamatan_code: Mapped[str | None] = mapped_column(String(32))
    opd_code: Mapped[str | None] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(200))
    attrs: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    priority: Mapped[int] = mapped_column(SmallInteger, server_default=text("0"))
    submitted_by: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("app_user.id", ondelete="SET NULL")
    )
    version: Mapped[int] = mapped_column(Integer, server_default=text("1"))
    demo: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    status_changed_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


class RequestDailyCount(Base):
    """Requests per city, type, OPD, kecamatan, kelurahan, status and day (Asia/Jakarta).

    Kept exact in the writing transaction by the triggers of migration 0011; missing codes are
    ``''``; a key whose count fell to 0 keeps its row. What the by-kelurahan aggregate sums.
    """

    __tablename__ = "request_daily_count"
    __table_args__ = (
        CheckConstraint("n >= 0", name="n_not_negative"),
        Index("ix_request_daily_count_city_id_day", "city_id", "day"),
    )

    city_id: Mapped[int] = mapped_column(
        ForeignKey("city.id", ondelete="CASCADE"), primary_key=True
    )
    status: Mapped[str] = mapped_column(String(32), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    type: Mapped[str] = mapped_column(String(32), primary_key=True)
    opd_code: Mapped[str] = mapped_column(String(32), primary_key=True, server_default="")
    kecamatan_code: Mapped[str] = mapped_column(String(32), primary_key=True, server_default="")
    kelurahan_code: Mapped[str] = mapped_column(String(32), primary_key=True, server_default="")
    n: Mapped[int] = mapped_column(Integer)


class RequestKelurahanCount(Base):
    """Requests per city, type, kelurahan and status: what the public counts sum.

    Kept exact in the writing transaction by the triggers of migration 0015; a missing kelurahan
    is ``''``; a key whose count fell to 0 keeps its row.
    """

    __tablename__ = "request_kelurahan_count"
    __table_args__ = (CheckConstraint("n >= 0", name="n_not_negative"),)

    city_id: Mapped[int] = mapped_column(
        ForeignKey("city.id", ondelete="CASCADE"), primary_key=True
    )
    type: Mapped[str] = mapped_column(String(32), primary_key=True)
    kelurahan_code: Mapped[str] = mapped_column(String(32), primary_key=True, server_default="")
    status: Mapped[str] = mapped_column(String(32), primary_key=True)
    n: Mapped[int] = mapped_column(Integer)


def _request_fk() -> ForeignKeyConstraint:
    return ForeignKeyConstraint(
        ["city_id", "request_id"],
        ["service_request.city_id", "service_request.id"],
        ondelete="CASCADE",
    )


class RequestPrivate(Base):
    """The personal data of a request, one-to-one; read only where the matrix allows, logged."""

    __tablename__ = "request_private"
    __table_args__ = (_request_fk(),)

    city_id: Mapped[int] = mapped_column(
        ForeignKey("city.id", ondelete="CASCADE"), primary_key=True
    )
    request_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    nik: Mapped[str | None] = mapped_column(String(16))
    phone: Mapped[str | None] = mapped_column(String(32))
    email: Mapped[str | None] = mapped_column(String(254))
    address: Mapped[str | None] = mapped_column(String(500))
    extra: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))


class RequestEvent(Base):
    """One step in a request's history; appended, never rewritten (a trigger refuses changes)."""

    __tablename__ = "request_event"
    __table_args__ = (
        _request_fk(),
        Index("ix_request_event_city_id_request_id", "city_id", "request_id", "id"),
    )

    city_id: Mapped[int] = mapped_column(
        ForeignKey("city.id", ondelete="CASCADE"), primary_key=True
    )
    id: Mapped[int] = mapped_column(BigInteger, Identity(always=False), primary_key=True)
    request_id: Mapped[int] = mapped_column(BigInteger)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    actor_id: Mapped[int | None] = mapped_column(BigInteger)
    actor: Mapped[str] = mapped_column(String(64))
    transition: Mapped[str | None] = mapped_column(String(64))
    from_status: Mapped[str | None] = mapped_column(String(32))
    to_status: Mapped[str] = mapped_column(String(32))
    public_note: Mapped[str | None] = mapped_column(Text)
    internal_note: Mapped[str | None] = mapped_column(Text)
    fields: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))


class RequestAttachment(Base):
    """A document of a request: metadata here, the bytes in the upload store (by SHA-256)."""

    __tablename__ = "request_attachment"
    __table_args__ = (
        _request_fk(),
        CheckConstraint("size_bytes > 0", name="size_positive"),
        CheckConstraint(
            "media_type IN ('application/pdf', 'image/jpeg', 'image/png')", name="media_known"
        ),
        Index("ix_request_attachment_city_id_request_id", "city_id", "request_id"),
    )

    city_id: Mapped[int] = mapped_column(
        ForeignKey("city.id", ondelete="CASCADE"), primary_key=True
    )
    id: Mapped[int] = mapped_column(BigInteger, Identity(always=False), primary_key=True)
    request_id: Mapped[int] = mapped_column(BigInteger)
    slot: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(200))
    media_type: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
