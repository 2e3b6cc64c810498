"""A city's OGC API service description: OpenAPI 3.0 with one concrete path per collection.

The application's own ``/openapi.json`` (FastAPI, OpenAPI 3.1) describes every endpoint with
``{city}`` and ``{layer}`` left as parameters, so a client can learn neither the layers' query
parameters nor their page limits from it. OGC API - Features (Part 1, oas30) wants a document
per landing page: ``servers`` pointing at the city, ``/collections/schools/items`` spelled out
with its filterable properties, ``limit`` with its default and maximum, and every response that
can occur. GDAL's OAPIF driver, QGIS and OWSLib read it (``rel=service-desc``).
"""

from __future__ import annotations

from typing import Any

from geo.cities import CityInfo
from layers.ogc import JSON_SCHEMA_TYPES
from layers.registry import LayerDef, Prop
from layers.service_components import GEOJSON, JSON, MVT, REF, SCHEMA_JSON, components

OPENAPI_VERSION = "3.0.3"
# the JSON Schema of each property type, as the queryables document says it
_PROP_SCHEMAS = JSON_SCHEMA_TYPES


def _problem(status: str) -> dict[str, Any]:
    return {"$ref": f"{REF}/responses/{status}"}


def _ok(media: dict[str, dict[str, Any]], description: str) -> dict[str, Any]:
    return {
        "description": description,
        "headers": {"ETag": {"$ref": f"{REF}/headers/ETag"}},
        "content": {m: {"schema": s} for m, s in media.items()},
    }


def _get(
    operation_id: str,
    summary: str,
    ok: dict[str, Any],
    *,
    tags: list[str],
    parameters: list[dict[str, Any]] | None = None,
    restricted: bool = False,
    cached: bool = True,
) -> dict[str, Any]:
    statuses = ["400", "404", "406", "503"]
    if cached:
        statuses.insert(0, "304")
    if restricted:
        statuses[1:1] = ["401", "403"]
    responses: dict[str, Any] = {"200": ok}
    responses.update({s: _problem(s) for s in statuses})
    op: dict[str, Any] = {
        "operationId": operation_id,
        "summary": summary,
        "tags": tags,
        "responses": responses,
    }
    if parameters:
        op["parameters"] = parameters
    return {"get": op}


def _filter_parameter(prop: Prop) -> dict[str, Any]:
    schema: dict[str, Any] = dict(_PROP_SCHEMAS[prop.type])
    if prop.enum:
        schema["enum"] = list(prop.enum)
    return {
        "name": prop.name,
        "in": "query",
        "required": False,
        "description": f"Only features whose `{prop.name}` equals this value"
        + (f" ({prop.title})" if prop.title else ""),
        "schema": schema,
        "style": "form",
        "explode": False,
    }


def _limit_parameter(layer: LayerDef) -> dict[str, Any]:
    return {
        "name": "limit",
        "in": "query",
        "required": False,
        "description": (
            f"Features per page: 1 to {layer.max_limit}, {layer.default_limit} when absent."
            " A bigger value is refused (400), not clamped."
        ),
        "schema": {
            "type": "integer",
            "minimum": 1,
            "maximum": layer.max_limit,
            "default": layer.default_limit,
        },
        "style": "form",
        "explode": False,
    }


def _layer_paths(layer: LayerDef) -> dict[str, Any]:
    base = f"/collections/{layer.id}"
    tag = [layer.id]
    restricted = not layer.public
    filters = [_filter_parameter(p) for p in layer.properties if p.filterable]
    items_params = [
        {"$ref": f"{REF}/parameters/bbox"},
        _limit_parameter(layer),
        {"$ref": f"{REF}/parameters/offset"},
        {"$ref": f"{REF}/parameters/datetime"},
        {"$ref": f"{REF}/parameters/properties"},
        {"$ref": f"{REF}/parameters/f-json"},
        *filters,
    ]
    collection = _ok({JSON: {"$ref": f"{REF}/schemas/collection"}}, layer.title_en)
    queryables = _ok({SCHEMA_JSON: {"type": "object"}}, "JSON Schema of the filterable properties")
    items = _ok(
        {GEOJSON: {"$ref": f"{REF}/schemas/featureCollection"}},
        f"A page of {layer.title_en} (GeoJSON, lon/lat CRS84)",
    )
    feature = _ok({GEOJSON: {"$ref": f"{REF}/schemas/feature"}}, "One feature (GeoJSON)")
    tile = {
        "description": "A Mapbox vector tile (an empty tile is 204)",
        "content": {MVT: {"schema": {"type": "string", "format": "binary"}}},
    }
    tile_get = _get(
        f"{layer.id}.tile",
        f"Vector tile of {layer.title_en}",
        tile,
        tags=tag,
        restricted=restricted,
        parameters=[
            {"$ref": f"{REF}/parameters/{n}"} for n in ("tileMatrix", "tileCol", "tileRow")
        ],
    )
    tile_get["get"]["responses"]["204"] = {"description": "No feature in this tile"}
    return {
        base: _get(
            f"{layer.id}.collection", layer.title_en, collection, tags=tag, restricted=restricted
        ),
        f"{base}/queryables": _get(
            f"{layer.id}.queryables",
            f"Queryables of {layer.title_en}",
            queryables,
            tags=tag,
            restricted=restricted,
            cached=False,
        ),
        f"{base}/items": _get(
            f"{layer.id}.items",
            f"Features of {layer.title_en}",
            items,
            tags=tag,
            restricted=restricted,
            parameters=items_params,
        ),
        f"{base}/items/{{featureId}}": _get(
            f"{layer.id}.feature",
            f"One feature of {layer.title_en}",
            feature,
            tags=tag,
            restricted=restricted,
            parameters=[{"$ref": f"{REF}/parameters/featureId"}],
        ),
        # the server's order is z/x/y (column before row), as the tileset's link template says
        f"{base}/tiles/WebMercatorQuad/{{tileMatrix}}/{{tileCol}}/{{tileRow}}": tile_get,
    }


def service_description(
    city: CityInfo, city_url: str, docs_url: str, layers: list[LayerDef], version: str
) -> dict[str, Any]:
    """The OpenAPI 3.0 document of one city's OGC API (its ``service-desc``).

    Args:
        city: The city.
        city_url: Absolute URL of the city's landing page (the document's server).
        docs_url: Absolute URL of the human API documentation (``service-doc``).
        layers: The collections to describe (those the caller may read).
        version: The application's version.
    """
    common = ["OGC API - Features"]
    paths: dict[str, Any] = {
        "/": _get(
            "landingPage",
            f"Landing page of {city.name}",
            _ok({JSON: {"$ref": f"{REF}/schemas/landingPage"}}, "Links to the API"),
            tags=common,
            cached=False,
        ),
        "/conformance": _get(
            "conformance",
            "Conformance classes",
            _ok({JSON: {"$ref": f"{REF}/schemas/conformance"}}, "Conformance classes"),
            tags=common,
            cached=False,
        ),
        "/collections": _get(
            "collections",
            f"Layers of {city.name}",
            _ok({JSON: {"$ref": f"{REF}/schemas/collections"}}, "The collections"),
            tags=common,
        ),
    }
    for layer in layers:
        paths.update(_layer_paths(layer))
    shared = components()
    if layers:
        shared["parameters"]["limit"] = shared_limit(layers)
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": f"Tree Point O — {city.name}",
            "version": version,
            "description": (
                f"Map layers of {city.name} as OGC API - Features (GeoJSON) and vector tiles."
                " Errors are RFC 9457 problem+json."
            ),
            "license": {"name": "AGPL-3.0-or-later"},
        },
        "externalDocs": {"description": "API documentation", "url": docs_url},
        "servers": [{"url": city_url, "description": city.name}],
        "tags": [{"name": t} for t in [*common, *(layer.id for layer in layers)]],
        "paths": paths,
        "components": shared,
    }


def shared_limit(layers: list[LayerDef]) -> dict[str, Any]:
    """``components.parameters.limit``: a page size every collection described accepts (the
    smallest maximum, the smallest default). Each items path keeps its own ``limit`` with the
    layer's real maximum (GDAL reads that); QGIS's OAPIF provider reads only this component and,
    without it, pages by 100 (14,105 roads: 142 requests; with it, pages of 1,000: 15)."""
    maximum = min(layer.max_limit for layer in layers)
    default = min(maximum, *(layer.default_limit for layer in layers))
    return {
        "name": "limit",
        "in": "query",
        "required": False,
        "description": (
            f"Features per page that every collection accepts: 1 to {maximum}, {default} when"
            " absent (each collection's items path states its own maximum)."
        ),
        "schema": {"type": "integer", "minimum": 1, "maximum": maximum, "default": default},
        "style": "form",
        "explode": False,
    }
