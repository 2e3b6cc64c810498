"""Reading route versions (with routes that have none yet read as their version 1)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import Row, text
from sqlalchemy.orm import Session

from geo.errors import RouteNotFoundError, RouteVersionNotFoundError

# every version of the city's routes (or of one route), plus, for routes written before
# versions existed or by hand, their angkot_route row as a published version 1
VERSIONS = """
    vers AS (
        SELECT v.route_id, v.number, v.parent, v.state, v.code, v.name, v.direction, v.origin,
               v.destination, v.colour, v.fare_idr, v.headway_s, v.speed_kmh, v.active,
               v.circular, v.author_id, v.author, v.message, v.note, v.saved_at, v.geom
        FROM route_version v
        WHERE v.city_id = :city_id AND (CAST(:route_id AS int) IS NULL OR v.route_id = :route_id)
        UNION ALL
        SELECT t.id, 1, NULL, 'published', t.code, t.name, t.direction, t.origin,
               t.destination, t.colour, t.fare_idr, t.headway_s, t.speed_kmh, t.active, false,
               NULL, NULL, 'imported', NULL, now(), t.geom
        FROM angkot_route t
        WHERE t.city_id = :city_id AND (CAST(:route_id AS int) IS NULL OR t.id = :route_id)
          AND NOT EXISTS (SELECT 1 FROM route_version x
                          WHERE x.city_id = t.city_id AND x.route_id = t.id)
    )
"""

COLUMNS = (
    "route_id, number, parent, state, code, name, direction, origin, destination, colour,"
    " fare_idr, headway_s, speed_kmh, active, circular, author_id, author, message, note,"
    " saved_at, ST_AsGeoJSON(geom, 7) AS geometry,"
    " ST_Length(ST_Transform(geom, :srid)) AS length_m"
)

_ONE = text(
    f"WITH {VERSIONS} SELECT {COLUMNS} FROM vers"  # noqa: S608 - fixed fragments
    " WHERE CAST(:number AS int) IS NULL OR number = :number"
    " ORDER BY (CAST(:number AS int) IS NULL AND state = 'published') DESC, number DESC LIMIT 1"
)
_ALL = text(
    f"WITH {VERSIONS} SELECT {COLUMNS} FROM vers ORDER BY number DESC"  # noqa: S608
)
_HEAD = text(
    f"WITH {VERSIONS} SELECT max(number) FROM vers"  # noqa: S608 - fixed fragments
)
_LOCK = text("SELECT pg_advisory_xact_lock(:city_id, :route_id)")
# a route written before versions existed (or by hand) gets its angkot_route row as its
# published version 1 (RETURNING number: the statement's own reads do not see the row)
BACKFILL = """
    fill AS (
        INSERT INTO route_version (city_id, route_id, number, state, code, name, direction,
            origin, destination, colour, fare_idr, headway_s, speed_kmh, active, circular,
            message, geom)
        SELECT t.city_id, t.id, 1, 'published', t.code, t.name, t.direction, t.origin,
               t.destination, t.colour, t.fare_idr, t.headway_s, t.speed_kmh, t.active, false,
               'imported', t.geom
        FROM angkot_route t
        WHERE t.city_id = :city_id AND t.id = :route_id
          AND NOT EXISTS (SELECT 1 FROM route_version v
                          WHERE v.city_id = t.city_id AND v.route_id = t.id)
        RETURNING number
    )
"""
# the head after the backfill: the stored versions' highest number, else the backfilled one
HEAD_AFTER_FILL = (
    "coalesce((SELECT max(number) FROM route_version"
    " WHERE city_id = :city_id AND route_id = :route_id), (SELECT max(number) FROM fill))"
)
_FILL_HEAD = text(f"WITH {BACKFILL} SELECT {HEAD_AFTER_FILL}")

ATTRS = (
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


def iso(value: datetime | None) -> str | None:
    """ISO 8601 in UTC with ``Z``."""
    if value is None:
        return None
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def version_dict(row: Row[Any]) -> dict[str, Any]:
    """A version row as plain values: ``id``, ``geometry`` and ``properties`` (a Feature)."""
    m = row._mapping
    props = {key: m[key] for key in ATTRS}
    props["speed_kmh"] = float(props["speed_kmh"])
    props.update(
        version=int(m["number"]),
        parent=m["parent"],
        state=m["state"],
        author=m["author"],
        message=m["message"],
        saved_at=iso(m["saved_at"]),
        length_m=round(float(m["length_m"]), 1),
        note=m["note"],
    )
    return {
        "type": "Feature",
        "id": int(m["route_id"]),
        "geometry": orjson.loads(m["geometry"]),
        "properties": props,
    }


def etag(route_id: int, head: int) -> str:
    """The route's version ETag, ``"r12v5"``, what If-Match repeats."""
    return f'"r{route_id}v{head}"'


def read_version(
    session: Session, city_id: int, srid: int, route_id: int, number: int | None
) -> dict[str, Any]:
    """One version as a Feature (``number`` None: the published one, else the newest).

    Raises:
        RouteNotFoundError: No such route in the city.
        RouteVersionNotFoundError: The route has no version ``number``.
    """
    params = {"city_id": city_id, "route_id": route_id, "number": number, "srid": srid}
    row = session.execute(_ONE, params).first()
    if row is None:
        if number is not None and head_of(session, city_id, route_id) is not None:
            raise RouteVersionNotFoundError(f"route {route_id} has no version {number}")
        raise RouteNotFoundError(f"no route {route_id} in this city")
    return version_dict(row)


def read_versions(session: Session, city_id: int, srid: int, route_id: int) -> list[dict[str, Any]]:
    """Every version of a route, newest first (empty: no such route)."""
    params = {"city_id": city_id, "route_id": route_id, "srid": srid}
    return [version_dict(r) for r in session.execute(_ALL, params)]


def head_of(session: Session, city_id: int, route_id: int) -> int | None:
    """The route's highest version number (any state); None when there is no such route."""
    head = session.execute(_HEAD, {"city_id": city_id, "route_id": route_id}).scalar()
    return None if head is None else int(head)


def lock_route(session: Session, city_id: int, route_id: int) -> int | None:
    """Serialize writers of one route (transaction lock), give it its stored versions.

    Returns:
        The route's head after the lock; None when there is no such route.
    """
    params = {"city_id": city_id, "route_id": route_id}
    session.execute(_LOCK, params)
    head = session.execute(_FILL_HEAD, params).scalar()
    return None if head is None else int(head)


def lock(session: Session, city_id: int, route_id: int) -> None:
    """Serialize writers of one route until the transaction ends (the caller then backfills
    and reads in one statement: ``BACKFILL``, ``HEAD_AFTER_FILL``)."""
    session.execute(_LOCK, {"city_id": city_id, "route_id": route_id})
