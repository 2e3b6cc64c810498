"""A small city laid out in UTM 48S for the coverage and demand tests: three 2 km kelurahan,
one straight route through the first two, an inactive one by the third."""

from __future__ import annotations

from dataclasses import dataclass

from pyproj import Transformer
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.cities import CityInfo, create_city

SRID = 32748
Y0, Y1 = 9_310_000.0, 9_312_000.0  # the kelurahan's south and north edges
YMID = (Y0 + Y1) / 2
# (code, name, x0, x1): K1 and K2 side by side, K3 2 km east of K2
KELURAHAN = [
    ("36.99.01.1001", "Satu", 670_000.0, 672_000.0),
    ("36.99.01.1002", "Dua", 672_000.0, 674_000.0),
    ("36.99.02.1003", "Tiga", 676_000.0, 678_000.0),
]
ROUTE_X = (669_000.0, 675_000.0)  # R01, along y = YMID (ends 1 km short of K3)
_TO_LONLAT = Transformer.from_crs(SRID, 4326, always_xy=True)


def lonlat(x: float, y: float) -> tuple[float, float]:
    """UTM 48S metres to lon/lat."""
    lon, lat = _TO_LONLAT.transform(x, y)
    return float(lon), float(lat)


def utm_line(*xy: tuple[float, float]) -> dict[str, object]:
    """A GeoJSON LineString (lon/lat) through UTM points."""
    return {"type": "LineString", "coordinates": [list(lonlat(x, y)) for x, y in xy]}


@dataclass(frozen=True)
class CoverageCity:
    """The city and the id of its active route R01."""

    city: CityInfo
    route_id: int


def _box(x0: float, y0: float, x1: float, y1: float) -> str:
    return f"POLYGON(({x0} {y0},{x1} {y0},{x1} {y1},{x0} {y1},{x0} {y0}))"


def insert_coverage_city(session: Session, slug: str = "cakupan") -> CoverageCity:
    """Create the city; R01 runs through K1 and K2 (share 0.4 each), K3 is unserved (its
    route R09 is inactive)."""
    (minx, miny), (maxx, maxy) = lonlat(668_000, 9_308_000), lonlat(680_000, 9_314_000)
    city = create_city(session, slug, f"Kota {slug}", (minx, miny, maxx, maxy))
    for code, name, x0, x1 in KELURAHAN:
        session.execute(
            text(
                "INSERT INTO admin_area (city_id, level, code, name, parent_code, geom)"
                " VALUES (:c, 'kelurahan', :code, :name, :parent,"
                " ST_Multi(ST_Transform(ST_GeomFromText(:wkt, :srid), 4326)))"
            ),
            {
                "c": city.id,
                "code": code,
                "name": name,
                "parent": code.rsplit(".", 1)[0],
                "wkt": _box(x0, Y0, x1, Y1),
                "srid": SRID,
            },
        )
    ids = []
    for code, active, (xa, xb) in (("R01", True, ROUTE_X), ("R09", False, (676_500, 677_500))):
        route_id = session.execute(
            text(
                "INSERT INTO angkot_route (city_id, code, name, direction, active, geom)"
                " VALUES (:c, :code, :code, 0, :active,"
                " ST_Transform(ST_GeomFromText(:wkt, :srid), 4326)) RETURNING id"
            ),
            {
                "c": city.id,
                "code": code,
                "active": active,
                "wkt": f"LINESTRING({xa} {YMID},{xb} {YMID})",
                "srid": SRID,
            },
        ).scalar_one()
        ids.append(int(route_id))
    return CoverageCity(city, ids[0])
