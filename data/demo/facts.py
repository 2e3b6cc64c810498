"""Facts the demo city is built from: wilayah codes, names, centroids, areas, routes, places."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

FACTS_DIR = Path(__file__).resolve().parent.parent / "facts"


@dataclass(frozen=True)
class Wilayah:
    """One administrative area as a fact (no geometry)."""

    code: str
    level: str
    name: str
    parent_code: str
    postcode: str
    area_km2: float
    lon: float | None
    lat: float | None


@dataclass(frozen=True)
class RouteFact:
    """A reported route: code when known, endpoint place names, an optional via."""

    system: str
    code: str
    origin: str
    destination: str
    via: str


@dataclass(frozen=True)
class CityFacts:
    """All facts of one city."""

    kota: Wilayah
    kecamatan: tuple[Wilayah, ...]
    kelurahan: tuple[Wilayah, ...]
    routes: tuple[RouteFact, ...]
    places: dict[str, str]  # place name -> kelurahan code


def _read(name: str) -> list[dict[str, str]]:
    with (FACTS_DIR / name).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _float_or_none(value: str) -> float | None:
    return float(value) if value else None


@cache
def tangerang_facts() -> CityFacts:
    """Facts of Kota Tangerang, read from ``data/facts/*.csv`` (cached)."""
    areas = [
        Wilayah(
            code=r["code"],
            level=r["level"],
            name=r["name"],
            parent_code=r["parent_code"],
            postcode=r["postcode"],
            area_km2=float(r["area_km2"]),
            lon=_float_or_none(r["lon"]),
            lat=_float_or_none(r["lat"]),
        )
        for r in _read("tangerang_wilayah.csv")
    ]
    by_level: dict[str, list[Wilayah]] = {"kota": [], "kecamatan": [], "kelurahan": []}
    for area in areas:
        by_level[area.level].append(area)
    routes = tuple(
        RouteFact(r["system"], r["code"], r["origin"], r["destination"], r["via"])
        for r in _read("tangerang_routes.csv")
    )
    places = {r["place"]: r["kelurahan_code"] for r in _read("tangerang_places.csv")}
    (kota,) = by_level["kota"]
    return CityFacts(
        kota=kota,
        kecamatan=tuple(sorted(by_level["kecamatan"], key=lambda a: a.code)),
        kelurahan=tuple(sorted(by_level["kelurahan"], key=lambda a: a.code)),
        routes=routes,
        places=places,
    )
