"""Items: query validation, and FeatureCollections built by PostgreSQL (RFC 7946)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.errors import InvalidInputError, NotFoundError
from layers import features
from layers.features import (
    ItemsQuery,
    feature_collection,
    fetch_item,
    fetch_items,
    next_offset,
    parse_items_query,
    prev_offset,
)
from layers.registry import LAYERS
from tests.layers.sample import N_SCHOOLS, insert_sample_city

SCHOOLS = LAYERS["schools"]


def _errors(params: list[tuple[str, str]], layer_id: str = "schools") -> list[dict[str, str]]:
    with pytest.raises(InvalidInputError) as info:
        parse_items_query(LAYERS[layer_id], params)
    assert info.value.errors
    return info.value.errors


# -- parsing -----------------------------------------------------------------------------------
def test_defaults() -> None:
    query = parse_items_query(SCHOOLS, [])
    assert query == ItemsQuery(limit=SCHOOLS.default_limit, properties=SCHOOLS.properties)


def test_all_parameters() -> None:
    query = parse_items_query(
        SCHOOLS,
        [
            ("limit", "7"),
            ("offset", "14"),
            ("bbox", "106.6,-6.2,106.7,-6.1"),
            ("properties", "name,level"),
            ("level", "SMP"),
            ("status", "negeri"),
            ("crs", "http://www.opengis.net/def/crs/OGC/1.3/CRS84"),
            ("bbox-crs", "<http://www.opengis.net/def/crs/OGC/1.3/CRS84>"),
            ("f", "json"),
            ("unknown", "is ignored"),
        ],
    )
    assert (query.limit, query.offset) == (7, 14)
    assert query.bbox == (106.6, -6.2, 106.7, -6.1)
    assert [p.name for p in query.properties] == ["name", "level"]
    assert [(p.name, v) for p, v in query.filters] == [("level", "SMP"), ("status", "negeri")]


def test_typed_filters() -> None:
    query = parse_items_query(
        LAYERS["angkot_routes"], [("direction", "1"), ("active", "false"), ("fare_idr", "4000")]
    )
    assert [(p.name, v) for p, v in query.filters] == [
        ("direction", 1),
        ("active", False),
        ("fare_idr", 4000),
    ]


@pytest.mark.parametrize("limit", ["0", "-1", "100000", "abc", "1.5"])
def test_bad_limit(limit: str) -> None:
    assert _errors([("limit", limit)])[0]["field"] == "limit"


@pytest.mark.parametrize("offset", ["-1", "x"])
def test_bad_offset(offset: str) -> None:
    assert _errors([("offset", offset)])[0]["field"] == "offset"


@pytest.mark.parametrize(
    "bbox",
    [
        "1,2,3",
        "1,2,3,4,5",
        "1,2,3,4,5,nan",
        "a,b,c,d",
        "",
        "nan,-6,107,-5",
        "106,-6,inf,-5",
        "181,-6,106,-5",  # across the antimeridian from beyond 180
        "107,-6,-180,-5",  # across the antimeridian to -180: an empty western half
        "106,-6,106,-5",  # minx == maxx
        "106,-5,107,-6",  # miny > maxy
        "-200,-6,107,-5",
        "106,-95,107,-5",
        "106,-6,181,-5",
    ],
)
def test_bad_bbox(bbox: str) -> None:
    errors = _errors([("bbox", bbox)])
    assert errors[0]["field"] == "bbox"
    assert errors[0]["in"] == "query"


def test_bbox_with_heights_and_across_the_antimeridian() -> None:
    """OGC API Features Part 1: 6 numbers (heights ignored); minx > maxx crosses 180."""
    assert features.parse_bbox("106.6,-6.3,-10,106.7,-6.1,50") == (106.6, -6.3, 106.7, -6.1)
    assert features.parse_bbox("170,-7,107,-6") == (170.0, -7.0, 107.0, -6.0)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ([("properties", "name,nope")], "properties"),
        ([("level", "TK")], "level"),  # not one of the enum
        ([("address", "Jl. X")], "address"),  # not filterable
        ([("sortby", "name")], "sortby"),
        ([("filter", "level='SD'")], "filter"),
        ([("datetime", "2024-13-01")], "datetime"),  # not a date (valid ones filter)
        ([("datetime", "2024-06-30/2024-01-01")], "datetime"),
        ([("crs", "http://www.opengis.net/def/crs/EPSG/0/3857")], "crs"),
        ([("f", "html")], "f"),
        ([("limit", "5"), ("limit", "6")], "limit"),
    ],
)
def test_bad_parameters(params: list[tuple[str, str]], field: str) -> None:
    assert field in {e["field"] for e in _errors(params)}


@pytest.mark.parametrize(
    ("param", "value"),
    [("direction", "north"), ("active", "maybe"), ("fare_idr", "1e3"), ("direction", "9" * 30)],
)
def test_bad_filter_values(param: str, value: str) -> None:
    errors = _errors([(param, value)], "angkot_routes")
    assert errors[0]["field"] == param
    assert "must be" in errors[0]["message"]


def test_all_errors_are_reported_together() -> None:
    fields = {e["field"] for e in _errors([("limit", "0"), ("bbox", "x"), ("level", "TK")])}
    assert fields == {"limit", "bbox", "level"}


def test_paging_offsets() -> None:
    query = ItemsQuery(limit=10, offset=20)
    full = features.FeaturePage(b"", 10, 100, True)
    assert next_offset(query, full) == 30
    assert prev_offset(query) == 10
    last = features.FeaturePage(b"", 10, 30, True)
    assert next_offset(query, last) is None
    short = features.FeaturePage(b"", 3, 23, True)
    assert next_offset(query, short) is None
    assert prev_offset(ItemsQuery(limit=10, offset=4)) == 0
    assert prev_offset(ItemsQuery(limit=10)) is None


def test_feature_collection_joins_bytes() -> None:
    page = features.FeaturePage(b'{"type":"Feature","id":1}', 1, 1, True)
    body = json.loads(feature_collection(page, [{"rel": "self", "href": "x"}], "T"))
    assert body == {
        "type": "FeatureCollection",
        "numberMatched": 1,
        "numberReturned": 1,
        "timeStamp": "T",
        "links": [{"rel": "self", "href": "x"}],
        "features": [{"type": "Feature", "id": 1}],
    }


# -- SQL ---------------------------------------------------------------------------------------
def _page(db: Session, city_id: int, layer_id: str, params: list[tuple[str, str]]) -> Any:
    layer = LAYERS[layer_id]
    page = fetch_items(db, city_id, layer, parse_items_query(layer, params))
    body = json.loads(feature_collection(page, [], "T"))
    assert body["numberReturned"] == page.number_returned == len(body["features"])
    return page, body


@pytest.mark.postgis
def test_items_are_rfc7946_features(db: Session) -> None:
    sample = insert_sample_city(db)
    for layer_id, count in sample.counts.items():
        page, body = _page(db, sample.city.id, layer_id, [])
        assert page.number_matched == count
        assert page.matched_exact
        ids = [f["id"] for f in body["features"]]
        assert ids == sorted(ids)
        for feature in body["features"]:
            assert set(feature) == {"type", "id", "geometry", "properties"}
            assert feature["type"] == "Feature"
            assert isinstance(feature["id"], int)
            assert feature["geometry"]["type"] == LAYERS[layer_id].geometry_type
            assert list(feature["properties"]) == [p.name for p in LAYERS[layer_id].properties]


@pytest.mark.postgis
def test_coordinates_are_lon_lat_with_6_decimals(db: Session) -> None:
    city = insert_sample_city(db).city
    db.execute(
        text(
            "UPDATE school SET geom = ST_SetSRID(ST_MakePoint(106.123456789, -6.987654321), 4326)"
            " WHERE city_id = :c AND npsn = '20670000'"
        ),
        {"c": city.id},
    )
    _, body = _page(db, city.id, "schools", [("npsn", "20670000")])
    assert body["features"][0]["geometry"]["coordinates"] == [106.123457, -6.987654]


@pytest.mark.postgis
def test_filters_bbox_and_property_selection(db: Session) -> None:
    city = insert_sample_city(db).city
    page, body = _page(db, city.id, "schools", [("level", "SMP"), ("status", "swasta")])
    assert page.number_matched == 3  # i in (1, 11, 21)
    assert {f["properties"]["level"] for f in body["features"]} == {"SMP"}
    assert {f["properties"]["status"] for f in body["features"]} == {"swasta"}
    page, body = _page(db, city.id, "schools", [("bbox", "106.605,-6.215,106.615,-6.15")])
    assert page.number_matched == 5
    assert {f["geometry"]["coordinates"][0] for f in body["features"]} == {106.61}
    _, body = _page(db, city.id, "schools", [("properties", "name"), ("limit", "2")])
    assert [list(f["properties"]) for f in body["features"]] == [["name"], ["name"]]
    _, body = _page(db, city.id, "schools", [("properties", ""), ("limit", "1")])
    assert body["features"][0]["properties"] == {}
    page, _ = _page(db, city.id, "roads", [("oneway", "true")])
    assert page.number_matched == 6
    page, _ = _page(db, city.id, "angkot_routes", [("direction", "1")])
    assert page.number_matched == 0


@pytest.mark.postgis
def test_paging_walks_every_feature_once(db: Session) -> None:
    city = insert_sample_city(db).city
    seen: list[int] = []
    offset: int | None = 0
    while offset is not None:
        query = parse_items_query(SCHOOLS, [("limit", "4"), ("offset", str(offset))])
        page = fetch_items(db, city.id, SCHOOLS, query)
        assert page.number_matched == N_SCHOOLS
        body = json.loads(feature_collection(page, [], "T"))
        seen += [f["id"] for f in body["features"]]
        offset = next_offset(query, page)
    assert len(seen) == N_SCHOOLS == len(set(seen))
    assert seen == sorted(seen)
    beyond = fetch_items(db, city.id, SCHOOLS, parse_items_query(SCHOOLS, [("offset", "999")]))
    assert (beyond.number_returned, beyond.number_matched, beyond.features) == (0, N_SCHOOLS, b"")


@pytest.mark.postgis
def test_items_of_one_city_only(db: Session) -> None:
    one = insert_sample_city(db, "city-one")
    two = insert_sample_city(db, "city-two")
    _, body_one = _page(db, one.city.id, "schools", [])
    _, body_two = _page(db, two.city.id, "schools", [])
    assert not {f["id"] for f in body_one["features"]} & {f["id"] for f in body_two["features"]}
    first_of_two = body_two["features"][0]["id"]
    with pytest.raises(NotFoundError):
        fetch_item(db, one.city.id, SCHOOLS, first_of_two, [])
    # a kelurahan id is not a kecamatan
    _, kel = _page(db, one.city.id, "kelurahan", [])
    with pytest.raises(NotFoundError):
        fetch_item(db, one.city.id, LAYERS["kecamatan"], kel["features"][0]["id"], [])


@pytest.mark.postgis
def test_big_results_get_an_estimated_count(db: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    """Above EXACT_COUNT_MAX matches, numberMatched comes from the planner (no full count)."""
    city = insert_sample_city(db).city
    monkeypatch.setattr(features, "EXACT_COUNT_MAX", 10)
    page, _ = _page(db, city.id, "schools", [("limit", "5")])
    assert not page.matched_exact
    assert page.number_matched >= 11  # at least the capped count, then the planner's estimate
    assert page.number_returned == 5
    small, _ = _page(db, city.id, "schools", [("limit", "5"), ("level", "SD")])
    assert small.matched_exact
    assert small.number_matched == 5
    # a short page is exact whatever the cap
    short, _ = _page(db, city.id, "schools", [("limit", "100")])
    assert (short.matched_exact, short.number_matched) == (True, N_SCHOOLS)


@pytest.mark.postgis
def test_one_item_with_links(db: Session) -> None:
    city = insert_sample_city(db).city
    _, body = _page(db, city.id, "parcels", [("limit", "1")])
    fid = body["features"][0]["id"]
    links = [{"href": "h", "rel": "self"}]
    item = json.loads(fetch_item(db, city.id, LAYERS["parcels"], fid, links))
    assert item["id"] == fid
    assert item["links"] == links
    assert item["properties"]["issued_on"] == "2024-05-01T08:00:00+00:00"
    assert item["geometry"]["type"] == "MultiPolygon"
    for bad in (10**9, -1, 2**70):
        with pytest.raises(NotFoundError):
            fetch_item(db, city.id, LAYERS["parcels"], bad, links)


@pytest.mark.postgis
def test_items_stream_in_chunks(db: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    """Small chunks: the same features, in id order, joined into valid JSON."""
    sample = insert_sample_city(db)
    query = parse_items_query(SCHOOLS, [("limit", "20")])
    whole = fetch_items(db, sample.city.id, SCHOOLS, query)
    monkeypatch.setattr(features, "STREAM_CHUNK_BYTES", 600)  # 2-3 schools per chunk
    stream = features.ItemsStream(db, sample.city.id, SCHOOLS, query)
    chunks = list(stream.chunks())
    assert len(chunks) > 5
    assert b"".join(chunks) == whole.features
    page = stream.page()
    assert (page.number_returned, page.number_matched, page.matched_exact) == (20, N_SCHOOLS, True)
    links = []

    def links_of(p: features.FeaturePage) -> list[dict[str, str]]:
        links.append(p)
        return [{"rel": "self", "href": "x"}]

    # the collection as the items endpoint sends it: start, feature chunks, then the members
    # that depend on the counts
    stream = features.ItemsStream(db, sample.city.id, SCHOOLS, query)
    parts = [features.COLLECTION_START, *stream.chunks()]
    streamed = stream.page()
    parts.append(features.collection_tail(streamed, links_of(streamed), "T"))
    body = json.loads(b"".join(parts))
    assert [f["id"] for f in body["features"]] == sorted(f["id"] for f in body["features"])
    assert body["numberReturned"] == 20 == len(body["features"])
    assert body["numberMatched"] == N_SCHOOLS
    assert body["links"] == [{"rel": "self", "href": "x"}]
    assert links[0].number_returned == 20
    with pytest.raises(RuntimeError):
        features.ItemsStream(db, sample.city.id, SCHOOLS, query).page()  # before reading


@pytest.mark.postgis
def test_items_stream_past_the_end_and_deep_pages(db: Session) -> None:
    sample = insert_sample_city(db)
    beyond = features.ItemsStream(
        db, sample.city.id, SCHOOLS, parse_items_query(SCHOOLS, [("offset", "999")])
    )
    assert list(beyond.chunks()) == []
    page = beyond.page()
    assert (page.number_returned, page.number_matched, page.matched_exact) == (0, N_SCHOOLS, True)
    deep = features.ItemsStream(
        db, sample.city.id, SCHOOLS, parse_items_query(SCHOOLS, [("offset", "20"), ("limit", "3")])
    )
    body = json.loads(b"[" + b"".join(deep.chunks()) + b"]")
    assert len(body) == 3
    assert [f["id"] for f in body] == sorted(f["id"] for f in body)
    assert deep.page().number_matched == N_SCHOOLS


@pytest.mark.postgis
def test_stored_geojson_follows_writes_in_the_same_transaction(db: Session) -> None:
    """Polygon/line layers read geom_geojson (migration 0005) instead of ST_AsGeoJSON: the same
    text, rewritten by PostgreSQL in the statement that changes geom."""
    sample = insert_sample_city(db)
    stored = [lyr for lyr in LAYERS.values() if lyr.geojson_column]
    assert {lyr.id for lyr in stored} >= {"kelurahan", "angkot_routes", "parcels"}
    assert not SCHOOLS.geojson_column
    for layer in stored:
        assert features.geometry_sql(layer) == "t.geom_geojson"
        differing = db.execute(
            text(
                f"SELECT count(*) FROM {layer.table} t"
                " WHERE t.geom_geojson IS DISTINCT FROM ST_AsGeoJSON(t.geom, 6)"
            )
        ).scalar_one()
        assert differing == 0, layer.id
    _, before = _page(db, sample.city.id, "angkot_routes", [("limit", "1")])
    route = before["features"][0]
    db.execute(
        text("UPDATE angkot_route SET geom = ST_Translate(geom, 0.001, 0) WHERE id = :id"),
        {"id": route["id"]},
    )
    _, after = _page(db, sample.city.id, "angkot_routes", [("limit", "1")])
    moved = after["features"][0]["geometry"]["coordinates"]
    assert moved == [[round(lon + 0.001, 6), lat] for lon, lat in route["geometry"]["coordinates"]]
    item = json.loads(fetch_item(db, sample.city.id, LAYERS["angkot_routes"], route["id"], []))
    assert item["geometry"]["coordinates"] == moved
