"""Roads and angkot routes."""

from __future__ import annotations

from geoalchemy2 import WKBElement
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Computed,
    Float,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from geo.models.base import Base, city_fk, city_key, geom_checks, geom_column, gist_index


class RoadEdge(Base):
    """One edge of the city's road network (directed when ``oneway``)."""

    __tablename__ = "road_edge"
    __table_args__ = (
        city_key(),
        CheckConstraint("length_m >= 0", name="length_positive"),
        *geom_checks(),
        gist_index("road_edge"),
        # the place index refreshes a road name from its edges (migration 0004)
        Index("ix_road_edge_city_id_name", "city_id", "name"),
    )

    # the key is (city_id, id) (city_key); the id sequence keeps ids unique across cities
    id: Mapped[int] = mapped_column(BigInteger, autoincrement=True)
    city_id: Mapped[int] = city_fk()
    u: Mapped[int | None] = mapped_column(BigInteger)
    v: Mapped[int | None] = mapped_column(BigInteger)
    osm_id: Mapped[int | None] = mapped_column(BigInteger)
    name: Mapped[str | None] = mapped_column(String(200))
    road_class: Mapped[str] = mapped_column(String(32), server_default=text("'residential'"))
    oneway: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    length_m: Mapped[float] = mapped_column(Float)
    geom: Mapped[WKBElement] = mapped_column(geom_column("LINESTRING"))


class AngkotRoute(Base):
    """One direction of an angkot route (two-way service is two rows)."""

    __tablename__ = "angkot_route"
    __table_args__ = (
        city_key(),
        UniqueConstraint("city_id", "code", "direction"),
        CheckConstraint("direction IN (0, 1)", name="direction_known"),
        CheckConstraint("colour ~ '^#[0-9a-fA-F]{6}$'", name="colour_hex"),
        CheckConstraint("fare_idr >= 0", name="fare_positive"),
        CheckConstraint("headway_s > 0", name="headway_positive"),
        CheckConstraint("speed_kmh > 0 AND speed_kmh <= 120", name="speed_range"),
        CheckConstraint("ST_NPoints(geom) >= 2", name="geom_two_points"),
        *geom_checks(),
        gist_index("angkot_route"),
    )

    # the key is (city_id, id) (city_key); the id sequence keeps ids unique across cities
    id: Mapped[int] = mapped_column(Integer, autoincrement=True)
    city_id: Mapped[int] = city_fk()
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    direction: Mapped[int] = mapped_column(SmallInteger, server_default=text("0"))
    origin: Mapped[str | None] = mapped_column(String(200))
    destination: Mapped[str | None] = mapped_column(String(200))
    colour: Mapped[str] = mapped_column(String(7), server_default=text("'#1f78b4'"))
    fare_idr: Mapped[int] = mapped_column(Integer, server_default=text("5000"))
    headway_s: Mapped[int] = mapped_column(Integer, server_default=text("600"))
    speed_kmh: Mapped[float] = mapped_column(Float, server_default=text("15"))
    active: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    revision: Mapped[int] = mapped_column(Integer, server_default=text("1"))
    geom: Mapped[WKBElement] = mapped_column(geom_column("LINESTRING"))
    # ST_AsGeoJSON(geom, 6) kept by PostgreSQL (migration 0005): the items read it as text
    geom_geojson: Mapped[str | None] = mapped_column(
        Text, Computed("ST_AsGeoJSON(geom, 6)", persisted=True), deferred=True
    )
