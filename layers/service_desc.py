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
from layers.ogc import _JSON_SCHEMA_TYPES
from layers.registry import LayerDef, Prop

OPENAPI_VERSION = "3.0.3"
JSON = "application/json"
GEOJSON = "application/geo+json"
SCHEMA_JSON = "application/schema+json"
PROBLEM = "application/problem+json"
MVT = "application/vnd.mapbox-vector-tile"
_REF = "#/components"
# the JSON Schema of each property type, as the queryables document says it
_PROP_SCHEMAS = _JSON_SCHEMA_TYPES
# what each status means, the same words for every operation
_STATUS_TEXT = {
    "304": "Not modified since the ETag sent in If-None-Match",
    "400": "A query parameter is unknown or its value is invalid",
    "401": "The layer is restricted: log in first",
    "403": "The caller's roles or city do not allow this layer",
    "404": "No such city, collection or feature",
    "406": "The representation asked for (f or Accept) is not served",
    "503": "The database is unreachable or busy; retry after the Retry-After seconds",
}


def _problem(status: str) -> dict[str, Any]:
    return {"$ref": f"{_REF}/responses/{status}"}


def _ok(media: dict[str, dict[str, Any]], description: str) -> dict[str, Any]:
    return {
        "description": description,
        "headers": {"ETag": {"$ref": f"{_REF}/headers/ETag"}},
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
        {"$ref": f"{_REF}/parameters/bbox"},
        _limit_parameter(layer),
        {"$ref": f"{_REF}/parameters/offset"},
        {"$ref": f"{_REF}/parameters/datetime"},
        {"$ref": f"{_REF}/parameters/properties"},
        {"$ref": f"{_REF}/parameters/f-json"},
        *filters,
    ]
    collection = _ok({JSON: {"$ref": f"{_REF}/schemas/collection"}}, layer.title_en)
    queryables = _ok({SCHEMA_JSON: {"type": "object"}}, "JSON Schema of the filterable properties")
    items = _ok(
        {GEOJSON: {"$ref": f"{_REF}/schemas/featureCollection"}},
        f"A page of {layer.title_en} (GeoJSON, lon/lat CRS84)",
    )
    feature = _ok({GEOJSON: {"$ref": f"{_REF}/schemas/feature"}}, "One feature (GeoJSON)")
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
            {"$ref": f"{_REF}/parameters/{n}"} for n in ("tileMatrix", "tileRow", "tileCol")
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
            parameters=[{"$ref": f"{_REF}/parameters/featureId"}],
        ),
        f"{base}/tiles/WebMercatorQuad/{{tileMatrix}}/{{tileRow}}/{{tileCol}}": tile_get,
    }


def _components() -> dict[str, Any]:
    problem_schema = {
        "type": "object",
        "description": "RFC 9457 problem details; `code` is the stable error code",
        "required": ["type", "title", "status"],
        "properties": {
            "type": {"type": "string"},
            "title": {"type": "string"},
            "status": {"type": "integer"},
            "detail": {"type": "string"},
            "instance": {"type": "string"},
            "code": {"type": "string"},
        },
    }
    link = {
        "type": "object",
        "required": ["href", "rel"],
        "properties": {
            "href": {"type": "string"},
            "rel": {"type": "string"},
            "type": {"type": "string"},
            "title": {"type": "string"},
        },
    }
    links = {"type": "array", "items": {"$ref": f"{_REF}/schemas/link"}}
    geometry = {"type": "object", "nullable": True, "required": ["type"]}
    responses: dict[str, Any] = {
        status: {
            "description": text,
            "content": {PROBLEM: {"schema": {"$ref": f"{_REF}/schemas/problem"}}},
        }
        for status, text in _STATUS_TEXT.items()
        if status != "304"
    }
    responses["304"] = {"description": _STATUS_TEXT["304"]}
    responses["503"]["headers"] = {"Retry-After": {"schema": {"type": "integer"}}}
    int_path = {"type": "integer", "minimum": 0}
    return {
        "schemas": {
            "problem": problem_schema,
            "link": link,
            "landingPage": {
                "type": "object",
                "required": ["links"],
                "properties": {"title": {"type": "string"}, "links": links},
            },
            "conformance": {
                "type": "object",
                "required": ["conformsTo"],
                "properties": {"conformsTo": {"type": "array", "items": {"type": "string"}}},
            },
            "collection": {
                "type": "object",
                "required": ["id", "links"],
                "properties": {
                    "id": {"type": "string"},
                    "title": {"type": "string"},
                    "description": {"type": "string"},
                    "links": links,
                    "extent": {"type": "object"},
                    "crs": {"type": "array", "items": {"type": "string"}},
                },
            },
            "collections": {
                "type": "object",
                "required": ["links", "collections"],
                "properties": {
                    "links": links,
                    "collections": {
                        "type": "array",
                        "items": {"$ref": f"{_REF}/schemas/collection"},
                    },
                },
            },
            "feature": {
                "type": "object",
                "required": ["type", "geometry", "properties"],
                "properties": {
                    "type": {"type": "string", "enum": ["Feature"]},
                    "id": {"type": "integer"},
                    "geometry": geometry,
                    "properties": {"type": "object", "nullable": True},
                    "links": links,
                },
            },
            "featureCollection": {
                "type": "object",
                "required": ["type", "features"],
                "properties": {
                    "type": {"type": "string", "enum": ["FeatureCollection"]},
                    "features": {"type": "array", "items": {"$ref": f"{_REF}/schemas/feature"}},
                    "links": links,
                    "numberMatched": {"type": "integer", "minimum": 0},
                    "numberReturned": {"type": "integer", "minimum": 0},
                    "timeStamp": {"type": "string", "format": "date-time"},
                },
            },
        },
        "parameters": {
            "bbox": {
                "name": "bbox",
                "in": "query",
                "required": False,
                "description": (
                    "minLon,minLat,maxLon,maxLat (or the 6-number form with heights), CRS84"
                ),
                "schema": {
                    "type": "array",
                    "items": {"type": "number"},
                    "minItems": 4,
                    "maxItems": 6,
                },
                "style": "form",
                "explode": False,
            },
            "datetime": {
                "name": "datetime",
                "in": "query",
                "required": False,
                "description": (
                    "An instant, a date (the whole UTC day) or an interval start/end with"
                    " '..' for an open end (RFC 3339), e.g. 2024-01-01/2024-06-30; filters the"
                    " layer's temporal property, and keeps every feature of a layer without one"
                ),
                "schema": {"type": "string"},
                "style": "form",
                "explode": False,
            },
            "offset": {
                "name": "offset",
                "in": "query",
                "required": False,
                "description": "Features to skip (the next link carries it)",
                "schema": {"type": "integer", "minimum": 0, "default": 0},
            },
            "properties": {
                "name": "properties",
                "in": "query",
                "required": False,
                "description": "Comma-separated names of the properties to return",
                "schema": {"type": "array", "items": {"type": "string"}},
                "style": "form",
                "explode": False,
            },
            "f-json": {
                "name": "f",
                "in": "query",
                "required": False,
                "description": "Representation: only `json` (GeoJSON) is served",
                "schema": {"type": "string", "enum": ["json"]},
            },
            "featureId": {
                "name": "featureId",
                "in": "path",
                "required": True,
                "description": "Feature id (integer)",
                "schema": {"type": "integer"},
            },
            "tileMatrix": {
                "name": "tileMatrix",
                "in": "path",
                "required": True,
                "schema": int_path,
            },
            "tileRow": {"name": "tileRow", "in": "path", "required": True, "schema": int_path},
            "tileCol": {"name": "tileCol", "in": "path", "required": True, "schema": int_path},
        },
        "headers": {
            "ETag": {"description": "Revision of the answer", "schema": {"type": "string"}}
        },
        "responses": responses,
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
            _ok({JSON: {"$ref": f"{_REF}/schemas/landingPage"}}, "Links to the API"),
            tags=common,
            cached=False,
        ),
        "/conformance": _get(
            "conformance",
            "Conformance classes",
            _ok({JSON: {"$ref": f"{_REF}/schemas/conformance"}}, "Conformance classes"),
            tags=common,
            cached=False,
        ),
        "/collections": _get(
            "collections",
            f"Layers of {city.name}",
            _ok({JSON: {"$ref": f"{_REF}/schemas/collections"}}, "The collections"),
            tags=common,
        ),
    }
    for layer in layers:
        paths.update(_layer_paths(layer))
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
        "components": _components(),
    }
