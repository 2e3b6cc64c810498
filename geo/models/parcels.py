"""Permitted land parcels (perizinan)."""

from __future__ import annotations

from datetime import datetime

from geoalchemy2 import WKBElement
from sqlalchemy import (
    BigInteger,
    Computed,
    DateTime,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from geo.models.base import Base, city_fk, city_key, geom_checks, geom_column, gist_index


class PermitParcel(Base):
    """A land parcel with a permit (perizinan)."""

    __tablename__ = "permit_parcel"
    __table_args__ = (
        city_key(),
        UniqueConstraint("city_id", "code"),
        # one parcel per approved application (NULLs, parcels from elsewhere, never clash)
        UniqueConstraint("city_id", "request_id"),
        *geom_checks(),
        gist_index("permit_parcel"),
    )

    # the key is (city_id, id) (city_key); the id sequence keeps ids unique across cities
    id: Mapped[int] = mapped_column(Integer, autoincrement=True)
    city_id: Mapped[int] = city_fk()
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    permit_type: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(32), server_default=text("'aktif'"))
    issued_on: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # the izin application it was approved from (migration 0018), NULL for imported parcels
    request_id: Mapped[int | None] = mapped_column(BigInteger)
    geom: Mapped[WKBElement] = mapped_column(geom_column("MULTIPOLYGON"))
    # ST_AsGeoJSON(geom, 6) kept by PostgreSQL (migration 0005): the items read it as text
    geom_geojson: Mapped[str | None] = mapped_column(
        Text, Computed("ST_AsGeoJSON(geom, 6)", persisted=True), deferred=True
    )
