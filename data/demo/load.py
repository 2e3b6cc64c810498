"""Bulk insert of a generated demo city: one INSERT ... SELECT FROM unnest(...) per table."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import shapely
from sqlalchemy import text
from sqlalchemy.orm import Session

from data.demo.generate import DemoCity
from data.demo.zoning import load_demo_zoning, make_demo_zoning
from geo.accounts import Principal
from geo.editing import IMPORTER, write_routes

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


def insert_demo_city(
    session: Session, city_id: int, city: DemoCity, principal: Principal | None = None
) -> dict[str, int]:
    """Insert every generated row of ``city`` for ``city_id``; returns row counts per table.

    Routes go through ``geo.editing.write_routes`` (each a published version 1, message
    ``demo city``, author ``principal`` or ``geo.editing.IMPORTER``).
    """
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
    wkbs = _wkb([line for _, line in city.routes])
    rows = [
        {
            "code": r.code,
            "name": r.name,
            "direction": r.direction,
            "origin": r.origin,
            "destination": r.destination,
            "colour": r.colour,
            "fare_idr": r.fare_idr,
            "headway_s": r.headway_s,
            "speed_kmh": r.speed_kmh,
            "wkb": wkb,
        }
        for (r, _), wkb in zip(city.routes, wkbs, strict=True)
    ]
    write_routes(session, principal or IMPORTER, city_id, rows, message="demo city")
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
    # permits (#15): the zoning plan, ITBX table, protected land and rivers
    zoning = load_demo_zoning(
        session, city_id, make_demo_zoning(city.slug, city.outline, city.center)
    )
    return zoning | {
        "admin_area": len(city.admin),
        "road_edge": len(city.roads),
        "school": len(city.schools),
        "angkot_route": len(city.routes),
        "permit_parcel": len(city.parcels),
    }
