"""Vector tiles over HTTP: TileJSON, MVT bodies, 204 for empty tiles, errors and caching."""

from __future__ import annotations

from typing import Any

import mapbox_vector_tile
import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from tests.api.test_service import assert_problem
from tests.layers.sample import N_SCHOOLS, SampleCity, insert_sample_city, tile_of

pytestmark = pytest.mark.postgis
MVT = "application/vnd.mapbox-vector-tile"
CITY = "/cities/tiles-test"
CENTRE = (106.65, -6.18)


@pytest.fixture
def sample(db: Session) -> SampleCity:
    return insert_sample_city(db, "tiles-test")


def _url(layer: str, z: int, lon: float = CENTRE[0], lat: float = CENTRE[1]) -> str:
    x, y = tile_of(lon, lat, z)
    return f"{CITY}/collections/{layer}/tiles/WebMercatorQuad/{z}/{x}/{y}"


def test_tilejson(client: Any, sample: SampleCity) -> None:
    r = client.get(f"{CITY}/collections/schools/tiles/WebMercatorQuad/tilejson")
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/json"
    doc = r.json()
    assert doc["tilejson"] == "3.0.0"
    assert doc["tiles"] == [
        f"http://testserver{CITY}/collections/schools/tiles/WebMercatorQuad/{{z}}/{{x}}/{{y}}"
    ]
    assert (doc["minzoom"], doc["maxzoom"]) == (8, 20)
    assert doc["bounds"] == pytest.approx(list(sample.city.bbox))
    assert doc["center"] == pytest.approx([*sample.city.center, 12])
    (vector_layer,) = doc["vector_layers"]
    assert vector_layer["id"] == "schools"
    assert vector_layer["fields"]["level"] == "String"
    assert vector_layer["fields"]["count"] == "Number"  # aggregated low-zoom tiles
    roads = client.get(f"{CITY}/collections/roads/tiles/WebMercatorQuad/tilejson").json()
    assert roads["vector_layers"][0]["fields"] == {
        "name": "String",
        "road_class": "String",
        "oneway": "Boolean",
        "length_m": "Number",
    }


def test_tile_decodes_with_the_features(client: Any, sample: SampleCity) -> None:
    r = client.get(_url("schools", 12))
    assert r.status_code == 200
    assert r.headers["content-type"] == MVT
    assert r.headers["cache-control"] == "public, no-cache"
    tile = mapbox_vector_tile.decode(r.content)
    feats = tile["schools"]["features"]
    assert len(feats) == N_SCHOOLS
    assert {f["properties"]["level"] for f in feats} == {"SD", "SMP", "SMA", "SMK", "SLB"}
    routes = mapbox_vector_tile.decode(client.get(_url("angkot_routes", 12)).content)
    assert sorted(f["properties"]["code"] for f in routes["angkot_routes"]["features"]) == [
        "R01",
        "R02",
        "R03",
    ]


def test_low_zoom_point_tile_has_counts(client: Any, sample: SampleCity) -> None:
    r = client.get(_url("schools", 9))
    assert r.status_code == 200
    feats = mapbox_vector_tile.decode(r.content)["schools"]["features"]
    assert sum(f["properties"]["count"] for f in feats) == N_SCHOOLS


def test_empty_tile_is_204(client: Any, sample: SampleCity) -> None:
    r = client.get(_url("schools", 14, 0.0, 0.0))
    assert r.status_code == 204
    assert r.content == b""
    assert r.headers["etag"].startswith('W/"')


@pytest.mark.parametrize(
    "tail",
    [
        "40/0/0",
        "23/0/0",
        "14/16384/0",
        "14/0/16384",
        "3/-1/0",
        "3/0/-1",
        "5/40/3",
        "7/0/0",  # below the layer's min zoom (8)
        "21/0/0",  # above its max zoom (20)
    ],
)
def test_out_of_range_tiles_are_404(client: Any, sample: SampleCity, tail: str) -> None:
    body = assert_problem(
        client.get(f"{CITY}/collections/schools/tiles/WebMercatorQuad/{tail}"),
        404,
        "tile-out-of-range",
    )
    assert "zoom" in body["detail"] or "outside" in body["detail"]


@pytest.mark.parametrize("tail", ["a/0/0", "3/x/0", "3/0/1.5"])
def test_non_integer_tile_index_is_404(client: Any, sample: SampleCity, tail: str) -> None:
    assert_problem(client.get(f"{CITY}/collections/schools/tiles/WebMercatorQuad/{tail}"), 404)


def test_unknown_layer_city_or_matrix_set(client: Any, sample: SampleCity) -> None:
    assert_problem(
        client.get(f"{CITY}/collections/nope/tiles/WebMercatorQuad/3/0/0"), 404, "layer-not-found"
    )
    assert_problem(client.get(f"{CITY}/collections/nope/tiles/WebMercatorQuad"), 404)
    assert_problem(
        client.get("/cities/unknown/collections/schools/tiles/WebMercatorQuad/9/0/0"), 404
    )
    assert_problem(client.get(f"{CITY}/collections/schools/tiles/WorldCRS84Quad/3/0/0"), 404)


def test_tile_etag_304_and_change_after_write(client: Any, db: Session, sample: SampleCity) -> None:
    url = _url("schools", 12)
    etag = client.get(url).headers["etag"]
    cached = client.get(url, headers={"If-None-Match": etag})
    assert cached.status_code == 304
    assert cached.content == b""
    parcels = client.get(_url("parcels", 12)).headers["etag"]
    db.execute(
        text("DELETE FROM school WHERE city_id = :c AND npsn = '20670000'"), {"c": sample.city.id}
    )
    fresh = client.get(url, headers={"If-None-Match": etag})
    assert fresh.status_code == 200
    assert fresh.headers["etag"] != etag
    assert len(mapbox_vector_tile.decode(fresh.content)["schools"]["features"]) == N_SCHOOLS - 1
    assert client.get(_url("parcels", 12), headers={"If-None-Match": parcels}).status_code == 304


def _counted(body: bytes) -> int:
    return sum(
        f["properties"]["count"] for f in mapbox_vector_tile.decode(body)["schools"]["features"]
    )


def test_low_zoom_tiles_come_from_the_grid_and_follow_writes(
    client: Any, db: Session, sample: SampleCity
) -> None:
    cid = {"c": sample.city.id}
    state = "SELECT revision FROM layer_point_grid_state WHERE city_id = :c AND layer = 'schools'"
    assert db.execute(text(state), cid).first() is None
    first = client.get(_url("schools", 10))
    assert first.status_code == 200
    assert _counted(first.content) == N_SCHOOLS
    revision = db.execute(text(state), cid).scalar_one()  # built by the first low-zoom tile
    assert first.headers["etag"] == f'W/"{sample.city.id}-schools-{revision}"'
    assert client.get(_url("schools", 9)).content  # other zooms: the same grid
    assert db.execute(text(state), cid).scalar_one() == revision
    db.execute(
        text(
            "INSERT INTO school (city_id, npsn, name, level, status, geom)"
            " SELECT :c, '9' || lpad(i::text, 7, '0'), 'Baru', 'SD', 'negeri',"
            " ST_SetSRID(ST_MakePoint(106.65 + i * 0.0001, -6.18), 4326)"
            " FROM generate_series(1, 4) i"
        ),
        cid,
    )
    after = client.get(_url("schools", 10), headers={"If-None-Match": first.headers["etag"]})
    assert after.status_code == 200
    assert _counted(after.content) == N_SCHOOLS + 4
    assert db.execute(text(state), cid).scalar_one() > revision  # rebuilt for the write
    detail = client.get(_url("schools", 12))  # from the aggregation zoom on: the points
    assert len(mapbox_vector_tile.decode(detail.content)["schools"]["features"]) == N_SCHOOLS + 4
