"""A small synthetic city with rows in every layer table, for the layer-service tests."""

from __future__ import annotations

import math
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.cities import CityInfo, create_city

BBOX = (106.60, -6.22, 106.70, -6.14)
LEVELS = ("SD", "SMP", "SMA", "SMK", "SLB")
N_SCHOOLS = 25
N_ROADS = 12


@dataclass(frozen=True)
class SampleCity:
    """The city and how many rows each layer got."""

    city: CityInfo
    counts: dict[str, int]


def _box(x0: float, y0: float, x1: float, y1: float) -> str:
    return f"MULTIPOLYGON((({x0} {y0},{x1} {y0},{x1} {y1},{x0} {y1},{x0} {y0})))"


def school_point(i: int) -> tuple[float, float]:
    """Lon/lat of school ``i`` (a 5 x 5 grid inside the city)."""
    return (106.61 + (i % 5) * 0.018, -6.21 + (i // 5) * 0.014)


def insert_sample_city(session: Session, slug: str = "layers-test") -> SampleCity:
    """Create ``slug`` with 1 kota, 2 kecamatan, 4 kelurahan, 12 roads, 3 routes, 25 schools,
    3 parcels. School ``i`` has level ``LEVELS[i % 5]``, status negeri for even ``i``."""
    city = create_city(session, slug, f"Kota {slug}", BBOX)
    cid = {"c": city.id}
    minx, miny, maxx, maxy = BBOX
    midx = (minx + maxx) / 2
    midy = (miny + maxy) / 2
    areas = [("kota", "36.71", "Kota Uji", None, _box(minx, miny, maxx, maxy))]
    areas += [
        ("kecamatan", "36.71.01", "Barat", "36.71", _box(minx, miny, midx, maxy)),
        ("kecamatan", "36.71.02", "Timur", "36.71", _box(midx, miny, maxx, maxy)),
    ]
    for n, (x0, y0, x1, y1, parent) in enumerate(
        [
            (minx, miny, midx, midy, "36.71.01"),
            (minx, midy, midx, maxy, "36.71.01"),
            (midx, miny, maxx, midy, "36.71.02"),
            (midx, midy, maxx, maxy, "36.71.02"),
        ],
        start=1,
    ):
        areas.append(
            ("kelurahan", f"{parent}.100{n}", f"Kelurahan {n}", parent, _box(x0, y0, x1, y1))
        )
    for level, code, name, parent, wkt in areas:
        session.execute(
            text(
                "INSERT INTO admin_area (city_id, level, code, name, parent_code, geom)"
                " VALUES (:c, :level, :code, :name, :parent, ST_GeomFromText(:wkt, 4326))"
            ),
            {**cid, "level": level, "code": code, "name": name, "parent": parent, "wkt": wkt},
        )
    for i in range(N_ROADS):
        y = miny + 0.005 + i * 0.006
        session.execute(
            text(
                "INSERT INTO road_edge (city_id, u, v, name, road_class, oneway, length_m, geom)"
                " VALUES (:c, :u, :v, :name, :cls, :oneway,"
                " ST_Length(ST_GeomFromText(:wkt, 4326)::geography),"
                " ST_GeomFromText(:wkt, 4326))"
            ),
            {
                **cid,
                "u": i,
                "v": i + 100,
                "name": f"Jalan {i}",
                "cls": "primary" if i % 3 == 0 else "residential",
                "oneway": i % 2 == 1,
                "wkt": f"LINESTRING({minx + 0.002} {y},{midx} {y + 0.001},{maxx - 0.002} {y})",
            },
        )
    for code, colour, y in (
        ("R01", "#e41a1c", -6.20),
        ("R02", "#377eb8", -6.18),
        ("R03", "#4daf4a", -6.16),
    ):
        session.execute(
            text(
                "INSERT INTO angkot_route (city_id, code, name, direction, origin, destination,"
                " colour, fare_idr, geom) VALUES (:c, :code, :name, 0, 'Terminal A', 'Pasar B',"
                " :colour, 4000, ST_GeomFromText(:wkt, 4326))"
            ),
            {
                **cid,
                "code": code,
                "name": f"Trayek {code}",
                "colour": colour,
                "wkt": f"LINESTRING(106.61 {y},106.65 {y + 0.01},106.69 {y})",
            },
        )
    for i in range(N_SCHOOLS):
        lon, lat = school_point(i)
        session.execute(
            text(
                "INSERT INTO school (city_id, npsn, name, level, status, address, kelurahan_code,"
                " geom) VALUES (:c, :npsn, :name, :level, :status, :address, :kel,"
                " ST_SetSRID(ST_MakePoint(:lon, :lat), 4326))"
            ),
            {
                **cid,
                "npsn": f"2067{i:04d}",
                "name": f"Sekolah {i}",
                "level": LEVELS[i % 5],
                "status": "negeri" if i % 2 == 0 else "swasta",
                "address": f"Jl. Uji No. {i}",
                "kel": "36.71.01.1001",
                "lon": lon,
                "lat": lat,
            },
        )
    for i in range(3):
        x0 = 106.62 + i * 0.02
        session.execute(
            text(
                "INSERT INTO permit_parcel (city_id, code, name, permit_type, issued_on, geom)"
                " VALUES (:c, :code, :name, 'IMB',"
                " CAST('2024-05-0' || :d || 'T08:00:00Z' AS timestamptz),"
                " ST_GeomFromText(:wkt, 4326))"
            ),
            {
                **cid,
                "code": f"P-{i}",
                "name": f"Persil {i}",
                "d": str(i + 1),
                "wkt": _box(x0, -6.19, x0 + 0.004, -6.186),
            },
        )
    counts = {
        "kota": 1,
        "kecamatan": 2,
        "kelurahan": 4,
        "roads": N_ROADS,
        "angkot_routes": 3,
        "schools": N_SCHOOLS,
        "parcels": 3,
    }
    return SampleCity(city, counts)


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    """WebMercatorQuad column and row holding ``lon, lat`` at zoom ``z``."""
    n = 1 << z
    x = int((lon + 180.0) / 360.0 * n)
    y = int((1.0 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2.0 * n)
    return x, y
