"""The place index that search reads."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Computed,
    Float,
    ForeignKey,
    Identity,
    Index,
    SmallInteger,
    String,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from geo.models.base import Base, city_fk, city_key


class Place(Base):
    """One searchable name of a city (migration 0004), kept in step by ``tpo_search_*`` triggers.

    One row per area, school and route, one per distinct road name and one per route endpoint
    name; ``ref`` is the source row (the first edge of a road); ``lon``/``lat`` the point to
    centre the map on; the bbox is set for areas, roads and routes; ``rank`` orders the kinds.
    """

    __tablename__ = "place"
    __table_args__ = (
        city_key(),
        # the tpo_search_* triggers replace a source row's place rows by (city_id, kind, ref)
        Index("ix_place_city_id_kind_ref", "city_id", "kind", "ref"),
        Index("ix_place_city_id_name_key", "city_id", "name_key"),
        Index("ix_place_city_id_words", "city_id", "words", postgresql_using="gin"),
        Index(
            "ix_place_city_id_route_code",
            "city_id",
            text("lower(detail)"),
            postgresql_where=text("kind = 'route'"),
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=False), autoincrement=True)
    city_id: Mapped[int] = city_fk()
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
