"""The shared parts of a city's OGC API service description (``components`` in OpenAPI 3.0):
the schemas of the documents, the common query and path parameters, the ETag header and one
problem+json response per error status. ``layers.service_desc`` refers to them by ``$ref``.
"""

from __future__ import annotations

from typing import Any

JSON = "application/json"
GEOJSON = "application/geo+json"
SCHEMA_JSON = "application/schema+json"
PROBLEM = "application/problem+json"
MVT = "application/vnd.mapbox-vector-tile"
REF = "#/components"
# what each status means, the same words for every operation
STATUS_TEXT = {
    "304": "Not modified since the ETag sent in If-None-Match",
    "400": "A query parameter is unknown or its value is invalid",
    "401": "The layer is restricted: log in first",
    "403": "The caller's roles or city do not allow this layer",
    "404": "No such city, collection or feature",
    "406": "The representation asked for (f or Accept) is not served",
    "503": "The database is unreachable or busy; retry after the Retry-After seconds",
}


def components() -> dict[str, Any]:
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
    links = {"type": "array", "items": {"$ref": f"{REF}/schemas/link"}}
    geometry = {"type": "object", "nullable": True, "required": ["type"]}
    responses: dict[str, Any] = {
        status: {
            "description": text,
            "content": {PROBLEM: {"schema": {"$ref": f"{REF}/schemas/problem"}}},
        }
        for status, text in STATUS_TEXT.items()
        if status != "304"
    }
    responses["304"] = {"description": STATUS_TEXT["304"]}
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
                        "items": {"$ref": f"{REF}/schemas/collection"},
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
                    "features": {"type": "array", "items": {"$ref": f"{REF}/schemas/feature"}},
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
            "tileRow": {
                "name": "tileRow",
                "in": "path",
                "required": True,
                "description": "The tile's row (y, from the top), last in the path",
                "schema": int_path,
            },
            "tileCol": {
                "name": "tileCol",
                "in": "path",
                "required": True,
                "description": "The tile's column (x, from the left), before the row",
                "schema": int_path,
            },
        },
        "headers": {
            "ETag": {"description": "Revision of the answer", "schema": {"type": "string"}}
        },
        "responses": responses,
    }
