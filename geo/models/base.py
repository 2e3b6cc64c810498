"""Declarative base, naming convention and the column helpers every model uses."""

from __future__ import annotations

from geoalchemy2 import Geometry
from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    MetaData,
    PrimaryKeyConstraint,
)
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


def geom_column(kind: str) -> Geometry:
    """A geometry column of ``kind`` in EPSG:4326 (its GiST index is declared apart)."""
    # Indexes are declared explicitly (GiST) so models and migrations stay identical.
    return Geometry(geometry_type=kind, srid=4326, spatial_index=False)


def geom_checks() -> tuple[CheckConstraint, CheckConstraint]:
    """The checks every geometry column has: not empty, valid."""
    return (
        CheckConstraint("NOT ST_IsEmpty(geom)", name="geom_not_empty"),
        CheckConstraint("ST_IsValid(geom)", name="geom_valid"),
    )


def gist_index(table: str) -> Index:
    """The GiST index on ``table.geom``."""
    return Index(f"ix_{table}_geom", "geom", postgresql_using="gist")


def city_fk() -> Mapped[int]:
    """The ``city_id`` column of a city-scoped table (deleting a city deletes its rows).

    No index of its own: the table's primary key leads with it (``city_key``).
    """
    return mapped_column(ForeignKey("city.id", ondelete="CASCADE"))


def city_key() -> PrimaryKeyConstraint:
    """The primary key ``(city_id, id)`` of a city-scoped table (migration 0006, DESIGN §8).

    Every key and index of a city-scoped table leads with ``city_id``, what Citus needs to
    distribute it by city; ``id`` keeps its sequence, so ids stay unique across cities.
    """
    return PrimaryKeyConstraint("city_id", "id")
