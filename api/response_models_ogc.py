"""Documented answers of OGC API - Features and Tiles (layers/ogc.py, layers/ogc_tiles.py build
them), and of the per-city service description. Field names are the standards' own (camelCase).
"""

# ruff: noqa: N815

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from api.response_models import AnyFeature, Model


class OgcLink(Model):
    """A web link (OGC API)."""

    href: str
    rel: str
    type: str | None = None
    title: str | None = None
    templated: bool | None = None


class Conformance(Model):
    """``GET /cities/{city}/conformance``."""

    conformsTo: list[str]


class SpatialExtent(Model):
    """The layer's bounding box in the city."""

    bbox: list[list[float]] = Field(description="[[minx, miny, maxx, maxy]] (CRS84)")
    crs: str


class TemporalExtent(Model):
    """The first and last date of a layer's temporal property."""

    interval: list[list[str | None]]
    trs: str


class Extent(Model):
    """Spatial (and, for layers with a temporal property, temporal) extent."""

    spatial: SpatialExtent
    temporal: TemporalExtent | None = None


class LayerStyle(Model):
    """The layer's default map style (the web map may override it)."""

    colour: str
    width: float
    fill_colour: str | None
    fill_opacity: float
    radius: float
    icon: str | None
    colour_property: str | None


class LayerDisplay(Model):
    """How the web map shows the layer (a hint beside OGC API Features)."""

    mode: Literal["features", "tiles", "points"] = Field(
        description="features: GeoJSON items loaded whole; tiles: vector tiles on canvas;"
        " points: point tiles, clustered, counted per grid cell at low zooms"
    )
    minzoom: int = Field(description="The map draws the layer from this zoom")
    on: bool = Field(description="Switched on when the map opens")
    tappable: bool = Field(description="A tap on a feature opens its popup")


class PropertyInfo(Model):
    """A property of the layer's features."""

    type: str
    title: str | None


class Collection(Model):
    """``GET /cities/{city}/collections/{layer}``: one layer."""

    id: str
    title: str
    title_en: str | None
    description: str | None
    itemType: Literal["feature"]
    extent: Extent
    crs: list[str]
    storageCrs: str
    geometryType: str
    minzoom: int
    maxzoom: int
    defaultLimit: int
    maxLimit: int
    style: LayerStyle
    display: LayerDisplay
    properties: dict[str, PropertyInfo]
    links: list[OgcLink]


class Collections(Model):
    """``GET /cities/{city}/collections``: the layers the caller may read."""

    links: list[OgcLink]
    collections: list[Collection]


class Queryables(Model):
    """``GET .../queryables``: JSON Schema of the properties usable as filters."""

    schema_: str = Field(alias="$schema")
    id_: str = Field(alias="$id")
    type: Literal["object"]
    title: str
    properties: dict[str, dict[str, Any]]
    additionalProperties: bool


class ItemFeature(AnyFeature):
    """One feature of a layer (``GET .../items/{fid}``), with its links."""

    links: list[OgcLink] | None = None


class Items(Model):
    """A page of a layer's features (``GET .../items``)."""

    type: Literal["FeatureCollection"]
    features: list[ItemFeature]
    numberMatched: int
    numberReturned: int
    timeStamp: str
    links: list[OgcLink]


# -- tiles --------------------------------------------------------------------------------
class TilesetSummary(Model):
    """A tileset of a layer (vector tiles in one tile matrix set)."""

    title: str
    dataType: Literal["vector"]
    crs: str
    tileMatrixSetURI: str
    links: list[OgcLink]


class Tilesets(Model):
    """``GET .../tiles``: the layer's tilesets."""

    links: list[OgcLink]
    tilesets: list[TilesetSummary]


class TileMatrixLimits(Model):
    """The tiles covering the city at one zoom."""

    tileMatrix: str
    minTileRow: int
    maxTileRow: int
    minTileCol: int
    maxTileCol: int


class BoundingBox(Model):
    """A box by its corners."""

    lowerLeft: list[float]
    upperRight: list[float]
    crs: str


class TileLayer(Model):
    """The layer inside the tiles."""

    id: str
    title: str
    dataType: str
    geometryDimension: int | None
    minTileMatrix: str
    maxTileMatrix: str
    propertiesSchema: dict[str, Any]


class Tileset(TilesetSummary):
    """``GET .../tiles/WebMercatorQuad``: tileset metadata (OGC API - Tiles)."""

    tileMatrixSetLimits: list[TileMatrixLimits]
    boundingBox: BoundingBox
    layers: list[TileLayer]


class VectorLayer(Model):
    """A layer of the tiles as TileJSON names it."""

    id: str
    description: str | None
    minzoom: int
    maxzoom: int
    fields: dict[str, str]


class TileJSON(Model):
    """TileJSON 3.0 of a layer's tiles."""

    tilejson: str
    name: str
    description: str | None
    scheme: Literal["xyz"]
    tiles: list[str]
    minzoom: int
    maxzoom: int
    bounds: list[float]
    center: list[float]
    vector_layers: list[VectorLayer]
    format: str
    links: list[OgcLink]


class TileMatrixSetRef(Model):
    """A tile matrix set of the list."""

    id: str
    title: str
    uri: str
    links: list[OgcLink]


class TileMatrixSets(Model):
    """``GET /cities/{city}/tileMatrixSets``."""

    links: list[OgcLink]
    tileMatrixSets: list[TileMatrixSetRef]


class TileMatrix(Model):
    """One zoom level of a tile matrix set."""

    id: str
    scaleDenominator: float
    cellSize: float
    cornerOfOrigin: str
    pointOfOrigin: list[float]
    tileWidth: int
    tileHeight: int
    matrixWidth: int
    matrixHeight: int


class TileMatrixSet(Model):
    """``GET /cities/{city}/tileMatrixSets/WebMercatorQuad`` (OGC 2D TMS 2.0)."""

    id: str
    title: str
    uri: str
    crs: str
    orderedAxes: list[str]
    wellKnownScaleSet: str | None = None
    tileMatrices: list[TileMatrix]


# -- the service description --------------------------------------------------------------
class ServiceDescription(Model):
    """``GET /cities/{city}/api``: an OpenAPI 3.0 document of the city's OGC API."""

    openapi: str = Field(pattern=r"^3\.0\.\d+$")
    info: dict[str, Any]
    servers: list[dict[str, Any]]
    paths: dict[str, dict[str, Any]]
    components: dict[str, Any]
