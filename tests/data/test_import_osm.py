"""OSM import from a small hand-written OSM XML: walking network and schools (no download)."""

from __future__ import annotations

import bz2
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from data.importers import import_osm
from data.importers.osm import is_walkable, overpass_walk_filter
from geo.cities import CityInfo, create_city
from geo.errors import InvalidFileError

pytestmark = pytest.mark.postgis
SLUG = "tangerang-real"

NODES = {
    1: (106.6300, -6.1800),
    2: (106.6310, -6.1800),
    3: (106.6320, -6.1800),
    4: (106.6330, -6.1800),
    5: (106.6320, -6.1810),
    6: (106.6320, -6.1820),
    7: (106.6330, -6.1820),
    8: (106.6290, -6.1850),
    9: (106.6340, -6.1830),
    10: (106.6345, -6.1830),
    11: (106.6345, -6.1835),
    12: (106.6340, -6.1835),
    13: (106.6350, -6.1810),
    14: (106.6360, -6.1810),
    15: (106.6360, -6.1820),
    16: (106.6350, -6.1820),
    17: (106.6340, -6.1800),
    18: (106.6300, -6.1900),
    20: (106.6315, -6.1805),
    21: (106.6305, -6.1815),
}
NODE_TAGS = {
    20: {
        "amenity": "school",
        "name": "SD Islam Harapan",
        "isced:level": "1",
        "operator:type": "private",
    },
    21: {"amenity": "school", "name": "TK Ceria"},
}
WAYS: list[tuple[int, list[int], dict[str, str]]] = [
    (100, [1, 2, 3, 4], {"highway": "residential", "name": "Jalan Satu"}),
    (101, [3, 5, 6], {"highway": "primary", "name": "Jalan Dua", "oneway": "yes"}),
    (102, [6, 7, 4], {"highway": "footway"}),
    (103, [1, 8], {"highway": "motorway", "name": "Tol"}),
    (104, [9, 10, 11, 12, 9], {"building": "yes"}),
    (
        105,
        [13, 14, 15, 16, 13],
        {"amenity": "school", "name": "SMP Negeri 5 Tangerang", "ref:npsn": "20606999"},
    ),
    (106, [1, 18], {"highway": "residential", "access": "private", "name": "Privat"}),
    (108, [4, 999, 17], {"highway": "residential", "name": "Jalan Empat"}),
]


def osm_xml() -> str:
    def tags(values: dict[str, str]) -> str:
        return "".join(f'<tag k="{k}" v="{v}"/>' for k, v in values.items())

    parts = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6" generator="test">']
    for nid, (lon, lat) in NODES.items():
        parts.append(
            f'<node id="{nid}" lat="{lat}" lon="{lon}">{tags(NODE_TAGS.get(nid, {}))}</node>'
        )
    for wid, refs, values in WAYS:
        nds = "".join(f'<nd ref="{r}"/>' for r in refs)
        parts.append(f'<way id="{wid}">{nds}{tags(values)}</way>')
    parts.append("</osm>")
    return "\n".join(parts)


@pytest.fixture
def city(db: Session) -> CityInfo:
    return create_city(db, SLUG, "Kota Tangerang", (106.5, -6.3, 106.8, -6.05))


@pytest.fixture
def osm_file(tmp_path: Path) -> Path:
    path = tmp_path / "tangerang.osm"
    path.write_text(osm_xml())
    return path


def edges(db: Session, city_id: int) -> list[dict[str, Any]]:
    return [
        dict(r)
        for r in db.execute(
            text(
                "SELECT u, v, osm_id, name, road_class, oneway, length_m,"
                " ST_NPoints(geom) AS points FROM road_edge WHERE city_id = :id ORDER BY u, v"
            ),
            {"id": city_id},
        ).mappings()
    ]


def schools(db: Session, city_id: int) -> dict[str, dict[str, Any]]:
    rows = db.execute(
        text(
            "SELECT npsn, name, level, status, ST_X(geom) AS lon, ST_Y(geom) AS lat"
            " FROM school WHERE city_id = :id"
        ),
        {"id": city_id},
    ).mappings()
    return {r["npsn"]: dict(r) for r in rows}


def test_walk_network_and_schools(db: Session, city: CityInfo, osm_file: Path) -> None:
    roads, found = import_osm(db, SLUG, osm_file)
    rows = edges(db, city.id)
    assert [
        (r["u"], r["v"], r["osm_id"], r["name"], r["road_class"], r["oneway"]) for r in rows
    ] == [
        (1, 3, 100, "Jalan Satu", "residential", False),
        (3, 4, 100, "Jalan Satu", "residential", False),
        (3, 6, 101, "Jalan Dua", "primary", True),
        (4, 6, 102, None, "footway", False),
        (4, 17, 108, "Jalan Empat", "residential", False),
    ]
    first = rows[0]
    assert first["length_m"] == pytest.approx(221.3, abs=1.0)  # 0.002 deg of longitude at 6 S
    assert first["points"] == 3  # node 2 was simplified away
    assert (roads.read, roads.inserted, roads.rejected) == (5, 5, [])
    assert any("4 of 8 ways are walkable" in n for n in roads.notes)

    assert (found.read, found.inserted) == (3, 2)
    assert found.rejected == [
        ("osm-n21 TK Ceria", "level 'TK' (from the name) is not one of SD/SMP/SMA/SMK/SLB")
    ]
    by_npsn = schools(db, city.id)
    smp = by_npsn["20606999"]
    assert (smp["name"], smp["level"], smp["status"]) == ("SMP Negeri 5 Tangerang", "SMP", "negeri")
    assert 106.635 < smp["lon"] < 106.636  # inside the polygon
    assert -6.182 < smp["lat"] < -6.181
    sd = by_npsn["osm-n20"]
    assert (sd["level"], sd["status"], sd["lon"], sd["lat"]) == ("SD", "swasta", 106.6315, -6.1805)

    roads2, found2 = import_osm(db, SLUG, osm_file)
    assert (roads2.inserted, roads2.updated, roads2.unchanged) == (0, 0, 5)
    assert (found2.inserted, found2.updated, found2.unchanged) == (0, 0, 2)


def test_bz2_is_the_same_data(db: Session, city: CityInfo, osm_file: Path, tmp_path: Path) -> None:
    packed = tmp_path / "tangerang.osm.bz2"
    packed.write_bytes(bz2.compress(osm_file.read_bytes()))
    roads, found = import_osm(db, SLUG, packed)
    assert (roads.inserted, found.inserted) == (5, 2)
    roads2, found2 = import_osm(db, SLUG, osm_file)
    assert (roads2.inserted, roads2.updated, found2.inserted, found2.updated) == (0, 0, 0, 0)


def test_walk_filter() -> None:
    assert is_walkable({"highway": "residential"})
    assert is_walkable({"highway": "footway"})
    assert not is_walkable({"highway": "motorway_link"})
    assert not is_walkable({"highway": "cycleway"})
    assert not is_walkable({"highway": "service", "service": "private"})
    assert not is_walkable({"highway": "path", "foot": "no"})
    assert not is_walkable({"building": "yes"})
    assert overpass_walk_filter().startswith('["highway"]["area"!~"yes"]')


def test_bad_osm_files_write_nothing(db: Session, city: CityInfo, tmp_path: Path) -> None:
    truncated = tmp_path / "cut.osm"
    truncated.write_text(osm_xml()[:700])
    gpx = tmp_path / "track.osm"
    gpx.write_text('<?xml version="1.0"?><gpx version="1.1"><trk/></gpx>')
    not_xml = tmp_path / "notes.osm"
    not_xml.write_text("highway=residential\n")
    broken_bz2 = tmp_path / "x.osm.bz2"
    broken_bz2.write_bytes(b"BZh91AY&SY not really")
    for path, message in {
        truncated: "not valid XML",
        gpx: "not OSM XML",
        not_xml: "not valid XML",
        broken_bz2: "cannot be decompressed",
    }.items():
        with pytest.raises(InvalidFileError, match=message):
            import_osm(db, SLUG, path)
    assert edges(db, city.id) == []
    assert schools(db, city.id) == {}
