"""The difference between two versions of a route: attributes, length, pieces, kelurahan."""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.accounts import Principal, authorize
from geo.cities import CityInfo
from geo.editing.store import ATTRS, VERSIONS, read_version
from geo.errors import RouteVersionNotFoundError

# a piece of the new line farther than this from the old one counts as added (and back)
TOLERANCE_M = 5.0
SERVED_M = 400.0

_KEL = """
    (SELECT coalesce(json_agg(json_build_object('code', k.code, 'name', k.name)
                              ORDER BY k.code), '[]')
     FROM kel k WHERE {cond})
"""
# the attributes of both versions, read with their lines
_ATTR_PAIRS = ", ".join(f"a.{k} AS from_{k}, b.{k} AS to_{k}" for k in ATTRS)
# one statement (``vers`` read once: only the two versions are read); MATERIALIZED: each
# line is transformed once, not once per kelurahan row
_DIFF = text(
    f"""
    WITH {VERSIONS}, two AS MATERIALIZED (
        SELECT * FROM vers WHERE number IN (:from_n, :to_n)
    ), pair AS MATERIALIZED (
        SELECT {_ATTR_PAIRS},
               ST_Transform(a.geom, :srid) AS old, ST_Transform(b.geom, :srid) AS new,
               ST_Expand(ST_Collect(a.geom, b.geom), :served_deg) AS box
        FROM two a, two b WHERE a.number = :from_n AND b.number = :to_n
    ), pieces AS MATERIALIZED (
        SELECT *,
               ST_CollectionExtract(ST_Difference(new, ST_Buffer(old, :tol)), 2) AS added,
               ST_CollectionExtract(ST_Difference(old, ST_Buffer(new, :tol)), 2) AS removed
        FROM pair
    ), kel AS MATERIALIZED (
        SELECT a.code, a.name, ST_DWithin(m.g, p.old, :served) AS was,
               ST_DWithin(m.g, p.new, :served) AS now
        FROM pair p
        JOIN admin_area a ON a.city_id = :city_id AND a.level = 'kelurahan' AND a.geom && p.box
        CROSS JOIN LATERAL (SELECT ST_Transform(a.geom, :srid) AS g) m
    )
    SELECT ST_Length(old) AS length_from_m, ST_Length(new) AS length_to_m,
           ST_Length(added) AS length_added_m, ST_Length(removed) AS length_removed_m,
           CASE WHEN NOT ST_IsEmpty(added)
                THEN ST_AsGeoJSON(ST_Multi(ST_Transform(added, 4326)), 7) END AS added,
           CASE WHEN NOT ST_IsEmpty(removed)
                THEN ST_AsGeoJSON(ST_Multi(ST_Transform(removed, 4326)), 7) END AS removed,
           {_KEL.format(cond="k.now AND NOT k.was")} AS kelurahan_added,
           {_KEL.format(cond="k.was AND NOT k.now")} AS kelurahan_removed,
           {", ".join(f"from_{k}, to_{k}" for k in ATTRS)}
    FROM pieces
    """  # noqa: S608 - fixed fragments
)


def _plain(key: str, value: Any) -> Any:
    return float(value) if key == "speed_kmh" else value


def diff_versions(
    session: Session,
    principal: Principal,
    city: CityInfo,
    route_id: int,
    *,
    from_number: int,
    to_number: int,
) -> dict[str, Any]:
    """What changed from version ``from_number`` to ``to_number`` of a route.

    Lengths are metres in the city's UTM zone; a piece of one line farther than 5 m from the
    other counts as added (or removed). Kelurahan served are those within 400 m of the line.

    Returns:
        ``{"from", "to", "attributes": {name: [old, new]}, "length_from_m", "length_to_m",
        "length_added_m", "length_removed_m", "added": MultiLineString | None, "removed":
        MultiLineString | None, "kelurahan_added": [{"code", "name"}], "kelurahan_removed"}``.

    Raises:
        RouteNotFoundError, RouteVersionNotFoundError: No such route or version.
    """
    authorize(principal, "routes.edit", city_id=city.id)
    row = session.execute(
        _DIFF,
        {
            "city_id": city.id,
            "route_id": route_id,
            "srid": city.utm_srid,
            "from_n": from_number,
            "to_n": to_number,
            "tol": TOLERANCE_M,
            "served": SERVED_M,
            "served_deg": SERVED_M / 100_000,
        },
    ).first()
    if row is None:  # the error says which: no such route, or no such version
        for number in (from_number, to_number):
            read_version(session, city.id, city.utm_srid, route_id, number)
        raise RouteVersionNotFoundError(f"route {route_id} has no such versions")
    m = row._mapping
    old = {k: _plain(k, m[f"from_{k}"]) for k in ATTRS}
    new = {k: _plain(k, m[f"to_{k}"]) for k in ATTRS}
    return {
        "from": from_number,
        "to": to_number,
        "attributes": {k: [old[k], new[k]] for k in ATTRS if old[k] != new[k]},
        "length_from_m": round(float(row.length_from_m), 1),
        "length_to_m": round(float(row.length_to_m), 1),
        "length_added_m": round(float(row.length_added_m), 1),
        "length_removed_m": round(float(row.length_removed_m), 1),
        "added": None if row.added is None else orjson.loads(row.added),
        "removed": None if row.removed is None else orjson.loads(row.removed),
        "kelurahan_added": list(row.kelurahan_added),
        "kelurahan_removed": list(row.kelurahan_removed),
    }
