"""A small city whose every name and code is an XSS payload, written through the importers."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

from sqlalchemy import text
from sqlalchemy.orm import Session

from data.importers import (
    import_boundaries,
    import_osm,
    import_protected,
    import_routes,
    import_schools,
    import_zoning,
)
from geo.cities import create_city
from tests.geo.synthetic import to_lonlat

SLUG = "xss-city"
IMG = """<img src=x onerror="document.title='XSS-FIRED'">"""
SCRIPT = "<script>window.__xss=1</script>"
SVG = """"><svg onload="window.__xss=2">"""
ALERT = "<img src=x onerror=alert(1)>"

CITY_NAME = f"Kota {IMG}"
KOTA = f"Kota {ALERT}"
KECAMATAN = f"Tengah {SVG}"
KELURAHAN_WEST = f"Barat {IMG}"
KELURAHAN_EAST = f"Timur {SCRIPT}"
# route codes are at most 32 characters
ROUTE_CODE = '"><svg onload=window.__xss=3>'
ROUTE_CODE_2 = ALERT
ROUTE_NAME = f"Trayek {SCRIPT}"
ROUTE_NAME_2 = f"Trayek {SVG}"
ORIGIN = f"Terminal {IMG}"
DESTINATION = f"Pasar {SVG}"
ROW_STREETS = (f"Jalan Melati {SVG}", f"Jalan Mawar {IMG}", f"Jalan Kenanga {SCRIPT}")
COL_STREET = "Gang {col} " + ALERT
SCHOOLS = (  # npsn, name, level, status, address, (col, row)
    ("<b>1</b>", f"SD Pelangi {IMG}", "SD", "negeri", f"Jl. {SCRIPT}", (3.0, 1.2)),
    ("<i>2</i>", f"SMP Pelangi {SCRIPT}", "SMP", "swasta", f"Jl. {SVG}", (6.0, 1.25)),
    ("<u>3</u>", f"SMA Pelangi {SVG}", "SMA", "negeri", f"Jl. {IMG}", (9.0, 0.8)),
)
PARCEL = {"code": ALERT, "name": f"Persil {IMG}", "permit_type": SCRIPT, "status": SVG}
PARCEL_AT = (4.4, 1.6)  # centre, in grid cells; the parcel is 0.2 x 0.2 cells
ZONE_CODE = ALERT  # zone codes are short too
ZONE_NAME = f"Perumahan {SCRIPT}"
ACTIVITY = f"Rumah {IMG}"
SAWAH_NAME = f"Sawah {SVG}"
RIVER_NAME = f"Kali {IMG}"

COLS, ROWS, SPACING_M = 13, 3, 250.0
MARGIN = 2.0  # cells around the grid inside the kota
SPLIT_COL = 6.5  # west/east kelurahan


@dataclass(frozen=True)
class HostileCity:
    """What the builder wrote, and where things are (lon, lat)."""

    slug: str
    center: tuple[float, float]

    @staticmethod
    def at(col: float, row: float) -> tuple[float, float]:
        """Lon/lat of a grid position."""
        return to_lonlat(col, row, SPACING_M)


def _ring(c0: float, r0: float, c1: float, r1: float) -> list[list[float]]:
    corners = [(c0, r0), (c1, r0), (c1, r1), (c0, r1), (c0, r0)]
    return [list(to_lonlat(c, r, SPACING_M)) for c, r in corners]


def _feature(geometry: dict[str, Any], **props: Any) -> dict[str, Any]:
    return {"type": "Feature", "geometry": geometry, "properties": props}


def _write_geojson(path: Path, features: list[dict[str, Any]]) -> Path:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def _polygon(c0: float, r0: float, c1: float, r1: float) -> dict[str, Any]:
    return {"type": "Polygon", "coordinates": [_ring(c0, r0, c1, r1)]}


def _line(points: list[tuple[float, float]]) -> dict[str, Any]:
    return {
        "type": "LineString",
        "coordinates": [list(to_lonlat(c, r, SPACING_M)) for c, r in points],
    }


def _osm_xml() -> str:
    """A COLS x ROWS street grid: rows named ROW_STREETS, columns COL_STREET."""

    def node_id(col: int, row: int) -> int:
        return 1 + row * COLS + col

    def tags(values: dict[str, str]) -> str:
        return "".join(f"<tag k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in values.items())

    parts = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6" generator="test">']
    for row in range(ROWS):
        for col in range(COLS):
            lon, lat = to_lonlat(col, row, SPACING_M)
            parts.append(f'<node id="{node_id(col, row)}" lat="{lat:.7f}" lon="{lon:.7f}"/>')
    streets = [([node_id(c, row) for c in range(COLS)], ROW_STREETS[row]) for row in range(ROWS)]
    streets += [
        ([node_id(col, r) for r in range(ROWS)], COL_STREET.format(col=col)) for col in range(COLS)
    ]
    for way, (nodes, name) in enumerate(streets, start=1000):
        refs = "".join(f'<nd ref="{n}"/>' for n in nodes)
        parts.append(
            f'<way id="{way}">{refs}{tags({"highway": "residential", "name": name})}</way>'
        )
    parts.append("</osm>")
    return "\n".join(parts)


def build_hostile_city(session: Session, folder: Path) -> HostileCity:
    """Create ``xss-city`` and fill every layer through the importers; the caller commits.

    Parcels have no importer (nor write function) yet: they are inserted as the demo loader does.
    """
    lo = to_lonlat(-MARGIN - 1, -MARGIN - 1, SPACING_M)
    hi = to_lonlat(COLS + MARGIN, ROWS + MARGIN, SPACING_M)
    city = create_city(session, SLUG, CITY_NAME, (lo[0], lo[1], hi[0], hi[1]), zoom=14)
    c0, r0, c1, r1 = -MARGIN, -MARGIN, COLS - 1 + MARGIN, ROWS - 1 + MARGIN
    kec_code = "99.01.01"
    areas = {
        "kota": [_feature(_polygon(c0, r0, c1, r1), kode="99.01", nama=KOTA)],
        "kecamatan": [
            _feature(_polygon(c0, r0, c1, r1), kode=kec_code, nama=KECAMATAN, parent_code="99.01")
        ],
        "kelurahan": [
            _feature(
                _polygon(c0, r0, SPLIT_COL, r1),
                kode=f"{kec_code}.1001",
                nama=KELURAHAN_WEST,
                parent_code=kec_code,
            ),
            _feature(
                _polygon(SPLIT_COL, r0, c1, r1),
                kode=f"{kec_code}.1002",
                nama=KELURAHAN_EAST,
                parent_code=kec_code,
            ),
        ],
    }
    for level, features in areas.items():
        report = import_boundaries(
            session, SLUG, _write_geojson(folder / f"{level}.geojson", features), level=level
        )
        assert report.inserted == len(features), report
    osm = folder / "streets.osm"
    osm.write_text(_osm_xml(), encoding="utf-8")
    roads, _ = import_osm(session, SLUG, osm)
    assert roads.inserted > 0, roads
    routes = [
        _feature(
            _line([(0, 1), (COLS - 1, 1)]),
            code=ROUTE_CODE,
            name=ROUTE_NAME,
            origin=ORIGIN,
            destination=DESTINATION,
            colour="#d7191c",
        ),
        _feature(
            _line([(6, 0), (6, ROWS - 1)]),
            code=ROUTE_CODE_2,
            name=ROUTE_NAME_2,
            origin=DESTINATION,
            destination=ORIGIN,
            colour="red;background:url(x)",
        ),
    ]
    report = import_routes(session, SLUG, _write_geojson(folder / "routes.geojson", routes))
    assert report.inserted == len(routes), report
    schools = [
        _feature(
            {"type": "Point", "coordinates": list(to_lonlat(*at, SPACING_M))},
            npsn=npsn,
            nama=name,
            jenjang=level,
            status=status,
            alamat=address,
        )
        for npsn, name, level, status, address, at in SCHOOLS
    ]
    report = import_schools(session, SLUG, _write_geojson(folder / "schools.geojson", schools))
    assert report.inserted == len(SCHOOLS), report
    pc, pr = PARCEL_AT
    wkt_ring = ", ".join(f"{x} {y}" for x, y in _ring(pc - 0.1, pr - 0.1, pc + 0.1, pr + 0.1))
    session.execute(
        text(
            "INSERT INTO permit_parcel (city_id, code, name, permit_type, status, issued_on, geom)"
            " VALUES (:c, :code, :name, :permit_type, :status, '2024-05-01T08:00:00Z',"
            " ST_GeomFromText(:wkt, 4326))"
        ),
        {"c": city.id, **PARCEL, "wkt": f"MULTIPOLYGON((({wkt_ring})))"},
    )
    # permits (#15): a zone, its ITBX rule, a rice field and a river, named hostile too
    zones = [_feature(_polygon(0, 0, 5, 2), code=ZONE_CODE, name=ZONE_NAME, kdb=60, klb=1.2)]
    itbx = folder / "itbx.csv"
    with itbx.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([["zone_code", "activity", "verdict"], [ZONE_CODE, ACTIVITY, "I"]])
    report = import_zoning(
        session, SLUG, _write_geojson(folder / "zoning.geojson", zones), itbx=itbx
    )
    assert report.inserted == 1, report
    sawah = [_feature(_polygon(8, 0, 10, 2), nama=SAWAH_NAME)]
    report = import_protected(
        session, SLUG, _write_geojson(folder / "sawah.geojson", sawah), kind="sawah"
    )
    assert report.inserted == 1, report
    rivers = [_feature(_line([(11, 0), (11, ROWS - 1)]), nama=RIVER_NAME, depth_m=2)]
    report = import_protected(
        session, SLUG, _write_geojson(folder / "sungai.geojson", rivers), kind="sungai"
    )
    assert report.inserted == 1, report
    return HostileCity(SLUG, to_lonlat(6, 1, SPACING_M))
