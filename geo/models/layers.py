"""Layer bookkeeping: revisions and the point-grid pyramid."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    SmallInteger,
    String,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from geo.models.base import Base


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


# table -> layer name ("{level}" means: the row's level column) used by the revision triggers
REVISIONED_TABLES: dict[str, str] = {
    "admin_area": "{level}",
    "road_edge": "roads",
    "angkot_route": "angkot_routes",
    "school": "schools",
    "permit_parcel": "parcels",
    "zoning_zone": "zoning",
    "zoning_rule": "zoning",
    "protected_area": "protected_areas",
    "river_line": "rivers",
}
