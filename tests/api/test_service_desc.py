"""The city's OGC API service description (``/cities/{city}/api``, OpenAPI 3.0)."""

from __future__ import annotations

import math
from typing import Any

import pytest
from openapi_spec_validator import validate
from openapi_spec_validator.validation.validators import OpenAPIV30SpecValidator
from sqlalchemy import text
from sqlalchemy.orm import Session

from layers.registry import LAYERS, public_layers
from tests.api.accounts import ANON, CITY, make_user, sample_cities, session_user

pytestmark = pytest.mark.postgis
OPENAPI = "application/vnd.oai.openapi+json;version=3.0"
SAMPLE_VALUE = {"string": "x", "integer": "1", "number": "1.5", "boolean": "true"}


@pytest.fixture
def described(client: Any, db: Session) -> dict[str, Any]:
    sample_cities(db)
    landing = client.get(f"/cities/{CITY}").json()
    link = next(lk for lk in landing["links"] if lk["rel"] == "service-desc")
    assert link["type"] == OPENAPI
    response = client.get(link["href"])
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == OPENAPI
    return dict(response.json())


def _items_params(doc: dict[str, Any], layer: str) -> dict[str, dict[str, Any]]:
    params = doc["paths"][f"/collections/{layer}/items"]["get"]["parameters"]
    out = {}
    for entry in params:
        param = entry
        if "$ref" in entry:
            param = doc["components"]["parameters"][entry["$ref"].rsplit("/", 1)[-1]]
        out[param["name"]] = param
    return out


def test_a_valid_openapi_30_document_of_this_city(described: dict[str, Any]) -> None:
    validate(described, cls=OpenAPIV30SpecValidator)
    assert described["openapi"].startswith("3.0.")
    assert described["servers"] == [
        {"url": f"http://testserver/cities/{CITY}", "description": f"Kota {CITY}"}
    ]
    assert described["externalDocs"]["url"] == "http://testserver/docs"
    for path in ("/", "/conformance", "/collections"):
        assert "200" in described["paths"][path]["get"]["responses"]


def test_one_concrete_path_per_public_collection(described: dict[str, Any]) -> None:
    """Anonymous callers see the public layers, each spelled out; restricted ones are left
    out (their existence is no secret, but their parameters are for staff)."""
    items = {p.split("/")[2] for p in described["paths"] if p.endswith("/items")}
    assert items == {layer.id for layer in public_layers()}
    for layer in public_layers():
        params = _items_params(described, layer.id)
        limit = params["limit"]["schema"]
        assert (limit["default"], limit["maximum"], limit["minimum"]) == (
            layer.default_limit,
            layer.max_limit,
            1,
        )
        filters = {p.name for p in layer.properties if p.filterable}
        assert filters <= set(params), (layer.id, filters - set(params))
        assert {"bbox", "offset", "datetime", "properties", "f"} <= set(params)
        responses = described["paths"][f"/collections/{layer.id}/items"]["get"]["responses"]
        assert {"200", "304", "400", "404", "406", "503"} <= set(responses)
        assert "application/geo+json" in responses["200"]["content"]
        problem = described["components"]["responses"]["400"]["content"]
        assert "application/problem+json" in problem


def test_a_shared_limit_every_collection_accepts(client: Any, described: dict[str, Any]) -> None:
    """QGIS's OAPIF provider reads only ``components.parameters.limit`` (its maximum and
    default) to size its pages; without it QGIS pages by 100. The shared one must be a size
    that every collection accepts, and QGIS's page (the default raised to 1,000, clamped to the
    maximum) must be answered whole."""
    shared = described["components"]["parameters"]["limit"]["schema"]
    layers = public_layers()
    assert shared["maximum"] == min(layer.max_limit for layer in layers)
    assert shared["default"] <= shared["maximum"]
    qgis_page = min(max(1000, shared["default"]), shared["maximum"])
    for layer in layers:
        response = client.get(f"/cities/{CITY}/collections/{layer.id}/items?limit={qgis_page}")
        assert response.status_code == 200, (layer.id, response.text)


def test_the_tile_path_puts_column_and_row_where_the_server_reads_them(
    client: Any, db: Session, described: dict[str, Any]
) -> None:
    """A client filling the described tile path (QGIS, GDAL) must get the tile it asks for:
    the tile holding a school, not its mirror across the diagonal."""
    lon, lat = db.execute(
        text(
            "SELECT ST_X(geom), ST_Y(geom) FROM school s JOIN city c ON c.id = s.city_id"
            " WHERE c.slug = :s ORDER BY s.id LIMIT 1"
        ),
        {"s": CITY},
    ).one()
    z = 15
    col = int((lon + 180) / 360 * 2**z)
    row = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * 2**z)
    [path] = [p for p in described["paths"] if p.startswith("/collections/schools/tiles/")]
    url = path.format(tileMatrix=z, tileRow=row, tileCol=col)
    response = client.get(f"/cities/{CITY}{url}")
    assert response.status_code == 200, (url, response.status_code)
    assert response.content
    tileset = client.get(f"/cities/{CITY}/collections/schools/tiles/WebMercatorQuad").json()
    [template] = [lk["href"] for lk in tileset["links"] if lk.get("templated")]
    same = client.get(template.format(tileMatrix=z, tileRow=row, tileCol=col))
    assert same.content == response.content


def test_every_declared_filter_is_accepted_by_the_server(
    client: Any, described: dict[str, Any]
) -> None:
    """The description and the server agree: each declared filter, with a value of its
    schema, answers 200 (a filter the server did not know would be a 400)."""
    for layer in public_layers():
        for name, param in _items_params(described, layer.id).items():
            if name in {"bbox", "offset", "datetime", "properties", "f", "limit"}:
                continue
            schema = param["schema"]
            value = schema["enum"][0] if "enum" in schema else SAMPLE_VALUE[schema["type"]]
            if schema.get("format") == "date-time":
                value = "2024-01-01T00:00:00Z"
            url = f"/cities/{CITY}/collections/{layer.id}/items?{name}={value}&limit=1"
            response = client.get(url)
            assert response.status_code == 200, (url, response.text)


def test_an_undeclared_status_is_never_answered(client: Any, described: dict[str, Any]) -> None:
    """A limit above the declared maximum and an unknown feature give statuses the
    description lists for those operations, as problem+json."""
    layer = LAYERS["schools"]
    items = described["paths"]["/collections/schools/items"]["get"]["responses"]
    too_big = client.get(f"/cities/{CITY}/collections/schools/items?limit={layer.max_limit + 1}")
    assert str(too_big.status_code) in items, too_big.status_code
    assert too_big.headers["content-type"] == "application/problem+json"
    one = described["paths"]["/collections/schools/items/{featureId}"]["get"]["responses"]
    missing = client.get(f"/cities/{CITY}/collections/schools/items/999999999")
    assert missing.status_code == 404
    assert "404" in one


def test_restricted_layers_only_for_staff_allowed_them(client: Any, db: Session) -> None:
    cities = sample_cities(db)
    staff = session_user(db, make_user(db, cities, "insp", "inspektur"), "insp", "inspektur", CITY)
    anonymous = client.get(f"/cities/{CITY}/api", headers=ANON.headers()).json()
    inspector = client.get(f"/cities/{CITY}/api", headers=staff.headers())
    assert inspector.status_code == 200
    assert inspector.headers["cache-control"] == "private, no-cache"
    assert "/collections/audit_sites/items" not in anonymous["paths"]
    assert "/collections/audit_sites/items" in inspector.json()["paths"]
    restricted = inspector.json()["paths"]["/collections/audit_sites/items"]["get"]
    assert {"401", "403"} <= set(restricted["responses"])


def test_unknown_city_is_404(client: Any, db: Session) -> None:
    response = client.get("/cities/no-such-city/api")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
