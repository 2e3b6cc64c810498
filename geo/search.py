"""Typo-tolerant place search (pg_trgm): areas, schools, roads, route endpoints, routes."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.cities import CityInfo
from geo.errors import InvalidInputError

MIN_QUERY = 2
MAX_QUERY = 100
MAX_RESULTS = 50

# `%` (similarity) and `%>` (word similarity) use the GIN trigram indexes of migration 0002;
# each test is its own subquery (an OR of them makes the planner scan the whole table),
# each restricted to the city so that big neighbours do not slow a small city down
_SEARCH = text(
    """
    WITH hits AS (
        SELECT a.level AS kind, a.name, a.code AS detail, a.id AS ref,
               ST_PointOnSurface(a.geom) AS pt, ST_Envelope(a.geom) AS box, 1 AS rank
        FROM admin_area a
        WHERE a.city_id = :city
          AND a.id IN (SELECT id FROM admin_area WHERE city_id = :city AND name % :q
                       UNION ALL SELECT id FROM admin_area WHERE city_id = :city AND name %> :q
                       UNION ALL
                       SELECT id FROM admin_area WHERE city_id = :city AND name ILIKE :like)
        UNION ALL
        SELECT 'school', s.name, s.level || ' ' || s.status, s.id, s.geom, NULL, 2
        FROM school s
        WHERE s.city_id = :city
          AND s.id IN (SELECT id FROM school WHERE city_id = :city AND name % :q
                       UNION ALL SELECT id FROM school WHERE city_id = :city AND name %> :q
                       UNION ALL
                       SELECT id FROM school WHERE city_id = :city AND name ILIKE :like)
        UNION ALL
        SELECT 'road', e.name, NULL, min(e.id),
               ST_ClosestPoint(ST_Collect(e.geom), ST_Centroid(ST_Collect(e.geom))),
               ST_Envelope(ST_Collect(e.geom)), 3
        FROM road_edge e
        WHERE e.city_id = :city
          AND e.id IN (SELECT id FROM road_edge WHERE city_id = :city AND name % :q
                       UNION ALL SELECT id FROM road_edge WHERE city_id = :city AND name %> :q
                       UNION ALL
                       SELECT id FROM road_edge WHERE city_id = :city AND name ILIKE :like)
        GROUP BY e.name
        UNION ALL
        (SELECT DISTINCT ON (x.name) 'route_endpoint', x.name, x.code, x.id, x.pt, NULL, 4
        FROM (SELECT r.origin AS name, r.code, r.id, ST_StartPoint(r.geom) AS pt
              FROM angkot_route r
              WHERE r.city_id = :city AND (r.origin % :q OR r.origin %> :q OR r.origin ILIKE :like)
              UNION ALL
              SELECT r.destination, r.code, r.id, ST_EndPoint(r.geom)
              FROM angkot_route r
              WHERE r.city_id = :city
                AND (r.destination % :q OR r.destination %> :q OR r.destination ILIKE :like)
             ) x
        ORDER BY x.name, x.id)
        UNION ALL
        SELECT 'route', r.name, r.code, r.id, ST_LineInterpolatePoint(r.geom, 0.5),
               ST_Envelope(r.geom), 5
        FROM angkot_route r
        WHERE r.city_id = :city
          AND (r.name % :q OR r.name %> :q OR r.name ILIKE :like OR lower(r.code) = lower(:q))
    )
    SELECT kind, name, detail, ref, ST_X(pt) AS lon, ST_Y(pt) AS lat,
           ST_XMin(box) AS minx, ST_YMin(box) AS miny, ST_XMax(box) AS maxx,
           ST_YMax(box) AS maxy,
           (similarity(name, :q) + word_similarity(:q, name)) / 2
             + CASE WHEN lower(name) = lower(:q) THEN 1.0
                    WHEN name ILIKE :prefix THEN 0.3
                    WHEN name ILIKE :like THEN 0.15 ELSE 0 END AS score
    FROM hits
    ORDER BY score DESC, rank, name, ref
    LIMIT :limit
    """
)


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_places(session: Session, city: CityInfo, q: str, *, limit: int = 10) -> dict[str, Any]:
    """Search names of a city's kelurahan, kecamatan, schools, roads, route endpoints, routes.

    Args:
        session: Open session.
        city: The city.
        q: 2-100 characters; typos are tolerated (trigram similarity).
        limit: Most results returned (1-50).

    Returns:
        ``{"query": q, "results": [{"kind", "name", "detail", "id", "point", "bbox", "score"}]}``
        ranked best first; ``bbox`` is set for areas, roads and routes.

    Raises:
        InvalidInputError: ``q`` too short or too long, or a bad ``limit``.
    """
    q = " ".join(q.split())
    if not MIN_QUERY <= len(q) <= MAX_QUERY:
        raise InvalidInputError(
            f"q must be {MIN_QUERY} to {MAX_QUERY} characters",
            [{"field": "q", "in": "query", "message": "length out of range"}],
        )
    if not 1 <= limit <= MAX_RESULTS:
        raise InvalidInputError(f"limit must be between 1 and {MAX_RESULTS}")
    escaped = _escape_like(q)
    rows = session.execute(
        _SEARCH,
        {"city": city.id, "q": q, "like": f"%{escaped}%", "prefix": f"{escaped}%", "limit": limit},
    ).all()
    results = []
    for row in rows:
        bbox = None if row.minx is None else [row.minx, row.miny, row.maxx, row.maxy]
        results.append(
            {
                "kind": row.kind,
                "name": row.name,
                "detail": row.detail,
                "id": row.ref,
                "point": [round(row.lon, 7), round(row.lat, 7)],
                "bbox": [round(v, 7) for v in bbox] if bbox else None,
                "score": round(float(row.score), 3),
            }
        )
    return {"query": q, "results": results}
