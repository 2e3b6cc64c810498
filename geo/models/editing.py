"""The route write model: every save of an angkot route is a ``route_version`` row."""

from __future__ import annotations

from datetime import datetime

from geoalchemy2 import WKBElement
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from geo.models.base import Base, geom_checks, geom_column

VERSION_STATES = ("draft", "returned", "published", "superseded")
LIVE_STATES = ("draft", "returned")


class RouteVersion(Base):
    """One saved version of one route direction; appended, never rewritten.

    Only ``state`` and ``note`` change after the insert (a trigger refuses anything else):
    a draft is published, returned with a note, or superseded by a newer save of its author.
    ``route_id`` is the ``angkot_route.id`` the route has (or gets on its first publish).
    """

    __tablename__ = "route_version"
    __table_args__ = (
        CheckConstraint(f"state IN {VERSION_STATES!r}", name="state_known"),
        CheckConstraint("number >= 1", name="number_positive"),
        CheckConstraint("parent IS NULL OR parent < number", name="parent_older"),
        CheckConstraint("direction IN (0, 1)", name="direction_known"),
        CheckConstraint("colour ~ '^#[0-9a-fA-F]{6}$'", name="colour_hex"),
        CheckConstraint("fare_idr >= 0", name="fare_positive"),
        CheckConstraint("headway_s > 0", name="headway_positive"),
        CheckConstraint("speed_kmh > 0 AND speed_kmh <= 120", name="speed_range"),
        CheckConstraint("ST_NPoints(geom) >= 2", name="geom_two_points"),
        *geom_checks(),
        # at most one live draft per planner and route, one published version per route
        Index(
            "ix_route_version_live_draft",
            "city_id",
            "route_id",
            "author_id",
            unique=True,
            postgresql_where=text("state IN ('draft', 'returned')"),
        ),
        Index(
            "ix_route_version_published",
            "city_id",
            "route_id",
            unique=True,
            postgresql_where=text("state = 'published'"),
        ),
    )

    city_id: Mapped[int] = mapped_column(
        ForeignKey("city.id", ondelete="CASCADE"), primary_key=True
    )
    route_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[int] = mapped_column(Integer, primary_key=True)
    parent: Mapped[int | None] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16))
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    direction: Mapped[int] = mapped_column(SmallInteger)
    origin: Mapped[str | None] = mapped_column(String(200))
    destination: Mapped[str | None] = mapped_column(String(200))
    colour: Mapped[str] = mapped_column(String(7))
    fare_idr: Mapped[int] = mapped_column(Integer)
    headway_s: Mapped[int] = mapped_column(Integer)
    speed_kmh: Mapped[float] = mapped_column(Float)
    active: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    circular: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    author_id: Mapped[int | None] = mapped_column(BigInteger)
    author: Mapped[str | None] = mapped_column(String(64))
    message: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    saved_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    geom: Mapped[WKBElement] = mapped_column(geom_column("LINESTRING"))
