"""Unmet trip searches counted anonymously by day, origin cell, destination cell and reason."""

from __future__ import annotations

from datetime import date

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from geo.models.base import Base

DEMAND_REASONS = ("no_itinerary", "long_walk")


class TripDemand(Base):
    """Trip searches without a good answer, per city, day, 500 m cell pair and reason.

    A cell is an index of the city's UTM grid (``geo.analysis.trip_demand.cell_index``), never
    a point; the day is the city's calendar day; nothing names who searched (migration 0013).
    """

    __tablename__ = "trip_demand"
    __table_args__ = (
        CheckConstraint("n > 0", name="n_positive"),
        CheckConstraint("reason IN ('no_itinerary', 'long_walk')", name="reason_known"),
    )

    city_id: Mapped[int] = mapped_column(
        ForeignKey("city.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    origin_cell: Mapped[int] = mapped_column(Integer, primary_key=True)
    destination_cell: Mapped[int] = mapped_column(Integer, primary_key=True)
    reason: Mapped[str] = mapped_column(String(16), primary_key=True)
    n: Mapped[int] = mapped_column(Integer)
