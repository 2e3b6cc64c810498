"""OGC API documents (landing links, conformance, collections, queryables, TileJSON) as dicts."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.cities import CityInfo
from layers import ogc_tiles
from layers.features import CRS84
from layers.registry import LayerDef, public_layers

JSON = "application/json"
GEOJSON = "application/geo+json"
OPENAPI = "application/vnd.oai.openapi+json;version=3.0"
SCHEMA_JSON = "application/schema+json"
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
]
TRS_GREGORIAN = "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"
REL_TILESETS = "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector"
REL_TILING_SCHEMES = "http://www.opengis.net/def/rel/ogc/1.0/tiling-schemes"
REL_QUERYABLES = "http://www.opengis.net/def/rel/ogc/1.0/queryables"
# Extent from the data only below this many rows in the table (pg_class.reltuples);
# bigger layers report the city bbox, so /collections never scans a big table.
EXACT_EXTENT_MAX_ROWS = 200_000
JSON_SCHEMA_TYPES = {
    "string": {"type": "string"},
    "integer": {"type": "integer"},
    "number": {"type": "number"},
    "boolean": {"type": "boolean"},
    "datetime": {"type": "string", "format": "date-time"},
}
_GEOMETRY_SCHEMAS = {
    "Point": "https://geojson.org/schema/Point.json",
    "LineString": "https://geojson.org/schema/LineString.json",
    "MultiLineString": "https://geojson.org/schema/MultiLineString.json",
    "Polygon": "https://geojson.org/schema/Polygon.json",
    "MultiPolygon": "https://geojson.org/schema/MultiPolygon.json",
}


def _link(href: str, rel: str, type_: str, title: str) -> dict[str, str]:
    return {"href": href, "rel": rel, "type": type_, "title": title}


def landing_links(city_url: str, docs_url: str) -> list[dict[str, str]]:
    """The OGC API links of a city's landing page (``/cities/{city}``).

    Args:
        city_url: Absolute URL of the city, e.g. ``http://host/cities/tangerang``.
        docs_url: Absolute URL of the human API documentation (Swagger UI).
    """
    return [
        _link(f"{city_url}/conformance", "conformance", JSON, "Conformance classes"),
        _link(f"{city_url}/collections", "data", JSON, "Layers (collections)"),
        _link(f"{city_url}/tileMatrixSets", REL_TILING_SCHEMES, JSON, "Tile matrix sets"),
        _link(f"{city_url}/api", "service-desc", OPENAPI, "The API definition (OpenAPI 3.0)"),
        _link(docs_url, "service-doc", "text/html", "The API documentation"),
    ]


def conformance() -> dict[str, list[str]]:
    """The ``/conformance`` document."""
    return {"conformsTo": [*CONFORMANCE, *ogc_tiles.CONFORMANCE]}


def _table_rows_estimate(session: Session, tables: set[str]) -> dict[str, float]:
    rows = session.execute(
        text("SELECT relname, reltuples FROM pg_class WHERE relname = ANY(:names)"),
        {"names": sorted(tables)},
    )
    return {str(name): float(tuples) for name, tuples in rows}


def layer_extents(
    session: Session, city: CityInfo, layers: list[LayerDef]
) -> dict[str, list[float]]:
    """Bounding box per layer: of the data for small public tables, else the city's.

    Args:
        session: Open session.
        city: The city.
        layers: Layers to describe.

    Returns:
        ``[minx, miny, maxx, maxy]`` per layer id.
    """
    sizes = _table_rows_estimate(session, {layer.table for layer in layers})
    # restricted layers show the city's box: the extent of all rows would tell where the
    # rows outside the reader's scope lie
    small = [
        layer
        for layer in layers
        if layer.public and sizes.get(layer.table, 0.0) <= EXACT_EXTENT_MAX_ROWS
    ]
    extents = {layer.id: list(city.bbox) for layer in layers}
    if small:
        parts = " UNION ALL ".join(
            f"SELECT '{layer.id}' AS layer, ST_Extent(t.{layer.geom_column})::geometry AS box"  # noqa: S608
            f" FROM {layer.table} t WHERE t.city_id = :city_id AND ({layer.where})"
            for layer in small
        )
        sql = text(
            "SELECT layer, ST_XMin(box), ST_YMin(box), ST_XMax(box), ST_YMax(box)"  # noqa: S608
            f" FROM ({parts}) e WHERE box IS NOT NULL"
        )
        for layer_id, *box in session.execute(sql, {"city_id": city.id}):
            extents[str(layer_id)] = [float(v) for v in box]
    return extents


def temporal_extents(
    session: Session, city: CityInfo, layers: list[LayerDef]
) -> dict[str, list[str | None]]:
    """``[first, last]`` (RFC 3339) of the temporal property, per layer that has one: from
    the data for public layers, open (``[null, null]``) for restricted ones (their rows'
    times outside the reader's scope are not to be told) and for empty layers."""
    out: dict[str, list[str | None]] = {}
    for layer in layers:
        prop = layer.prop(layer.temporal) if layer.temporal else None
        if prop is None:
            continue
        out[layer.id] = [None, None]
        if not layer.public:
            continue
        first, last = session.execute(
            text(
                f"SELECT min({prop.sql}), max({prop.sql}) FROM {layer.table} t"  # noqa: S608
                f" WHERE t.city_id = :city_id AND ({layer.where})"
            ),
            {"city_id": city.id},
        ).one()
        if first is not None:
            out[layer.id] = [_rfc3339(first), _rfc3339(last)]
    return out


def _rfc3339(value: Any) -> str:
    text_value: str = value.isoformat()
    return text_value.replace("+00:00", "Z")


def display_hint(layer: LayerDef) -> dict[str, Any]:
    """How the web map shows the layer (``LayerDef.display``; not part of OGC API Features,
    which clients ignore): its mode, the zoom it is drawn from, on at start, tappable."""
    shown = layer.display
    return {
        "mode": shown.mode,
        "minzoom": layer.min_zoom if shown.min_zoom is None else shown.min_zoom,
        "on": shown.on,
        "tappable": shown.tappable,
    }


def collection(
    layer: LayerDef,
    city: CityInfo,
    city_url: str,
    bbox: list[float],
    interval: list[str | None] | None = None,
) -> dict[str, Any]:
    """The ``/collections/{layer}`` document (OGC API Features, plus map hints); ``interval``
    is the temporal extent of a layer with a temporal property (``temporal_extents``)."""
    url = f"{city_url}/collections/{layer.id}"
    extent: dict[str, Any] = {"spatial": {"bbox": [bbox], "crs": CRS84}}
    if interval is not None:
        extent["temporal"] = {"interval": [interval], "trs": TRS_GREGORIAN}
    return {
        "id": layer.id,
        "title": layer.title_id,
        "title_en": layer.title_en,
        "description": layer.description,
        "itemType": "feature",
        "extent": extent,
        "crs": [CRS84],
        "storageCrs": CRS84,
        "geometryType": layer.geometry_type,
        "minzoom": layer.min_zoom,
        "maxzoom": layer.max_zoom,
        "defaultLimit": layer.default_limit,
        "maxLimit": layer.max_limit,
        "style": asdict(layer.style),
        "display": display_hint(layer),
        "properties": {p.name: {"type": p.type, "title": p.title} for p in layer.properties},
        "links": [
            _link(url, "self", JSON, layer.title_id),
            _link(f"{url}/items", "items", GEOJSON, f"{layer.title_id} (GeoJSON)"),
            _link(f"{url}/queryables", REL_QUERYABLES, SCHEMA_JSON, "Queryable properties"),
            _link(f"{url}/tiles", REL_TILESETS, JSON, "Vector tilesets (OGC API - Tiles)"),
            _link(f"{city_url}/collections", "collection", JSON, city.name),
        ],
    }


def collections(
    session: Session, city: CityInfo, city_url: str, layers: list[LayerDef] | None = None
) -> dict[str, Any]:
    """The ``/collections`` document: every public layer of the city."""
    layers = public_layers() if layers is None else layers
    extents = layer_extents(session, city, layers)
    intervals = temporal_extents(session, city, layers)
    return {
        "links": [
            _link(f"{city_url}/collections", "self", JSON, f"Layers of {city.name}"),
            _link(city_url, "parent", JSON, city.name),
        ],
        "collections": [
            collection(layer, city, city_url, extents[layer.id], intervals.get(layer.id))
            for layer in layers
        ],
    }


def queryables(layer: LayerDef, city_url: str) -> dict[str, Any]:
    """The ``/collections/{layer}/queryables`` JSON Schema (filterable properties)."""
    props: dict[str, Any] = {
        "geometry": {"$ref": _GEOMETRY_SCHEMAS.get(layer.geometry_type, "")},
    }
    for prop in layer.properties:
        if prop.filterable:
            schema: dict[str, Any] = {"title": prop.title or prop.name}
            schema.update(JSON_SCHEMA_TYPES[prop.type])
            if prop.enum:
                schema["enum"] = list(prop.enum)
            props[prop.name] = schema
    return {
        "$schema": "https://json-schema.org/draft/2019-09/schema",
        "$id": f"{city_url}/collections/{layer.id}/queryables",
        "type": "object",
        "title": layer.title_id,
        "properties": props,
        "additionalProperties": False,
    }


def tilejson(layer: LayerDef, city: CityInfo, city_url: str) -> dict[str, Any]:
    """TileJSON 3.0 for the layer's WebMercatorQuad vector tiles."""
    lon, lat = city.center
    zoom = min(max(city.zoom, layer.min_zoom), layer.max_zoom)
    fields = {p.name: _tilejson_type(p.type) for p in layer.properties}
    if layer.is_point and layer.aggregate_below_zoom is not None:
        fields["count"] = "Number"
    return {
        "tilejson": "3.0.0",
        "name": layer.id,
        "description": layer.title_id,
        "scheme": "xyz",
        "tiles": [f"{city_url}/collections/{layer.id}/tiles/WebMercatorQuad/{{z}}/{{x}}/{{y}}"],
        "minzoom": layer.min_zoom,
        "maxzoom": layer.max_zoom,
        "bounds": list(city.bbox),
        "center": [lon, lat, zoom],
        "vector_layers": [
            {
                "id": layer.id,
                "description": layer.title_en,
                "minzoom": layer.min_zoom,
                "maxzoom": layer.max_zoom,
                "fields": fields,
            }
        ],
        "format": "pbf",
        "links": [
            _link(f"{city_url}/collections/{layer.id}", "collection", JSON, layer.title_id),
            _link(
                f"{ogc_tiles.tiles_url(city_url, layer)}/{ogc_tiles.TMS_ID}",
                "describes",
                JSON,
                "The OGC API - Tiles tileset",
            ),
        ],
    }


def _tilejson_type(prop_type: str) -> str:
    return {"integer": "Number", "number": "Number", "boolean": "Boolean"}.get(prop_type, "String")
