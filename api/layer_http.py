"""HTTP helpers of the layer endpoints (OGC API Features and Tiles, GTFS, planners' cache):
URLs of a city, layer lookup and access, ETag/Cache-Control headers, conditional answers, the
items response cache and the items query parameters the OpenAPI document declares."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Annotated, Any

import orjson
from fastapi import Path, Request, Response
from sqlalchemy.orm import Session

from api.auth import principal_of
from geo.cities import CityInfo
from layers import features
from layers.access import LayerAccess, layer_access
from layers.cache import ResponseCache
from layers.registry import LayerDef, get_layer, public_layers
from layers.revision import etag_matches

JSON = "application/json"
GEOJSON = "application/geo+json"
# OGC API Features Part 2: the CRS of the coordinates (GDAL logs its absence)
CONTENT_CRS = {"Content-Crs": f"<{features.CRS84}>"}
LayerId = Annotated[str, Path(description="Layer id, e.g. `schools`", max_length=64)]
FeatureId = Annotated[int, Path(description="Feature id (integer)")]
# the city slug, resolved by the endpoint itself (with the layer revision, one round trip)
CitySlug = Annotated[str, Path(description="City slug, e.g. `tangerang`", max_length=64)]
_CACHE_LOCK = threading.Lock()

# answers that depend on who asks (restricted layers, the list of layers)
VARY = "Cookie, Authorization"

ITEM_PARAMS: list[dict[str, Any]] = [
    {
        "name": "bbox",
        "in": "query",
        "required": False,
        "description": "minx,miny,maxx,maxy in lon/lat (CRS84), or minx,miny,minz,maxx,maxy,maxz"
        " (heights ignored); minx > maxx crosses the antimeridian",
        "schema": {"type": "array", "items": {"type": "number"}, "minItems": 4, "maxItems": 6},
        "style": "form",
        "explode": False,
    },
    {
        "name": "limit",
        "in": "query",
        "required": False,
        "description": "Page size (1 up to the layer's maxLimit; default the layer's defaultLimit)",
        "schema": {
            "type": "integer",
            "minimum": 1,
            "maximum": min(layer.max_limit for layer in public_layers()),
            "default": 100,
        },
    },
    {
        "name": "offset",
        "in": "query",
        "required": False,
        "description": "Features to skip (ordered by id)",
        "schema": {"type": "integer", "minimum": 0, "default": 0},
    },
    {
        "name": "properties",
        "in": "query",
        "required": False,
        "description": "Comma-separated property names to return",
        "schema": {"type": "string"},
    },
]


def city_url(request: Request, city: CityInfo) -> str:
    """Absolute URL of a city's OGC API landing page."""
    return slug_url(request, city.slug)


def slug_url(request: Request, slug: str) -> str:
    """Absolute URL of the OGC API landing page of the city called ``slug``."""
    return f"{str(request.base_url).rstrip('/')}/cities/{slug}"


def city_facts(city: CityInfo) -> str:
    """City facts shown by metadata documents, for their ETags."""
    return f"{city.name}|{city.bbox}|{city.center}|{city.zoom}"


def facts_of(city: CityInfo, access: LayerAccess) -> str:
    """``city_facts`` and, for restricted layers, the reader's scope (for document ETags)."""
    return city_facts(city) + (f"|{access.key}" if access.key else "")


def find_layer(layer_id: str, request: Request) -> LayerDef:
    """A layer (public or restricted), or a 404 problem. Every answer about a restricted layer,
    its problems too (401, 403, 404 of an item out of scope), is private to the caller."""
    layer = get_layer(layer_id)
    if not layer.public:
        request.state.answer_headers = {"Cache-Control": "private, no-store", "Vary": VARY}
    return layer


def access_of(session: Session, request: Request, layer: LayerDef, city_id: int) -> LayerAccess:
    """What the caller may read of ``layer``: everything of a public layer (the caller is not
    even looked up), the caller's row scope of a restricted one.

    Raises:
        AuthenticationRequiredError: A restricted layer and no logged-in caller (401).
        PermissionDeniedError: A restricted layer the caller's roles or city do not allow (403).
    """
    if layer.public:
        return LayerAccess(layer)
    return layer_access(principal_of(session, request), layer, city_id)


def cache_headers(etag: str, public: bool) -> dict[str, str]:
    """ETag plus Cache-Control: caches may keep the response but must revalidate it (ETag).

    ``no-cache`` (not ``max-age``) so a map never shows a layer older than the last write:
    revalidation is one cheap revision read answered with 304. Answers of restricted layers
    are ``private`` (no shared cache keeps them) and vary with the caller's credentials.
    """
    if public:
        return {"ETag": etag, "Cache-Control": "public, no-cache"}
    return {"ETag": etag, "Cache-Control": "private, no-cache", "Vary": VARY}


def conditional(
    request: Request,
    etag: str,
    body: Callable[[], bytes],
    *,
    public: bool,
    media_type: str,
    extra: dict[str, str] | None = None,
) -> Response:
    """304 when ``If-None-Match`` matches ``etag``; else 200 with ``body()``."""
    headers = {**cache_headers(etag, public), **(extra or {})}
    if etag_matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    return Response(body(), media_type=media_type, headers=headers)


def json_bytes(doc: Any) -> bytes:
    """Serialise a document (orjson)."""
    return orjson.dumps(doc)


def layer_cache(request: Request) -> ResponseCache:
    """The app's items response cache (``TPO_LAYER_CACHE_MB``), created on first use."""
    state = request.app.state
    cache: ResponseCache | None = getattr(state, "layer_cache", None)
    if cache is None:
        with _CACHE_LOCK:
            cache = getattr(state, "layer_cache", None)
            if cache is None:
                cache = ResponseCache(state.settings.layer_cache_mb * 1024 * 1024)
                state.layer_cache = cache
    return cache
