"""ORM models of schema v1 (SQLAlchemy 2 typed mapping, GeoAlchemy2 geometry columns)."""

from __future__ import annotations

from datetime import datetime

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Computed,
    DateTime,
    Float,
    ForeignKey,
    Identity,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ADMIN_LEVELS = ("kota", "kecamatan", "kelurahan")
SCHOOL_LEVELS = ("SD", "SMP", "SMA", "SMK", "SLB")
SCHOOL_STATUSES = ("negeri", "swasta")


class Base(DeclarativeBase):
    """Declarative base with a naming convention, so migrations get stable names."""

    metadata = MetaData(naming_convention=NAMING)


def _geom(kind: str) -> Geometry:
    # Indexes are declared explicitly (GiST) so models and migrations stay identical.
    return Geometry(geometry_type=kind, srid=4326, spatial_index=False)


def _geom_checks() -> tuple[CheckConstraint, CheckConstraint]:
    return (
        CheckConstraint("NOT ST_IsEmpty(geom)", name="geom_not_empty"),
        CheckConstraint("ST_IsValid(geom)", name="geom_valid"),
    )


def _gist(table: str) -> Index:
    return Index(f"ix_{table}_geom", "geom", postgresql_using="gist")


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
    bbox: Mapped[WKBElement] = mapped_column(_geom("POLYGON"))
    center_lon: Mapped[float] = mapped_column(Float)
    center_lat: Mapped[float] = mapped_column(Float)
    default_zoom: Mapped[int] = mapped_column(SmallInteger, server_default=text("12"))
    utm_srid: Mapped[int] = mapped_column(Integer, server_default=text("32748"))
    demo: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


def _city_fk() -> Mapped[int]:
    return mapped_column(ForeignKey("city.id", ondelete="CASCADE"), index=True)


class AdminArea(Base):
    """Kota, kecamatan or kelurahan with its official (Kemendagri) code."""

    __tablename__ = "admin_area"
    __table_args__ = (
        UniqueConstraint("city_id", "level", "code"),
        CheckConstraint(f"level IN {ADMIN_LEVELS!r}", name="level_known"),
        *_geom_checks(),
        _gist("admin_area"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    city_id: Mapped[int] = _city_fk()
    level: Mapped[str] = mapped_column(String(16))
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    parent_code: Mapped[str | None] = mapped_column(String(32))
    geom: Mapped[WKBElement] = mapped_column(_geom("MULTIPOLYGON"))
    # ST_AsGeoJSON(geom, 6) kept by PostgreSQL (migration 0005): the items read it as text
    geom_geojson: Mapped[str | None] = mapped_column(
        Text, Computed("ST_AsGeoJSON(geom, 6)", persisted=True), deferred=True
    )


class RoadEdge(Base):
    """One edge of the city's road network (directed when ``oneway``)."""

    __tablename__ = "road_edge"
    __table_args__ = (
        CheckConstraint("length_m >= 0", name="length_positive"),
        *_geom_checks(),
        _gist("road_edge"),
        # the place index refreshes a road name from its edges (migration 0004)
        Index("ix_road_edge_city_id_name", "city_id", "name"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    city_id: Mapped[int] = _city_fk()
    u: Mapped[int | None] = mapped_column(BigInteger)
    v: Mapped[int | None] = mapped_column(BigInteger)
    osm_id: Mapped[int | None] = mapped_column(BigInteger)
    name: Mapped[str | None] = mapped_column(String(200))
    road_class: Mapped[str] = mapped_column(String(32), server_default=text("'residential'"))
    oneway: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    length_m: Mapped[float] = mapped_column(Float)
    geom: Mapped[WKBElement] = mapped_column(_geom("LINESTRING"))


class AngkotRoute(Base):
    """One direction of an angkot route (two-way service is two rows)."""

    __tablename__ = "angkot_route"
    __table_args__ = (
        UniqueConstraint("city_id", "code", "direction"),
        CheckConstraint("direction IN (0, 1)", name="direction_known"),
        CheckConstraint("colour ~ '^#[0-9a-fA-F]{6}$'", name="colour_hex"),
        CheckConstraint("fare_idr >= 0", name="fare_positive"),
        CheckConstraint("headway_s > 0", name="headway_positive"),
        CheckConstraint("speed_kmh > 0 AND speed_kmh <= 120", name="speed_range"),
        CheckConstraint("ST_NPoints(geom) >= 2", name="geom_two_points"),
        *_geom_checks(),
        _gist("angkot_route"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    city_id: Mapped[int] = _city_fk()
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
    geom: Mapped[WKBElement] = mapped_column(_geom("LINESTRING"))
    # ST_AsGeoJSON(geom, 6) kept by PostgreSQL (migration 0005): the items read it as text
    geom_geojson: Mapped[str | None] = mapped_column(
        Text, Computed("ST_AsGeoJSON(geom, 6)", persisted=True), deferred=True
    )


class School(Base):
    """A school (Dapodik NPSN) as a point."""

    __tablename__ = "school"
    __table_args__ = (
        UniqueConstraint("city_id", "npsn"),
        CheckConstraint(f"level IN {SCHOOL_LEVELS!r}", name="level_known"),
        CheckConstraint(f"status IN {SCHOOL_STATUSES!r}", name="status_known"),
        *_geom_checks(),
        _gist("school"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    city_id: Mapped[int] = _city_fk()
    npsn: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(8))
    address: Mapped[str | None] = mapped_column(Text)
    kelurahan_code: Mapped[str | None] = mapped_column(String(32))
    geom: Mapped[WKBElement] = mapped_column(_geom("POINT"))


class PermitParcel(Base):
    """A land parcel with a permit (perizinan)."""

    __tablename__ = "permit_parcel"
    __table_args__ = (
        UniqueConstraint("city_id", "code"),
        *_geom_checks(),
        _gist("permit_parcel"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    city_id: Mapped[int] = _city_fk()
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    permit_type: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(32), server_default=text("'aktif'"))
    issued_on: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    geom: Mapped[WKBElement] = mapped_column(_geom("MULTIPOLYGON"))
    # ST_AsGeoJSON(geom, 6) kept by PostgreSQL (migration 0005): the items read it as text
    geom_geojson: Mapped[str | None] = mapped_column(
        Text, Computed("ST_AsGeoJSON(geom, 6)", persisted=True), deferred=True
    )


class LayerRevision(Base):
    """Revision counter per city and layer, bumped by triggers in the writing transaction."""

    __tablename__ = "layer_revision"

    city_id: Mapped[int] = mapped_column(
        ForeignKey("city.id", ondelete="CASCADE"), primary_key=True
    )
    layer: Mapped[str] = mapped_column(String(64), primary_key=True)
    revision: Mapped[int] = mapped_column(BigInteger, server_default=text("1"))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class LayerPointGrid(Base):
    """Point count per Web Mercator grid cell of a point layer (migration 0003).

    Cells of level ``level`` are ``2 ** -level`` of the world wide; ``cx`` counts from the
    west, ``cy`` from the north; sums of EPSG:3857 x/y give each cell's centroid.
    """

    __tablename__ = "layer_point_grid"

    city_id: Mapped[int] = mapped_column(
        ForeignKey("city.id", ondelete="CASCADE"), primary_key=True
    )
    layer: Mapped[str] = mapped_column(String(64), primary_key=True)
    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    cx: Mapped[int] = mapped_column(Integer, primary_key=True)
    cy: Mapped[int] = mapped_column(Integer, primary_key=True)
    n: Mapped[int] = mapped_column(Integer)
    sum_x_m: Mapped[float] = mapped_column(Float)
    sum_y_m: Mapped[float] = mapped_column(Float)


class LayerPointGridState(Base):
    """Which layer revision and finest level the grid cells of a city's layer come from."""

    __tablename__ = "layer_point_grid_state"

    city_id: Mapped[int] = mapped_column(
        ForeignKey("city.id", ondelete="CASCADE"), primary_key=True
    )
    layer: Mapped[str] = mapped_column(String(64), primary_key=True)
    revision: Mapped[int] = mapped_column(BigInteger)
    finest_level: Mapped[int] = mapped_column(SmallInteger)
    cells: Mapped[int] = mapped_column(Integer)
    built_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Place(Base):
    """One searchable name of a city (migration 0004), kept in step by ``tpo_search_*`` triggers.

    One row per area, school and route, one per distinct road name and one per route endpoint
    name; ``ref`` is the source row (the first edge of a road); ``lon``/``lat`` the point to
    centre the map on; the bbox is set for areas, roads and routes; ``rank`` orders the kinds.
    """

    __tablename__ = "place"
    __table_args__ = (
        Index("ix_place_kind_ref", "kind", "ref"),
        Index("ix_place_city_id_name_key", "city_id", "name_key"),
        Index("ix_place_city_id_words", "city_id", "words", postgresql_using="gin"),
        Index(
            "ix_place_city_id_route_code",
            "city_id",
            text("lower(detail)"),
            postgresql_where=text("kind = 'route'"),
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=False), primary_key=True)
    city_id: Mapped[int] = mapped_column(ForeignKey("city.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))
    detail: Mapped[str | None] = mapped_column(String(200))
    ref: Mapped[int] = mapped_column(BigInteger)
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    minx: Mapped[float | None] = mapped_column(Float)
    miny: Mapped[float | None] = mapped_column(Float)
    maxx: Mapped[float | None] = mapped_column(Float)
    maxy: Mapped[float | None] = mapped_column(Float)
    rank: Mapped[int] = mapped_column(SmallInteger)
    # lower(name) in byte order: the index answers prefixes in name order, and names by key
    name_key: Mapped[str] = mapped_column(
        String(200, collation="C"), Computed("lower((name)::text)", persisted=True)
    )
    words: Mapped[str] = mapped_column(
        TSVECTOR, Computed("to_tsvector('simple'::regconfig, (name)::text)", persisted=True)
    )


class PlaceWord(Base):
    """A word of a city's place names (grows only): what search corrects typos against."""

    __tablename__ = "place_word"
    __table_args__ = (
        Index(
            "ix_place_word_word_trgm",
            "city_id",
            "word",
            postgresql_using="gin",
            postgresql_ops={"word": "gin_trgm_ops"},
        ),
    )

    city_id: Mapped[int] = mapped_column(
        ForeignKey("city.id", ondelete="CASCADE"), primary_key=True
    )
    # byte order: the primary key answers "a word starting with ..." as a range
    word: Mapped[str] = mapped_column(Text(collation="C"), primary_key=True)


# table -> layer name ("{level}" means: the row's level column) used by the revision triggers
REVISIONED_TABLES: dict[str, str] = {
    "admin_area": "{level}",
    "road_edge": "roads",
    "angkot_route": "angkot_routes",
    "school": "schools",
    "permit_parcel": "parcels",
}
