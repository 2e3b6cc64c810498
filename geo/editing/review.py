"""Review: a reviewer publishes a draft (through the one route writer) or returns it."""

from __future__ import annotations

from dataclasses import dataclass

import shapely
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.accounts import Principal, authorize, record
from geo.cities import CityInfo
from geo.editing.store import lock_route, read_version
from geo.editing.validate import line_from_geojson, validate_route
from geo.editing.write import ATTRIBUTES, write_routes
from geo.errors import (
    InvalidInputError,
    PreconditionRequiredError,
    RouteNotFoundError,
    RouteVersionStaleError,
    RouteVersionStateError,
)

REVIEWABLE = ("draft", "returned")

_RETURN = text(
    "UPDATE route_version SET state = 'returned', note = :note"
    " WHERE city_id = :city_id AND route_id = :route_id AND number = :number"
)


@dataclass(frozen=True)
class Published:
    """A reviewed version: ``id`` (route), the version and the route's head (for the ETag)."""

    id: int
    published_version: int
    head: int


def _checked_head(
    session: Session, city: CityInfo, route_id: int, expected_head: int | None, *, required: bool
) -> int:
    if required and expected_head is None:
        raise PreconditionRequiredError('send If-Match with the route\'s ETag, e.g. "r12v3"')
    head = lock_route(session, city.id, route_id)
    if head is None:
        raise RouteNotFoundError(f"no route {route_id} in this city")
    if expected_head is not None and expected_head != head:
        latest = read_version(session, city.id, city.utm_srid, route_id, head)["properties"]
        raise RouteVersionStaleError(
            f"route {route_id} was saved by {latest['author'] or 'an import'} since version"
            f" {expected_head}",
            saved_by=latest["author"],
            saved_at=latest["saved_at"],
            head=head,
            saved_version=head,
        )
    return head


def publish_version(
    session: Session,
    principal: Principal,
    city: CityInfo,
    route_id: int,
    number: int,
    *,
    expected_head: int | None,
) -> Published:
    """Publish a draft: ``angkot_route`` takes its geometry and attributes (via
    :func:`geo.editing.write.write_routes`), it becomes the published version, the previous
    one ``superseded``; the routes layer revision bumps, so the trip planner uses it on the
    next request.

    Raises:
        PreconditionRequiredError: No ``expected_head`` (HTTP 428).
        RouteVersionStaleError: The route has a newer version than ``expected_head``.
        RouteNotFoundError, RouteVersionNotFoundError: No such route or version.
        RouteVersionStateError: The version is not a draft or returned draft.
        RouteInvalidError: The version fails validation now (the city changed).
        RouteCodeTakenError: Another route has its code and direction.
    """
    authorize(principal, "routes.publish", city_id=city.id)
    head = _checked_head(session, city, route_id, expected_head, required=True)
    version = read_version(session, city.id, city.utm_srid, route_id, number)
    props = version["properties"]
    if props["state"] not in REVIEWABLE:
        raise RouteVersionStateError(
            f"version {number} of route {route_id} is {props['state']}; only drafts are published"
        )
    line = line_from_geojson(version["geometry"])
    validate_route(session, city, line, props)
    row = {key: props[key] for key in ATTRIBUTES}
    row.update(id=route_id, version=number, wkb=shapely.to_wkb(line, hex=True, output_dimension=2))
    write_routes(
        session,
        principal,
        city.id,
        [row],
        message=props["message"],
        action="routes.publish",
        detail={"route_id": route_id, "version": number, "author": props["author"]},
    )
    return Published(route_id, number, head)


def return_version(
    session: Session,
    principal: Principal,
    city: CityInfo,
    route_id: int,
    number: int,
    *,
    note: str,
    expected_head: int | None = None,
) -> Published:
    """Send a draft back to its author with a note (state ``returned``).

    Raises:
        InvalidInputError: An empty note.
        RouteVersionStaleError: ``expected_head`` given and stale.
        RouteNotFoundError, RouteVersionNotFoundError: No such route or version.
        RouteVersionStateError: The version is not a draft.
    """
    authorize(principal, "routes.review", city_id=city.id)
    note = " ".join((note or "").split())[:2000]
    if not note:
        raise InvalidInputError(
            "a returned draft needs a note",
            [{"field": "note", "message": "Tulis catatan untuk perencana"}],
        )
    head = _checked_head(session, city, route_id, expected_head, required=False)
    props = read_version(session, city.id, city.utm_srid, route_id, number)["properties"]
    if props["state"] != "draft":
        raise RouteVersionStateError(
            f"version {number} of route {route_id} is {props['state']}; only drafts are returned"
        )
    session.execute(
        _RETURN, {"city_id": city.id, "route_id": route_id, "number": number, "note": note}
    )
    record(
        session,
        principal,
        "routes.return",
        city_id=city.id,
        object_type="route_version",
        object_id=f"{route_id}/{number}",
        detail={"note": note, "author": props["author"]},
    )
    return Published(route_id, number, head)
