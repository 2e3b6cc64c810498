"""Parcel intake: every format gives the same parcel, bad files give the right error, the city
boundary holds (geo/permits/intake.py)."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pyogrio
import pytest
import shapely
from pyproj import Geod
from shapely.geometry import MultiPolygon, Polygon, mapping
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.permits import (
    MAX_VERTICES,
    ParcelArchiveError,
    ParcelAreaError,
    ParcelCrsMissingError,
    ParcelFormatError,
    ParcelGeometryTypeError,
    ParcelInvalidError,
    ParcelOutsideCityError,
    ParcelTooManyVerticesError,
    check_parcel,
    parcel_from_geojson,
    read_parcel,
)
from tests.geo.permit_files import (
    bowtie_lonlat,
    circle_lonlat,
    formats,
    frame,
    knotted_lonlat,
    line_lonlat,
    parcel_lonlat,
    parcel_utm,
    square_lonlat,
    write,
    zip_bomb,
    zipped_shapefile,
)
from tests.layers.sample import insert_sample_city

GEOD = Geod(ellps="WGS84")


def geodesic_m2(geom: Polygon | MultiPolygon) -> float:
    return abs(GEOD.geometry_area_perimeter(geom)[0])


def test_every_format_gives_the_same_parcel(tmp_path: Path) -> None:
    files = formats(tmp_path)
    drawn_m2 = parcel_utm().area  # the outline was drawn in UTM 48S metres
    assert drawn_m2 == pytest.approx(100 * 40 + 40 * 50 - 20 * 15)
    parcels = {fmt: read_parcel(data, name) for fmt, (name, data) in files.items()}
    for fmt, parcel in parcels.items():
        assert parcel.source_format == fmt
        assert parcel.area_m2 == pytest.approx(drawn_m2, rel=0.001), fmt
        # an independent measure: geodesic area on the ellipsoid (pyproj), within 0.1 %
        assert geodesic_m2(parcel.geometry) == pytest.approx(drawn_m2, rel=0.001), fmt
        assert isinstance(parcel.geometry, MultiPolygon)
        assert len(parcel.geometry.geoms) == 1
        assert len(parcel.geometry.geoms[0].interiors) == 1  # the courtyard survived
        assert parcel.vertices == 6 + 4
        assert not parcel.repaired
        assert parcel.repair_note is None
        assert parcel.geometry.is_valid
        # lon/lat with 7 decimals at most
        coords = shapely.get_coordinates(parcel.geometry)
        assert (abs(coords * 1e7 - (coords * 1e7).round()) < 1e-3).all()
    assert parcels["shp"].source_crs == "EPSG:32748"
    assert {parcels[f].source_crs for f in ("geojson", "kml", "gpkg")} == {"EPSG:4326"}
    areas = [p.area_m2 for p in parcels.values()]
    assert max(areas) / min(areas) - 1 < 0.001
    # the same place too, not only the same size
    shapes = [p.geometry for p in parcels.values()]
    for other in shapes[1:]:
        assert shapes[0].symmetric_difference(other).area / shapes[0].area < 1e-4


def test_the_public_answer(tmp_path: Path) -> None:
    name, data = formats(tmp_path)["shp"]
    answer = read_parcel(data, name).public()
    assert set(answer) == {
        "geometry",
        "area_m2",
        "vertices",
        "format",
        "crs",
        "repaired",
        "repair_note",
    }
    assert answer["geometry"]["type"] == "MultiPolygon"
    assert (answer["format"], answer["crs"], answer["repaired"]) == ("shp", "EPSG:32748", False)
    json.dumps(answer)  # plain JSON (lists, not tuples of numpy values)
    shell = Polygon(answer["geometry"]["coordinates"][0][0])
    assert shell.exterior.is_ccw  # GeoJSON's winding, though a shapefile winds clockwise


def test_a_drawn_geometry_and_a_feature(tmp_path: Path) -> None:
    geom = mapping(parcel_lonlat())
    drawn = parcel_from_geojson(dict(geom))
    feature = parcel_from_geojson({"type": "Feature", "properties": {}, "geometry": geom})
    assert drawn.area_m2 == pytest.approx(feature.area_m2)
    assert (drawn.source_format, drawn.source_crs) == ("geojson", "EPSG:4326")
    assert drawn.area_m2 == pytest.approx(parcel_utm().area, rel=0.001)


def test_a_kmz_and_a_bare_geojson_geometry(tmp_path: Path) -> None:
    kml = write(frame(parcel_lonlat()), tmp_path, "doc.kml", "KML")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("doc.kml", kml)
    kmz = read_parcel(buf.getvalue(), "persil.kmz")
    bare = read_parcel(json.dumps(mapping(parcel_lonlat())).encode(), "persil.json")
    assert kmz.source_format == "kml"
    assert kmz.area_m2 == pytest.approx(bare.area_m2, rel=1e-6)


def test_a_small_knot_is_repaired_and_said_so() -> None:
    parcel = parcel_from_geojson(mapping(knotted_lonlat()))
    assert parcel.repaired
    assert parcel.geometry.is_valid
    assert parcel.original_area_m2 is not None
    assert parcel.area_m2 == pytest.approx(parcel.original_area_m2, rel=0.01)
    assert parcel.area_m2 != pytest.approx(parcel.original_area_m2, abs=0.01)
    assert parcel.repair_note is not None
    assert "make_valid" in parcel.repair_note
    assert "Self-intersection" in parcel.repair_note


def test_a_bowtie_is_refused_where_it_crosses(tmp_path: Path) -> None:
    bowtie = bowtie_lonlat()
    with pytest.raises(ParcelInvalidError) as drawn:
        parcel_from_geojson(mapping(bowtie))
    centre = shapely.centroid(bowtie.envelope)
    assert drawn.value.location == pytest.approx([centre.x, centre.y], abs=1e-6)
    assert drawn.value.members()["location"] == drawn.value.location
    assert drawn.value.reason == "Self-intersection"
    assert "cross itself" in drawn.value.detail
    data = write(frame(bowtie), tmp_path, "bowtie.geojson", "GeoJSON")
    with pytest.raises(ParcelInvalidError):
        read_parcel(data, "bowtie.geojson")


def test_a_zip_without_prj(tmp_path: Path) -> None:
    data = zipped_shapefile(frame(parcel_utm(), crs=32748), tmp_path, prj=False)
    with pytest.raises(ParcelCrsMissingError, match=r"\.prj"):
        read_parcel(data, "persil.zip")


def test_a_zip_bomb_is_refused_before_unpacking(tmp_path: Path) -> None:
    data = zip_bomb()
    with pytest.raises(ParcelArchiveError, match="unpack to 101 MB"):
        read_parcel(data, "persil.zip")


def test_a_zip_whose_header_lies_about_its_size(tmp_path: Path) -> None:
    """Declared sizes say 1 KB, the stream inflates to 20 MB: unpacking stops at the
    declared size (or zipfile's CRC check fails), nothing past it is written."""
    real = zipped_shapefile(frame(parcel_utm(), crs=32748), tmp_path)
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(real)) as source, zipfile.ZipFile(buf, "w") as target:
        for info in source.infolist():
            if not info.filename.endswith(".cpg"):
                target.writestr(info, source.read(info), zipfile.ZIP_DEFLATED)
        target.writestr("persil/persil.cpg", b"0" * 20_000_000, zipfile.ZIP_DEFLATED)
    data = bytearray(buf.getvalue())
    # rewrite the .cpg's declared size (local header and central directory) to 1,000 bytes
    size = (20_000_000).to_bytes(4, "little")
    assert data.count(size) == 2
    data = bytearray(bytes(data).replace(size, (1000).to_bytes(4, "little")))
    with pytest.raises(ParcelArchiveError, match=r"declared size|corrupt"):
        read_parcel(bytes(data), "persil.zip")


def test_archive_limits(tmp_path: Path) -> None:
    many = io.BytesIO()
    with zipfile.ZipFile(many, "w") as archive:
        for i in range(70):
            archive.writestr(f"f{i}.txt", b"x")
    with pytest.raises(ParcelArchiveError, match="70 files"):
        read_parcel(many.getvalue(), "many.zip")
    dense = io.BytesIO()  # 30 MB of zeros in ~30 KB: under the cap, over the ratio
    with zipfile.ZipFile(dense, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("persil.dbf", b"\0" * 30_000_000)
    with pytest.raises(ParcelArchiveError, match="times"):
        read_parcel(dense.getvalue(), "dense.zip")
    with pytest.raises(ParcelArchiveError, match="corrupt"):
        read_parcel(b"PK\x03\x04" + b"\x00" * 40, "broken.zip")
    empty = io.BytesIO()
    with zipfile.ZipFile(empty, "w") as archive:
        archive.writestr("readme.txt", b"no shapefile here")
    with pytest.raises(ParcelFormatError, match="no shapefile"):
        read_parcel(empty.getvalue(), "x.zip")
    two = io.BytesIO()
    one = zipped_shapefile(frame(parcel_utm(), crs=32748), tmp_path, stem="a")
    with zipfile.ZipFile(io.BytesIO(one)) as a, zipfile.ZipFile(two, "w") as archive:
        for info in a.infolist():
            archive.writestr(info.filename, a.read(info))
            archive.writestr(info.filename.replace("a/a.", "b/b."), a.read(info))
    with pytest.raises(ParcelFormatError, match="2 shapefiles"):
        read_parcel(two.getvalue(), "two.zip")


def test_not_a_polygon(tmp_path: Path) -> None:
    with pytest.raises(ParcelGeometryTypeError, match="LineString"):
        parcel_from_geojson(mapping(line_lonlat()))
    line = write(frame(line_lonlat()), tmp_path, "line.geojson", "GeoJSON")
    with pytest.raises(ParcelGeometryTypeError, match="LineString"):
        read_parcel(line, "line.geojson")
    two = write(frame([parcel_lonlat(), square_lonlat(200, 0, 20)]), tmp_path, "two.gpkg", "GPKG")
    with pytest.raises(ParcelGeometryTypeError, match="2 features"):
        read_parcel(two, "two.gpkg")
    empty = json.dumps({"type": "FeatureCollection", "features": []}).encode()
    with pytest.raises(ParcelGeometryTypeError, match="no geometry"):
        read_parcel(empty, "empty.geojson")


def test_too_many_vertices(tmp_path: Path) -> None:
    assert parcel_from_geojson(mapping(circle_lonlat(MAX_VERTICES))).vertices == MAX_VERTICES
    with pytest.raises(ParcelTooManyVerticesError, match="20,000"):
        parcel_from_geojson(mapping(circle_lonlat(20_000)))
    data = write(frame(circle_lonlat(20_000)), tmp_path, "round.gpkg", "GPKG")
    with pytest.raises(ParcelTooManyVerticesError):
        read_parcel(data, "round.gpkg")


def test_area_limits() -> None:
    assert parcel_from_geojson(mapping(square_lonlat(0, 0, 3.3))).area_m2 > 10
    with pytest.raises(ParcelAreaError, match="10 m²"):
        parcel_from_geojson(mapping(square_lonlat(0, 0, 3.0)))
    with pytest.raises(ParcelAreaError, match="1,000 ha"):
        parcel_from_geojson(mapping(square_lonlat(0, 0, 3_200)))


def test_unknown_and_unreadable_formats(tmp_path: Path) -> None:
    with pytest.raises(ParcelFormatError, match="unknown parcel file"):
        read_parcel(b"%PDF-1.7 not a parcel", "persil.pdf")
    with pytest.raises(ParcelFormatError, match="unknown parcel file"):
        read_parcel(b"kode,nama\n1,Persil\n", "persil.csv")
    with pytest.raises(ParcelFormatError, match="empty"):
        read_parcel(b"", "persil.geojson")
    with pytest.raises(ParcelFormatError, match="not valid JSON"):
        read_parcel(b'{"type": "Feature", ', "persil.geojson")
    with pytest.raises(ParcelFormatError, match="not GeoJSON"):
        read_parcel(b'{"kode": 1}', "persil.json")
    with pytest.raises(ParcelFormatError, match="cannot be read"):
        read_parcel(b"SQLite format 3\x00" + b"\x00" * 200, "persil.gpkg")
    with pytest.raises(ParcelFormatError, match="GeoJSON object"):
        parcel_from_geojson([1, 2])  # type: ignore[arg-type]
    with pytest.raises(ParcelFormatError, match="malformed"):
        parcel_from_geojson({"type": "Polygon", "coordinates": [[[106.6, -6.2], [106.7, -6.2]]]})


def test_no_crs_or_not_lonlat(tmp_path: Path) -> None:
    metres = write(frame(parcel_utm(), crs=None), tmp_path, "metres.gpkg", "GPKG")
    with pytest.raises(ParcelCrsMissingError):
        read_parcel(metres, "metres.gpkg")
    # GeoJSON without "crs" is lon/lat: metres there are not
    geojson = json.dumps(mapping(parcel_utm())).encode()
    with pytest.raises(ParcelCrsMissingError, match="not longitude/latitude"):
        read_parcel(geojson, "metres.geojson")
    # GeoJSON naming its CRS (GDAL reads the old "crs" member): reprojected
    named = json.loads(write(frame(parcel_utm(), crs=32748), tmp_path, "n.geojson", "GeoJSON"))
    assert "32748" in json.dumps(named["crs"])
    parcel = read_parcel(json.dumps(named).encode(), "n.geojson")
    assert parcel.source_crs == "EPSG:32748"
    assert parcel.area_m2 == pytest.approx(parcel_utm().area, rel=0.001)


def test_the_files_are_what_gdal_reads(tmp_path: Path) -> None:
    """The fixtures are real files: GDAL lists them with the right drivers."""
    files = formats(tmp_path)
    for fmt in ("geojson", "kml", "gpkg"):
        name, data = files[fmt]
        path = tmp_path / f"again-{name}"
        path.write_bytes(data)
        assert len(pyogrio.list_layers(path)) == 1


# -- the city --------------------------------------------------------------------------------
@pytest.mark.postgis
def test_inside_outside_and_across_the_city(db: Session) -> None:
    city = insert_sample_city(db, "permit-intake").city
    before = db.execute(text("SELECT count(*) FROM permit_parcel")).scalar_one()
    check_parcel(db, city.id, parcel_from_geojson(mapping(parcel_lonlat())))
    # the sample city's kota area ends at lon 106.70: a parcel 20 km east lies outside
    far = shapely.affinity.translate(parcel_lonlat(), xoff=0.2)
    with pytest.raises(ParcelOutsideCityError) as outside:
        check_parcel(db, city.id, parcel_from_geojson(mapping(far)))
    assert "lies outside" in outside.value.detail
    # across the eastern edge: half of a 100 m square lies outside
    edge = shapely.geometry.box(106.70 - 0.00045, -6.2, 106.70 + 0.00045, -6.1991)
    across = parcel_from_geojson(mapping(edge))
    with pytest.raises(ParcelOutsideCityError) as crossing:
        check_parcel(db, city.id, across)
    assert crossing.value.outside_m2 == pytest.approx(across.area_m2 / 2, rel=0.01)
    assert "crosses" in crossing.value.detail
    assert db.execute(text("SELECT count(*) FROM permit_parcel")).scalar_one() == before


@pytest.mark.postgis
def test_the_boundary_falls_back_to_kelurahan_then_bbox(db: Session) -> None:
    city = insert_sample_city(db, "permit-fallback").city
    inside = parcel_from_geojson(mapping(parcel_lonlat()))
    db.execute(
        text("DELETE FROM admin_area WHERE city_id = :c AND level IN ('kota', 'kecamatan')"),
        {"c": city.id},
    )
    # the parcel straddles no kelurahan edge; a kelurahan hole under it makes it outside
    check_parcel(db, city.id, inside)
    db.execute(
        text(
            "UPDATE admin_area SET geom = ST_Multi(ST_Difference(geom,"
            " ST_Buffer(ST_SetSRID(ST_MakePoint(106.6555, -6.2045), 4326), 0.0002)))"
            " WHERE city_id = :c AND level = 'kelurahan'"
        ),
        {"c": city.id},
    )
    with pytest.raises(ParcelOutsideCityError):
        check_parcel(db, city.id, inside)
    db.execute(text("DELETE FROM admin_area WHERE city_id = :c"), {"c": city.id})
    check_parcel(db, city.id, inside)  # the bbox (106.60..106.70, -6.22..-6.14)
    far = parcel_from_geojson(mapping(shapely.affinity.translate(parcel_lonlat(), yoff=0.2)))
    with pytest.raises(ParcelOutsideCityError):
        check_parcel(db, city.id, far)
