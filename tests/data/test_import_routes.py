"""Route import: Bogor's angkot lines as GeoJSON, a KML file, field options and bad files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from data.importers import RouteDefaults, import_routes
from data.importers.routes import normalise_colour, normalise_direction
from geo.cities import CityInfo, create_city
from geo.errors import InvalidFileError, InvalidInputError
from tests.conftest import SHARED_DATA, shared_file

pytestmark = pytest.mark.postgis
BOGOR_LINES = SHARED_DATA / "bogor-angkot-gtfs" / "bogor_angkot_routes.geojson"
BOGOR_BBOX = (106.72, -6.67, 106.87, -6.52)


@pytest.fixture
def bogor(db: Session) -> CityInfo:
    return create_city(db, "bogor", "Kota Bogor", BOGOR_BBOX)


def routes(db: Session, city_id: int) -> list[dict[str, Any]]:
    return [
        dict(r)
        for r in db.execute(
            text(
                "SELECT code, direction, name, origin, destination, colour, fare_idr, headway_s,"
                " speed_kmh, revision, ST_NPoints(geom) AS points FROM angkot_route"
                " WHERE city_id = :id ORDER BY code, direction"
            ),
            {"id": city_id},
        ).mappings()
    ]


def line(coords: list[list[float]], **props: Any) -> dict[str, Any]:
    return {
        "type": "Feature",
        "properties": props,
        "geometry": {"type": "LineString", "coordinates": coords},
    }


def write(path: Path, features: list[dict[str, Any]]) -> Path:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


@pytest.mark.shared_data
def test_bogor_lines_geojson(db: Session, bogor: CityInfo) -> None:
    report = import_routes(
        db,
        "bogor",
        shared_file(BOGOR_LINES),
        code_field="route_id",
        defaults=RouteDefaults(fare_idr=4000, headway_s=300, speed_kmh=12),
    )
    assert (report.read, report.inserted, report.rejected, report.outside_city) == (24, 24, [], 0)
    rows = routes(db, bogor.id)
    assert len(rows) == 24
    first = rows[0]
    assert (first["code"], first["direction"], first["colour"]) == ("AK-01", 0, "#00ff00")
    assert (first["fare_idr"], first["headway_s"], first["speed_kmh"]) == (4000, 300, 12)
    assert first["name"] == "AK-01"  # route_short_name
    again = import_routes(db, "bogor", BOGOR_LINES, code_field="route_id")
    # the defaults differ now, so every route is updated and its revision bumped
    assert (again.inserted, again.updated) == (0, 24)
    assert {r["revision"] for r in routes(db, bogor.id)} == {2}
    third = import_routes(db, "bogor", BOGOR_LINES, code_field="route_id")
    assert (third.inserted, third.updated, third.unchanged) == (0, 0, 24)


def test_kml_with_directions(db: Session, bogor: CityInfo, tmp_path: Path) -> None:
    kml = tmp_path / "trayek.kml"
    kml.write_text(
        """<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document>
<Schema name="trayek" id="trayek">
  <SimpleField name="kode" type="string"/><SimpleField name="arah" type="string"/>
  <SimpleField name="warna" type="string"/><SimpleField name="tujuan" type="string"/>
</Schema>
<Placemark><name>Terminal - Pasar</name>
  <ExtendedData><SchemaData schemaUrl="#trayek">
    <SimpleData name="kode">T01</SimpleData><SimpleData name="arah">pergi</SimpleData>
    <SimpleData name="warna">#F0A</SimpleData><SimpleData name="tujuan">Pasar</SimpleData>
  </SchemaData></ExtendedData>
  <LineString><coordinates>106.79,-6.59,0 106.80,-6.60,0 106.81,-6.60,0</coordinates></LineString>
</Placemark>
<Placemark><name>Pasar - Terminal</name>
  <ExtendedData><SchemaData schemaUrl="#trayek">
    <SimpleData name="kode">T01</SimpleData><SimpleData name="arah">pulang</SimpleData>
    <SimpleData name="warna">merah</SimpleData>
  </SchemaData></ExtendedData>
  <LineString><coordinates>106.81,-6.60,0 106.80,-6.60,0 106.79,-6.59,0</coordinates></LineString>
</Placemark>
</Document></kml>
"""
    )
    report = import_routes(db, "bogor", kml, code_field="kode", name_field="Name")
    assert (report.read, report.inserted, report.rejected) == (2, 2, [])
    assert any("not hex" in n for n in report.notes)
    rows = routes(db, bogor.id)
    assert [(r["code"], r["direction"], r["name"], r["colour"]) for r in rows] == [
        ("T01", 0, "Terminal - Pasar", "#ff00aa"),
        ("T01", 1, "Pasar - Terminal", "#1f78b4"),
    ]
    assert rows[0]["destination"] == "Pasar"
    assert rows[0]["points"] == 3


def test_rejections(db: Session, bogor: CityInfo, tmp_path: Path) -> None:
    far = [[106.60, -6.20], [106.61, -6.21]]
    near = [[106.79, -6.59], [106.80, -6.60]]
    path = write(
        tmp_path / "r.geojson",
        [
            line(near, code="A", direction="0", tarif="3500", headway="120"),
            line(near, code="B", direction="sideways"),
            line([[106.79, -6.59], [106.79, -6.59]], code="C"),
            {
                "type": "Feature",
                "properties": {"code": "D"},
                "geometry": {"type": "MultiLineString", "coordinates": [near, far]},
            },
            {
                "type": "Feature",
                "properties": {"code": "E"},
                "geometry": {
                    "type": "MultiLineString",
                    "coordinates": [near, [[106.80, -6.60], [106.81, -6.61]]],
                },
            },
            line(near, code="X" * 40),
            line(near, code="F", speed_kmh="500"),
            line(far, code="G"),
            line(near, code="A", direction="0"),
        ],
    )
    report = import_routes(db, "bogor", path)
    assert dict(report.rejected) == {
        "B": "unknown direction 'sideways'",
        "C/0": "the line has fewer than 2 distinct points",
        "D/0": "the route is 2 disconnected lines",
        "X" * 40 + "/0": "route code longer than 32 characters",
        "F/0": "speed_kmh 500 is outside 0.1..120",
        "A/0": "duplicate of an earlier feature with the same key",
    }
    assert (report.inserted, report.outside_city, report.outside_refs) == (3, 1, ["G/0"])
    by_code = {r["code"]: r for r in routes(db, bogor.id)}
    assert (by_code["A"]["fare_idr"], by_code["A"]["headway_s"]) == (3500, 120)
    assert by_code["E"]["points"] == 3  # merged into one line


def test_helpers() -> None:
    assert normalise_colour("00FF00") == "#00ff00"
    assert normalise_colour("#abc") == "#aabbcc"
    assert normalise_colour("green") is None
    assert [normalise_direction(v) for v in ("", "1", "Pulang", "outbound", "x")] == [
        0,
        1,
        1,
        0,
        None,
    ]
    with pytest.raises(InvalidInputError, match="default colour"):
        RouteDefaults(colour="blue").checked()
    with pytest.raises(InvalidInputError, match="default speed"):
        RouteDefaults(speed_kmh=0).checked()


def test_bad_files_write_nothing(db: Session, bogor: CityInfo, tmp_path: Path) -> None:
    points = write(
        tmp_path / "p.geojson",
        [
            {
                "type": "Feature",
                "properties": {"code": "A"},
                "geometry": {"type": "Point", "coordinates": [106.8, -6.6]},
            }
        ],
    )
    no_code = write(
        tmp_path / "nocode.geojson", [line([[106.79, -6.59], [106.8, -6.6]], warna="x")]
    )
    truncated = tmp_path / "cut.geojson"
    truncated.write_text('{"type": "FeatureCollection", "features": [{"type": ')
    not_geo = tmp_path / "routes.kml"
    not_geo.write_text("this is not KML")
    for path, message in {
        points: "wrong geometry type",
        no_code: "no route code field",
        truncated: "not valid JSON",
        not_geo: "not a geospatial file",
    }.items():
        with pytest.raises(InvalidFileError, match=message):
            import_routes(db, "bogor", path)
    assert routes(db, bogor.id) == []
