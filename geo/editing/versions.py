"""Drafts with If-Match: save, restore, reverse direction, and the editor's reads."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import shapely
from shapely.geometry import LineString
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.accounts import Principal, authorize, record
from geo.cities import CityInfo
from geo.editing.store import ATTRS, BACKFILL, HEAD_AFTER_FILL, iso, lock, read_version
from geo.editing.validate import line_from_geojson, validate_route
from geo.errors import (
    PreconditionRequiredError,
    RouteCodeTakenError,
    RouteNotFoundError,
    RouteVersionStaleError,
)

EDIT = "routes.edit"
DEFAULTS: dict[str, Any] = {
    "origin": None,
    "destination": None,
    "colour": "#1f78b4",
    "fare_idr": 5000,
    "headway_s": 600,
    "speed_kmh": 15.0,
    "active": True,
    "circular": False,
    "direction": 0,
}

_NEW_ID = text("SELECT nextval(pg_get_serial_sequence('angkot_route', 'id'))")
# after the lock, one statement: the backfill, the caller's older live draft superseded (the
# row stays), the head, whether the If-Match version exists, and another route with the code
_SAVE_STATE = text(
    f"""
    WITH {BACKFILL}, sup AS (
        UPDATE route_version SET state = 'superseded'
        WHERE city_id = :city_id AND route_id = :route_id AND state IN ('draft', 'returned')
          AND author_id IS NOT DISTINCT FROM :author_id
        RETURNING number
    )
    SELECT {HEAD_AFTER_FILL} AS head,
           EXISTS (SELECT 1 FROM route_version WHERE city_id = :city_id
                   AND route_id = :route_id AND number = :expected)
           OR EXISTS (SELECT 1 FROM fill WHERE number = :expected) AS base_known,
           (SELECT id FROM angkot_route WHERE city_id = :city_id AND code = :code
            AND direction = :direction AND id <> :route_id LIMIT 1) AS taken
    """  # noqa: S608 - fixed fragments
)
_INSERT = text(
    "INSERT INTO route_version (city_id, route_id, number, parent, state, code, name, direction,"
    " origin, destination, colour, fare_idr, headway_s, speed_kmh, active, circular,"
    " author_id, author, message, geom)"
    " VALUES (:city_id, :route_id, :number, :parent, 'draft', :code, :name, :direction,"
    " :origin, :destination, :colour, :fare_idr, :headway_s, :speed_kmh, :active, :circular,"
    " :author_id, :author, :message, ST_GeomFromWKB(decode(:wkb, 'hex'), 4326))"
    " RETURNING saved_at"
)
_TAKEN = text(
    "SELECT id FROM angkot_route WHERE city_id = :city_id AND code = :code"
    " AND direction = :direction AND id <> :route_id LIMIT 1"
)


@dataclass(frozen=True)
class Saved:
    """A saved draft.

    Attributes:
        id: The route id.
        version: The new version number (also the route's head: its ETag is ``r{id}v{version}``).
        warnings: Validation warnings (``against-oneway``), JSON-ready.
    """

    id: int
    version: int
    warnings: list[dict[str, Any]] = field(default_factory=list)


def _attrs(properties: dict[str, Any]) -> dict[str, Any]:
    attrs = {key: properties.get(key, DEFAULTS.get(key)) for key in ATTRS}
    for key in ("code", "name", "origin", "destination"):
        value = attrs[key]
        if isinstance(value, str):
            attrs[key] = " ".join(value.split()) or None
    if isinstance(attrs["colour"], str):
        attrs["colour"] = attrs["colour"].lower()
    return attrs


def _insert_draft(
    session: Session,
    principal: Principal,
    city: CityInfo,
    *,
    route_id: int,
    number: int,
    parent: int | None,
    line: LineString,
    attrs: dict[str, Any],
    message: str | None,
) -> str | None:
    saved_at = session.execute(
        _INSERT,
        {
            "city_id": city.id,
            "route_id": route_id,
            "number": number,
            "parent": parent,
            **attrs,
            "speed_kmh": float(attrs["speed_kmh"]),
            "fare_idr": int(attrs["fare_idr"]),
            "headway_s": int(attrs["headway_s"]),
            "active": bool(attrs["active"]),
            "circular": bool(attrs["circular"]),
            "author_id": principal.user_id,
            "author": principal.username[:64],
            "message": (message or "")[:2000] or None,
            "wkb": shapely.to_wkb(line, hex=True, output_dimension=2),
        },
    ).scalar_one()
    return iso(saved_at)


def _check_code(session: Session, city: CityInfo, route_id: int, attrs: dict[str, Any]) -> None:
    params = {"city_id": city.id, "route_id": route_id}
    _code_free(session.execute(_TAKEN, {**params, **_code_of(attrs)}).scalar(), attrs)


def _code_of(attrs: dict[str, Any]) -> dict[str, Any]:
    return {"code": attrs["code"], "direction": attrs["direction"]}


def _code_free(other: int | None, attrs: dict[str, Any]) -> None:
    if other is not None:
        raise RouteCodeTakenError(
            f"route {other} has code {attrs['code']} direction {attrs['direction']} already",
            [{"field": "code", "message": "Kode dan arah ini sudah dipakai trayek lain"}],
        )


def save_draft(
    session: Session,
    principal: Principal,
    city: CityInfo,
    route_id: int,
    *,
    geometry: Any,
    properties: dict[str, Any],
    message: str | None,
    expected_head: int | None,
) -> Saved:
    """Save an edit of a route as the caller's draft (a new version, parent = the base).

    The caller's older live draft of the route is superseded (the row stays). A stale base
    (someone saved since ``expected_head``) keeps the edit as the caller's draft anyway and
    raises, so nothing is lost: the door commits before answering 412.

    Args:
        session: The database session.
        principal: The planner (``routes.edit``).
        city: The city.
        route_id: The route.
        geometry: A GeoJSON LineString (lon, lat).
        properties: The attributes (code, name, direction, origin, destination, colour,
            fare_idr, headway_s, speed_kmh, active, circular); missing ones take defaults.
        message: What changed and why.
        expected_head: The head version the edit is based on (from If-Match); None: missing.

    Returns:
        The new version and the warnings.

    Raises:
        PreconditionRequiredError: ``expected_head`` is None (HTTP 428); nothing written.
        RouteInvalidError: Validation failed; nothing written.
        RouteNotFoundError: No such route.
        RouteCodeTakenError: Another route has this code and direction.
        RouteVersionStaleError: Someone saved since ``expected_head``; the edit was kept as
            version ``draft_version`` of the caller.
    """
    authorize(principal, EDIT, city_id=city.id)
    if expected_head is None:
        raise PreconditionRequiredError('send If-Match with the route\'s ETag, e.g. "r12v3"')
    line = line_from_geojson(geometry)
    attrs = _attrs(properties)
    warnings = validate_route(session, city, line, attrs)
    lock(session, city.id, route_id)
    params = {"city_id": city.id, "route_id": route_id}
    state = session.execute(
        _SAVE_STATE,
        {**params, **_code_of(attrs), "author_id": principal.user_id, "expected": expected_head},
    ).one()
    if state.head is None:
        raise RouteNotFoundError(f"no route {route_id} in this city")
    _code_free(state.taken, attrs)
    head = int(state.head)
    number = head + 1
    parent = expected_head if state.base_known else head
    _insert_draft(
        session,
        principal,
        city,
        route_id=route_id,
        number=number,
        parent=parent,
        line=line,
        attrs=attrs,
        message=message,
    )
    stale = expected_head != head
    record(
        session,
        principal,
        "routes.save",
        city_id=city.id,
        object_type="route_version",
        object_id=f"{route_id}/{number}",
        detail={"parent": parent, "stale": stale, "message": message},
    )
    if stale:
        latest = read_version(session, city.id, city.utm_srid, route_id, head)["properties"]
        raise RouteVersionStaleError(
            f"route {route_id} was saved by {latest['author'] or 'an import'} since version"
            f" {expected_head}; your edit is kept as draft version {number}",
            saved_by=latest["author"],
            saved_at=latest["saved_at"],
            head=number,
            saved_version=head,
            draft_version=number,
        )
    return Saved(route_id, number, [w.as_dict() for w in warnings])


def new_route(
    session: Session,
    principal: Principal,
    city: CityInfo,
    geometry: Any,
    properties: dict[str, Any],
    *,
    message: str | None,
) -> Saved:
    """Draft a route from scratch: reserve an id from ``angkot_route``'s sequence, version 1.

    The route gets its ``angkot_route`` row when a reviewer publishes it.

    Raises:
        RouteInvalidError: Validation failed; nothing written.
        RouteCodeTakenError: A published route has this code and direction.
    """
    authorize(principal, EDIT, city_id=city.id)
    line = line_from_geojson(geometry)
    attrs = _attrs(properties)
    warnings = validate_route(session, city, line, attrs)
    route_id = int(session.execute(_NEW_ID).scalar_one())
    _check_code(session, city, route_id, attrs)
    _insert_draft(
        session,
        principal,
        city,
        route_id=route_id,
        number=1,
        parent=None,
        line=line,
        attrs=attrs,
        message=message,
    )
    record(
        session,
        principal,
        "routes.create",
        city_id=city.id,
        object_type="route_version",
        object_id=f"{route_id}/1",
        detail={"code": attrs["code"], "direction": attrs["direction"], "message": message},
    )
    return Saved(route_id, 1, [w.as_dict() for w in warnings])


def restore_version(
    session: Session,
    principal: Principal,
    city: CityInfo,
    route_id: int,
    number: int,
    *,
    expected_head: int | None,
) -> Saved:
    """A new draft equal to version ``number`` (geometry and attributes), parent = the head.

    Raises:
        PreconditionRequiredError, RouteVersionStaleError: As :func:`save_draft`.
        RouteNotFoundError, RouteVersionNotFoundError: No such route or version.
        RouteInvalidError: The old version fails today's validation.
    """
    authorize(principal, EDIT, city_id=city.id)
    if expected_head is None:
        raise PreconditionRequiredError('send If-Match with the route\'s ETag, e.g. "r12v3"')
    old = read_version(session, city.id, city.utm_srid, route_id, number)
    return save_draft(
        session,
        principal,
        city,
        route_id,
        geometry=old["geometry"],
        properties=old["properties"],
        message=f"pulihkan versi {number}",
        expected_head=expected_head,
    )


def reverse_route(session: Session, principal: Principal, city: CityInfo, route_id: int) -> Saved:
    """Draft the other direction of a route: the line reversed, origin and destination swapped.

    Based on the route's published version (else its newest). The new route gets a new id and
    its version 1 as the caller's draft.

    Raises:
        RouteNotFoundError: No such route.
        RouteCodeTakenError: The other direction exists already.
        RouteInvalidError: The reversed line fails validation.
    """
    authorize(principal, EDIT, city_id=city.id)
    base = read_version(session, city.id, city.utm_srid, route_id, None)
    props = dict(base["properties"])
    coords = base["geometry"]["coordinates"]
    geometry = {"type": "LineString", "coordinates": list(reversed(coords))}
    props["direction"] = 1 - int(props["direction"])
    props["origin"], props["destination"] = props["destination"], props["origin"]
    taken = session.execute(
        text(
            "SELECT 1 FROM route_version WHERE city_id = :city_id AND code = :code"
            " AND direction = :direction AND state <> 'superseded' LIMIT 1"
        ),
        {"city_id": city.id, "code": props["code"], "direction": props["direction"]},
    ).first()
    if taken is not None:
        raise RouteCodeTakenError(
            f"route {props['code']} has direction {props['direction']} already",
            [{"field": "direction", "message": "Arah sebaliknya sudah ada"}],
        )
    return new_route(
        session,
        principal,
        city,
        geometry,
        props,
        message=f"arah sebaliknya dari trayek {route_id}",
    )
