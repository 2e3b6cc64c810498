"""Schools near a point or within a radius, with walking distances over the roads."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import orjson
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.cities import CityInfo
from geo.errors import InvalidInputError
from geo.models import SCHOOL_LEVELS, SCHOOL_STATUSES
from geo.points import ensure_in_city, ensure_near_city, margin_deg
from geo.transit import WalkingGraph

MAX_NEAREST = 100
MAX_RADIUS_M = 20_000.0
# madrasah levels: the school level they are equal to, and how their names begin
MADRASAH = {
    "MI": ("SD", r"^(MI[NS]?|Madrasah Ibtidaiyah)\y"),
    "MTS": ("SMP", r"^(MTs[NS]?|Madrasah Tsanawiyah)\y"),
    "MA": ("SMA", r"^(MA[NS]?|Madrasah Aliyah)\y"),
}
LEVEL_NAMES = (*SCHOOL_LEVELS, "MI", "MTs", "MA")


_NEAREST = text(
    """
    WITH p AS (SELECT ST_SetSRID(ST_MakePoint(:lon, :lat), 4326) AS g)
    SELECT * FROM (
        SELECT s.id, s.npsn, s.name, s.level, s.status, s.address, s.kelurahan_code,
               ST_X(s.geom) AS lon, ST_Y(s.geom) AS lat,
               ST_Distance(s.geom::geography, p.g::geography) AS distance_m
        FROM school s, p
        WHERE s.city_id = :city
          AND (CAST(:level AS text) IS NULL OR s.level = :level)
          AND (CAST(:status AS text) IS NULL OR s.status = :status)
          AND (CAST(:name_re AS text) IS NULL OR s.name ~* :name_re)
        ORDER BY s.geom <-> p.g LIMIT :pool) c
    ORDER BY distance_m, id LIMIT :limit
    """
)
_WITHIN = text(
    """
    WITH p AS (SELECT ST_SetSRID(ST_MakePoint(:lon, :lat), 4326) AS g)
    SELECT s.id, s.npsn, s.name, s.level, s.status, s.address, s.kelurahan_code,
           ST_X(s.geom) AS lon, ST_Y(s.geom) AS lat,
           ST_Distance(s.geom::geography, p.g::geography) AS distance_m
    FROM school s, p
    WHERE s.city_id = :city
      AND (CAST(:level AS text) IS NULL OR s.level = :level)
      AND (CAST(:status AS text) IS NULL OR s.status = :status)
      AND (CAST(:name_re AS text) IS NULL OR s.name ~* :name_re)
      AND s.geom && ST_Expand(p.g, :dx, :dy)
      AND ST_DWithin(s.geom::geography, p.g::geography, :radius)
    ORDER BY distance_m, s.id
    """
)


def school_filters(level: str | None, status: str | None) -> dict[str, str | None]:
    """The query parameters of a level and status filter, in any case.

    A madrasah level (MI, MTs, MA) is the school level it equals (SD, SMP, SMA) with a name
    that begins as a madrasah's does ("MIN 2", "Madrasah Aliyah ...").

    Raises:
        InvalidInputError: An unknown level or status.
    """
    upper = level.strip().upper() if level is not None else None
    name_re = None
    if upper in MADRASAH:
        upper, name_re = MADRASAH[upper]
    if upper is not None and upper not in SCHOOL_LEVELS:
        raise InvalidInputError(
            f"level must be one of {', '.join(LEVEL_NAMES)} (any case)",
            [{"field": "level", "in": "query", "message": "unknown level"}],
        )
    lower = status.strip().lower() if status is not None else None
    if lower is not None and lower not in SCHOOL_STATUSES:
        raise InvalidInputError(
            f"status must be one of {', '.join(SCHOOL_STATUSES)}",
            [{"field": "status", "in": "query", "message": "unknown status"}],
        )
    return {"level": upper, "status": lower, "name_re": name_re}


def _school_features(
    graph: WalkingGraph, lon: float, lat: float, rows: list[Any], walk_speed_kmh: float
) -> bytes:
    features = []
    if rows:
        xy = graph.project(
            np.array([lon] + [r.lon for r in rows]), np.array([lat] + [r.lat for r in rows])
        )
        limit = float(max(r.distance_m for r in rows)) * 3 + 2_000
        walks = graph.walk_distances(xy[0], xy[1:], limit)
    for i, r in enumerate(rows):
        walk = float(walks[i])
        features.append(
            {
                "type": "Feature",
                "id": r.id,
                "geometry": {"type": "Point", "coordinates": [round(r.lon, 7), round(r.lat, 7)]},
                "properties": {
                    "id": r.id,
                    "npsn": r.npsn,
                    "name": r.name,
                    "level": r.level,
                    "status": r.status,
                    "address": r.address,
                    "kelurahan_code": r.kelurahan_code,
                    "distance_m": round(float(r.distance_m), 1),
                    "walk_distance_m": round(walk, 1) if math.isfinite(walk) else None,
                    "walk_duration_s": round(walk / (walk_speed_kmh / 3.6))
                    if math.isfinite(walk)
                    else None,
                },
            }
        )
    return orjson.dumps({"type": "FeatureCollection", "features": features})


def schools_nearest(
    session: Session,
    city: CityInfo,
    graph: WalkingGraph,
    lon: float,
    lat: float,
    *,
    limit: int = 10,
    level: str | None = None,
    status: str | None = None,
    walk_speed_kmh: float = 4.5,
) -> bytes:
    """The ``limit`` schools nearest to a point by geodesic distance (PPDB zonasi measure).

    KNN (``<->``) on the GiST index picks a pool, exact geography distances order it. Each
    feature carries ``distance_m`` plus ``walk_distance_m``/``walk_duration_s`` over the roads.

    Raises:
        InvalidInputError: Bad coordinates, bad limit, level or status.
        PointOutsideCityError: The point lies outside the city (as for trips).
    """
    ensure_near_city(city, lon, lat)  # far away: the same problem as the other endpoints
    ensure_in_city(session, city, lon, lat, "point")
    if not 1 <= limit <= MAX_NEAREST:
        raise InvalidInputError(f"limit must be between 1 and {MAX_NEAREST}")
    filters = school_filters(level, status)
    rows = session.execute(
        _NEAREST,
        {
            "lon": lon,
            "lat": lat,
            "city": city.id,
            **filters,
            "pool": limit * 2 + 20,
            "limit": limit,
        },
    ).all()
    return _school_features(graph, lon, lat, list(rows), walk_speed_kmh)


def schools_within(
    session: Session,
    city: CityInfo,
    graph: WalkingGraph,
    lon: float,
    lat: float,
    *,
    radius_m: float,
    level: str | None = None,
    status: str | None = None,
    walk_speed_kmh: float = 4.5,
) -> bytes:
    """Schools within ``radius_m`` (geodesic) of a point, nearest first, same fields.

    Raises:
        InvalidInputError: Bad coordinates or a point far outside the city, bad radius, level
            or status.
    """
    ensure_near_city(city, lon, lat)
    if not 1 <= radius_m <= MAX_RADIUS_M:
        raise InvalidInputError(f"radius_m must be between 1 and {MAX_RADIUS_M:.0f}")
    filters = school_filters(level, status)
    dx, dy = margin_deg(lat, radius_m)
    rows = session.execute(
        _WITHIN,
        {
            "lon": lon,
            "lat": lat,
            "city": city.id,
            **filters,
            "dx": dx,
            "dy": dy,
            "radius": radius_m,
        },
    ).all()
    return _school_features(graph, lon, lat, list(rows), walk_speed_kmh)
