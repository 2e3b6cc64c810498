"""Bulk insert of a generated demo city: one INSERT ... SELECT FROM unnest(...) per table."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import shapely
from sqlalchemy import text
from sqlalchemy.orm import Session

from data.demo.generate import DemoCity

# Each statement takes parallel arrays; geometries travel as hex WKB and get SRID 4326.
_ADMIN = text(
    "INSERT INTO admin_area (city_id, level, code, name, parent_code, geom)"
    " SELECT :city_id, t.level, t.code, t.name, t.parent_code,"
    " ST_SetSRID(ST_GeomFromWKB(decode(t.wkb, 'hex')), 4326)"
    " FROM unnest(CAST(:level AS text[]), CAST(:code AS text[]), CAST(:name AS text[]),"
    " CAST(:parent_code AS text[]), CAST(:wkb AS text[]))"
    " AS t(level, code, name, parent_code, wkb)"
)
_ROADS = text(
    "INSERT INTO road_edge (city_id, u, v, name, road_class, oneway, length_m, geom)"
    " SELECT :city_id, t.u, t.v, t.name, t.road_class, t.oneway, t.length_m,"
    " ST_SetSRID(ST_GeomFromWKB(decode(t.wkb, 'hex')), 4326)"
    " FROM unnest(CAST(:u AS bigint[]), CAST(:v AS bigint[]), CAST(:name AS text[]),"
    " CAST(:road_class AS text[]), CAST(:oneway AS boolean[]), CAST(:length_m AS float8[]),"
    " CAST(:wkb AS text[])) AS t(u, v, name, road_class, oneway, length_m, wkb)"
)
_SCHOOLS = text(
    "INSERT INTO school (city_id, npsn, name, level, status, address, kelurahan_code, geom)"
    " SELECT :city_id, t.npsn, t.name, t.level, t.status, t.address, t.kelurahan_code,"
    " ST_SetSRID(ST_GeomFromWKB(decode(t.wkb, 'hex')), 4326)"
    " FROM unnest(CAST(:npsn AS text[]), CAST(:name AS text[]), CAST(:level AS text[]),"
    " CAST(:status AS text[]), CAST(:address AS text[]), CAST(:kelurahan_code AS text[]),"
    " CAST(:wkb AS text[])) AS t(npsn, name, level, status, address, kelurahan_code, wkb)"
)
_ROUTES = text(
    "INSERT INTO angkot_route (city_id, code, name, direction, origin, destination, colour,"
    " fare_idr, headway_s, speed_kmh, geom)"
    " SELECT :city_id, t.code, t.name, t.direction, t.origin, t.destination, t.colour,"
    " t.fare_idr, t.headway_s, t.speed_kmh,"
    " ST_SetSRID(ST_GeomFromWKB(decode(t.wkb, 'hex')), 4326)"
    " FROM unnest(CAST(:code AS text[]), CAST(:name AS text[]), CAST(:direction AS int[]),"
    " CAST(:origin AS text[]), CAST(:destination AS text[]), CAST(:colour AS text[]),"
    " CAST(:fare_idr AS int[]), CAST(:headway_s AS int[]), CAST(:speed_kmh AS float8[]),"
    " CAST(:wkb AS text[])) AS t(code, name, direction, origin, destination, colour,"
    " fare_idr, headway_s, speed_kmh, wkb)"
)
_PARCELS = text(
    "INSERT INTO permit_parcel (city_id, code, name, permit_type, status, issued_on, geom)"
    " SELECT :city_id, t.code, t.name, t.permit_type, t.status, t.issued_on,"
    " ST_SetSRID(ST_GeomFromWKB(decode(t.wkb, 'hex')), 4326)"
    " FROM unnest(CAST(:code AS text[]), CAST(:name AS text[]), CAST(:permit_type AS text[]),"
    " CAST(:status AS text[]), CAST(:issued_on AS timestamptz[]), CAST(:wkb AS text[]))"
    " AS t(code, name, permit_type, status, issued_on, wkb)"
)


def _wkb(geoms: Sequence[Any]) -> list[str]:
    return [str(w) for w in shapely.to_wkb(list(geoms), hex=True)] if geoms else []


def insert_demo_city(session: Session, city_id: int, city: DemoCity) -> dict[str, int]:
    """Insert every generated row of ``city`` for ``city_id``; returns row counts per table."""
    session.execute(
        _ADMIN,
        {
            "city_id": city_id,
            "level": [a.level for a in city.admin],
            "code": [a.code for a in city.admin],
            "name": [a.name for a in city.admin],
            "parent_code": [a.parent_code or None for a in city.admin],
            "wkb": _wkb([a.geom for a in city.admin]),
        },
    )
    session.execute(
        _ROADS,
        {
            "city_id": city_id,
            "u": [e.u for e in city.roads],
            "v": [e.v for e in city.roads],
            "name": [e.name for e in city.roads],
            "road_class": [e.road_class for e in city.roads],
            "oneway": [e.oneway for e in city.roads],
            "length_m": [e.length_m for e in city.roads],
            "wkb": _wkb([e.geom for e in city.roads]),
        },
    )
    session.execute(
        _SCHOOLS,
        {
            "city_id": city_id,
            "npsn": [s.npsn for s in city.schools],
            "name": [s.name for s in city.schools],
            "level": [s.level for s in city.schools],
            "status": [s.status for s in city.schools],
            "address": [s.address for s in city.schools],
            "kelurahan_code": [s.kelurahan_code for s in city.schools],
            "wkb": _wkb([s.point for s in city.schools]),
        },
    )
    routes = [r for r, _ in city.routes]
    session.execute(
        _ROUTES,
        {
            "city_id": city_id,
            "code": [r.code for r in routes],
            "name": [r.name for r in routes],
            "direction": [r.direction for r in routes],
            "origin": [r.origin for r in routes],
            "destination": [r.destination for r in routes],
            "colour": [r.colour for r in routes],
            "fare_idr": [r.fare_idr for r in routes],
            "headway_s": [r.headway_s for r in routes],
            "speed_kmh": [r.speed_kmh for r in routes],
            "wkb": _wkb([line for _, line in city.routes]),
        },
    )
    session.execute(
        _PARCELS,
        {
            "city_id": city_id,
            "code": [p.code for p in city.parcels],
            "name": [p.name for p in city.parcels],
            "permit_type": [p.permit_type for p in city.parcels],
            "status": [p.status for p in city.parcels],
            "issued_on": [p.issued_on for p in city.parcels],
            "wkb": _wkb([p.geom for p in city.parcels]),
        },
    )
    return {
        "admin_area": len(city.admin),
        "road_edge": len(city.roads),
        "school": len(city.schools),
        "angkot_route": len(city.routes),
        "permit_parcel": len(city.parcels),
    }
