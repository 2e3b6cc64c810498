"""The statuses OGC API Features and Tiles give to spec-level requests (issue #11), and the
query-string rules of every path: one test per deviation."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session

from tests.api.test_service import assert_problem
from tests.layers.sample import N_SCHOOLS, SampleCity, insert_sample_city

pytestmark = pytest.mark.postgis
CITY = "/cities/rules-test"
ITEMS = f"{CITY}/collections/schools/items"


@pytest.fixture
def sample(db: Session) -> SampleCity:
    return insert_sample_city(db, "rules-test")


@pytest.mark.parametrize(
    "query",
    ["limit=0", "limit=abc", "offset=-1", "bbox=1,2,3", "f=xml", "properties=nosuch"],
)
def test_invalid_values_are_400(client: Any, sample: SampleCity, query: str) -> None:
    body = assert_problem(client.get(f"{ITEMS}?{query}"), 400)
    assert body["errors"][0]["field"] == query.split("=", maxsplit=1)[0]


@pytest.mark.parametrize("query", ["levle=SMP", "LIMIT=1", "Bbox=1,2,3,4"])
def test_unknown_parameters_are_400_naming_them(
    client: Any, sample: SampleCity, query: str
) -> None:
    name = query.split("=", maxsplit=1)[0]
    body = assert_problem(client.get(f"{ITEMS}?{query}"), 400, "unknown-parameter")
    assert body["errors"][0]["field"] == name
    assert name in body["detail"]
    assert "limit" in body["detail"]
    assert "level" in body["detail"]  # the layer's queryables are known parameters


def test_unknown_parameters_on_documents_are_400(client: Any, sample: SampleCity) -> None:
    for path in ("", "/conformance", "/collections", "/collections/schools", "/tileMatrixSets"):
        assert_problem(client.get(f"{CITY}{path}?foo=1"), 400, "unknown-parameter")
    assert_problem(client.get(f"{ITEMS}/1?limit=1"), 400, "unknown-parameter")


def test_queryables_filter_and_f_json_stay_accepted(client: Any, sample: SampleCity) -> None:
    fc = client.get(f"{ITEMS}?level=SMP&f=json&limit=100").json()
    assert fc["features"]
    assert {f["properties"]["level"] for f in fc["features"]} == {"SMP"}
    assert client.get(f"{CITY}/collections?f=json").status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        f"{ITEMS}?level=SD&level=SMP",
        f"{CITY}/search?q=sekolah&q=jalan",
        f"{CITY}/routes/near?lon=106.6&lat=-6.2&lon=106.7",
        "/cities?x=1&x=2",
    ],
)
def test_repeated_parameters_are_400_everywhere(client: Any, sample: SampleCity, url: str) -> None:
    body = assert_problem(client.get(url), 400, "repeated-parameter")
    assert body["errors"]


def test_f_html_is_406_everywhere(client: Any, sample: SampleCity) -> None:
    paths = [
        "",
        "/conformance",
        "/collections",
        "/collections/schools",
        "/collections/schools/items",
    ]
    paths += ["/collections/schools/items/1", "/collections/schools/queryables"]
    paths += ["/collections/schools/tiles", "/tileMatrixSets/WebMercatorQuad"]
    for path in paths:
        assert_problem(client.get(f"{CITY}{path}?f=html"), 406, "not-acceptable")


def test_non_integer_ids_are_404(client: Any, sample: SampleCity) -> None:
    for fid in ("abc", "1.0"):
        assert_problem(client.get(f"{ITEMS}/{fid}"), 404)


def test_outside_the_ogc_paths_a_bad_value_stays_422(client: Any, sample: SampleCity) -> None:
    assert_problem(client.get(f"{CITY}/schools/nearest?lon=abc&lat=-6.2"), 422)


def test_bbox_with_heights_is_the_2d_box(client: Any, sample: SampleCity) -> None:
    flat = client.get(f"{ITEMS}?bbox=106.605,-6.215,106.615,-6.15").json()
    deep = client.get(f"{ITEMS}?bbox=106.605,-6.215,-10,106.615,-6.15,100").json()
    assert flat["numberMatched"] == deep["numberMatched"] == 5


def test_antimeridian_box_is_valid(client: Any, sample: SampleCity) -> None:
    # from 170 E eastwards across 180 to 107 E: covers the city (about 106.6 E)
    r = client.get(f"{ITEMS}?bbox=170,-7,107,-6&limit=100")
    assert r.status_code == 200, r.text
    assert r.json()["numberMatched"] == N_SCHOOLS
    # from 170 E to 100 E the long way round ends west of Tangerang: nothing
    assert client.get(f"{ITEMS}?bbox=170,-7,100,-6").json()["numberMatched"] == 0


def test_queryables_are_a_json_schema(client: Any, sample: SampleCity) -> None:
    r = client.get(f"{CITY}/collections/schools/queryables")
    assert r.headers["content-type"] == "application/schema+json"
    doc = r.json()
    assert doc["$schema"].startswith("https://json-schema.org/")
    assert doc["type"] == "object"
    assert "level" in doc["properties"]


def test_landing_page_has_title_and_description(client: Any, sample: SampleCity) -> None:
    doc = client.get(CITY).json()
    assert sample.city.name in doc["title"]
    assert doc["description"]
    rels = {link["rel"] for link in doc["links"]}
    assert {"conformance", "data", "http://www.opengis.net/def/rel/ogc/1.0/tiling-schemes"} <= rels


def test_conformance_declares_tiles(client: Any, sample: SampleCity) -> None:
    classes = client.get(f"{CITY}/conformance").json()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tilesets-list" in classes


def test_tiles_link_is_the_ogc_tilesets_list(client: Any, sample: SampleCity) -> None:
    """OGC API - Tiles: collection -> tilesets -> tileset -> tile matrix set; TileJSON apart."""
    coll = client.get(f"{CITY}/collections/schools").json()
    rel = "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector"
    tiles = next(link["href"] for link in coll["links"] if link["rel"] == rel)
    (summary,) = client.get(tiles).json()["tilesets"]
    assert summary["dataType"] == "vector"
    self_href = next(link["href"] for link in summary["links"] if link["rel"] == "self")
    tileset = client.get(self_href).json()
    rels = {link["rel"]: link for link in tileset["links"]}
    assert rels["item"]["href"].endswith("/{tileMatrix}/{tileCol}/{tileRow}")
    assert client.get(rels["describedby"]["href"]).json()["tilejson"] == "3.0.0"
    scheme = rels["http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme"]["href"]
    tms = client.get(scheme).json()
    assert tms["id"] == "WebMercatorQuad"
    assert tms["tileMatrices"][0]["matrixWidth"] == 1
    assert {lim["tileMatrix"] for lim in tileset["tileMatrixSetLimits"]} >= {"14"}
    ids = [t["id"] for t in client.get(f"{CITY}/tileMatrixSets").json()["tileMatrixSets"]]
    assert ids == ["WebMercatorQuad"]
    assert_problem(client.get(f"{CITY}/collections/schools/tiles/WorldCRS84Quad"), 404)
    assert_problem(client.get(f"{CITY}/tileMatrixSets/WorldCRS84Quad"), 404)
