"""The city and its administrative areas (kota, kecamatan, kelurahan)."""

from __future__ import annotations

from datetime import datetime

from geoalchemy2 import WKBElement
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Computed,
    DateTime,
    Float,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from geo.models.base import (
    ADMIN_LEVELS,
    Base,
    city_fk,
    city_key,
    geom_checks,
    geom_column,
    gist_index,
)


class City(Base):
    """A city served by this deployment; every domain row points to one."""

    __tablename__ = "city"
    __table_args__ = (
        CheckConstraint("slug ~ '^[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?$'", name="slug_format"),
        CheckConstraint("utm_srid BETWEEN 32601 AND 32760", name="utm_srid_range"),
        CheckConstraint("default_zoom BETWEEN 0 AND 22", name="zoom_range"),
        CheckConstraint(
            "center_lon BETWEEN -180 AND 180 AND center_lat BETWEEN -90 AND 90",
            name="center_range",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    bbox: Mapped[WKBElement] = mapped_column(geom_column("POLYGON"))
    center_lon: Mapped[float] = mapped_column(Float)
    center_lat: Mapped[float] = mapped_column(Float)
    default_zoom: Mapped[int] = mapped_column(SmallInteger, server_default=text("12"))
    utm_srid: Mapped[int] = mapped_column(Integer, server_default=text("32748"))
    demo: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class AdminArea(Base):
    """Kota, kecamatan or kelurahan with its official (Kemendagri) code."""

    __tablename__ = "admin_area"
    __table_args__ = (
        city_key(),
        UniqueConstraint("city_id", "level", "code"),
        CheckConstraint(f"level IN {ADMIN_LEVELS!r}", name="level_known"),
        *geom_checks(),
        gist_index("admin_area"),
    )

    # the key is (city_id, id) (city_key); the id sequence keeps ids unique across cities
    id: Mapped[int] = mapped_column(Integer, autoincrement=True)
    city_id: Mapped[int] = city_fk()
    level: Mapped[str] = mapped_column(String(16))
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    parent_code: Mapped[str | None] = mapped_column(String(32))
    geom: Mapped[WKBElement] = mapped_column(geom_column("MULTIPOLYGON"))
    # ST_AsGeoJSON(geom, 6) kept by PostgreSQL (migration 0005): the items read it as text
    geom_geojson: Mapped[str | None] = mapped_column(
        Text, Computed("ST_AsGeoJSON(geom, 6)", persisted=True), deferred=True
    )
