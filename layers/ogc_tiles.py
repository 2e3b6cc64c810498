"""OGC API - Tiles documents as dicts: a layer's tilesets list, the tileset metadata of its
WebMercatorQuad vector tiles, and the WebMercatorQuad tile matrix set (OGC 2D TMS 2.0).

TileJSON (``layers.ogc.tilejson``) describes the same tiles for web maps; it is linked from the
tileset with the ``describedby`` relation and its own media type.
"""

from __future__ import annotations

import math
from typing import Any

from geo.cities import CityInfo
from layers.features import CRS84
from layers.registry import LayerDef

JSON = "application/json"
MVT = "application/vnd.mapbox-vector-tile"
TILEJSON = JSON  # TileJSON has no media type of its own; the route sends application/json
TMS_ID = "WebMercatorQuad"
TMS_URI = "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad"
EPSG_3857 = "http://www.opengis.net/def/crs/EPSG/0/3857"
REL_TILING_SCHEME = "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme"
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tileset",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tilesets-list",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/geodata-tilesets",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/mvt",
]
# WebMercatorQuad: the world square in EPSG:3857 metres, 256-pixel tiles
ORIGIN_M = 20037508.3427892
TILE_PX = 256
TMS_MAX_ZOOM = 22  # layers.tiles.MAX_TILE_ZOOM
PIXEL_M = 0.00028  # the standardised rendering pixel (0.28 mm) of scale denominators


def _link(href: str, rel: str, type_: str, title: str) -> dict[str, Any]:
    return {"href": href, "rel": rel, "type": type_, "title": title}


def tiles_url(city_url: str, layer: LayerDef) -> str:
    """The URL of a layer's tilesets list."""
    return f"{city_url}/collections/{layer.id}/tiles"


def _tileset_summary(layer: LayerDef, city_url: str) -> dict[str, Any]:
    base = tiles_url(city_url, layer)
    return {
        "title": f"{layer.title_id} ({TMS_ID})",
        "dataType": "vector",
        "crs": EPSG_3857,
        "tileMatrixSetURI": TMS_URI,
        "links": [
            _link(f"{base}/{TMS_ID}", "self", JSON, f"{layer.title_id}: {TMS_ID} tileset"),
            _link(f"{city_url}/tileMatrixSets/{TMS_ID}", REL_TILING_SCHEME, JSON, TMS_ID),
        ],
    }


def tilesets(layer: LayerDef, city_url: str) -> dict[str, Any]:
    """``/collections/{layer}/tiles``: the layer's tilesets (one, WebMercatorQuad)."""
    base = tiles_url(city_url, layer)
    return {
        "links": [
            _link(base, "self", JSON, f"Tilesets of {layer.title_id}"),
            _link(f"{city_url}/collections/{layer.id}", "collection", JSON, layer.title_id),
        ],
        "tilesets": [_tileset_summary(layer, city_url)],
    }


def tile_range(bbox: tuple[float, float, float, float] | list[float], z: int) -> dict[str, Any]:
    """The tile columns and rows covering a lon/lat box at zoom ``z`` (tileMatrixSetLimits)."""
    minx, miny, maxx, maxy = bbox
    side = 1 << z

    def col(lon: float) -> int:
        return min(side - 1, max(0, int((lon + 180.0) / 360.0 * side)))

    def row(lat: float) -> int:
        lat = max(-85.05112878, min(85.05112878, lat))
        rad = math.radians(lat)
        y = (1.0 - math.log(math.tan(rad) + 1.0 / math.cos(rad)) / math.pi) / 2.0
        return min(side - 1, max(0, int(y * side)))

    return {
        "tileMatrix": str(z),
        "minTileRow": row(maxy),
        "maxTileRow": row(miny),
        "minTileCol": col(minx),
        "maxTileCol": col(maxx),
    }


def tileset(layer: LayerDef, city: CityInfo, city_url: str) -> dict[str, Any]:
    """``/collections/{layer}/tiles/WebMercatorQuad``: the tileset metadata (OGC API - Tiles)."""
    summary = _tileset_summary(layer, city_url)
    base = f"{tiles_url(city_url, layer)}/{TMS_ID}"
    minx, miny, maxx, maxy = city.bbox
    fields = {p.name: {"type": p.type, "title": p.title or p.name} for p in layer.properties}
    return {
        **summary,
        "tileMatrixSetLimits": [
            tile_range(city.bbox, z) for z in range(layer.min_zoom, layer.max_zoom + 1)
        ],
        "boundingBox": {"lowerLeft": [minx, miny], "upperRight": [maxx, maxy], "crs": CRS84},
        "layers": [
            {
                "id": layer.id,
                "title": layer.title_id,
                "dataType": "vector",
                "geometryDimension": _dimension(layer.geometry_type),
                "minTileMatrix": str(layer.min_zoom),
                "maxTileMatrix": str(layer.max_zoom),
                "propertiesSchema": {"type": "object", "properties": fields},
            }
        ],
        "links": [
            *summary["links"],
            {
                "href": f"{base}/{{tileMatrix}}/{{tileCol}}/{{tileRow}}",
                "rel": "item",
                "type": MVT,
                "title": "Vector tiles (Mapbox Vector Tile)",
                "templated": True,
            },
            _link(f"{base}/tilejson", "describedby", TILEJSON, "TileJSON of these tiles"),
            _link(f"{city_url}/collections/{layer.id}", "collection", JSON, layer.title_id),
        ],
    }


def _dimension(geometry_type: str) -> int:
    return 0 if "Point" in geometry_type else 1 if "LineString" in geometry_type else 2


def tile_matrix_sets(city_url: str) -> dict[str, Any]:
    """``/tileMatrixSets``: the tile matrix sets of this API (WebMercatorQuad)."""
    url = f"{city_url}/tileMatrixSets/{TMS_ID}"
    return {
        "links": [_link(f"{city_url}/tileMatrixSets", "self", JSON, "Tile matrix sets")],
        "tileMatrixSets": [
            {
                "id": TMS_ID,
                "title": "Google Maps Compatible for the World",
                "uri": TMS_URI,
                "links": [_link(url, "self", JSON, TMS_ID)],
            }
        ],
    }


def web_mercator_quad(city_url: str) -> dict[str, Any]:
    """``/tileMatrixSets/WebMercatorQuad``: its definition (OGC 2D Tile Matrix Set 2.0)."""
    matrices = []
    for z in range(TMS_MAX_ZOOM + 1):
        cell = 2 * ORIGIN_M / TILE_PX / (1 << z)
        matrices.append(
            {
                "id": str(z),
                "scaleDenominator": cell / PIXEL_M,
                "cellSize": cell,
                "cornerOfOrigin": "topLeft",
                "pointOfOrigin": [-ORIGIN_M, ORIGIN_M],
                "tileWidth": TILE_PX,
                "tileHeight": TILE_PX,
                "matrixWidth": 1 << z,
                "matrixHeight": 1 << z,
            }
        )
    return {
        "id": TMS_ID,
        "title": "Google Maps Compatible for the World",
        "uri": TMS_URI,
        "crs": EPSG_3857,
        "orderedAxes": ["X", "Y"],
        "wellKnownScaleSet": "http://www.opengis.net/def/wkss/OGC/1.0/GoogleMapsCompatible",
        "tileMatrices": matrices,
        "links": [_link(f"{city_url}/tileMatrixSets/{TMS_ID}", "self", JSON, TMS_ID)],
    }
