"""Schools (Dapodik NPSN points)."""

from __future__ import annotations

from geoalchemy2 import WKBElement
from sqlalchemy import (
    CheckConstraint,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from geo.models.base import (
    SCHOOL_LEVELS,
    SCHOOL_STATUSES,
    Base,
    city_fk,
    city_key,
    geom_checks,
    geom_column,
    gist_index,
)


class School(Base):
    """A school (Dapodik NPSN) as a point."""

    __tablename__ = "school"
    __table_args__ = (
        city_key(),
        UniqueConstraint("city_id", "npsn"),
        CheckConstraint(f"level IN {SCHOOL_LEVELS!r}", name="level_known"),
        CheckConstraint(f"status IN {SCHOOL_STATUSES!r}", name="status_known"),
        *geom_checks(),
        gist_index("school"),
        CheckConstraint("capacity_remaining >= 0", name="capacity_not_negative"),
    )

    # the key is (city_id, id) (city_key); the id sequence keeps ids unique across cities
    id: Mapped[int] = mapped_column(Integer, autoincrement=True)
    city_id: Mapped[int] = city_fk()
    npsn: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(8))
    address: Mapped[str | None] = mapped_column(Text)
    kelurahan_code: Mapped[str | None] = mapped_column(String(32))
    geom: Mapped[WKBElement] = mapped_column(geom_column("POINT"))
    # seats open for mid-year transfers (daya tampung sisa, from Dapodik); None: not known
    capacity_remaining: Mapped[int | None] = mapped_column(Integer)
