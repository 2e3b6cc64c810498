"""Boundary import: real kelurahan of Kota Tangerang, CRS handling, repairs and bad files."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import geopandas as gpd
import pytest
from shapely.geometry import Polygon, box
from sqlalchemy import text
from sqlalchemy.orm import Session

from data.importers import import_boundaries
from geo.cities import CityInfo, create_city, get_city
from geo.errors import InvalidFileError, InvalidInputError, NotFoundError
from tests.conftest import SHARED_DATA, shared_file

pytestmark = pytest.mark.postgis
ADMIN = SHARED_DATA / "admin-boundaries"
KELURAHAN = ADMIN / "kelurahan.geojson"
RAW_SCHOOLS = SHARED_DATA / "schools-kemdikbud" / "kemdikbud_286100_kota_tangerang_raw.json"
SLUG = "tangerang-real"


@pytest.fixture
def city(db: Session) -> CityInfo:
    return create_city(db, SLUG, "Kota Tangerang", (106.5, -6.3, 106.8, -6.05))


def areas(db: Session, city_id: int, level: str | None = None) -> list[Any]:
    return list(
        db.execute(
            text(
                "SELECT level, code, name, parent_code, GeometryType(geom) AS kind"
                " FROM admin_area WHERE city_id = :id"
                " AND (CAST(:lvl AS text) IS NULL OR level = :lvl)"
                " ORDER BY level, code"
            ),
            {"id": city_id, "lvl": level},
        ).mappings()
    )


def revision(db: Session, city_id: int, layer: str) -> int | None:
    return db.execute(
        text("SELECT revision FROM layer_revision WHERE city_id = :id AND layer = :layer"),
        {"id": city_id, "layer": layer},
    ).scalar()


def write_geojson(path: Path, features: list[dict[str, Any]]) -> Path:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def feature(geom: dict[str, Any] | None, **props: Any) -> dict[str, Any]:
    return {"type": "Feature", "properties": props, "geometry": geom}


def square(x: float, y: float, size: float = 0.01) -> dict[str, Any]:
    return box(x, y, x + size, y + size).__geo_interface__


@pytest.mark.shared_data
def test_real_kelurahan_then_again(db: Session, city: CityInfo) -> None:
    stages: list[tuple[str, int, int]] = []
    report = import_boundaries(
        db, SLUG, shared_file(KELURAHAN), level="kelurahan", progress=lambda *a: stages.append(a)
    )
    assert (report.read, report.inserted, report.updated, report.unchanged) == (104, 104, 0, 0)
    assert report.rejected == []
    assert report.outside_city == 0  # the first boundary import defines the city
    assert ("writing kelurahan", 104, 104) in stages
    rows = areas(db, city.id, "kelurahan")
    assert len(rows) == 104
    first = rows[0]
    assert (first["code"], first["name"], first["parent_code"]) == (
        "36.71.01.1001",
        "Sukarasa",
        "36.71.01",
    )
    assert {r["kind"] for r in rows} == {"MULTIPOLYGON"}
    assert sum(r["parent_code"] == "36.71.07" for r in rows) == 16  # Karawaci
    extent = get_city(db, SLUG)
    assert extent.bbox == pytest.approx((106.5515, -6.2561, 106.7486, -6.0971), abs=1e-3)
    lon, lat = extent.center
    assert 106.5515 < lon < 106.7486
    assert -6.2561 < lat < -6.0971
    rev = revision(db, city.id, "kelurahan")
    assert rev is not None

    again = import_boundaries(db, SLUG, KELURAHAN, level="kelurahan")
    assert (again.read, again.inserted, again.updated, again.unchanged) == (104, 0, 0, 104)
    assert revision(db, city.id, "kelurahan") == rev  # nothing written, no new revision

    kecamatan = import_boundaries(
        db, SLUG, shared_file(ADMIN / "kecamatan_from_kelurahan.geojson"), level="kecamatan"
    )
    assert (kecamatan.inserted, kecamatan.outside_city) == (13, 0)
    assert {r["parent_code"] for r in areas(db, city.id, "kecamatan")} == {"36.71"}
    kota = import_boundaries(db, SLUG, shared_file(ADMIN / "kota_tangerang.geojson"), level="kota")
    assert (kota.inserted, kota.outside_city) == (1, 0)
    assert [(r["code"], r["name"]) for r in areas(db, city.id, "kota")] == [
        ("36.71", "Kota Tangerang")
    ]


@pytest.mark.shared_data
def test_features_of_another_level_are_rejected(db: Session, city: CityInfo) -> None:
    report = import_boundaries(db, SLUG, shared_file(KELURAHAN), level="kecamatan")
    assert report.inserted == 0
    assert len(report.rejected) == 104
    assert report.rejected[0] == (
        "36.71.01.1001 Sukarasa",
        "the feature is a kelurahan, not a kecamatan",
    )
    assert areas(db, city.id) == []


def test_outside_flagged_once_the_city_has_boundaries(
    db: Session, city: CityInfo, tmp_path: Path
) -> None:
    first = write_geojson(
        tmp_path / "kota.geojson", [feature(square(106.6, -6.2, 0.1), kode="36.71", nama="Kota")]
    )
    assert import_boundaries(db, SLUG, first, level="kota").outside_city == 0
    kec = write_geojson(
        tmp_path / "kec.geojson",
        [
            feature(square(106.62, -6.18), kode="36.71.01", nama="Inside", kode_kota="36.71"),
            feature(square(106.80, -6.60), kode="36.71.99", nama="Bogor?", kode_kota="36.71"),
        ],
    )
    report = import_boundaries(db, SLUG, kec, level="kecamatan")
    assert (report.inserted, report.outside_city) == (2, 1)
    assert report.outside_refs == ["36.71.99 Bogor?"]


@pytest.mark.filterwarnings("ignore::UserWarning", "ignore::RuntimeWarning")
def test_reprojected_gpkg_and_zipped_shapefile(db: Session, city: CityInfo, tmp_path: Path) -> None:
    polygons = [box(106.60 + i * 0.01, -6.20, 106.605 + i * 0.01, -6.195) for i in range(3)]
    gdf = gpd.GeoDataFrame(
        {
            "kode": ["36.71.01.1001", "36.71.01.1002", "36.71.01.1003"],
            "nama": ["A", "B", "C"],
            "kode_kecamatan": ["36.71.01"] * 3,
        },
        geometry=polygons,
        crs=4326,
    )
    gpkg = tmp_path / "utm.gpkg"
    gdf.to_crs(32748).to_file(gpkg, layer="kelurahan", engine="pyogrio")
    report = import_boundaries(db, SLUG, gpkg, level="kelurahan")
    assert report.inserted == 3
    assert any("reprojected from EPSG:32748" in n for n in report.notes)
    bounds = db.execute(
        text(
            "SELECT ST_XMin(geom), ST_YMin(geom), ST_XMax(geom), ST_YMax(geom) FROM admin_area"
            " WHERE city_id = :id AND code = '36.71.01.1001'"
        ),
        {"id": city.id},
    ).one()
    assert tuple(bounds) == pytest.approx((106.60, -6.20, 106.605, -6.195), abs=1e-6)

    shp_dir = tmp_path / "shp"
    shp_dir.mkdir()
    gdf.assign(kode=gdf.kode.str.replace("36.71.01", "36.71.02")).to_crs(32748).to_file(
        shp_dir / "kel.shp", engine="pyogrio"
    )
    zipped = tmp_path / "kel.zip"
    with zipfile.ZipFile(zipped, "w") as archive:
        for part in shp_dir.iterdir():
            archive.write(part, part.name)
    # Shapefile names are cut to 10 characters: kode_kecamatan -> kode_kecam
    report = import_boundaries(
        db, SLUG, zipped, level="kelurahan", parent_field="kode_kecam", code_field="KODE"
    )
    assert (report.inserted, report.outside_city, report.rejected) == (3, 0, [])
    codes = [(r["code"], r["parent_code"]) for r in areas(db, city.id)]
    assert ("36.71.02.1003", "36.71.01") in codes


def test_repairs_and_rejections(db: Session, city: CityInfo, tmp_path: Path) -> None:
    bowtie = {
        "type": "Polygon",
        "coordinates": [
            [[106.6, -6.2], [106.61, -6.19], [106.61, -6.2], [106.6, -6.19], [106.6, -6.2]]
        ],
    }
    spike = Polygon(
        [
            (106.62, -6.2),
            (106.625, -6.2),
            (106.625, -6.21),
            (106.625, -6.2),
            (106.63, -6.2),
            (106.63, -6.19),
            (106.62, -6.19),
        ]
    )
    path = write_geojson(
        tmp_path / "mixed.geojson",
        [
            feature(bowtie, kode="1", nama="Bowtie"),
            feature(spike.__geo_interface__, kode="2", nama="Spike"),
            feature(square(106.64, -6.2), nama="No code"),
            feature(square(106.65, -6.2), kode="4", nama="Four"),
            feature(square(106.66, -6.2), kode="4", nama="Four again"),
            feature(None, kode="6", nama="No geometry"),
            feature({"type": "Point", "coordinates": [106.6, -6.2]}, kode="7", nama="Point"),
        ],
    )
    report = import_boundaries(db, SLUG, path, level="kecamatan")
    assert report.read == 7
    assert report.inserted == 2
    reasons = dict(report.rejected)
    assert reasons["2 Spike"].startswith("invalid geometry")
    assert reasons["#3 No code"] == "no code"
    assert reasons["4 Four again"].startswith("duplicate")
    assert reasons["6 No geometry"] == "no geometry"
    assert reasons["7 Point"] == "wrong geometry type Point (expected MultiPolygon)"
    repaired = db.execute(
        text(
            "SELECT ST_NumGeometries(geom), ST_IsValid(geom) FROM admin_area"
            " WHERE city_id = :id AND code = '1'"
        ),
        {"id": city.id},
    ).one()
    assert tuple(repaired) == (2, True)


@pytest.mark.filterwarnings("ignore:.crs. was not provided:UserWarning")
def test_shapefile_without_crs(db: Session, city: CityInfo, tmp_path: Path) -> None:
    gdf = gpd.GeoDataFrame(
        {"kode": ["9"], "nama": ["Lonlat"]}, geometry=[box(106.6, -6.2, 106.61, -6.19)]
    )
    gdf.to_file(tmp_path / "lonlat.shp", engine="pyogrio")
    report = import_boundaries(db, SLUG, tmp_path / "lonlat.shp", level="kota")
    assert report.inserted == 1
    assert any("EPSG:4326 was assumed" in n for n in report.notes)

    utm = gpd.GeoDataFrame(
        {"kode": ["8"], "nama": ["Utm"]}, geometry=[box(660000, 9310000, 661000, 9311000)]
    )
    utm.to_file(tmp_path / "utm.shp", engine="pyogrio")
    with pytest.raises(InvalidFileError, match="unknown CRS"):
        import_boundaries(db, SLUG, tmp_path / "utm.shp", level="kota")
    # a GeoJSON is lon/lat by definition; metres in it are an unknown CRS too
    metres = write_geojson(
        tmp_path / "m.geojson", [feature(square(660000, 9310000, 500), kode="1", nama="M")]
    )
    with pytest.raises(InvalidFileError, match="unknown CRS"):
        import_boundaries(db, SLUG, metres, level="kota")
    assert [r["code"] for r in areas(db, city.id)] == ["9"]


def bad_files(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    truncated = tmp_path / "truncated.geojson"
    truncated.write_bytes(shared_file(KELURAHAN).read_bytes()[:5000])
    text_file = tmp_path / "notes.txt"
    text_file.write_text("just some words,\nnot geospatial at all\n")
    empty = tmp_path / "empty.geojson"
    empty.write_bytes(b"")
    no_features = write_geojson(tmp_path / "none.geojson", [])
    points = write_geojson(
        tmp_path / "points.geojson",
        [feature({"type": "Point", "coordinates": [106.6, -6.2]}, kode="1", nama="P")],
    )
    csv = tmp_path / "table.csv"
    csv.write_text("kode,nama\n1,A\n")
    return {
        "truncated": (truncated, "not valid JSON"),
        "not geojson": (shared_file(RAW_SCHOOLS), "JSON but not GeoJSON"),
        "text": (text_file, "not a geospatial file"),
        "empty": (empty, "is empty"),
        "no features": (no_features, "has no features"),
        "points": (points, "wrong geometry type"),
        "csv": (csv, "has no geometries"),
        "missing": (tmp_path / "missing.geojson", "no such file"),
    }


@pytest.mark.shared_data
def test_bad_files_write_nothing(db: Session, city: CityInfo, tmp_path: Path) -> None:
    for name, (path, message) in bad_files(tmp_path).items():
        with pytest.raises(InvalidFileError, match=message):
            import_boundaries(db, SLUG, path, level="kelurahan")
        assert areas(db, city.id) == [], name


@pytest.mark.shared_data
def test_missing_field_level_and_city(db: Session, city: CityInfo) -> None:
    with pytest.raises(InvalidFileError, match="missing field 'nosuch'"):
        import_boundaries(db, SLUG, shared_file(KELURAHAN), level="kelurahan", name_field="nosuch")
    with pytest.raises(InvalidInputError, match="level must be one of"):
        import_boundaries(db, SLUG, KELURAHAN, level="desa")
    with pytest.raises(NotFoundError):
        import_boundaries(db, "no-such-city", KELURAHAN, level="kelurahan")
    assert areas(db, city.id) == []
