"""GTFS import: Bogor's real angkot feed, a small feed with frequencies/fares, and bad feeds."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from data.importers import import_boundaries, import_gtfs
from geo.cities import CityInfo, create_city
from geo.errors import InvalidFileError
from tests.conftest import SHARED_DATA, shared_file

pytestmark = pytest.mark.postgis
FEED = SHARED_DATA / "bogor-angkot-gtfs" / "bogor-gtfs.zip"
KELURAHAN = SHARED_DATA / "admin-boundaries" / "kelurahan.geojson"
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
                " speed_kmh, ST_XMin(geom) AS minx, ST_YMin(geom) AS miny,"
                " ST_XMax(geom) AS maxx, ST_YMax(geom) AS maxy, ST_NPoints(geom) AS points"
                " FROM angkot_route WHERE city_id = :id ORDER BY code, direction"
            ),
            {"id": city_id},
        ).mappings()
    ]


def shape_ids(path: Path) -> set[str]:
    with zipfile.ZipFile(path) as archive, archive.open("shapes.txt") as handle:
        lines = handle.read().decode().splitlines()[1:]
    return {line.split(",")[0] for line in lines if line}


@pytest.mark.shared_data
def test_bogor_feed(db: Session, bogor: CityInfo) -> None:
    stages: list[str] = []
    report = import_gtfs(db, "bogor", shared_file(FEED), progress=lambda s, d, t: stages.append(s))
    assert (report.read, report.inserted, report.rejected, report.outside_city) == (24, 24, [], 0)
    assert {"reading feed", "writing routes"} <= set(stages)
    # frequencies.txt names trips "AK-01" ... that trips.txt does not have
    assert any("frequencies.txt: 24 rows name trips missing" in n for n in report.notes)
    assert any("fare 'biasa' (3500 IDR)" in n for n in report.notes)
    rows = routes(db, bogor.id)
    assert len(rows) == 24
    assert {r["code"] for r in rows} == shape_ids(FEED)  # one route per shape AK-01 ... AK-23
    assert {r["direction"] for r in rows} == {0}
    for r in rows:
        assert 106.72 <= r["minx"] <= r["maxx"] <= 106.87, r["code"]
        assert -6.67 <= r["miny"] <= r["maxy"] <= -6.52, r["code"]
        assert r["colour"] == "#00ff00"
        assert r["fare_idr"] == 3500
        assert r["headway_s"] == 600  # trips every 10 minutes in stop_times.txt
        assert 3 <= r["speed_kmh"] <= 80
    ak01 = rows[0]
    assert (ak01["code"], ak01["name"]) == ("AK-01", "AK-01")
    assert (ak01["origin"], ak01["destination"]) == ("kb-gedong-sawah", "kb-gedong-sawah")
    assert ak01["points"] == 62  # 69 shape points, 7 consecutive repeats dropped

    again = import_gtfs(db, "bogor", FEED)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 24)


@pytest.mark.shared_data
def test_bogor_feed_outside_tangerang(db: Session) -> None:
    create_city(db, "tangerang-real", "Kota Tangerang", (106.5, -6.3, 106.8, -6.05))
    import_boundaries(db, "tangerang-real", shared_file(KELURAHAN), level="kelurahan")
    report = import_gtfs(db, "tangerang-real", shared_file(FEED))
    assert (report.inserted, report.outside_city) == (24, 24)


def write_feed(path: Path, files: dict[str, str]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, body in files.items():
            archive.writestr(name, body.strip() + "\n")
    return path


SMALL = {
    "routes.txt": """
route_id,route_short_name,route_long_name,route_type,route_color
r1,B01,Terminal - Pasar,3,ff8800
r2,B02,,3,
r3,B03,No trips,3,
""",
    "trips.txt": """
route_id,service_id,trip_id,direction_id,shape_id,trip_headsign
r1,s,t1,0,sh1,Pasar
r1,s,t2,1,sh2,Terminal
r1,s,t3,1,sh2,Terminal
r2,s,t4,,sh3,Kebun
r2,s,t5,,nosuch,Kebun
r2,s,t6,,nosuch,Kebun
""",
    "shapes.txt": """
shape_id,shape_pt_lat,shape_pt_lon,shape_pt_sequence
sh1,-6.60,106.79,1
sh1,-6.60,106.80,2
sh1,-6.59,106.81,3
sh2,-6.59,106.81,1
sh2,-6.60,106.79,2
sh3,-6.61,106.79,1
sh3,-6.61,106.80,2
""",
    "frequencies.txt": """
trip_id,start_time,end_time,headway_secs
t1,06:00:00,10:00:00,300
t1,10:00:00,22:00:00,900
""",
    "stop_times.txt": """
trip_id,arrival_time,departure_time,stop_id,stop_sequence
t1,06:00:00,06:00:00,a,1
t1,06:10:00,06:10:00,b,2
t2,07:00:00,07:00:00,b,1
t2,07:12:00,07:12:00,a,2
t3,07:20:00,07:20:00,b,1
t3,07:32:00,07:32:00,a,2
""",
    "stops.txt": """
stop_id,stop_name,stop_lat,stop_lon
a,Terminal,-6.60,106.79
b,Pasar,-6.59,106.81
""",
    "fare_attributes.txt": """
fare_id,price,currency_type,payment_method,transfers
umum,4000,IDR,0,0
jauh,7000,IDR,0,0
""",
    "fare_rules.txt": """
fare_id,route_id
jauh,r1
""",
}


def test_small_feed(db: Session, bogor: CityInfo, tmp_path: Path) -> None:
    report = import_gtfs(db, "bogor", write_feed(tmp_path / "feed.zip", SMALL))
    assert report.read == 4
    assert report.rejected == [
        ("B02/0", "shape 'nosuch' is not in shapes.txt (or has fewer than 2 points)"),
        ("B03", "no trips in trips.txt"),
    ]
    assert any("B02/0: 2 shapes; the most used one ('nosuch')" in n for n in report.notes)
    rows = {(r["code"], r["direction"]): r for r in routes(db, bogor.id)}
    assert set(rows) == {("B01", 0), ("B01", 1)}
    out, back = rows["B01", 0], rows["B01", 1]
    assert (out["name"], out["colour"], out["fare_idr"]) == ("Terminal - Pasar", "#ff8800", 7000)
    assert out["headway_s"] == 600  # median of the frequencies rows (300, 900)
    assert (out["origin"], out["destination"]) == ("Terminal", "Pasar")
    assert out["speed_kmh"] == pytest.approx(16.0, abs=0.3)  # ~2.67 km in 10 minutes
    assert back["headway_s"] == 1200  # no frequencies: the 07:00 and 07:20 starts
    assert (back["origin"], back["destination"]) == ("Pasar", "Terminal")
    assert back["speed_kmh"] == pytest.approx(12.3, abs=0.3)  # ~2.47 km in 12 minutes


def test_bad_feeds_write_nothing(db: Session, bogor: CityInfo, tmp_path: Path) -> None:
    no_shapes = write_feed(
        tmp_path / "noshapes.zip", {k: v for k, v in SMALL.items() if k != "shapes.txt"}
    )
    no_column = write_feed(
        tmp_path / "nocol.zip", {**SMALL, "trips.txt": "route_id,service_id\nr1,s\n"}
    )
    not_zip = tmp_path / "feed.zip"
    not_zip.write_text("route_id,route_short_name\n")
    empty = tmp_path / "empty.zip"
    empty.write_bytes(b"")
    cut = write_feed(  # routes.txt cut in the middle of its last line
        tmp_path / "cut.zip", {**SMALL, "routes.txt": SMALL["routes.txt"].strip() + "\nr4,B0"}
    )
    bent = write_feed(  # a corrupt shape point (a letter for a digit)
        tmp_path / "bent.zip",
        {
            **SMALL,
            "shapes.txt": SMALL["shapes.txt"].replace("sh1,-6.60,106.80,2", "sh1,-6.6O,106.80,2"),
        },
    )
    far = write_feed(  # a latitude no place has
        tmp_path / "far.zip",
        {
            **SMALL,
            "shapes.txt": SMALL["shapes.txt"].replace("sh3,-6.61,106.79,1", "sh3,-661,106.79,1"),
        },
    )
    cases = {
        no_shapes: "missing shapes.txt",
        no_column: "trips.txt in the feed lacks the column",
        not_zip: "not a zip file",
        empty: "is empty",
        cut: "routes.txt in the feed, line 5: 2 fields where the header has 5",
        bent: r"shapes.txt in the feed: 1 point\(s\) without valid numbers"
        r" \(first: shape sh1, line 3\)",
        far: r"1 point\(s\) without valid numbers \(first: shape sh3, line 7\)",
    }
    for path, message in cases.items():
        with pytest.raises(InvalidFileError, match=message):
            import_gtfs(db, "bogor", path)
    assert routes(db, bogor.id) == []


def test_route_names_with_a_nul_or_too_long_are_refused_not_cut(
    db: Session, bogor: CityInfo, tmp_path: Path
) -> None:
    for bad, reason in (
        ("Terminal\x00 - Pasar", "name holds a control character (e.g. NUL)"),
        ("T" * 201, "name longer than 200 characters (201)"),
    ):
        routes_txt = SMALL["routes.txt"].replace("Terminal - Pasar", bad)
        feed = write_feed(tmp_path / "f.zip", {**SMALL, "routes.txt": routes_txt})
        report = import_gtfs(db, "bogor", feed)
        assert dict(report.rejected)["B01/0"] == reason
        assert dict(report.rejected)["B01/1"] == reason
        assert routes(db, bogor.id) == []  # B02 and B03 have no usable shape or trip


def test_shape_points_follow_their_sequence_not_the_file_order(
    db: Session, bogor: CityInfo, tmp_path: Path
) -> None:
    """shapes.txt need not be sorted: the points of sh1 come in the order 3, 1, 2 here."""
    shuffled = SMALL["shapes.txt"].replace(
        "sh1,-6.60,106.79,1\nsh1,-6.60,106.80,2\nsh1,-6.59,106.81,3",
        "sh1,-6.59,106.81,3\nsh1,-6.60,106.79,1\nsh1,-6.60,106.80,2",
    )
    assert shuffled != SMALL["shapes.txt"]
    import_gtfs(db, "bogor", write_feed(tmp_path / "f.zip", {**SMALL, "shapes.txt": shuffled}))
    coords = db.execute(
        text(
            "SELECT ST_AsText(geom) FROM angkot_route"
            " WHERE city_id = :c AND code = 'B01' AND direction = 0"
        ),
        {"c": bogor.id},
    ).scalar_one()
    assert coords == "LINESTRING(106.79 -6.6,106.8 -6.6,106.81 -6.59)"
