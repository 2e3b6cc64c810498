"""The sample city (tests/layers/sample.py) with a small zoning plan, an ITBX table, protected
land and a river: what the permit tests check parcels against.

West of 106.65 lies zone R-2 (KDB 60 %, KLB 1.8, KDH 20 %), east of it K-1 (KDB 70 %, KLB 3,
KDH 10 %); a rice field straddles the two zones south of -6.20; a park (RTH) in the north
west; the river Cisadane Kecil runs north-south at 106.69 with a 15 m setback. The sample's
permitted parcel P-0 is the box 106.62..106.624 × -6.19..-6.186.
"""

from __future__ import annotations

from dataclasses import dataclass

from shapely import wkt as shapely_wkt
from shapely.geometry import MultiPolygon, Polygon, box
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.cities import CityInfo
from tests.layers.sample import insert_sample_city

ZONES = (
    ("R-2", "Perumahan kepadatan sedang", 60.0, 1.8, 20.0, box(106.60, -6.22, 106.65, -6.14)),
    ("K-1", "Perdagangan dan jasa", 70.0, 3.0, 10.0, box(106.65, -6.22, 106.70, -6.14)),
)
RULES = (
    ("R-2", "Rumah tinggal", "I"),
    ("K-1", "Rumah tinggal", "T"),
    ("R-2", "Toko", "B"),
    ("K-1", "Toko", "I"),
    ("R-2", "Pabrik", "X"),
    ("K-1", "Pabrik", "X"),
)
SAWAH = box(106.6490, -6.2100, 106.6530, -6.2000)
RTH = box(106.6100, -6.1700, 106.6150, -6.1650)
RIVER = "MULTILINESTRING((106.69 -6.22, 106.69 -6.14))"
SETBACK_M = 15.0
P0 = box(106.62, -6.19, 106.624, -6.186)

# a parcel across the rice field's north edge and the R-2 / K-1 boundary (≈ 88 m × 66 m)
CROSSING = box(106.6496, -6.2003, 106.6504, -6.1997)
# a parcel in R-2 far from everything
CLEAN = box(106.6300, -6.1500, 106.6306, -6.1495)
# a parcel reaching into P-0's north-east corner
ON_P0 = box(106.6230, -6.1870, 106.6250, -6.1850)
# a parcel across the river
ON_RIVER = box(106.6895, -6.1800, 106.6905, -6.1795)


@dataclass(frozen=True)
class PermitCity:
    """The city, the river setback polygon written (as the importer computes it), and how
    many rows each layer got (the sample city's and the permit layers')."""

    city: CityInfo
    setback: MultiPolygon
    counts: dict[str, int]


def _multi(geom: Polygon | MultiPolygon) -> MultiPolygon:
    return geom if isinstance(geom, MultiPolygon) else MultiPolygon([geom])


def insert_permit_city(session: Session, slug: str = "izin-test") -> PermitCity:
    """The sample city with :data:`ZONES`, :data:`RULES`, the rice field, the park, the river."""
    sample = insert_sample_city(session, slug)
    city = sample.city
    c = {"c": city.id}
    for code, name, kdb, klb, kdh, geom in ZONES:
        session.execute(
            text(
                "INSERT INTO zoning_zone (city_id, code, name, kdb, klb, kdh, geom)"
                " VALUES (:c, :code, :name, :kdb, :klb, :kdh, ST_GeomFromText(:wkt, 4326))"
            ),
            c
            | {"code": code, "name": name, "kdb": kdb, "klb": klb, "kdh": kdh}
            | {"wkt": _multi(geom).wkt},
        )
    for zone, activity, verdict in RULES:
        session.execute(
            text(
                "INSERT INTO zoning_rule (city_id, zone_code, activity, verdict)"
                " VALUES (:c, :z, :a, :v)"
            ),
            c | {"z": zone, "a": activity, "v": verdict},
        )
    for kind, name, geom in (("sawah", "Sawah Uji", SAWAH), ("rth", "Taman Uji", RTH)):
        session.execute(
            text(
                "INSERT INTO protected_area (city_id, kind, name, source, geom)"
                " VALUES (:c, :k, :n, 'test', ST_GeomFromText(:wkt, 4326))"
            ),
            c | {"k": kind, "n": name, "wkt": _multi(geom).wkt},
        )
    session.execute(
        text(
            "INSERT INTO river_line (city_id, name, depth_m, has_levee, geom)"
            " VALUES (:c, 'Cisadane Kecil', 4, false, ST_GeomFromText(:wkt, 4326))"
        ),
        c | {"wkt": RIVER},
    )
    setback = session.execute(
        text(
            "INSERT INTO protected_area (city_id, kind, name, source, geom)"
            " SELECT :c, 'sungai', 'Sempadan Cisadane Kecil', 'test',"
            " ST_Multi(ST_Transform(ST_Buffer(ST_Transform(ST_GeomFromText(:wkt, 4326), 32748),"
            " :m), 4326)) RETURNING ST_AsText(geom)"
        ),
        c | {"wkt": RIVER, "m": SETBACK_M},
    ).scalar_one()
    counts = sample.counts | {"zoning": len(ZONES), "protected_areas": 3, "rivers": 1}
    return PermitCity(city, _multi(shapely_wkt.loads(setback)), counts)
