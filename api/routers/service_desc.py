"""``GET /cities/{city}/api``: the city's OGC API service description (OpenAPI 3.0)."""

from __future__ import annotations

import orjson
from fastapi import APIRouter, Request, Response

from api.auth import principal_of, requires
from api.deps import CityDep, SessionDep
from api.layer_http import VARY, city_url
from api.response_models import OpenAPIResponse
from api.response_models_ogc import ServiceDescription
from api.routers.health import VERSION
from layers.access import readable_layers
from layers.ogc import OPENAPI
from layers.service_desc import service_description

router = APIRouter(prefix="/cities/{city}", tags=["layers (OGC API Features)"])


@router.get(
    "/api",
    **requires("layers.read"),
    summary="The city's API definition (OpenAPI 3.0, OGC API - Features service-desc)",
    response_class=OpenAPIResponse,
    response_model=ServiceDescription,
)
def get_service_description(city: CityDep, session: SessionDep, request: Request) -> Response:
    """One concrete path per collection the caller may read, with its filterable properties
    as query parameters, `limit` with the layer's default and maximum, and every response
    that can occur. Clients (GDAL, QGIS, OWSLib) find it through the landing page's
    `service-desc` link; `/openapi.json` stays the description of the whole application."""
    readable = readable_layers(principal_of(session, request), city.id)
    layers = [access.layer for access in readable]
    base = str(request.base_url).rstrip("/")
    doc = service_description(city, city_url(request, city), f"{base}/docs", layers, VERSION)
    public = all(layer.public for layer in layers)
    headers = (
        {"Cache-Control": "public, max-age=300"}
        if public
        else {"Cache-Control": "private, no-cache", "Vary": VARY}
    )
    return Response(orjson.dumps(doc), media_type=OPENAPI, headers=headers)
