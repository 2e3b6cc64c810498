"""Permits (perizinan, #15): the zoning plan, its ITBX table, protected land, rivers, checks."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from geoalchemy2 import WKBElement
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Computed,
    DateTime,
    Double,
    ForeignKey,
    ForeignKeyConstraint,
    Identity,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import CHAR, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from geo.models.base import Base, geom_checks, geom_column, gist_index

# ITBX (Permen ATR/BPN 11/2021): I diperbolehkan, T terbatas, B bersyarat, X tidak diperbolehkan
ITBX = ("I", "T", "B", "X")
PROTECTED_KINDS = ("sawah", "rth", "sungai")
CHECK_VERDICTS = ("lolos", "perlu_kajian", "tidak_lolos")


def _city() -> Mapped[int]:
    return mapped_column(ForeignKey("city.id", ondelete="CASCADE"), primary_key=True)


def _id() -> Mapped[int]:
    return mapped_column(BigInteger, Identity(always=False), primary_key=True)


def _geojson() -> Mapped[str | None]:
    # ST_AsGeoJSON(geom, 6) kept by PostgreSQL (as migration 0005): the items read it as text
    return mapped_column(Text, Computed("ST_AsGeoJSON(geom, 6)", persisted=True), deferred=True)


class ZoningZone(Base):
    """A zone of the city's detailed spatial plan (RDTR): its code and intensity limits."""

    __tablename__ = "zoning_zone"
    __table_args__ = (
        UniqueConstraint("city_id", "code", "id"),
        CheckConstraint("kdb IS NULL OR kdb BETWEEN 0 AND 100", name="kdb_range"),
        CheckConstraint("klb IS NULL OR klb >= 0", name="klb_not_negative"),
        CheckConstraint("kdh IS NULL OR kdh BETWEEN 0 AND 100", name="kdh_range"),
        *geom_checks(),
        gist_index("zoning_zone"),
    )

    city_id: Mapped[int] = _city()
    id: Mapped[int] = _id()
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    kdb: Mapped[float | None] = mapped_column(Double)  # max building coverage, % of the parcel
    klb: Mapped[float | None] = mapped_column(Double)  # max floor area / parcel area
    kdh: Mapped[float | None] = mapped_column(Double)  # min green area, % of the parcel
    geom: Mapped[WKBElement] = mapped_column(geom_column("MULTIPOLYGON"))
    geom_geojson: Mapped[str | None] = _geojson()


class ZoningRule(Base):
    """One cell of the city's ITBX table: may ``activity`` take place in zones ``zone_code``."""

    __tablename__ = "zoning_rule"
    __table_args__ = (CheckConstraint(f"verdict IN {ITBX!r}", name="verdict_known"),)

    city_id: Mapped[int] = _city()
    zone_code: Mapped[str] = mapped_column(String(32), primary_key=True)
    activity: Mapped[str] = mapped_column(String(200), primary_key=True)
    verdict: Mapped[str] = mapped_column(CHAR(1))


class ProtectedArea(Base):
    """Protected land: a rice field (LP2B), green open space (RTH) or a river setback."""

    __tablename__ = "protected_area"
    __table_args__ = (
        CheckConstraint(f"kind IN {PROTECTED_KINDS!r}", name="kind_known"),
        *geom_checks(),
        gist_index("protected_area"),
    )

    city_id: Mapped[int] = _city()
    id: Mapped[int] = _id()
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))
    source: Mapped[str | None] = mapped_column(Text)
    # sungai: the setback buffer computed at import from the river line and its class
    geom: Mapped[WKBElement] = mapped_column(geom_column("MULTIPOLYGON"))
    geom_geojson: Mapped[str | None] = _geojson()


class RiverLine(Base):
    """A river's centre line with what its setback depends on (depth, levee)."""

    __tablename__ = "river_line"
    __table_args__ = (
        CheckConstraint("depth_m IS NULL OR depth_m >= 0", name="depth_not_negative"),
        *geom_checks(),
        gist_index("river_line"),
    )

    city_id: Mapped[int] = _city()
    id: Mapped[int] = _id()
    name: Mapped[str] = mapped_column(String(200))
    depth_m: Mapped[float | None] = mapped_column(Double)
    has_levee: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    geom: Mapped[WKBElement] = mapped_column(geom_column("MULTILINESTRING"))
    geom_geojson: Mapped[str | None] = _geojson()


class PermitCheck(Base):
    """One run of an application's spatial pre-check (versions 1, 2, … per request)."""

    __tablename__ = "permit_check"
    __table_args__ = (
        ForeignKeyConstraint(
            ["city_id", "request_id"],
            ["service_request.city_id", "service_request.id"],
            ondelete="CASCADE",
        ),
        UniqueConstraint("city_id", "request_id", "version"),
        CheckConstraint("version >= 1", name="version_positive"),
        CheckConstraint(f"verdict IN {CHECK_VERDICTS!r}", name="verdict_known"),
    )

    city_id: Mapped[int] = _city()
    id: Mapped[int] = _id()
    request_id: Mapped[int] = mapped_column(BigInteger)
    version: Mapped[int] = mapped_column(Integer)
    ran_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    ran_by: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("app_user.id", ondelete="SET NULL")
    )
    verdict: Mapped[str] = mapped_column(String(16))
    result: Mapped[dict[str, Any]] = mapped_column(JSONB)
    layer_revisions: Mapped[dict[str, int]] = mapped_column(JSONB)
