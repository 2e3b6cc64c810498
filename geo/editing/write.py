"""The one writer of routes: upsert ``angkot_route`` and a published ``route_version`` each.

The editor's publish and every importer (route files, GTFS, the demo city) go through
:func:`write_routes`, so every change citizens see is a version with an author and a message.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.accounts import Principal, record
from geo.errors import RouteCodeTakenError

ATTRIBUTES = (
    "code",
    "name",
    "direction",
    "origin",
    "destination",
    "colour",
    "fare_idr",
    "headway_s",
    "speed_kmh",
    "active",
    "circular",
)
"""The attributes of a route version (what the editor's form edits)."""

# who writes when no person does (an importer called from code without a principal)
IMPORTER = Principal(
    user_id=None, username="import", display_name="import", city_id=None, via="cli"
)

_SRC = """
    SELECT r.*, ST_GeomFromWKB(decode(r.wkb, 'hex'), 4326) AS g
    FROM json_to_recordset(CAST(:rows AS json))
         AS r(id int, version int, code text, direction int, name text, origin text,
              destination text, colour text, fare_idr int, headway_s int, speed_kmh float8,
              active bool, circular bool, wkb text)
"""

_TAKEN = text(
    f"""
    WITH src AS ({_SRC})
    SELECT s.id, s.code, s.direction, t.id AS other FROM src s
    JOIN angkot_route t ON t.city_id = :city_id AND t.code = s.code
         AND t.direction = s.direction AND t.id <> s.id
    WHERE s.id IS NOT NULL
    LIMIT 1
    """  # noqa: S608 - a fixed fragment
)

_UPSERT = text(
    f"""
    WITH src AS ({_SRC}), keyed AS (
        SELECT s.*, coalesce(s.active, e.active, true) AS act, s.circular AS circ,
               CASE WHEN s.id IS NOT NULL THEN s.id
                    WHEN e.id IS NOT NULL THEN e.id
                    ELSE nextval(pg_get_serial_sequence('angkot_route', 'id')) END AS rid
        FROM src s
        LEFT JOIN angkot_route e ON s.id IS NULL AND e.city_id = :city_id
             AND e.code = s.code AND e.direction = s.direction
    ), up AS (
        INSERT INTO angkot_route AS t (id, city_id, code, direction, name, origin, destination,
                                       colour, fare_idr, headway_s, speed_kmh, active, geom)
        SELECT rid, :city_id, code, direction, name, origin, destination, colour, fare_idr,
               headway_s, speed_kmh, act, g FROM keyed
        ON CONFLICT (city_id, id) DO UPDATE
        SET code = EXCLUDED.code, direction = EXCLUDED.direction, name = EXCLUDED.name,
            origin = EXCLUDED.origin, destination = EXCLUDED.destination,
            colour = EXCLUDED.colour, fare_idr = EXCLUDED.fare_idr,
            headway_s = EXCLUDED.headway_s, speed_kmh = EXCLUDED.speed_kmh,
            active = EXCLUDED.active, geom = EXCLUDED.geom, revision = t.revision + 1
        WHERE (t.code, t.direction, t.name, t.origin, t.destination, t.colour, t.fare_idr,
               t.headway_s, t.speed_kmh, t.active, ST_AsBinary(t.geom))
              IS DISTINCT FROM (EXCLUDED.code, EXCLUDED.direction, EXCLUDED.name,
                                EXCLUDED.origin, EXCLUDED.destination, EXCLUDED.colour,
                                EXCLUDED.fare_idr, EXCLUDED.headway_s, EXCLUDED.speed_kmh,
                                EXCLUDED.active, ST_AsBinary(EXCLUDED.geom))
        RETURNING t.id, (xmax = 0) AS inserted
    )
    SELECT k.rid, k.version, u.inserted, k.code, k.direction, k.name, k.origin,
           k.destination, k.colour, k.fare_idr, k.headway_s, k.speed_kmh, k.act, k.circ,
           k.wkb
    FROM keyed k LEFT JOIN up u ON u.id = k.rid
    """  # noqa: S608 - a fixed fragment
)

# routes written without their versions (rows inserted before 0012 or by hand) get their
# published state as version 1 first, so the new version has a parent
_BACKFILL = text(
    f"""
    WITH src AS ({_SRC})
    INSERT INTO route_version (city_id, route_id, number, state, code, name, direction, origin,
        destination, colour, fare_idr, headway_s, speed_kmh, active, circular, message, geom)
    SELECT t.city_id, t.id, 1, 'published', t.code, t.name, t.direction, t.origin,
           t.destination, t.colour, t.fare_idr, t.headway_s, t.speed_kmh, t.active, false,
           'imported', t.geom
    FROM angkot_route t JOIN src s ON t.id = s.id
         OR (s.id IS NULL AND t.code = s.code AND t.direction = s.direction)
    WHERE t.city_id = :city_id
      AND NOT EXISTS (SELECT 1 FROM route_version v
                      WHERE v.city_id = t.city_id AND v.route_id = t.id)
    ON CONFLICT DO NOTHING
    """  # noqa: S608 - a fixed fragment
)

_SUPERSEDE = text(
    """
    UPDATE route_version SET state = 'superseded'
    WHERE city_id = :city_id AND route_id = ANY(:ids) AND state = 'published'
    RETURNING route_id, number
    """
)

_MARK = text(
    """
    UPDATE route_version v SET state = 'published', note = NULL
    FROM unnest(CAST(:ids AS int[]), CAST(:numbers AS int[])) AS p(route_id, number)
    WHERE v.city_id = :city_id AND v.route_id = p.route_id AND v.number = p.number
    RETURNING v.route_id, v.number
    """
)

_INSERT = text(
    f"""
    WITH src AS ({_SRC}), heads AS (
        SELECT route_id, max(number) AS head FROM route_version
        WHERE city_id = :city_id AND route_id IN (SELECT id FROM src)
        GROUP BY route_id
    )
    INSERT INTO route_version (city_id, route_id, number, parent, state, code, name, direction,
        origin, destination, colour, fare_idr, headway_s, speed_kmh, active, circular,
        author_id, author, message, geom)
    SELECT :city_id, s.id, coalesce(h.head, 0) + 1, p.number, 'published', s.code, s.name,
           s.direction, s.origin, s.destination, s.colour, s.fare_idr, s.headway_s,
           s.speed_kmh, s.active, coalesce(s.circular, pv.circular, false), :author_id,
           :author, :message, s.g
    FROM src s
    LEFT JOIN heads h ON h.route_id = s.id
    LEFT JOIN unnest(CAST(:prev_ids AS int[]), CAST(:prev_numbers AS int[]))
         AS p(route_id, number) ON p.route_id = s.id
    -- an importer says nothing of circular: the route keeps what its last version said
    LEFT JOIN route_version pv ON pv.city_id = :city_id AND pv.route_id = s.id
         AND pv.number = p.number
    RETURNING route_id, number
    """  # noqa: S608 - a fixed fragment
)


@dataclass(frozen=True)
class WriteResult:
    """What :func:`write_routes` did.

    Attributes:
        inserted: New ``angkot_route`` rows.
        updated: Existing rows whose values changed.
        unchanged: Rows that were already as given (no new version for them, unless a version
            was published).
        published: Route id -> the version number now published, for every route that got a
            new published version or had one marked published.
    """

    inserted: int
    updated: int
    unchanged: int
    published: dict[int, int] = field(default_factory=dict)


def write_routes(
    session: Session,
    principal: Principal,
    city_id: int,
    rows: Sequence[Mapping[str, Any]],
    *,
    message: str | None,
    action: str = "routes.import",
    detail: Mapping[str, Any] | None = None,
) -> WriteResult:
    """Upsert routes into ``angkot_route``; every changed route gets a published version.

    A row carries the :data:`ATTRIBUTES` (``active``/``circular`` optional) and ``wkb`` (hex
    WKB of a LineString, EPSG:4326). Without ``id`` the route is found by (code, direction)
    (importers); with ``id`` that route is written (the editor; an id reserved for a new
    route gets its row). With ``version`` that existing version is marked published instead
    of a new one being added (the editor's publish). The previously published version becomes
    ``superseded``. Routes whose ``angkot_route`` row is unchanged get no new version. The
    ``angkot_route`` triggers bump the ``angkot_routes`` layer revision, so the trip planner
    and routes/near use the change on their next request. One audit entry records the write.
    The caller has authorized the write; nothing is committed here.

    Args:
        session: The database session.
        principal: Who writes (the author of the new versions; user id and username).
        city_id: The city.
        rows: The routes, each a mapping as above (other keys are ignored).
        message: The message of the new versions (``"imported"``, a file name).
        action: The audit action (``routes.import``, ``routes.publish``).
        detail: More for the audit entry.

    Returns:
        Counts and the versions now published.

    Raises:
        RouteCodeTakenError: A row with ``id`` has the code and direction of another route.
    """
    if not rows:
        return WriteResult(0, 0, 0)
    payload = orjson.dumps([_row(r) for r in rows]).decode()
    params = {"rows": payload, "city_id": city_id}
    taken = session.execute(_TAKEN, params).first()
    if taken is not None:
        raise RouteCodeTakenError(
            f"route {taken.other} has code {taken.code} direction {taken.direction} already",
            [{"field": "code", "message": "kode dan arah ini sudah dipakai trayek lain"}],
        )
    session.execute(_BACKFILL, params)
    written = session.execute(_UPSERT, params).all()
    inserted = sum(1 for w in written if w.inserted is True)
    updated = sum(1 for w in written if w.inserted is False)
    marked = [w for w in written if w.version is not None]
    fresh = [w for w in written if w.version is None and w.inserted is not None]
    touched = [int(w.rid) for w in [*marked, *fresh]]
    published: dict[int, int] = {}
    if touched:
        before: dict[int, int] = dict(
            session.execute(_SUPERSEDE, {"city_id": city_id, "ids": touched}).all()
        )
        if marked:
            ids = [int(w.rid) for w in marked]
            numbers = [int(w.version) for w in marked]
            for rid, number in session.execute(
                _MARK, {"city_id": city_id, "ids": ids, "numbers": numbers}
            ):
                published[int(rid)] = int(number)
        if fresh:
            new_rows = [
                {
                    "id": int(w.rid),
                    "code": w.code,
                    "direction": w.direction,
                    "name": w.name,
                    "origin": w.origin,
                    "destination": w.destination,
                    "colour": w.colour,
                    "fare_idr": w.fare_idr,
                    "headway_s": w.headway_s,
                    "speed_kmh": w.speed_kmh,
                    "active": w.act,
                    "circular": w.circ,
                    "wkb": w.wkb,
                }
                for w in fresh
            ]
            prev = {rid: n for rid, n in before.items() if rid in {r["id"] for r in new_rows}}
            for rid, number in session.execute(
                _INSERT,
                {
                    "city_id": city_id,
                    "rows": orjson.dumps(new_rows).decode(),
                    "author_id": principal.user_id,
                    "author": principal.username[:64] if principal.username else None,
                    "message": message,
                    "prev_ids": list(prev),
                    "prev_numbers": list(prev.values()),
                },
            ):
                published[int(rid)] = int(number)
    result = WriteResult(inserted, updated, len(rows) - inserted - updated, published)
    record(
        session,
        principal,
        action,
        city_id=city_id,
        object_type="angkot_route",
        object_id=next(iter(published)) if len(published) == 1 else None,
        detail={
            **(detail or {}),
            "message": message,
            "inserted": inserted,
            "updated": updated,
            "unchanged": result.unchanged,
            "versions": {str(k): v for k, v in list(published.items())[:200]},
        },
    )
    return result


def _row(row: Mapping[str, Any]) -> dict[str, Any]:
    out = {key: row.get(key) for key in ATTRIBUTES}
    out["id"] = row.get("id")
    out["version"] = row.get("version")
    out["wkb"] = row["wkb"]
    return out
