"""The editor's reads: the routes with their drafts, one version, a route's history."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.accounts import Principal, authorize
from geo.cities import CityInfo
from geo.editing.store import head_of, read_version, read_versions
from geo.editing.versions import EDIT
from geo.errors import RouteNotFoundError

_LIST = text(
    """
    WITH vers AS (
        SELECT route_id, number, state, code, name, direction, colour, active, author,
               author_id, saved_at, geom
        FROM route_version WHERE city_id = :city_id
        UNION ALL
        SELECT t.id, 1, 'published', t.code, t.name, t.direction, t.colour, t.active, NULL,
               NULL, now(), t.geom
        FROM angkot_route t
        WHERE t.city_id = :city_id AND NOT EXISTS (
            SELECT 1 FROM route_version x WHERE x.city_id = t.city_id AND x.route_id = t.id)
    ), cur AS (
        SELECT DISTINCT ON (route_id) route_id, number, state, code, name, direction, colour,
               active, geom
        FROM vers ORDER BY route_id, (state = 'published') DESC, number DESC
    )
    SELECT c.route_id, c.code, c.name, c.direction, c.colour, c.active,
           CASE WHEN c.state = 'published' THEN c.number END AS published_version,
           ST_Length(ST_Transform(c.geom, :srid)) AS length_m,
           coalesce((SELECT json_agg(json_build_object(
                         'version', d.number, 'author', d.author, 'state', d.state,
                         'saved_at', to_char(d.saved_at AT TIME ZONE 'UTC',
                                             'YYYY-MM-DD"T"HH24:MI:SS"Z"'))
                     ORDER BY d.number DESC)
                     FROM vers d WHERE d.route_id = c.route_id
                       AND d.state IN ('draft', 'returned')), '[]') AS drafts
    FROM cur c
    WHERE CAST(:q AS text) IS NULL OR c.code ILIKE :like OR c.name ILIKE :like
    ORDER BY c.code, c.direction, c.route_id
    LIMIT :limit
    """
)


def list_routes(
    session: Session,
    principal: Principal,
    city: CityInfo,
    q: str | None = None,
    limit: int = 1000,
) -> list[dict[str, Any]]:
    """The city's routes for the editor: published state (else newest) and live drafts.

    Returns:
        ``[{"id", "code", "name", "direction", "colour", "active", "published_version",
        "length_m", "drafts": [{"version", "author", "saved_at", "state"}]}]``.
    """
    authorize(principal, EDIT, city_id=city.id)
    query = " ".join((q or "").split())[:100] or None
    like = None if query is None else "%" + query.replace("\\", "").replace("%", "") + "%"
    rows = session.execute(
        _LIST,
        {"city_id": city.id, "srid": city.utm_srid, "q": query, "like": like, "limit": limit},
    )
    out = []
    for r in rows:
        drafts = list(r.drafts)
        out.append(
            {
                "id": int(r.route_id),
                "code": r.code,
                "name": r.name,
                "direction": int(r.direction),
                "colour": r.colour,
                "active": bool(r.active),
                "published_version": r.published_version,
                "length_m": round(float(r.length_m), 1),
                "drafts": drafts,
            }
        )
    return out


def get_version(
    session: Session,
    principal: Principal,
    city: CityInfo,
    route_id: int,
    number: int | None = None,
) -> tuple[dict[str, Any], int]:
    """One version as a GeoJSON Feature and the route's head (for the ETag).

    ``number`` None: the published version, else the newest.

    Raises:
        RouteNotFoundError, RouteVersionNotFoundError: No such route or version.
    """
    authorize(principal, EDIT, city_id=city.id)
    feature = read_version(session, city.id, city.utm_srid, route_id, number)
    return feature, head_of(session, city.id, route_id) or 1


def list_versions(
    session: Session, principal: Principal, city: CityInfo, route_id: int
) -> tuple[list[dict[str, Any]], int]:
    """Every version of a route, newest first (metadata only) and the head.

    Raises:
        RouteNotFoundError: No such route.
    """
    authorize(principal, EDIT, city_id=city.id)
    versions = read_versions(session, city.id, city.utm_srid, route_id)
    if not versions:
        raise RouteNotFoundError(f"no route {route_id} in this city")
    keys = ("version", "parent", "state", "author", "message", "saved_at", "length_m", "note")
    out = [{key: v["properties"][key] for key in keys} for v in versions]
    return out, out[0]["version"]
