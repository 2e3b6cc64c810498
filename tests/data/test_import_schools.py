"""School import: the real 884 Kemendikbud schools (GeoJSON and a CSV made from the raw
records), level/status normalisation, and bad files."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from data.importers import import_boundaries, import_schools
from data.importers.schools import normalise_level, normalise_status
from geo.cities import CityInfo, create_city
from geo.errors import InvalidFileError
from tests.conftest import SHARED_DATA, shared_file

pytestmark = pytest.mark.postgis
SCHOOLS = SHARED_DATA / "schools-kemdikbud" / "schools_kota_tangerang.geojson"
RAW = SHARED_DATA / "schools-kemdikbud" / "kemdikbud_286100_kota_tangerang_raw.json"
KELURAHAN = SHARED_DATA / "admin-boundaries" / "kelurahan.geojson"
SLUG = "tangerang-real"
MISSING = {  # NPSN of the records without usable coordinates in the 2019 snapshot
    "69939041": "no coordinates",
    "69906769": "no coordinates",
    "69952011": "no coordinates",
    "20607922": "no coordinates",
    "20606554": "no coordinates",  # lon=0 in the source; the GeoJSON has a null geometry
}


@pytest.fixture
def city(db: Session) -> CityInfo:
    return create_city(db, SLUG, "Kota Tangerang", (106.5, -6.3, 106.8, -6.05))


def school(db: Session, city_id: int, npsn: str) -> dict[str, Any] | None:
    row = (
        db.execute(
            text(
                "SELECT npsn, name, level, status, address, kelurahan_code,"
                " ST_X(geom) AS lon, ST_Y(geom) AS lat FROM school"
                " WHERE city_id = :id AND npsn = :npsn"
            ),
            {"id": city_id, "npsn": npsn},
        )
        .mappings()
        .first()
    )
    return dict(row) if row else None


def count(db: Session, city_id: int) -> int:
    return int(
        db.execute(
            text("SELECT count(*) FROM school WHERE city_id = :id"), {"id": city_id}
        ).scalar_one()
    )


@pytest.mark.shared_data
def test_real_schools_geojson(db: Session, city: CityInfo) -> None:
    import_boundaries(db, SLUG, shared_file(KELURAHAN), level="kelurahan")
    report = import_schools(db, SLUG, shared_file(SCHOOLS))
    assert (report.read, report.inserted, report.updated, report.unchanged) == (884, 879, 0, 0)
    rejected = {ref.split()[0]: reason for ref, reason in report.rejected}
    assert rejected == MISSING
    # three schools lie just outside the kelurahan polygons (SOURCE.md: outside_kota_polygon 3)
    assert report.outside_city == 3
    assert {r.split()[0] for r in report.outside_refs} == {"20606563", "69944311", "20606990"}
    assert count(db, city.id) == 879
    kanaan = school(db, city.id, "20606985")
    assert kanaan == {
        "npsn": "20606985",
        "name": "SDKANAAN",
        "level": "SD",
        "status": "swasta",
        "address": "Jl.mt Haryono No.15",
        "kelurahan_code": "36.71.01.1007",  # Sukasari
        "lon": pytest.approx(106.6335),
        "lat": pytest.approx(-6.1809),
    }
    pinang = school(db, city.id, "20606623")
    assert pinang is not None
    assert (pinang["name"], pinang["level"], pinang["status"]) == (
        "SD NEGERI PINANG 6",
        "SD",
        "negeri",
    )
    assert pinang["kelurahan_code"] == "36.71.11.1002"  # Sudimara Pinang
    levels = dict(
        db.execute(
            text("SELECT level, count(*) FROM school WHERE city_id = :id GROUP BY level"),
            {"id": city.id},
        ).all()
    )
    assert sum(levels.values()) == 879
    assert set(levels) == {"SD", "SMP", "SMA", "SMK", "SLB"}
    assert levels["SLB"] == 15

    again = import_schools(db, SLUG, SCHOOLS)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 879)


@pytest.mark.shared_data
def test_csv_with_lintang_bujur(db: Session, city: CityInfo, tmp_path: Path) -> None:
    records = json.loads(shared_file(RAW).read_text())["286100"]
    path = tmp_path / "sekolah.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(records[0]), delimiter=";")
        writer.writeheader()
        writer.writerows(records)
    report = import_schools(db, SLUG, path)
    assert (report.read, report.inserted) == (884, 879)
    rejected = {ref.split()[0]: reason for ref, reason in report.rejected}
    assert rejected == {
        "69939041": "no coordinates",
        "69906769": "no coordinates",
        "20607922": "no coordinates",
        "69952011": "coordinates 0,0 (a placeholder)",
        "20606554": "a zero coordinate (0, -6.1842) is a placeholder",
    }
    assert report.outside_city == 0  # no boundaries yet: checked against the city bbox
    kanaan = school(db, city.id, "20606985")
    assert kanaan is not None
    assert (kanaan["lon"], kanaan["lat"]) == pytest.approx((106.6335, -6.1809))
    assert kanaan["kelurahan_code"] is None


def test_field_options_and_rejections(db: Session, city: CityInfo, tmp_path: Path) -> None:
    path = tmp_path / "mixed.csv"
    path.write_text(
        "kode,nama_sekolah,jenjang,negeri_swasta,y_coord,x_coord\n"
        "1001,MI Al Falah,MI,Swasta,-6.18,106.63\n"
        "1002,SMP Negeri 3,,Negeri,-6.19,106.64\n"
        "1003,TK Melati,TK,swasta,-6.18,106.63\n"
        "1004,SD Empat,SD,campuran,-6.18,106.63\n"
        ",SD Tanpa NPSN,SD,N,-6.18,106.63\n"
        "1006,SD Jauh,SD,N,-96.0,106.63\n"
        '1007,SMA Koma,SMA,S,"-6,2","106,61"\n'
        "1008,SMK Teks,SMK,S,abc,106.6\n"
        "1001,MI Dobel,MI,S,-6.18,106.63\n"
        "1010,SMK Jauh,SMK,N,-6.60,106.80\n"
    )
    report = import_schools(
        db,
        SLUG,
        path,
        npsn_field="kode",
        level_field="jenjang",
        status_field="negeri_swasta",
        lat_field="y_coord",
        lon_field="x_coord",
    )
    assert report.read == 10
    reasons = dict(report.rejected)
    assert reasons == {
        "1003 TK Melati": "level 'TK' is not one of SD/SMP/SMA/SMK/SLB",
        "1004 SD Empat": "unknown status 'campuran'",
        "row 5 SD Tanpa NPSN": "no NPSN",
        "1006 SD Jauh": "coordinates (106.63, -96) outside lon/lat ranges",
        "1008 SMK Teks": "coordinates are not numbers",
        "1001 MI Dobel": "duplicate of an earlier feature with the same key",
    }
    assert report.inserted == 4
    assert report.outside_city == 1  # SMK Jauh lies in Bogor, outside the city bbox
    mi = school(db, city.id, "1001")
    assert mi is not None
    assert (mi["level"], mi["status"]) == ("SD", "swasta")
    smp = school(db, city.id, "1002")
    assert smp is not None
    assert smp["level"] == "SMP"  # from the name: no jenjang given
    koma = school(db, city.id, "1007")
    assert koma is not None
    assert (koma["lon"], koma["lat"]) == pytest.approx((106.61, -6.2))


@pytest.mark.parametrize(
    ("value", "level"),
    [
        ("SD", "SD"),
        ("sekolah dasar", "SD"),
        ("MI", "SD"),
        ("SDN", "SD"),
        ("SMP", "SMP"),
        ("MTs", "SMP"),
        ("SMA", "SMA"),
        ("MA", "SMA"),
        ("SMK", "SMK"),
        ("MAK", "SMK"),
        ("SLB", "SLB"),
        ("SDLB", "SLB"),
        ("SMP NEGERI 3 TANGERANG", "SMP"),
        ("isced 1", None),
        ("1", "SD"),
        ("TK", None),
        ("PAUD", None),
        ("", None),
        (None, None),
        ("SDKANAAN", None),
    ],
)
def test_normalise_level(value: str | None, level: str | None) -> None:
    assert normalise_level(value) == level


@pytest.mark.parametrize(
    ("value", "status"),
    [
        ("N", "negeri"),
        ("Negeri", "negeri"),
        ("public", "negeri"),
        ("S", "swasta"),
        ("SWASTA", "swasta"),
        ("private", "swasta"),
        ("x", None),
        (None, None),
    ],
)
def test_normalise_status(value: str | None, status: str | None) -> None:
    assert normalise_status(value) == status


def test_bad_files_write_nothing(db: Session, city: CityInfo, tmp_path: Path) -> None:
    no_coords = tmp_path / "no_coords.csv"
    no_coords.write_text("npsn,nama,bentuk,status\n1,SD A,SD,N\n")
    header_only = tmp_path / "header.csv"
    header_only.write_text("npsn,nama,bentuk,status,lat,lon\n")
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    lines = tmp_path / "lines.geojson"
    lines.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"npsn": "1"},
                        "geometry": {
                            "type": "LineString",
                            "coordinates": [[106.6, -6.2], [106.7, -6.1]],
                        },
                    }
                ],
            }
        )
    )
    no_npsn = tmp_path / "no_npsn.csv"
    no_npsn.write_text("nama,bentuk,status,lat,lon\nSD A,SD,N,-6.2,106.6\n")
    truncated = tmp_path / "cut.geojson"
    truncated.write_text('{"type": "FeatureCollection", "features": [{"type": "Feat')

    def collection(props: dict[str, Any], crs: Any = None) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "properties": props,
                    "geometry": {"type": "Point", "coordinates": [106.63, -6.18]},
                }
            ],
        }
        if crs is not None:
            doc["crs"] = crs
        return doc

    nul = tmp_path / "nul.geojson"  # GDAL would cut "SD Negeri\0 1" to "SD Negeri"
    nul.write_text(json.dumps(collection({"npsn": "1", "nama": "SD Negeri\u0000 1"})))
    odd_crs = tmp_path / "odd_crs.geojson"
    odd_crs.write_text(
        json.dumps(
            collection(
                {"npsn": "1", "nama": "SD A", "bentuk": "SD"},
                {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::999999"}},
            )
        )
    )
    cases = {
        nul: "feature 1 has a NUL character in 'nama'",
        odd_crs: "unknown CRS 'urn:ogc:def:crs:EPSG::999999'",
        no_coords: "no latitude field",
        header_only: "has no rows",
        empty: "is empty",
        lines: "wrong geometry type",
        no_npsn: "no NPSN field",
        truncated: "not valid JSON",
    }
    for path, message in cases.items():
        with pytest.raises(InvalidFileError, match=message):
            import_schools(db, SLUG, path)
    with pytest.raises(InvalidFileError, match="missing field 'kode'"):
        import_schools(db, SLUG, no_npsn, npsn_field="kode")
    assert count(db, city.id) == 0


def test_interrupted_import_leaves_the_city_as_it_was(
    db: Session, city: CityInfo, tmp_path: Path
) -> None:
    path = tmp_path / "two.csv"
    path.write_text(
        "npsn,nama,bentuk,status,lat,lon\n1,SD A,SD,N,-6.2,106.6\n2,SD B,SD,S,-6.2,106.61\n"
    )
    import_schools(db, SLUG, path)
    path.write_text(
        "npsn,nama,bentuk,status,lat,lon\n1,SD A baru,SD,N,-6.2,106.6\n3,SD C,SD,S,-6.2,106.62\n"
    )

    def interrupt(stage: str, done: int, total: int) -> None:
        if stage == "writing schools" and done == total:  # after the rows were written
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        import_schools(db, SLUG, path, progress=interrupt)
    assert count(db, city.id) == 2
    first = school(db, city.id, "1")
    assert first is not None
    assert first["name"] == "SD A"


def test_text_too_long_or_with_nul_is_refused_not_cut(
    db: Session, city: CityInfo, tmp_path: Path
) -> None:
    path = tmp_path / "long.csv"
    address = "Jl. Panjang " * 1_000  # 12 KB: not an address
    path.write_text(
        "npsn,nama,bentuk,status,alamat,lat,lon\n"
        f"11,SD Alamat Panjang,SD,N,{address},-6.18,106.63\n"
        "12,SD Nol\x00 Byte,SD,N,Jl. A,-6.18,106.64\n"
        f"13,{'S' * 201},SD,N,Jl. B,-6.18,106.65\n"
        "14,SD Biasa,SD,N,Jl. C,-6.18,106.66\n"
    )
    report = import_schools(db, SLUG, path)
    reasons = {ref.split()[0]: why for ref, why in report.rejected}
    assert reasons == {
        "11": "address longer than 500 characters (11,999)",
        "12": "name holds a control character (e.g. NUL)",
        "13": "name longer than 200 characters (201)",
    }
    assert report.inserted == 1
    assert school(db, city.id, "14") is not None
    huge = tmp_path / "huge.csv"  # a 2.4 MB field: the whole file is refused, nothing written
    huge.write_text(
        f"npsn,nama,bentuk,status,alamat,lat,lon\n15,SD X,SD,N,{address * 200},-6.18,106.6\n"
    )
    with pytest.raises(InvalidFileError, match="field larger than field limit"):
        import_schools(db, SLUG, huge)
    assert school(db, city.id, "15") is None
