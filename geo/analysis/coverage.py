"""Route coverage of the kelurahan: the share within 400 m of a route, and a draft's change."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.cities import CityInfo
from geo.errors import InvalidGeometryError, RouteNotFoundError

# the walk-free distance a route serves (the view route_coverage of migration 0013 has it
# written out; tests check the two agree)
COVERAGE_RADIUS_M = 400
# how far outside its bbox a candidate line may run (beyond, it is not a line of this city)
LINE_MARGIN_DEG = 0.05
MAX_LINE_VERTICES = 10_000
# prefilter in degrees wider than 400 m up to ~70 degrees of latitude (as in the view)
_PREFILTER_DEG = 0.01

_CITY = text(
    "SELECT v.code, v.name, v.kecamatan_code, p.name AS kecamatan, v.area_km2,"
    " v.covered_km2, v.share, v.routes"
    " FROM route_coverage v"
    " LEFT JOIN admin_area p ON p.city_id = v.city_id AND p.level = 'kecamatan'"
    "  AND p.code = v.kecamatan_code"
    " WHERE v.city_id = :c ORDER BY v.code"
)

# the kelurahan a candidate line (or the route it replaces) comes near: their coverage now
# (the view) and with the candidate instead of the replaced route (the view's formula)
_PREVIEW = text(
    "WITH cand AS (SELECT ST_GeomFromText(:wkt, 4326) AS geom),"
    " old AS (SELECT geom FROM angkot_route"
    "  WHERE city_id = :c AND id = CAST(:replaces AS integer)),"
    " k AS (SELECT a.id, a.code, a.name, a.geom, ST_Transform(a.geom, :srid) AS g"
    "  FROM admin_area a WHERE a.city_id = :c AND a.level = 'kelurahan'"
    "  AND (a.geom && (SELECT ST_Expand(geom, :deg) FROM cand)"
    "   OR a.geom && (SELECT ST_Expand(geom, :deg) FROM old)))"
    " SELECT k.code, k.name, v.covered_km2 AS before_km2, v.route_count AS before_routes,"
    "  coalesce(ST_Area(ST_Intersection(k.g, after.buffer)), 0) / 1e6 AS after_km2,"
    "  after.n AS after_routes"
    " FROM k JOIN route_coverage v ON v.city_id = :c AND v.id = k.id"
    " CROSS JOIN LATERAL ("
    "  SELECT ST_Union(ST_Buffer(ST_ClipByBox2D(n.g, ST_Expand(box2d(k.g), :clip)), :radius))"
    "   AS buffer, count(*) AS n"
    "  FROM (SELECT ST_Transform(r.geom, :srid) AS g FROM angkot_route r"
    "   WHERE r.city_id = :c AND r.active AND r.id IS DISTINCT FROM CAST(:replaces AS integer)"
    "   AND r.geom && ST_Expand(k.geom, :deg)"
    "   UNION ALL SELECT ST_Transform(geom, :srid) FROM cand) n"
    "  WHERE ST_DWithin(n.g, k.g, :radius)) after"
    " ORDER BY k.code"
)

_ROUTE_EXISTS = text("SELECT 1 FROM angkot_route WHERE city_id = :c AND id = :id")

_CITY_AREA = text(
    "SELECT coalesce(sum(ST_Area(ST_Transform(geom, :srid))), 0) / 1e6 FROM admin_area"
    " WHERE city_id = :c AND level = 'kelurahan'"
)


@dataclass(frozen=True)
class KelurahanCoverage:
    """One kelurahan: its area, the part within ``COVERAGE_RADIUS_M`` of an active route."""

    code: str
    name: str
    kecamatan_code: str | None
    kecamatan: str | None
    area_km2: float
    covered_km2: float
    share: float
    routes: list[str]


@dataclass(frozen=True)
class CityCoverage:
    """The city's coverage: totals over its kelurahan, and each kelurahan."""

    area_km2: float
    covered_km2: float
    share: float
    kelurahan: list[KelurahanCoverage] = field(default_factory=list)


@dataclass(frozen=True)
class CoveragePreview:
    """What a candidate line would change: kelurahan newly served or no longer served (a
    route within ``COVERAGE_RADIUS_M``), the covered area and the city's share."""

    kelurahan_added: list[tuple[str, str]]
    kelurahan_removed: list[tuple[str, str]]
    covered_km2_change: float
    share_change: float


def city_coverage(session: Session, city: CityInfo) -> CityCoverage:
    """Each kelurahan's share within ``COVERAGE_RADIUS_M`` of an active (published) route.

    Measured in the city's UTM zone (``city.utm_srid``), by the view ``route_coverage``; the
    city totals are the sums over its kelurahan.

    Args:
        session: The database session.
        city: The city.

    Returns:
        The totals and the kelurahan by code.
    """
    rows = session.execute(_CITY, {"c": city.id}).all()
    kelurahan = [
        KelurahanCoverage(
            code=r.code,
            name=r.name,
            kecamatan_code=r.kecamatan_code,
            kecamatan=r.kecamatan,
            area_km2=float(r.area_km2),
            covered_km2=float(r.covered_km2),
            share=float(r.share),
            routes=r.routes.split(",") if r.routes else [],
        )
        for r in rows
    ]
    area = sum(k.area_km2 for k in kelurahan)
    covered = sum(k.covered_km2 for k in kelurahan)
    return CityCoverage(area, covered, covered / area if area > 0 else 0.0, kelurahan)


def line_wkt(geometry: Any, city: CityInfo, field_name: str = "geometry") -> str:
    """A GeoJSON LineString (lon/lat) near ``city`` as WKT, or an error saying what is wrong.

    Raises:
        InvalidGeometryError: Not a LineString of 2..``MAX_LINE_VERTICES`` finite lon/lat
            positions, of zero length, or outside the city's bbox grown by ``LINE_MARGIN_DEG``.
    """

    def bad(message: str) -> InvalidGeometryError:
        return InvalidGeometryError(
            f"{field_name}: {message}", [{"field": field_name, "message": message}]
        )

    if not isinstance(geometry, dict) or geometry.get("type") != "LineString":
        raise bad("expected a GeoJSON LineString")
    coords = geometry.get("coordinates")
    if not isinstance(coords, list) or not 2 <= len(coords) <= MAX_LINE_VERTICES:
        raise bad(f"a LineString needs 2..{MAX_LINE_VERTICES} positions")
    points: list[tuple[float, float]] = []
    for c in coords:
        if (
            not isinstance(c, list | tuple)
            or len(c) not in (2, 3)
            or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in c)
        ):
            raise bad("each position is [lon, lat]")
        lon, lat = float(c[0]), float(c[1])
        if not (math.isfinite(lon) and math.isfinite(lat)):
            raise bad("coordinates must be finite numbers")
        points.append((lon, lat))
    if len(set(points)) < 2:
        raise bad("the line has zero length")
    minx, miny, maxx, maxy = city.bbox
    m = LINE_MARGIN_DEG
    if not all(minx - m <= x <= maxx + m and miny - m <= y <= maxy + m for x, y in points):
        raise bad(f"the line leaves the area of {city.slug}")
    return "LINESTRING(" + ",".join(f"{x!r} {y!r}" for x, y in points) + ")"


def coverage_preview(
    session: Session, city: CityInfo, line: str, replaces: int | None = None
) -> CoveragePreview:
    """The change a candidate route would make to the coverage ("+3 kelurahan, +4.2 km²").

    Only the kelurahan near the candidate or the replaced route can change; the others are
    not measured again.

    Args:
        session: The database session.
        city: The city.
        line: The candidate's geometry as WKT in lon/lat (``line_wkt``).
        replaces: The ``angkot_route.id`` the candidate would replace (left out of the
            "after" routes), or None for a new route.

    Returns:
        Kelurahan added and removed (code, name), the covered km² and the city share change.

    Raises:
        RouteNotFoundError: ``replaces`` is no route of the city.
    """
    if replaces is not None and (
        session.execute(_ROUTE_EXISTS, {"c": city.id, "id": replaces}).first() is None
    ):
        raise RouteNotFoundError(f"{city.slug} has no route {replaces}")
    params = {
        "c": city.id,
        "srid": city.utm_srid,
        "wkt": line,
        "replaces": replaces,
        "deg": _PREFILTER_DEG,
        "clip": COVERAGE_RADIUS_M + 1,
        "radius": COVERAGE_RADIUS_M,
    }
    rows = session.execute(_PREVIEW, params).all()
    added = [(r.code, r.name) for r in rows if r.before_routes == 0 and r.after_routes > 0]
    removed = [(r.code, r.name) for r in rows if r.before_routes > 0 and r.after_routes == 0]
    change = sum(float(r.after_km2) - float(r.before_km2) for r in rows)
    area = float(session.execute(_CITY_AREA, {"c": city.id, "srid": city.utm_srid}).scalar_one())
    return CoveragePreview(added, removed, change, change / area if area > 0 else 0.0)
