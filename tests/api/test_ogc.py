"""OGC API - Features over HTTP: documents, items, paging, filters, errors and caching."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from layers.registry import LAYERS, RowScopeRule
from tests.api.test_service import assert_problem
from tests.layers.sample import N_SCHOOLS, SampleCity, insert_sample_city

pytestmark = pytest.mark.postgis
JSON = "application/json"
GEOJSON = "application/geo+json"
CITY = "/cities/ogc-test"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
ALL = [
    "kota",
    "kecamatan",
    "kelurahan",
    "roads",
    "angkot_routes",
    "schools",
    "parcels",
    "requests_public",  # anonymous callers: the public layers only
    "route_coverage",
    "zoning",  # the permit layers (#15; empty in the sample city)
    "protected_areas",
    "rivers",
]


@pytest.fixture
def sample(db: Session) -> SampleCity:
    return insert_sample_city(db, "ogc-test")


def _get(client: Any, path: str, media: str = JSON, **headers: str) -> Any:
    r = client.get(path, headers=headers)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == media
    return r


def _rels(doc: dict[str, Any]) -> dict[str, dict[str, str]]:
    return {link["rel"]: link for link in doc["links"]}


def test_landing_page(client: Any, sample: SampleCity) -> None:
    doc = _get(client, CITY).json()
    rels = _rels(doc)
    assert rels["self"]["href"] == f"http://testserver{CITY}"
    assert rels["conformance"]["href"] == f"http://testserver{CITY}/conformance"
    assert rels["data"]["href"] == f"http://testserver{CITY}/collections"
    assert rels["service-desc"]["href"] == f"http://testserver{CITY}/api"
    assert rels["service-desc"]["type"] == "application/vnd.oai.openapi+json;version=3.0"
    assert rels["service-doc"] == {
        "href": "http://testserver/docs",
        "rel": "service-doc",
        "type": "text/html",
        "title": "The API documentation",
    }


def test_conformance(client: Any, sample: SampleCity) -> None:
    classes = _get(client, f"{CITY}/conformance").json()["conformsTo"]
    for part in ("core", "geojson", "oas30"):
        assert f"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/{part}" in classes


def test_collections(client: Any, sample: SampleCity) -> None:
    r = _get(client, f"{CITY}/collections")
    assert r.headers["etag"].startswith('W/"')
    doc = r.json()
    assert _rels(doc)["self"]["href"] == f"http://testserver{CITY}/collections"
    assert [c["id"] for c in doc["collections"]] == ALL
    minx, miny, maxx, maxy = sample.city.bbox
    for coll in doc["collections"]:
        assert coll["itemType"] == "feature"
        assert coll["crs"] == [CRS84]
        assert coll["title"]
        assert coll["title_en"]
        (bbox,) = coll["extent"]["spatial"]["bbox"]
        assert minx <= bbox[0] <= bbox[2] <= maxx
        assert miny <= bbox[1] <= bbox[3] <= maxy
        rels = _rels(coll)
        assert rels["items"]["href"] == f"http://testserver{CITY}/collections/{coll['id']}/items"
        assert rels["items"]["type"] == GEOJSON
        tiles = rels["http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector"]["href"]
        assert tiles.endswith(f"/collections/{coll['id']}/tiles")
    schools = doc["collections"][ALL.index("schools")]
    assert schools["extent"]["spatial"]["bbox"] == [[106.61, -6.21, 106.682, -6.154]]
    assert schools["style"]["colour"].startswith("#")
    assert schools["geometryType"] == "Point"


def test_collection_and_queryables(client: Any, sample: SampleCity) -> None:
    coll = _get(client, f"{CITY}/collections/angkot_routes").json()
    assert coll["id"] == "angkot_routes"
    assert coll["maxLimit"] == LAYERS["angkot_routes"].max_limit
    q = _get(client, f"{CITY}/collections/schools/queryables", "application/schema+json").json()
    assert q["type"] == "object"
    assert q["$id"] == f"http://testserver{CITY}/collections/schools/queryables"
    assert q["properties"]["level"] == {
        "title": "Jenjang",
        "type": "string",
        "enum": ["SD", "SMP", "SMA", "SMK", "SLB"],
    }
    assert "address" not in q["properties"]  # not filterable
    assert q["properties"]["geometry"]["$ref"].endswith("Point.json")


def test_items_feature_collection(client: Any, sample: SampleCity) -> None:
    r = _get(client, f"{CITY}/collections/schools/items?limit=10", GEOJSON)
    assert r.headers["content-crs"] == f"<{CRS84}>"
    fc = r.json()
    assert fc["type"] == "FeatureCollection"
    assert fc["numberMatched"] == N_SCHOOLS
    assert fc["numberReturned"] == 10 == len(fc["features"])
    assert fc["timeStamp"].endswith("Z")
    rels = _rels(fc)
    assert rels["self"]["href"] == f"http://testserver{CITY}/collections/schools/items?limit=10"
    assert rels["collection"]["href"] == f"http://testserver{CITY}/collections/schools"
    assert "prev" not in rels
    assert "offset=10" in rels["next"]["href"]
    feature = fc["features"][0]
    assert set(feature) == {"type", "id", "geometry", "properties"}
    lon, lat = feature["geometry"]["coordinates"]
    assert 106 < lon < 107
    assert -7 < lat < -6


def test_follow_next_links_to_the_end(client: Any, sample: SampleCity) -> None:
    url = f"{CITY}/collections/schools/items?limit=4&level=SD"
    ids: list[int] = []
    pages = 0
    while url:
        fc = _get(client, url, GEOJSON).json()
        pages += 1
        ids += [f["id"] for f in fc["features"]]
        assert fc["numberMatched"] == 5
        assert all(f["properties"]["level"] == "SD" for f in fc["features"])
        nxt = _rels(fc).get("next")
        url = nxt["href"].removeprefix("http://testserver") if nxt else ""
    assert pages == 2
    assert len(ids) == len(set(ids)) == 5
    fc = _get(client, f"{CITY}/collections/schools/items?limit=4&offset=4&level=SD", GEOJSON).json()
    prev = _rels(fc)["prev"]["href"]
    assert "offset=0" in prev
    assert "level=SD" in prev


def test_every_layer_has_items(client: Any, sample: SampleCity) -> None:
    for layer_id, count in sample.counts.items():
        fc = _get(client, f"{CITY}/collections/{layer_id}/items", GEOJSON).json()
        assert fc["numberMatched"] == fc["numberReturned"] == count
        assert "next" not in _rels(fc)


def test_bbox_filters_and_properties(client: Any, sample: SampleCity) -> None:
    base = f"{CITY}/collections/schools/items"
    fc = _get(client, f"{base}?bbox=106.605,-6.215,106.615,-6.15", GEOJSON).json()
    assert fc["numberMatched"] == 5
    fc = _get(client, f"{base}?level=SMP&status=negeri", GEOJSON).json()
    assert {(f["properties"]["level"], f["properties"]["status"]) for f in fc["features"]} == {
        ("SMP", "negeri")
    }
    assert fc["numberMatched"] == 2  # i in (6, 16)
    fc = _get(client, f"{base}?properties=name,npsn&limit=1", GEOJSON).json()
    assert list(fc["features"][0]["properties"]) == ["npsn", "name"]
    fc = _get(client, f"{CITY}/collections/roads/items?oneway=false", GEOJSON).json()
    assert fc["numberMatched"] == 6


def test_one_item(client: Any, sample: SampleCity) -> None:
    first = _get(client, f"{CITY}/collections/kelurahan/items?limit=1", GEOJSON).json()
    fid = first["features"][0]["id"]
    r = _get(client, f"{CITY}/collections/kelurahan/items/{fid}", GEOJSON)
    item = r.json()
    assert item["type"] == "Feature"
    assert item["id"] == fid
    assert item["geometry"]["type"] == "MultiPolygon"
    assert _rels(item)["collection"]["href"] == f"http://testserver{CITY}/collections/kelurahan"
    assert r.headers["etag"].startswith('W/"')


@pytest.mark.parametrize(
    "query",
    [
        "bbox=1,2,3",
        "bbox=a,b,c,d",
        "bbox=107,-6,107,-5",
        "bbox=106,-5,107,-6",
        "bbox=181,-6,106,-5",
        "bbox=1,2,3,4,5",
        "bbox=-181,-6,107,-5",
        "bbox=106,-91,107,-5",
        "bbox=nan,-6,107,-5",
        "limit=0",
        "limit=100000",
        "limit=x",
        "offset=-1",
        "properties=name,nope",
        "level=XX",
        "sortby=name",
        "crs=http://www.opengis.net/def/crs/EPSG/0/3857",
    ],
)
def test_bad_items_queries(client: Any, sample: SampleCity, query: str) -> None:
    body = assert_problem(
        client.get(f"{CITY}/collections/schools/items?{query}"), 400, "invalid-input"
    )
    assert body["errors"]
    assert body["errors"][0]["field"] == query.split("=", maxsplit=1)[0]


def test_nul_in_a_filter_is_422(client: Any, sample: SampleCity) -> None:
    """A NUL is refused before any route, on every path alike (api/guards.py)."""
    body = assert_problem(client.get(f"{CITY}/collections/schools/items?name=a%00b"), 422)
    assert body["errors"][0]["field"] == "name"


def test_bad_filter_value_types(client: Any, sample: SampleCity) -> None:
    for query in ("direction=north", "active=maybe", "fare_idr=1.5"):
        body = assert_problem(client.get(f"{CITY}/collections/angkot_routes/items?{query}"), 400)
        assert body["errors"][0]["field"] == query.split("=")[0]


def test_not_found(client: Any, sample: SampleCity) -> None:
    assert_problem(client.get(f"{CITY}/collections/nope"), 404, "layer-not-found")
    assert_problem(client.get(f"{CITY}/collections/nope/items"), 404, "layer-not-found")
    assert_problem(client.get(f"{CITY}/collections/nope/queryables"), 404, "layer-not-found")
    item = f"{CITY}/collections/schools/items"
    assert_problem(client.get(f"{item}/999999"), 404, "feature-not-found")
    assert_problem(client.get(f"{item}/-1"), 404, "feature-not-found")
    for path in ("/conformance", "/collections", "/collections/schools/items"):
        body = assert_problem(client.get(f"/cities/unknown{path}"), 404, "city-not-found")
        assert "unknown" in body["detail"]


def test_non_integer_id_is_404(client: Any, sample: SampleCity) -> None:
    """OGC API Features: ``items/abc`` and ``items/1.0`` name no feature (404, not 422)."""
    for fid in ("abc", "1.5", "1.0", "1e3", "0x10"):
        assert_problem(client.get(f"{CITY}/collections/schools/items/{fid}"), 404, "not-found")
    # an integer too big for the id column is simply not there
    assert_problem(client.get(f"{CITY}/collections/schools/items/{'9' * 40}"), 404)


def test_restricted_layer_is_401_for_anonymous(
    client: Any, sample: SampleCity, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A restricted layer exists (no 404) but needs a login; it is not listed to anonymous
    callers (tests/api/test_request_layers.py walks the roles)."""
    secret = replace(
        LAYERS["parcels"],
        id="secret",
        audience="restricted",
        row_scope=RowScopeRule("layers.read_restricted", "code", "name"),
    )
    monkeypatch.setitem(LAYERS, "secret", secret)
    for path in ("", "/items", "/items/1", "/queryables", "/tiles/WebMercatorQuad"):
        assert_problem(client.get(f"{CITY}/collections/secret{path}"), 401)
    ids = [c["id"] for c in _get(client, f"{CITY}/collections").json()["collections"]]
    assert "secret" not in ids


def test_etag_and_304(client: Any, sample: SampleCity) -> None:
    url = f"{CITY}/collections/schools/items?limit=5"
    r = _get(client, url, GEOJSON)
    etag = r.headers["etag"]
    assert etag.startswith(f'W/"{sample.city.id}-schools-')
    assert r.headers["cache-control"] == "public, no-cache"
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    fid = r.json()["features"][0]["id"]
    item = f"{CITY}/collections/schools/items/{fid}"
    assert client.get(item).headers["etag"] == etag
    assert client.get(item, headers={"If-None-Match": etag}).status_code == 304
    for path in ("", "/tiles/WebMercatorQuad"):  # documents: revision + city facts
        url = f"{CITY}/collections/schools{path}"
        doc_etag = client.get(url).headers["etag"]
        assert doc_etag.startswith(f'W/"{sample.city.id}-schools')
        assert client.get(url, headers={"If-None-Match": doc_etag}).status_code == 304
        assert client.get(url, headers={"If-None-Match": etag}).status_code == 200
    listing = _get(client, f"{CITY}/collections").headers["etag"]
    assert client.get(f"{CITY}/collections", headers={"If-None-Match": listing}).status_code == 304


def test_etag_changes_after_a_write_in_the_same_layer_only(
    client: Any, db: Session, sample: SampleCity
) -> None:
    schools = client.get(f"{CITY}/collections/schools/items").headers["etag"]
    roads = client.get(f"{CITY}/collections/roads/items").headers["etag"]
    listing = client.get(f"{CITY}/collections").headers["etag"]
    db.execute(
        text("UPDATE school SET name = 'Baru' WHERE city_id = :c AND npsn = '20670000'"),
        {"c": sample.city.id},
    )
    r = client.get(f"{CITY}/collections/schools/items", headers={"If-None-Match": schools})
    assert r.status_code == 200
    assert r.headers["etag"] != schools
    assert "Baru" in r.text
    r = client.get(f"{CITY}/collections/roads/items", headers={"If-None-Match": roads})
    assert r.status_code == 304
    assert client.get(f"{CITY}/collections").headers["etag"] != listing


def test_document_etags_follow_the_city_extent(
    client: Any, db: Session, sample: SampleCity
) -> None:
    """TileJSON and collections show the city bbox, which no layer revision covers."""
    urls = [f"{CITY}/collections", f"{CITY}/collections/roads/tiles/WebMercatorQuad/tilejson"]
    before = [client.get(url).headers["etag"] for url in urls]
    db.execute(
        text(
            "UPDATE city SET bbox = ST_MakeEnvelope(106.5, -6.3, 106.8, -6.1, 4326) WHERE id = :c"
        ),
        {"c": sample.city.id},
    )
    for url, etag in zip(urls, before, strict=True):
        r = client.get(url, headers={"If-None-Match": etag})
        assert r.status_code == 200
        assert r.headers["etag"] != etag
    assert r.json()["bounds"] == [106.5, -6.3, 106.8, -6.1]


def test_openapi_describes_the_ogc_paths(client: Any) -> None:
    spec = client.get("/openapi.json").json()
    items = spec["paths"]["/cities/{city}/collections/{layer}/items"]["get"]
    names = {p["name"] for p in items["parameters"]}
    assert {"city", "layer", "bbox", "limit", "offset", "properties"} <= names
    assert GEOJSON in items["responses"]["200"]["content"]
    assert "/cities/{city}/collections/{layer}/tiles/WebMercatorQuad/{z}/{x}/{y}" in spec["paths"]


def test_items_cache_hits_and_follows_writes(client: Any, db: Session, sample: SampleCity) -> None:
    url = f"{CITY}/collections/schools/items?limit=5&level=SD"
    first = _get(client, url, GEOJSON)
    assert first.headers["x-layer-cache"] == "miss"
    again = _get(client, url, GEOJSON)
    assert again.headers["x-layer-cache"] == "hit"
    assert again.content == first.content
    assert again.headers["etag"] == first.headers["etag"]
    assert again.headers["content-crs"] == f"<{CRS84}>"
    assert client.get(url, headers={"If-None-Match": first.headers["etag"]}).status_code == 304
    other = _get(client, url.replace("limit=5", "limit=4"), GEOJSON)  # another query
    assert other.headers["x-layer-cache"] == "miss"
    db.execute(
        text("UPDATE school SET name = 'Sekolah Baru' WHERE city_id = :c AND npsn = '20670000'"),
        {"c": sample.city.id},
    )  # the revision trigger runs in this transaction
    after = _get(client, url, GEOJSON)
    assert after.headers["x-layer-cache"] == "miss"
    assert after.headers["etag"] != first.headers["etag"]
    assert "Sekolah Baru" in after.text
    assert "Sekolah Baru" not in first.text
    assert client.get(url, headers={"If-None-Match": first.headers["etag"]}).status_code == 200
    assert _get(client, url, GEOJSON).headers["x-layer-cache"] == "hit"


def test_items_cache_disabled_by_the_setting(
    settings: Any, db: Session, sample: SampleCity
) -> None:
    from fastapi.testclient import TestClient

    from api.app import create_app
    from tests.conftest import use_session

    app = create_app(settings.model_copy(update={"layer_cache_mb": 0}))
    with TestClient(use_session(app, db)) as no_cache:
        url = f"{CITY}/collections/schools/items?limit=5"
        bodies = [_get(no_cache, url, GEOJSON) for _ in range(3)]
    assert {r.headers["x-layer-cache"] for r in bodies} == {"off"}
    assert len({r.json()["numberReturned"] for r in bodies}) == 1


def test_big_pages_are_streamed(
    client: Any, sample: SampleCity, monkeypatch: pytest.MonkeyPatch
) -> None:
    from api.routers import ogc as ogc_router
    from layers import items_sql

    monkeypatch.setattr(ogc_router, "INLINE_BYTES", 1_000)
    monkeypatch.setattr(items_sql, "STREAM_CHUNK_BYTES", 700)
    url = f"{CITY}/collections/schools/items?limit=20"
    r = _get(client, url, GEOJSON)
    assert "content-length" not in r.headers  # chunked
    fc = r.json()
    assert fc["numberReturned"] == 20 == len(fc["features"])
    assert fc["numberMatched"] == N_SCHOOLS
    assert "offset=20" in _rels(fc)["next"]["href"]
    cached = _get(client, url, GEOJSON)  # small enough for the cache once whole
    assert cached.headers["x-layer-cache"] == "hit"
    assert cached.content == r.content


def test_items_of_an_unknown_or_malformed_city(client: Any, sample: SampleCity) -> None:
    for city in ("nowhere", "Not_A_Slug", "x" * 64):
        r = client.get(f"/cities/{city}/collections/schools/items")
        assert_problem(r, 404)


# -- the lean items path over its own connection pool (no session override) ----------------
POOL_SLUG = "ogc-pool-test"


@pytest.fixture
def pooled(settings: Any, engine: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A client whose items come from the app's psycopg pool, over a committed sample city."""
    from fastapi.testclient import TestClient

    from api.app import create_app

    with Session(engine) as session:
        session.execute(text("DELETE FROM city WHERE slug = :s"), {"s": POOL_SLUG})
        insert_sample_city(session, POOL_SLUG)
        session.commit()
    try:
        with TestClient(create_app(settings)) as pooled_client:
            yield pooled_client
    finally:
        with Session(engine) as session:
            session.execute(text("DELETE FROM city WHERE slug = :s"), {"s": POOL_SLUG})
            session.commit()


def test_pooled_items_etag_write_and_streaming(
    pooled: Any, engine: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from api.routers import ogc as ogc_router

    base = f"/cities/{POOL_SLUG}/collections/schools/items"
    r = _get(pooled, f"{base}?limit=10", GEOJSON)
    fc = r.json()
    assert (fc["numberReturned"], fc["numberMatched"]) == (10, N_SCHOOLS)
    assert r.headers["content-crs"] == f"<{CRS84}>"
    assert r.headers["x-layer-cache"] == "miss"
    assert "offset=10" in _rels(fc)["next"]["href"]
    assert _get(pooled, f"{base}?limit=10", GEOJSON).content == r.content  # a cache hit
    etag = r.headers["etag"]
    assert pooled.get(f"{base}?limit=10", headers={"If-None-Match": etag}).status_code == 304
    with Session(engine) as session:
        session.execute(
            text(
                "UPDATE school SET name = 'Pool Baru' WHERE npsn = '20670000'"
                " AND city_id = (SELECT id FROM city WHERE slug = :s)"
            ),
            {"s": POOL_SLUG},
        )
        session.commit()
    after = pooled.get(f"{base}?limit=100", headers={"If-None-Match": etag})
    assert after.status_code == 200
    assert after.headers["etag"] != etag
    assert "Pool Baru" in after.text
    monkeypatch.setattr(ogc_router, "INLINE_BYTES", 1_000)
    streamed = _get(pooled, f"{base}?limit=20", GEOJSON)
    assert "content-length" not in streamed.headers  # chunked
    assert streamed.json()["numberReturned"] == 20
    assert_problem(pooled.get("/cities/nowhere/collections/schools/items"), 404, "city-not-found")
    assert_problem(pooled.get(f"{base}?limit=0"), 400)


def test_items_503_when_database_is_down(tmp_path: Any) -> None:
    from fastapi.testclient import TestClient

    from api.app import create_app
    from api.settings import Settings
    from geo.store.cluster import free_port

    url = f"postgresql://nobody@127.0.0.1:{free_port()}/nothing"
    app = create_app(Settings(database_url=url, var_dir=tmp_path, _env_file=None))
    with TestClient(app, raise_server_exceptions=False) as client:
        r = client.get("/cities/tangerang/collections/schools/items")
    assert_problem(r, 503, "database-unavailable")
    assert "not reachable" in r.json()["detail"]
