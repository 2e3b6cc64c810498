"""Response documentation: the media types and the GeoJSON shapes the API answers.

Most answers are built as bytes (in SQL, or with orjson) and returned as a ``Response``, which
FastAPI sends as is: the models here describe those bodies in /openapi.json (``response_model``
with a response class of the right media type) without validating them again on the way out.
``documented(Model)`` does the same for routes that return a plain ``dict``.

Bodies that are not JSON (vector tiles, the GTFS zip, HTML reports, uploaded documents) are
described by ``binary(...)`` / ``html()``: a media type and a string schema.
"""

from __future__ import annotations

from typing import Any, Generic, Literal, TypeVar

from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

JSON = "application/json"
GEOJSON = "application/geo+json"
HTML = "text/html"


class GeoJSONResponse(JSONResponse):
    """Documents ``application/geo+json`` bodies (the routes send pre-built bytes)."""

    media_type = GEOJSON


class SchemaJSONResponse(JSONResponse):
    """Documents ``application/schema+json`` bodies (OGC API queryables)."""

    media_type = "application/schema+json"


class OpenAPIResponse(JSONResponse):
    """Documents an OpenAPI 3.0 document (the per-city service description)."""

    media_type = "application/vnd.oai.openapi+json;version=3.0"


def documented(model: Any, status: int = 200) -> dict[str, Any]:
    """Route keyword arguments documenting ``model`` as the JSON body of ``status`` while the
    route's own ``dict`` is sent as FastAPI encodes it (no second validation)."""
    return {"response_model": None, "responses": {status: {"model": model}}}


def binary(*media_types: str, description: str = "The file") -> dict[str, Any]:
    """An OpenAPI response of bytes in one of ``media_types``."""
    schema = {"type": "string", "format": "binary"}
    return {"description": description, "content": {m: {"schema": schema} for m in media_types}}


def html(description: str = "An HTML page") -> dict[str, Any]:
    """An OpenAPI response of one HTML page."""
    return {"description": description, "content": {HTML: {"schema": {"type": "string"}}}}


class Model(BaseModel):
    """A documented answer: keys beyond the declared ones may be added later."""

    model_config = ConfigDict(extra="allow")


GeometryType = Literal[
    "Point",
    "MultiPoint",
    "LineString",
    "MultiLineString",
    "Polygon",
    "MultiPolygon",
    "GeometryCollection",
]


class Geometry(Model):
    """A GeoJSON geometry (RFC 7946), lon/lat (CRS84)."""

    type: GeometryType
    coordinates: list[Any] | None = Field(default=None, description="Nested [lon, lat] arrays")
    geometries: list[dict[str, Any]] | None = Field(
        default=None, description="The members of a GeometryCollection"
    )


class PointGeometry(Model):
    """A GeoJSON Point."""

    type: Literal["Point"]
    coordinates: list[float] = Field(min_length=2, max_length=3, description="[lon, lat]")


class LineGeometry(Model):
    """A GeoJSON LineString."""

    type: Literal["LineString"]
    coordinates: list[list[float]]


P = TypeVar("P")


class Feature(Model, Generic[P]):
    """A GeoJSON Feature."""

    type: Literal["Feature"]
    id: int | str | None = None
    geometry: Geometry | None
    properties: P | None


class FeatureCollection(Model, Generic[P]):
    """A GeoJSON FeatureCollection."""

    type: Literal["FeatureCollection"]
    features: list[Feature[P]]


class AnyFeature(Feature[dict[str, Any]]):
    """A GeoJSON Feature whose properties depend on the layer."""


class AnyFeatureCollection(FeatureCollection[dict[str, Any]]):
    """A GeoJSON FeatureCollection whose properties depend on the layer."""


class CodeName(Model):
    """An area (kelurahan, kecamatan) or an office by code and name."""

    code: str
    name: str


class OutlineProperties(Model):
    """The city of an outline."""

    name: str
    slug: str


class Outline(FeatureCollection[OutlineProperties]):
    """``GET /cities/{city}/outline``: the kota boundary (or its bbox) as one feature."""
