"""The demo city's zoning plan (RDTR), ITBX table, protected land and rivers (#15).

Zones are the cells of a 2.5 km grid over the city (clipped to its outline), each given an RDTR
code by a seeded draw; the cell holding the city's centre is always R-3 and its east neighbour
K-1, and a protected rice field straddles their common edge, so an applicant can draw a parcel
that crosses a rice field and two zones there (``demo_spot``; docs/permits.md says where).
Rivers are three lines with their depth and levee; their setbacks (``geo.permits
.river_setback_m``) are protected areas of kind ``sungai``, buffered in UTM 48S.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import LineString, MultiLineString, MultiPolygon, Point, Polygon, box
from shapely.geometry.base import BaseGeometry
from sqlalchemy import text
from sqlalchemy.orm import Session

from data.demo.common import as_multipolygon, lonlat_to_utm, rng_for, utm_to_lonlat
from geo.permits import river_setback_m

CELL_M = 2_500.0
# code -> (name, KDB %, KLB, KDH %), in the column order of ITBX below
ZONE_CODES: dict[str, tuple[str, float, float, float]] = {
    "R-1": ("Perumahan kepadatan sangat tinggi", 75.0, 3.0, 10.0),
    "R-2": ("Perumahan kepadatan tinggi", 70.0, 2.4, 15.0),
    "R-3": ("Perumahan kepadatan sedang", 60.0, 1.8, 20.0),
    "R-4": ("Perumahan kepadatan rendah", 50.0, 1.2, 30.0),
    "K-1": ("Perdagangan dan jasa skala kota", 70.0, 4.0, 10.0),
    "K-2": ("Perdagangan dan jasa skala WP", 65.0, 3.0, 15.0),
    "KPT": ("Perkantoran", 60.0, 3.0, 20.0),
    "I-2": ("Kawasan industri", 60.0, 2.4, 20.0),
    "SPU": ("Sarana pelayanan umum", 50.0, 2.0, 20.0),
    "RTH": ("Ruang terbuka hijau", 10.0, 0.1, 80.0),
    "PTL": ("Pertanian", 10.0, 0.2, 80.0),
}
ZONE_WEIGHTS = (6, 8, 12, 6, 5, 5, 3, 4, 3, 2, 3)
# activity -> verdicts (I/T/B/X) for the zone codes in ZONE_CODES order
ITBX: dict[str, str] = {
    "Rumah tinggal": "IIIITTTXXXB",
    "Rumah kos": "IIITTTTXXXX",
    "Ruko": "IITBIITXXXX",
    "Toko kelontong": "IIIBIIITTXX",
    "Pusat perbelanjaan": "BBXXIITXXXX",
    "Restoran": "TTTBIIITTXX",
    "Kantor": "TTTXIIIBTXX",
    "Hotel": "BBXXIIIXXXX",
    "Gudang": "XXXXTTXIXXT",
    "Industri ringan": "XXXXBBXIXXX",
    "Pabrik": "XXXXXXXIXXX",
    "Sekolah": "IIIIITTXIXB",
    "Klinik": "IIIIIIITIXB",
    "Tempat ibadah": "IIIIIIITIBB",
    "Bengkel": "TTBXIITIXXX",
}
# (name, depth m, levee, the line as fractions of the city's bounding box)
RIVERS: tuple[tuple[str, float, bool, tuple[tuple[float, float], ...]], ...] = (
    ("Sungai Cisadane", 8.0, False, ((0.22, 0.0), (0.25, 0.35), (0.20, 0.65), (0.24, 1.0))),
    ("Kali Angke", 2.5, True, ((0.80, 0.0), (0.76, 0.5), (0.82, 1.0))),
    ("Kali Sabi", 2.0, False, ((0.0, 0.85), (0.45, 0.80), (1.0, 0.86))),
)


@dataclass(frozen=True)
class DemoZone:
    """A zone of the plan (lon/lat)."""

    code: str
    name: str
    kdb: float
    klb: float
    kdh: float
    geom: MultiPolygon


@dataclass(frozen=True)
class DemoZoning:
    """The demo city's plan, rules, protected areas and rivers (lon/lat)."""

    zones: tuple[DemoZone, ...]
    rules: tuple[tuple[str, str, str], ...]  # zone code, activity, verdict
    protected: tuple[tuple[str, str, MultiPolygon], ...]  # kind, name, area
    rivers: tuple[tuple[str, float, bool, MultiLineString], ...]
    # where a parcel crosses the rice field and two zones (lon, lat), and such a parcel
    demo_spot: tuple[float, float]
    demo_parcel: Polygon


def _to_utm(geom: BaseGeometry) -> BaseGeometry:
    return shapely.transform(geom, lambda xy: lonlat_to_utm(xy[:, 0], xy[:, 1]))


def _to_lonlat(geom: BaseGeometry) -> BaseGeometry:
    return shapely.transform(geom, utm_to_lonlat)


def make_demo_zoning(slug: str, outline: Polygon, center: tuple[float, float]) -> DemoZoning:
    """Generate the plan over ``outline`` (lon/lat), deterministic for ``slug``.

    Args:
        slug: The city (seeds the draw).
        outline: The city's outline (lon/lat).
        center: The city's centre (lon/lat): the demo spot's cells are around it.
    """
    rng = rng_for(slug, "zoning")
    shape = _to_utm(outline)
    minx, miny, maxx, maxy = shape.bounds
    cx, cy = (float(v) for v in lonlat_to_utm(np.array([center[0]]), np.array([center[1]]))[0])
    # the grid is aligned so that the centre lies in a cell whose east edge is at cx + 300 m
    x0 = cx + 300.0 - CELL_M * np.ceil((cx + 300.0 - minx) / CELL_M)
    y0 = cy - CELL_M * np.ceil((cy - miny) / CELL_M) + CELL_M / 2
    codes = list(ZONE_CODES)
    weights = np.array(ZONE_WEIGHTS, dtype=float) / sum(ZONE_WEIGHTS)
    edge_x, mid_y = cx + 300.0, 0.0
    zones: list[DemoZone] = []
    x = x0
    while x < maxx:
        y = y0
        while y < maxy:
            cell = box(x, y, x + CELL_M, y + CELL_M)
            code = codes[int(rng.choice(len(codes), p=weights))]
            if cell.contains(Point(cx, cy)):
                code, mid_y = "R-3", y + CELL_M / 2
            elif cell.contains(Point(cx + CELL_M, cy)):
                code = "K-1"
            part = as_multipolygon(shape.intersection(cell))
            if not part.is_empty and part.area > 10_000:
                name, kdb, klb, kdh = ZONE_CODES[code]
                zones.append(DemoZone(code, name, kdb, klb, kdh, as_multipolygon(_to_lonlat(part))))
            y += CELL_M
        x += CELL_M
    rules = tuple(
        (code, activity, verdicts[i])
        for activity, verdicts in ITBX.items()
        for i, code in enumerate(codes)
    )
    # the rice field on the R-3 / K-1 edge: 400 m wide, 240 m deep, north edge at mid_y
    spot_y = mid_y - 400.0
    sawah_fields = [box(edge_x - 200.0, spot_y - 240.0, edge_x + 200.0, spot_y)]
    for i, zone in enumerate(z for z in zones if z.code == "PTL"):
        utm = _to_utm(zone.geom)
        field = utm.representative_point().buffer(300.0, quad_segs=4).intersection(utm)
        if not field.is_empty:
            sawah_fields.append(field)
        if i >= 5:
            break
    protected: list[tuple[str, str, MultiPolygon]] = [
        ("sawah", f"Lahan sawah dilindungi {n}", as_multipolygon(_to_lonlat(f)))
        for n, f in enumerate(sawah_fields, start=1)
    ]
    # city parks (RTH): in the green zones, and in four more zones away from the demo spot
    spot_cells = box(edge_x - CELL_M, mid_y - CELL_M / 2, edge_x + CELL_M, mid_y + CELL_M / 2)
    candidates = [z for z in zones if not _to_utm(z.geom).intersects(spot_cells)]
    picked = [int(i) for i in rng.choice(len(candidates), size=4, replace=False)]
    green = [z for z in candidates if z.code == "RTH"] + [candidates[i] for i in picked]
    for n, zone in enumerate(green, start=1):
        park = _to_utm(zone.geom).representative_point().buffer(250.0, quad_segs=6)
        park = park.intersection(shape)
        protected.append(("rth", f"Taman kota {n}", as_multipolygon(_to_lonlat(park))))
    rivers: list[tuple[str, float, bool, MultiLineString]] = []
    width, height = maxx - minx, maxy - miny
    for name, depth, levee, fractions in RIVERS:
        line = LineString([(minx + fx * width, miny + fy * height) for fx, fy in fractions])
        inside = line.intersection(shape)
        parts = [p for p in shapely.get_parts(inside) if isinstance(p, LineString)]
        if not parts:
            continue
        utm_line = MultiLineString(parts)
        rivers.append((name, depth, levee, MultiLineString(list(_to_lonlat(utm_line).geoms))))
        setback = utm_line.buffer(river_setback_m(depth, levee))
        protected.append(("sungai", f"Sempadan {name}", as_multipolygon(_to_lonlat(setback))))
    # the demo parcel: 60 m × 40 m across the edge, its southern quarter in the rice field
    parcel = box(edge_x - 30.0, spot_y - 10.0, edge_x + 30.0, spot_y + 30.0)
    spot = _to_lonlat(Point(edge_x, spot_y))
    return DemoZoning(
        zones=tuple(zones),
        rules=rules,
        protected=tuple(protected),
        rivers=tuple(rivers),
        demo_spot=(round(float(spot.x), 6), round(float(spot.y), 6)),
        demo_parcel=shapely.Polygon(_to_lonlat(parcel)),
    )


def load_demo_zoning(session: Session, city_id: int, zoning: DemoZoning) -> dict[str, int]:
    """Insert the plan, rules, protected areas and rivers of the demo city (not committed).

    Returns:
        Row counts per table.
    """
    c = {"c": city_id}
    session.execute(
        text(
            "INSERT INTO zoning_zone (city_id, code, name, kdb, klb, kdh, geom)"
            " VALUES (:c, :code, :name, :kdb, :klb, :kdh, ST_GeomFromWKB(:wkb, 4326))"
        ),
        [
            c
            | {"code": z.code, "name": z.name, "kdb": z.kdb, "klb": z.klb, "kdh": z.kdh}
            | {"wkb": shapely.to_wkb(z.geom)}
            for z in zoning.zones
        ],
    )
    session.execute(
        text(
            "INSERT INTO zoning_rule (city_id, zone_code, activity, verdict)"
            " VALUES (:c, :z, :a, :v)"
        ),
        [c | {"z": z, "a": a, "v": v} for z, a, v in zoning.rules],
    )
    session.execute(
        text(
            "INSERT INTO protected_area (city_id, kind, name, source, geom)"
            " VALUES (:c, :kind, :name, 'demo', ST_MakeValid(ST_GeomFromWKB(:wkb, 4326)))"
        ),
        [c | {"kind": k, "name": n, "wkb": shapely.to_wkb(g)} for k, n, g in zoning.protected],
    )
    session.execute(
        text(
            "INSERT INTO river_line (city_id, name, depth_m, has_levee, geom)"
            " VALUES (:c, :name, :depth, :levee, ST_GeomFromWKB(:wkb, 4326))"
        ),
        [
            c | {"name": n, "depth": d, "levee": lv, "wkb": shapely.to_wkb(g)}
            for n, d, lv, g in zoning.rivers
        ],
    )
    return {
        "zoning_zone": len(zoning.zones),
        "zoning_rule": len(zoning.rules),
        "protected_area": len(zoning.protected),
        "river_line": len(zoning.rivers),
    }
