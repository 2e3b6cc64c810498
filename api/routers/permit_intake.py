"""The parcel upload of a permit application: a file (GeoJSON, KML, GeoPackage, zipped
Shapefile) or a drawn GeoJSON geometry in, the checked parcel in lon/lat out; writes nothing."""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field
from starlette.datastructures import UploadFile

from api.auth import requires
from api.deps import CityDep, SessionDep, SettingsDep
from geo.errors import InvalidInputError
from geo.permits import (
    ParcelInput,
    UploadTooLargeError,
    check_parcel,
    parcel_from_geojson,
    read_parcel,
)

router = APIRouter(tags=["permits"])
# room for the multipart boundaries and headers around the file
FORM_OVERHEAD_BYTES = 16_384
_CHUNK = 1 << 16


class ParcelPublic(BaseModel):
    """The checked parcel, as the application and the pre-check take it."""

    geometry: dict[str, Any] = Field(
        description="GeoJSON MultiPolygon in EPSG:4326 (lon/lat, 7 decimals)"
    )
    area_m2: float = Field(description="Area in UTM 48S (EPSG:32748), m²")
    vertices: int = Field(description="Vertices (each ring's closing point not counted)")
    format: str = Field(description="geojson, kml, gpkg or shp", examples=["shp"])
    crs: str = Field(description="The CRS the parcel came in", examples=["EPSG:32748"])
    repaired: bool = Field(description="Whether make_valid repaired the outline")
    repair_note: str | None = Field(description="What the repair did (Bahasa Indonesia)")


def _too_large(limit: int) -> UploadTooLargeError:
    return UploadTooLargeError(
        f"the parcel file is larger than {limit / 1e6:.1f} MB (TPO_MAX_UPLOAD_BYTES)",
        [{"field": "file", "in": "body", "message": "too large"}],
    )


async def read_parcel_body(request: Request, settings: SettingsDep) -> tuple[str, Any]:
    """``("file", (bytes, name))`` of a multipart form or ``("geometry", obj)`` of a JSON body,
    refused with 413 past ``TPO_MAX_UPLOAD_BYTES`` (a dependency: async)."""
    limit = settings.max_upload_bytes
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > limit + FORM_OVERHEAD_BYTES:
        raise _too_large(limit)
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind == "application/json":
        raw = await request.body()
        if len(raw) > limit:
            raise _too_large(limit)
        try:
            body = orjson.loads(raw)
        except orjson.JSONDecodeError:
            raise InvalidInputError(
                "the body is not valid JSON",
                [{"field": "body", "in": "body", "message": "invalid JSON"}],
            ) from None
        if not isinstance(body, dict) or "geometry" not in body:
            raise InvalidInputError(
                'send {"geometry": GeoJSON Polygon or MultiPolygon}',
                [{"field": "geometry", "in": "body", "message": "missing"}],
            )
        return "geometry", body["geometry"]
    if kind == "multipart/form-data":
        form = await request.form(max_files=1, max_fields=2)
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise InvalidInputError(
                "the form needs a file field 'file' (GeoJSON, KML, GeoPackage or zipped Shapefile)",
                [{"field": "file", "in": "body", "message": "missing"}],
            )
        chunks: list[bytes] = []
        size = 0
        while chunk := await upload.read(_CHUNK):
            size += len(chunk)
            if size > limit:
                raise _too_large(limit)
            chunks.append(chunk)
        return "file", (b"".join(chunks), upload.filename or "parcel")
    raise InvalidInputError(
        "send the parcel as multipart/form-data (field 'file') or application/json"
        ' ({"geometry": ...})',
        [{"field": "Content-Type", "in": "header", "message": "unsupported"}],
    )


@router.post(
    "/cities/{city}/permits/parcel",
    response_model=ParcelPublic,
    summary="Check an uploaded or drawn parcel (public; writes nothing)",
    responses={
        413: {"description": "the file is over TPO_MAX_UPLOAD_BYTES (upload-too-large)"},
        422: {
            "description": "parcel-format, parcel-archive (zip bomb), parcel-crs-missing,"
            " parcel-geometry-type, parcel-invalid (with location [lon, lat]),"
            " parcel-too-many-vertices, parcel-area, parcel-outside-city"
        },
    },
    **requires(
        "permits.precheck",
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {
                    "multipart/form-data": {
                        "schema": {
                            "type": "object",
                            "required": ["file"],
                            "properties": {"file": {"type": "string", "format": "binary"}},
                        }
                    },
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "required": ["geometry"],
                            "properties": {"geometry": {"type": "object"}},
                        }
                    },
                },
            }
        },
    ),
)
def post_parcel(
    body: Annotated[tuple[str, Any], Depends(read_parcel_body)],
    *,
    city: CityDep,
    session: SessionDep,
) -> dict[str, Any]:
    """A file (multipart field ``file``) or ``{"geometry": ...}``: one Polygon or
    MultiPolygon in any CRS the file declares, reprojected to lon/lat, repaired when safe,
    inside the city, within 10 m²..1,000 ha and 10,000 vertices."""
    kind, value = body
    parcel: ParcelInput
    if kind == "file":
        data, filename = value
        parcel = read_parcel(data, filename)
    else:
        parcel = parcel_from_geojson(value)
    check_parcel(session, city.id, parcel)
    return parcel.public()
