"""Vector tiles built by ST_AsMVT: contents, cap order, point aggregation, simplification."""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

import mapbox_vector_tile
import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.errors import NotFoundError
from layers.registry import LAYERS
from layers.tiles import check_tile, fetch_tile, is_aggregated, tile_size_m
from tests.layers.sample import N_ROADS, N_SCHOOLS, insert_sample_city, school_point, tile_of

CENTRE = (106.65, -6.18)  # the sample city is inside one tile up to zoom 12


def _decode(body: bytes) -> dict[str, Any]:
    decoded: dict[str, Any] = mapbox_vector_tile.decode(body)
    return decoded


def _tile(db: Session, city_id: int, layer: Any, z: int, lon: float, lat: float) -> bytes:
    x, y = tile_of(lon, lat, z)
    return fetch_tile(db, city_id, layer, z=z, x=x, y=y)


@pytest.mark.parametrize(
    ("z", "x", "y"),
    [
        (23, 0, 0),
        (40, 0, 0),
        (-1, 0, 0),
        (14, 1 << 14, 0),
        (14, 0, 1 << 14),
        (3, -1, 0),
        (5, 0, 99),
    ],
)
def test_out_of_range_tiles(z: int, x: int, y: int) -> None:
    with pytest.raises(NotFoundError):
        check_tile(LAYERS["schools"], z, x, y)


def test_zoom_range_of_the_layer() -> None:
    parcels = LAYERS["parcels"]
    with pytest.raises(NotFoundError, match=r"zoom 12\.\.20"):
        check_tile(parcels, 11, 0, 0)
    with pytest.raises(NotFoundError):
        check_tile(parcels, 21, 0, 0)
    check_tile(parcels, 12, 4095, 4095)
    check_tile(LAYERS["kota"], 0, 0, 0)


def test_tile_size() -> None:
    assert tile_size_m(0) == pytest.approx(40_075_016.686)
    assert tile_size_m(14) == pytest.approx(2445.98, rel=1e-5)


def test_aggregation_threshold() -> None:
    schools = LAYERS["schools"]
    assert schools.aggregate_below_zoom == 12
    assert is_aggregated(schools, 11)
    assert not is_aggregated(schools, 12)
    assert not is_aggregated(LAYERS["roads"], 0)


@pytest.mark.postgis
def test_tiles_hold_the_features_and_properties(db: Session) -> None:
    sample = insert_sample_city(db)
    cid = sample.city.id
    for layer_id, z in [
        ("kota", 10),
        ("kecamatan", 10),
        ("kelurahan", 12),
        ("roads", 12),
        ("angkot_routes", 12),
        ("schools", 12),
        ("parcels", 12),
    ]:
        layer = LAYERS[layer_id]
        tile = _decode(_tile(db, cid, layer, z, *CENTRE))
        assert list(tile) == [layer_id]
        feats = tile[layer_id]["features"]
        assert len(feats) == sample.counts[layer_id], layer_id
        assert tile[layer_id]["extent"] == 4096
        for feature in feats:
            assert set(feature["properties"]) <= {p.name for p in layer.properties}
            assert isinstance(feature["id"], int)
            assert feature["id"] > 0
    schools = _decode(_tile(db, cid, LAYERS["schools"], 12, *CENTRE))["schools"]["features"]
    first = next(f for f in schools if f["properties"]["npsn"] == "20670000")
    assert first["properties"] == {
        "npsn": "20670000",
        "name": "Sekolah 0",
        "level": "SD",
        "status": "negeri",
        "address": "Jl. Uji No. 0",
        "kelurahan_code": "36.71.01.1001",
    }
    assert first["geometry"]["type"] == "Point"
    parcels = _decode(_tile(db, cid, LAYERS["parcels"], 12, *CENTRE))["parcels"]["features"]
    assert sorted(f["properties"]["issued_on"] for f in parcels)[0] == "2024-05-01T08:00:00Z"
    roads = _decode(_tile(db, cid, LAYERS["roads"], 12, *CENTRE))["roads"]["features"]
    assert {f["properties"]["oneway"] for f in roads} == {True, False}
    assert all(f["geometry"]["type"] == "LineString" for f in roads)


@pytest.mark.postgis
def test_empty_tile_and_other_city(db: Session) -> None:
    one = insert_sample_city(db, "tile-one")
    assert _tile(db, one.city.id, LAYERS["schools"], 14, 0.0, 0.0) == b""
    empty = insert_sample_city(db, "tile-two")
    db.execute(text("DELETE FROM school WHERE city_id = :c"), {"c": empty.city.id})
    assert _tile(db, empty.city.id, LAYERS["schools"], 12, *CENTRE) == b""
    tile = _decode(_tile(db, one.city.id, LAYERS["schools"], 12, *CENTRE))
    assert len(tile["schools"]["features"]) == N_SCHOOLS  # not doubled by the other city


@pytest.mark.postgis
def test_cap_keeps_the_newest_points(db: Session) -> None:
    city = insert_sample_city(db).city
    capped = replace(LAYERS["schools"], tile_feature_cap=5)
    ids = [
        int(i)
        for i in db.execute(
            text("SELECT id FROM school WHERE city_id = :c ORDER BY id"), {"c": city.id}
        ).scalars()
    ]
    feats = _decode(_tile(db, city.id, capped, 12, *CENTRE))["schools"]["features"]
    assert sorted(f["id"] for f in feats) == ids[-5:]


@pytest.mark.postgis
def test_cap_keeps_the_longest_roads(db: Session) -> None:
    city = insert_sample_city(db).city
    db.execute(
        text("UPDATE road_edge SET length_m = 10 * u WHERE city_id = :c"), {"c": city.id}
    )  # u = 0..11, so the cap keeps u = 11, 10, 9
    capped = replace(LAYERS["roads"], tile_feature_cap=3)
    feats = _decode(_tile(db, city.id, capped, 12, *CENTRE))["roads"]["features"]
    assert sorted(f["properties"]["name"] for f in feats) == ["Jalan 10", "Jalan 11", "Jalan 9"]
    assert N_ROADS > 3


@pytest.mark.postgis
def test_low_zoom_aggregates_points_into_counts(db: Session) -> None:
    city = insert_sample_city(db).city
    lon, lat = school_point(12)
    for i in range(30):  # a dense cluster of 30 schools within ~100 m of school 12
        db.execute(
            text(
                "INSERT INTO school (city_id, npsn, name, level, status, geom) VALUES"
                " (:c, :npsn, 'Klaster', 'SD', 'swasta', ST_SetSRID(ST_MakePoint(:x, :y), 4326))"
            ),
            {"c": city.id, "npsn": f"9{i:07d}", "x": lon + i * 0.00003, "y": lat},
        )
    tile = _decode(_tile(db, city.id, LAYERS["schools"], 10, *CENTRE))["schools"]["features"]
    counts = sorted(f["properties"]["count"] for f in tile)
    assert sum(counts) == N_SCHOOLS + 30
    assert counts[-1] >= 31  # the cluster plus school 12 in one cell
    assert len(tile) < N_SCHOOLS + 30
    assert all(set(f["properties"]) == {"count"} for f in tile)
    assert all(f["geometry"]["type"] == "Point" for f in tile)
    # from the aggregation zoom on, single points again
    detail = _decode(_tile(db, city.id, LAYERS["schools"], 12, *CENTRE))["schools"]["features"]
    assert len(detail) == N_SCHOOLS + 30
    assert "count" not in detail[0]["properties"]


@pytest.mark.postgis
def test_polygons_are_simplified_at_low_zoom(db: Session) -> None:
    city = insert_sample_city(db).city
    # a kelurahan: a 400-vertex ring of radius ~110 m with 2 m wiggles, centred in a z16 tile
    x, y = tile_of(*CENTRE, 16)
    lon = (x + 0.5) / (1 << 16) * 360.0 - 180.0
    lat = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * (y + 0.5) / (1 << 16)))))
    db.execute(
        text(
            """
            UPDATE admin_area SET geom = ST_Multi(ST_MakePolygon(ST_AddPoint(w.line,
                                                                 ST_StartPoint(w.line))))
            FROM (SELECT ST_MakeLine(ST_SetSRID(ST_MakePoint(
                    :lon + (0.001 + 0.00002 * (i % 2)) * cos(radians(i * 0.9)),
                    :lat + (0.001 + 0.00002 * (i % 2)) * sin(radians(i * 0.9))), 4326)
                    ORDER BY i) AS line
                  FROM generate_series(0, 399) i) w
            WHERE city_id = :c AND level = 'kelurahan' AND code LIKE '%.1001'
            """
        ),
        {"c": city.id, "lon": lon, "lat": lat},
    )

    def vertices(z: int) -> int:
        feats = _decode(_tile(db, city.id, LAYERS["kelurahan"], z, lon, lat))
        ring = next(
            f for f in feats["kelurahan"]["features"] if f["properties"]["name"] == "Kelurahan 1"
        )["geometry"]["coordinates"][0]
        return len(ring)

    assert vertices(16) > 300  # wiggles of 2 m are ~13 tile units at z16: kept
    assert vertices(10) < 40  # and far below a pixel at z10: simplified away
