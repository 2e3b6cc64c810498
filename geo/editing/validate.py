"""Validation of a route before it is saved: geometry rules (errors) and one-way warnings."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import orjson
import shapely
from pyproj import Transformer
from shapely.geometry import LineString
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.cities import CityInfo
from geo.errors import RouteInvalidError

CITY_MARGIN_M = 2000.0
MIN_LENGTH_M = 1000.0
MAX_LENGTH_M = 80_000.0
SPIKE_TURN_DEG = 170.0
SPIKE_SPAN_M = 30.0
DUPLICATE_M = 0.01
CLOSED_M = 1.0
ONEWAY_NEAR_M = 8.0
ONEWAY_AGAINST_DEG = 135.0
MAX_VERTICES = 10_000
HEX = "0123456789abcdefABCDEF"


@dataclass(frozen=True)
class Problem:
    """One validation finding: an error (not saved) or a warning (saved, shown).

    Attributes:
        code: ``outside-city``, ``zero-length``, ``duplicate-vertex``, ``spike``,
            ``too-short``, ``too-long``, ``loop-not-circular``, ``invalid-attribute``
            (errors) or ``against-oneway`` (a warning).
        message: A sentence in Bahasa Indonesia.
        at: Where (lon, lat), when it is one place.
        geometry: A GeoJSON geometry showing it (warnings), else None.
        field: The attribute concerned (``invalid-attribute``).
    """

    code: str
    message: str
    at: tuple[float, float] | None = None
    geometry: dict[str, Any] | None = None
    field: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """The JSON form: ``{"code", "message", "at"}`` (+ ``geometry``/``field`` when set)."""
        out: dict[str, Any] = {"code": self.code, "message": self.message}
        out["at"] = None if self.at is None else [round(self.at[0], 7), round(self.at[1], 7)]
        if self.geometry is not None:
            out["geometry"] = self.geometry
        if self.field is not None:
            out["field"] = self.field
        return out


@lru_cache(maxsize=64)
def _to_utm(srid: int) -> Transformer:
    return Transformer.from_crs(4326, srid, always_xy=True)


def metric_coords(line: LineString, srid: int) -> list[tuple[float, float]]:
    """The line's vertices in metres (the city's UTM zone)."""
    lons = [c[0] for c in line.coords]
    lats = [c[1] for c in line.coords]
    xs, ys = _to_utm(srid).transform(lons, lats)
    return list(zip(xs, ys, strict=True))


def length_m(line: LineString, srid: int) -> float:
    """The line's length in metres, measured in the city's UTM zone."""
    return float(LineString(metric_coords(line, srid)).length)


def line_from_geojson(geometry: Any) -> LineString:
    """A 2D LineString from a GeoJSON geometry mapping.

    Raises:
        RouteInvalidError: Not a LineString of at least two finite lon/lat positions.
    """
    bad = RouteInvalidError(
        "the route must be a GeoJSON LineString of lon,lat positions",
        [{"code": "not-a-line", "message": "Trayek harus berupa garis (LineString)", "at": None}],
    )
    if not isinstance(geometry, dict) or geometry.get("type") != "LineString":
        raise bad
    coords = geometry.get("coordinates")
    if not isinstance(coords, list) or not 2 <= len(coords) <= MAX_VERTICES:
        raise bad
    points = []
    for c in coords:
        if not isinstance(c, list | tuple) or len(c) < 2:
            raise bad
        x, y = c[0], c[1]
        if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in (x, y)):
            raise bad
        if not (math.isfinite(x) and math.isfinite(y) and -180 <= x <= 180 and -90 <= y <= 90):
            raise bad
        points.append((float(x), float(y)))
    return LineString(points)


def check_attributes(attrs: dict[str, Any]) -> list[Problem]:
    """Attribute errors: code, name, direction, colour, fare, headway, speed."""
    out = []

    def bad(name: str, message: str) -> None:
        out.append(Problem("invalid-attribute", message, field=name))

    code = attrs.get("code")
    if not isinstance(code, str) or not code.strip() or len(code) > 32:
        bad("code", "Kode trayek wajib diisi (paling banyak 32 karakter)")
    name = attrs.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > 200:
        bad("name", "Nama trayek wajib diisi (paling banyak 200 karakter)")
    if attrs.get("direction") not in (0, 1):
        bad("direction", "Arah harus 0 (pergi) atau 1 (pulang)")
    colour = attrs.get("colour")
    if not (
        isinstance(colour, str)
        and len(colour) == 7
        and colour[0] == "#"
        and all(c in HEX for c in colour[1:])
    ):
        bad("colour", "Warna harus kode heksadesimal seperti #1f78b4")
    for key, low, high, message in (
        ("fare_idr", 0, 1_000_000, "Tarif harus 0 sampai 1.000.000 rupiah"),
        ("headway_s", 1, 86_400, "Selang waktu harus 1 detik sampai 24 jam"),
        ("speed_kmh", 0.1, 120, "Kecepatan harus lebih dari 0 sampai 120 km/jam"),
    ):
        value = attrs.get(key)
        number = value if isinstance(value, int | float) and not isinstance(value, bool) else None
        if number is None or not (math.isfinite(number) and low <= number <= high):
            bad(key, message)
    for key in ("origin", "destination"):
        value = attrs.get(key)
        if value is not None and (not isinstance(value, str) or len(value) > 200):
            bad(key, "Asal dan tujuan paling banyak 200 karakter")
    return out


def _turn_deg(a: tuple[float, float], b: tuple[float, float], c: tuple[float, float]) -> float:
    h1 = math.atan2(b[1] - a[1], b[0] - a[0])
    h2 = math.atan2(c[1] - b[1], c[0] - b[0])
    turn = abs(math.degrees(h2 - h1)) % 360
    return 360 - turn if turn > 180 else turn


def check_shape(line: LineString, srid: int, *, circular: bool) -> list[Problem]:
    """Geometry errors measurable on the line alone (metres in the city's UTM zone)."""
    lonlat = list(line.coords)
    xy = metric_coords(line, srid)
    out: list[Problem] = []
    seg = [math.dist(xy[i], xy[i + 1]) for i in range(len(xy) - 1)]
    total = sum(seg)
    if total < DUPLICATE_M:
        return [Problem("zero-length", "Garis trayek tidak punya panjang", lonlat[0])]
    for i, d in enumerate(seg):
        if d < DUPLICATE_M:
            out.append(
                Problem("duplicate-vertex", "Titik ganda berurutan di garis trayek", lonlat[i + 1])
            )
            break
    kept = [i for i in range(len(xy)) if i == 0 or seg[i - 1] >= DUPLICATE_M]
    for j in range(1, len(kept) - 1):
        a, b, c = xy[kept[j - 1]], xy[kept[j]], xy[kept[j + 1]]
        span = min(math.dist(a, b), math.dist(b, c))
        if span < SPIKE_SPAN_M and _turn_deg(a, b, c) > SPIKE_TURN_DEG:
            out.append(
                Problem(
                    "spike",
                    "Garis berbalik arah tajam (lebih dari 170° dalam kurang dari 30 m)",
                    lonlat[kept[j]],
                )
            )
            break
    if total < MIN_LENGTH_M:
        out.append(Problem("too-short", f"Trayek terlalu pendek ({total:.0f} m; minimal 1 km)"))
    elif total > MAX_LENGTH_M:
        out.append(
            Problem("too-long", f"Trayek terlalu panjang ({total / 1000:.1f} km; maksimal 80 km)")
        )
    if math.dist(xy[0], xy[-1]) < CLOSED_M and not circular:
        out.append(
            Problem(
                "loop-not-circular",
                "Garis kembali ke titik awal: tandai trayek sebagai melingkar",
                lonlat[0],
            )
        )
    return out


# one statement for what needs the map: the first vertex more than the margin outside the
# city's boundary (``outside``), and the one-way roads the line runs along against their
# direction (``against``, grouped by street name). The one-way edges near the whole line are
# found first (one index scan); most lines pass none, and then no segment is probed.
_ON_MAP = text(
    """
    WITH line AS MATERIALIZED (
        SELECT g AS ll, ST_Transform(g, :srid) AS m
        FROM (SELECT ST_GeomFromWKB(decode(:wkb, 'hex'), 4326) AS g) x
    ), area AS MATERIALIZED (
        SELECT coalesce(
            (SELECT ST_Transform(ST_Union(geom), :srid) FROM admin_area
             WHERE city_id = :city_id AND level = 'kota'),
            (SELECT ST_Transform(bbox, :srid) FROM city WHERE id = :city_id)) AS g
    ), outside AS (
        SELECT ST_X(p) AS lon, ST_Y(p) AS lat
        FROM (SELECT (d).path[1] AS i, (d).geom AS p
              FROM (SELECT ST_DumpPoints(ll) AS d FROM line) x) pts, area
        WHERE NOT ST_DWithin(area.g, ST_Transform(p, :srid), :margin)
        ORDER BY i LIMIT 1
    ), near AS MATERIALIZED (
        SELECT e.id, e.name, e.geom, ST_Transform(e.geom, :srid) AS m
        FROM road_edge e, line
        WHERE e.city_id = :city_id AND e.oneway AND ST_DWithin(e.geom, line.ll, :near_deg)
    ), probes AS (
        SELECT ST_LineInterpolatePoint(s, 0.5) AS mid,
               ST_Azimuth(ST_StartPoint(s), ST_EndPoint(s)) AS az
        FROM (SELECT (d).geom AS s
              FROM (SELECT ST_DumpSegments(m) AS d FROM line
                    WHERE EXISTS (SELECT 1 FROM near)) x) segs
        WHERE ST_Length(s) > 2
    ), hits AS (
        SELECT DISTINCT n.id, n.name, n.geom
        FROM probes p
        JOIN near n ON ST_DWithin(n.m, p.mid, :near_m)
        CROSS JOIN LATERAL (SELECT ST_LineLocatePoint(n.m, p.mid) AS f) loc
        CROSS JOIN LATERAL (
            SELECT ST_Azimuth(ST_LineInterpolatePoint(n.m, greatest(loc.f - 0.01, 0)),
                              ST_LineInterpolatePoint(n.m, least(loc.f + 0.01, 1))) AS az
        ) ea
        WHERE ea.az IS NOT NULL
          AND abs(degrees(p.az - ea.az)) BETWEEN :against AND 360 - :against
    )
    SELECT 'outside' AS kind, NULL AS name, NULL AS geometry, lon, lat FROM outside
    UNION ALL
    SELECT 'against', name, ST_AsGeoJSON(ST_LineMerge(ST_Collect(geom)), 6),
           ST_X(ST_StartPoint(min(geom))), ST_Y(ST_StartPoint(min(geom)))
    FROM hits GROUP BY name
    """
)


def check_on_map(
    session: Session, city: CityInfo, line: LineString
) -> tuple[list[Problem], list[Problem]]:
    """What the map says of a line, in one statement: the errors (``outside-city`` when a
    vertex lies more than 2 km outside the city's boundary) and the warnings
    (``against-oneway`` where the line runs along a one-way road against its direction)."""
    rows = session.execute(
        _ON_MAP,
        {
            "wkb": shapely.to_wkb(line, hex=True, output_dimension=2),
            "srid": city.utm_srid,
            "city_id": city.id,
            "margin": CITY_MARGIN_M,
            "near_m": ONEWAY_NEAR_M,
            "near_deg": ONEWAY_NEAR_M / 90_000,
            "against": ONEWAY_AGAINST_DEG,
        },
    ).all()
    errors = [
        Problem(
            "outside-city",
            "Garis trayek keluar lebih dari 2 km dari batas kota",
            (float(r.lon), float(r.lat)),
        )
        for r in rows
        if r.kind == "outside"
    ]
    warnings = [
        Problem(
            "against-oneway",
            f"Melawan arah jalan satu arah{' ' + r.name if r.name else ''}",
            (float(r.lon), float(r.lat)),
            geometry=orjson.loads(r.geometry),
        )
        for r in sorted(
            (r for r in rows if r.kind == "against"), key=lambda r: (r.name is None, r.name or "")
        )
    ]
    return errors, warnings


def validate_route(
    session: Session, city: CityInfo, line: LineString, attrs: dict[str, Any]
) -> list[Problem]:
    """Check a route before saving it; returns the warnings.

    Errors: attributes out of range, a vertex more than 2 km outside the city, zero length,
    duplicate consecutive vertices, spikes (a turn back of more than 170° over less than
    30 m), a length outside 1-80 km, a closed loop not marked ``circular``. Warnings:
    ``against-oneway`` where the line runs along a one-way road against its direction.

    Args:
        session: The database session (reads the city's boundary and roads).
        city: The city.
        line: The route in lon/lat.
        attrs: The attributes (``code``, ``name``, ``direction``, ``colour``, ...).

    Returns:
        The warnings (possibly none).

    Raises:
        RouteInvalidError: Any error; ``errors`` lists them all.
    """
    errors = check_attributes(attrs)
    errors += check_shape(line, city.utm_srid, circular=bool(attrs.get("circular")))
    on_map, warnings = check_on_map(session, city, line)
    errors += on_map
    if errors:
        codes = ", ".join(sorted({e.code for e in errors}))
        raise RouteInvalidError(f"the route is not valid: {codes}", [e.as_dict() for e in errors])
    return warnings
