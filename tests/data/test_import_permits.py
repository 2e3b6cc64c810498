"""``import_zoning`` and ``import_protected``: zones with their ITBX table (wide and long CSV),
protected polygons, river lines with their setbacks; bad files write nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import shapely
from pyproj import Transformer
from shapely.geometry import LineString, box, mapping
from sqlalchemy import text
from sqlalchemy.orm import Session

from data.importers import RiverSetbacks, import_protected, import_zoning
from geo.errors import InvalidFileError, InvalidInputError
from tests.layers.sample import insert_sample_city

pytestmark = pytest.mark.postgis
SLUG = "zoning-test"
# the sample city: 106.60..106.70 x -6.22..-6.14
ZONES = [
    ("R-2", "Perumahan kepadatan sedang", 60, 2.4, 20, box(106.60, -6.22, 106.65, -6.18)),
    ("K-1", "Perdagangan dan jasa skala kota", 80, 4.0, 10, box(106.65, -6.22, 106.70, -6.18)),
    ("RTH", "Ruang terbuka hijau", None, None, None, box(106.60, -6.18, 106.70, -6.14)),
]
WIDE = "kegiatan,R-2,K-1,RTH\nRumah tinggal,I,T,X\nMinimarket,T,I,X\nTaman bermain,I,,I\n"
LONG = "zone_code,activity,verdict\nR-2,Rumah tinggal,I\nK-1,Rumah tinggal,B\nRTH,Kios,x\n"


def geojson(path: Path, features: list[dict[str, Any]]) -> Path:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def feature(geom: Any, **props: Any) -> dict[str, Any]:
    return {"type": "Feature", "properties": props, "geometry": mapping(geom) if geom else None}


def zones_file(tmp_path: Path, zones: list[Any] = ZONES, code: str = "kode") -> Path:
    feats = [
        feature(g, **{code: c, "nama": n, "kdb": kdb, "klb": klb, "kdh": kdh})
        for c, n, kdb, klb, kdh, g in zones
    ]
    return geojson(tmp_path / "zona.geojson", feats)


def csv(tmp_path: Path, body: str, name: str = "itbx.csv") -> Path:
    path = tmp_path / name
    path.write_text(body)
    return path


def revision(db: Session, city_id: int, layer: str) -> int:
    return int(
        db.execute(
            text(
                "SELECT coalesce(max(revision), 0) FROM layer_revision"
                " WHERE city_id = :c AND layer = :l"
            ),
            {"c": city_id, "l": layer},
        ).scalar_one()
    )


def rows(db: Session, sql: str, city_id: int) -> list[Any]:
    return list(db.execute(text(sql), {"c": city_id}).mappings())


@pytest.fixture
def city_id(db: Session) -> int:
    return insert_sample_city(db, SLUG).city.id


def test_zones_and_a_wide_itbx_table(db: Session, city_id: int, tmp_path: Path) -> None:
    before = revision(db, city_id, "zoning")
    report = import_zoning(db, SLUG, zones_file(tmp_path), itbx=csv(tmp_path, WIDE))
    assert (report.read, report.inserted, report.rejected) == (3, 3, [])
    assert report.outside_city == 0
    assert any("(wide form): 8 rules, 3 activities" in n for n in report.notes)
    zones = rows(
        db,
        "SELECT code, name, kdb, klb, kdh, GeometryType(geom) AS t FROM zoning_zone"
        " WHERE city_id = :c ORDER BY code",
        city_id,
    )
    assert [(z["code"], z["kdb"], z["klb"], z["kdh"], z["t"]) for z in zones] == [
        ("K-1", 80, 4.0, 10, "MULTIPOLYGON"),
        ("R-2", 60, 2.4, 20, "MULTIPOLYGON"),
        ("RTH", None, None, None, "MULTIPOLYGON"),
    ]
    rules = rows(
        db,
        "SELECT zone_code, activity, verdict FROM zoning_rule WHERE city_id = :c"
        " ORDER BY activity, zone_code",
        city_id,
    )
    assert [(r["zone_code"], r["activity"], r["verdict"]) for r in rules] == [
        ("K-1", "Minimarket", "I"),
        ("R-2", "Minimarket", "T"),
        ("RTH", "Minimarket", "X"),
        ("K-1", "Rumah tinggal", "T"),
        ("R-2", "Rumah tinggal", "I"),
        ("RTH", "Rumah tinggal", "X"),
        ("R-2", "Taman bermain", "I"),  # the empty K-1 cell: no rule
        ("RTH", "Taman bermain", "I"),
    ]
    assert revision(db, city_id, "zoning") > before


def test_a_long_table_replaces_the_plan(db: Session, city_id: int, tmp_path: Path) -> None:
    import_zoning(db, SLUG, zones_file(tmp_path), itbx=csv(tmp_path, WIDE))
    one = [("R-2", "Perumahan", "60%", "2,4", "", box(106.60, -6.22, 106.70, -6.14))]
    report = import_zoning(db, SLUG, zones_file(tmp_path, one), itbx=csv(tmp_path, LONG))
    assert report.inserted == 1
    assert any("(long form): 3 rules" in n for n in report.notes)
    assert any("replaced 3 zones and 8 rules" in n for n in report.notes)
    assert any("ITBX zones not in the plan: K-1, RTH" in n for n in report.notes)
    zones = rows(db, "SELECT code, kdb, klb, kdh FROM zoning_zone WHERE city_id = :c", city_id)
    assert [tuple(z.values()) for z in zones] == [("R-2", 60, 2.4, None)]
    rules = rows(
        db,
        "SELECT zone_code, verdict FROM zoning_rule WHERE city_id = :c ORDER BY zone_code",
        city_id,
    )
    assert [tuple(r.values()) for r in rules] == [("K-1", "B"), ("R-2", "I"), ("RTH", "X")]


def test_bad_zoning_files_write_nothing(db: Session, city_id: int, tmp_path: Path) -> None:
    import_zoning(db, SLUG, zones_file(tmp_path), itbx=csv(tmp_path, WIDE))
    rev = revision(db, city_id, "zoning")

    def kept() -> None:
        assert (
            rows(db, "SELECT count(*) AS n FROM zoning_zone WHERE city_id = :c", city_id)[0]["n"]
            == 3
        )
        assert (
            rows(db, "SELECT count(*) AS n FROM zoning_rule WHERE city_id = :c", city_id)[0]["n"]
            == 8
        )
        assert revision(db, city_id, "zoning") == rev

    bad = [
        (csv(tmp_path, "kegiatan,R-2\nRumah tinggal,Y\n", "y.csv"), "is not one of I, T, B, X"),
        (csv(tmp_path, "zona,verdict\nR-2,I\n", "noact.csv"), "no activity field"),
        (csv(tmp_path, "kegiatan,R-2\nA,I\nA,T\n", "twice.csv"), "given twice"),
        (csv(tmp_path, "kegiatan,R-2\nA,\n", "empty.csv"), "no ITBX rule"),
    ]
    for itbx, message in bad:
        with pytest.raises(InvalidFileError, match=message):
            import_zoning(db, SLUG, zones_file(tmp_path), itbx=itbx)
        kept()
    good = csv(tmp_path, WIDE)
    no_code = zones_file(tmp_path, code="warna")
    with pytest.raises(InvalidFileError, match="no zone code field"):
        import_zoning(db, SLUG, no_code, itbx=good)
    points = geojson(tmp_path / "p.geojson", [feature(shapely.Point(106.62, -6.2), kode="R-2")])
    with pytest.raises(InvalidFileError, match="no usable zone"):
        import_zoning(db, SLUG, points, itbx=good)
    wrong = [("R-2", "x", 160, 1, 1, box(106.60, -6.22, 106.65, -6.18))]
    with pytest.raises(InvalidFileError, match="KDB 160 out of range"):
        import_zoning(db, SLUG, zones_file(tmp_path, wrong), itbx=good)
    notgeo = csv(tmp_path, "kode,nama\nR-2,x\n", "zones.csv")
    with pytest.raises(InvalidFileError):
        import_zoning(db, SLUG, notgeo, itbx=good)
    kept()


def test_a_zone_with_a_bad_row_is_reported(db: Session, city_id: int, tmp_path: Path) -> None:
    bowtie = shapely.Polygon([(106.60, -6.22), (106.61, -6.21), (106.61, -6.22), (106.60, -6.21)])
    zones = [
        *ZONES,
        ("B-1", "bowtie", 1, 1, 1, bowtie),
        (None, "no code", 1, 1, 1, box(0, 0, 1, 1)),
    ]
    report = import_zoning(db, SLUG, zones_file(tmp_path, zones), itbx=csv(tmp_path, WIDE))
    assert report.inserted == 4  # the bowtie repaired into two triangles (zones are not parcels)
    assert report.rejected == [("feature 5", "no zone code")]


# -- protected land --------------------------------------------------------------------------
def test_sawah_and_rth_replace_their_own_kind(db: Session, city_id: int, tmp_path: Path) -> None:
    sawah = geojson(
        tmp_path / "sawah.geojson",
        [
            feature(box(106.61, -6.21, 106.62, -6.20), gid=1, namobj=None, remark="Sawah"),
            feature(box(106.63, -6.21, 106.64, -6.20), gid=2, namobj="Sawah Cipete"),
            feature(LineString([(106.6, -6.2), (106.61, -6.2)]), gid=3),
        ],
    )
    rth = geojson(
        tmp_path / "rth.geojson", [feature(box(106.66, -6.16, 106.67, -6.15), nama="Taman Kota")]
    )
    before = revision(db, city_id, "protected_areas")
    report = import_protected(db, SLUG, sawah, kind="sawah")
    assert (report.read, report.inserted) == (3, 2)
    assert report.rejected == [("gid 3", "wrong geometry type LineString (expected a polygon)")]
    import_protected(db, SLUG, rth, kind="rth")
    again = import_protected(db, SLUG, sawah, kind="sawah")
    assert any("replaced the city's 2 earlier sawah areas" in n for n in again.notes)
    got = rows(
        db,
        "SELECT kind, name, source FROM protected_area WHERE city_id = :c ORDER BY kind, name",
        city_id,
    )
    assert [(g["kind"], g["name"]) for g in got] == [
        ("rth", "Taman Kota"),
        ("sawah", "Sawah"),
        ("sawah", "Sawah Cipete"),
    ]
    assert got[1]["source"] == "sawah.geojson: gid 1"
    assert revision(db, city_id, "protected_areas") > before


def test_river_setbacks_by_class(db: Session, city_id: int, tmp_path: Path) -> None:
    lines = [
        (LineString([(106.61, -6.19), (106.62, -6.19)]), {"nama": "Kali Dangkal", "depth_m": 2.5}),
        (LineString([(106.61, -6.17), (106.62, -6.17)]), {"nama": "Kali Sedang", "depth_m": "8"}),
        (LineString([(106.61, -6.16), (106.62, -6.16)]), {"nama": "Sungai Dalam", "depth_m": 25}),
        (
            LineString([(106.63, -6.19), (106.64, -6.19)]),
            {"nama": "Kali Bertanggul", "depth_m": 25, "has_levee": "ya"},
        ),
        (LineString([(106.63, -6.17), (106.64, -6.17)]), {"nama": "Kali Kelas", "kelas": "sedang"}),
        (LineString([(106.63, -6.16), (106.64, -6.16)]), {"nama": "Kali Tanpa Data"}),
        (box(106.65, -6.17, 106.66, -6.16), {"nama": "Situ"}),
    ]
    path = geojson(tmp_path / "sungai.geojson", [feature(g, **p) for g, p in lines])
    report = import_protected(db, SLUG, path, kind="sungai")
    assert report.inserted == 6
    assert report.rejected == [("feature 7", "wrong geometry type Polygon (expected a river line)")]
    want = {
        "Kali Dangkal": 10,
        "Kali Sedang": 15,
        "Sungai Dalam": 30,
        "Kali Bertanggul": 3,
        "Kali Kelas": 15,
        "Kali Tanpa Data": 10,
    }
    to_utm = Transformer.from_crs(4326, 32748, always_xy=True)
    got = rows(
        db,
        "SELECT name, source, ST_Area(ST_Transform(geom, 32748)) AS area_m2 FROM protected_area"
        " WHERE city_id = :c AND kind = 'sungai'",
        city_id,
    )
    assert len(got) == 6
    by_name = {r["name"].removeprefix("Sempadan "): r for r in got}
    for line, props in lines[:6]:
        setback, row = want[props["nama"]], by_name[props["nama"]]
        assert f"sempadan {setback} m" in row["source"]
        # an independent buffer: shapely in UTM 48S
        utm = shapely.transform(line, lambda c: np.column_stack(to_utm.transform(c[:, 0], c[:, 1])))
        assert row["area_m2"] == pytest.approx(utm.buffer(setback).area, rel=0.01), props
    river = rows(
        db,
        "SELECT name, depth_m, has_levee FROM river_line WHERE city_id = :c ORDER BY name",
        city_id,
    )
    assert ("Kali Bertanggul", 25.0, True) in [tuple(r.values()) for r in river]
    assert revision(db, city_id, "rivers") > 0


def test_setbacks_are_settings() -> None:
    default = RiverSetbacks()
    assert (default.shallow_m, default.medium_m, default.deep_m, default.levee_m) == (10, 15, 30, 3)
    wide = RiverSetbacks(shallow_m=12, medium_m=20, deep_m=50, levee_m=5)
    assert wide.setback(2, False)[0] == 12
    assert wide.setback(10, False)[0] == 20
    assert wide.setback(30, False)[0] == 50
    assert wide.setback(30, True) == (5, "bertanggul")
    with pytest.raises(InvalidInputError):
        RiverSetbacks(levee_m=0)


def test_bad_protected_files_write_nothing(db: Session, city_id: int, tmp_path: Path) -> None:
    sawah = geojson(tmp_path / "s.geojson", [feature(box(106.61, -6.21, 106.62, -6.20))])
    import_protected(db, SLUG, sawah, kind="sawah")
    rev = revision(db, city_id, "protected_areas")
    lines = geojson(tmp_path / "l.geojson", [feature(LineString([(106.6, -6.2), (106.61, -6.2)]))])
    with pytest.raises(InvalidFileError, match="no usable sawah"):
        import_protected(db, SLUG, lines, kind="sawah")
    bad_depth = geojson(
        tmp_path / "d.geojson",
        [feature(LineString([(106.6, -6.2), (106.61, -6.2)]), depth_m="dalam sekali")],
    )
    with pytest.raises(InvalidFileError, match="no usable sungai"):
        import_protected(db, SLUG, bad_depth, kind="sungai")
    broken = tmp_path / "broken.geojson"
    broken.write_text('{"type": "FeatureCollection", "features": [')
    with pytest.raises(InvalidFileError):
        import_protected(db, SLUG, broken, kind="rth")
    with pytest.raises(InvalidInputError, match="kind must be"):
        import_protected(db, SLUG, sawah, kind="hutan")
    n = rows(db, "SELECT count(*) AS n FROM protected_area WHERE city_id = :c", city_id)[0]["n"]
    assert n == 1
    assert revision(db, city_id, "protected_areas") == rev
