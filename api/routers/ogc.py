"""OGC API - Features per city: conformance, collections, queryables, items (bytes from SQL)."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Annotated, Any

import orjson
import psycopg
from fastapi import APIRouter, Depends, Path, Request, Response
from fastapi.responses import StreamingResponse
from sqlalchemy.orm import Session

from api.auth import principal_of, requires
from api.deps import CityDep, SessionDep, get_city_dep, open_layer_read
from geo.cities import CityInfo
from geo.errors import DatabaseUnavailableError
from layers import features, ogc
from layers.access import LayerAccess, layer_access, readable_layers
from layers.cache import ResponseCache
from layers.items_async import LayerRead
from layers.items_sql import ItemsStatement
from layers.registry import LayerDef, get_layer, public_layers
from layers.revision import (
    begin_layer_read,
    document_etag,
    etag_matches,
    layer_etag,
)
from layers.revision import layer_revisions as read_revisions

DB_DOWN = "the database is not reachable right now; try again soon"
router = APIRouter(prefix="/cities/{city}", tags=["layers (OGC API Features)"])
JSON = "application/json"
GEOJSON = "application/geo+json"
# OGC API Features Part 2: the CRS of the coordinates (GDAL logs its absence)
CONTENT_CRS = {"Content-Crs": f"<{features.CRS84}>"}
LayerId = Annotated[str, Path(description="Layer id, e.g. `schools`", max_length=64)]
FeatureId = Annotated[int, Path(description="Feature id (integer)")]
# the city slug, resolved by the endpoint itself (with the layer revision, one round trip)
CitySlug = Annotated[str, Path(description="City slug, e.g. `tangerang`", max_length=64)]
_CACHE_LOCK = threading.Lock()
# items pages up to this size are sent in one piece, bigger ones streamed in chunks
INLINE_BYTES = 1024 * 1024
# answers that depend on who asks (restricted layers, the list of layers)
VARY = "Cookie, Authorization"

_ITEM_PARAMS: list[dict[str, Any]] = [
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


@router.get(
    "/conformance",
    **requires("layers.read", dependencies=[Depends(get_city_dep)]),
    summary="Conformance classes",
    response_class=Response,
    responses={200: {"content": {JSON: {}}}},
)
def get_conformance() -> Response:
    """OGC API Features Part 1 core, GeoJSON and OpenAPI 3.0, Part 3 queryables."""
    return Response(json_bytes(ogc.conformance()), media_type=JSON)


@router.get(
    "/collections",
    **requires("layers.read"),
    summary="Layers of a city",
    response_class=Response,
    responses={200: {"content": {JSON: {}}}},
)
def get_collections(city: CityDep, session: SessionDep, request: Request) -> Response:
    """Every layer the caller may read (public ones; restricted ones for staff allowed them)
    with its extent, links, map style and zoom range."""
    readable = readable_layers(principal_of(session, request), city.id)
    layers = [access.layer for access in readable]
    revisions = read_revisions(session, city.id)
    scopes = ";".join(f"{a.layer.id}={a.key}" for a in readable if a.key)
    etag = document_etag(
        city.id,
        "all",
        {lyr.id: revisions.get(lyr.id, 0) for lyr in layers},
        city_facts(city) + (f"|{scopes}" if scopes else ""),
    )
    public = all(lyr.public for lyr in layers)
    return conditional(
        request,
        etag,
        lambda: json_bytes(ogc.collections(session, city, city_url(request, city), layers)),
        public=public,
        media_type=JSON,
        extra={"Vary": VARY},  # the list depends on who asks
    )


@router.get(
    "/collections/{layer}",
    **requires("layers.read"),
    summary="One layer",
    response_class=Response,
    responses={200: {"content": {JSON: {}}}},
)
def get_collection(
    city: CityDep, layer: LayerId, session: SessionDep, request: Request
) -> Response:
    """A layer's extent, CRS, links (items, queryables, tiles), style and zoom range."""
    lyr = find_layer(layer, request)
    access = access_of(session, request, lyr, city.id)
    revision = begin_layer_read(session, city.id, lyr.id)
    etag = document_etag(city.id, lyr.id, {lyr.id: revision}, facts_of(city, access))

    def body() -> bytes:
        bbox = ogc.layer_extents(session, city, [lyr])[lyr.id]
        interval = ogc.temporal_extents(session, city, [lyr]).get(lyr.id)
        return json_bytes(ogc.collection(lyr, city, city_url(request, city), bbox, interval))

    return conditional(request, etag, body, public=lyr.public, media_type=JSON)


@router.get(
    "/collections/{layer}/queryables",
    **requires("layers.read"),
    summary="Queryable properties of a layer",
    response_class=Response,
    responses={200: {"content": {ogc.SCHEMA_JSON: {}}}},
)
def get_queryables(
    city: CityDep, layer: LayerId, session: SessionDep, request: Request
) -> Response:
    """JSON Schema of the properties usable as `?name=value` filters on the items."""
    lyr = find_layer(layer, request)
    access_of(session, request, lyr, city.id)
    headers = {} if lyr.public else {"Cache-Control": "private, no-cache", "Vary": VARY}
    doc = ogc.queryables(lyr, city_url(request, city))
    return Response(json_bytes(doc), media_type=ogc.SCHEMA_JSON, headers=headers)


@router.get(
    "/collections/{layer}/items",
    **requires("layers.read", openapi_extra={"parameters": _ITEM_PARAMS}),
    summary="Features of a layer (GeoJSON)",
    response_class=Response,
    responses={200: {"content": {GEOJSON: {}}}},
)
async def get_items(city: CitySlug, layer: LayerId, request: Request) -> Response:
    """A page of features built by PostgreSQL: `bbox`, `limit`, `offset`, `properties`, and
    `?property=value` filters on the queryables. `numberMatched` is exact up to 100,000
    matches, estimated by the query planner above."""
    # The hot path of the map, kept lean: async, no dependencies, no ORM session; one pooled
    # connection in autocommit and two statements (city + revision, then the page).
    lyr = find_layer(layer, request)
    query = features.parse_items_query(lyr, request.query_params.multi_items())
    read = open_layer_read(request)
    handed_over = False
    try:
        city_id, revision = await read.begin(city, lyr.id)
        access = LayerAccess(lyr)
        if not lyr.public:  # restricted: who asks, in a session of its own
            access = await read.with_session(
                lambda session: access_of(session, request, lyr, city_id)
            )
        etag = layer_etag(city_id, lyr.id, revision, access.key)
        headers = {**cache_headers(etag, lyr.public), **CONTENT_CRS}
        if etag_matches(request.headers.get("if-none-match"), etag):
            return Response(status_code=304, headers=headers)
        cache = layer_cache(request)
        key = (city_id, lyr.id, revision, access.key, str(request.url))
        cached = cache.get(key)
        if cached is not None:
            headers["X-Layer-Cache"] = "hit"
            return Response(cached, media_type=GEOJSON, headers=headers)
        headers["X-Layer-Cache"] = "miss" if cache.enabled else "off"
        statement = ItemsStatement(city_id, lyr, query, scope=access.scope)
        chunks = read.chunks(statement)
        # small pages are answered in one piece; big ones streamed as PostgreSQL produces
        # them (never whole in this process), and kept in the cache when they fit
        timestamp = _now()

        def tail(page: features.FeaturePage) -> bytes:
            links = _links(request, city, lyr, query, page)
            return features.collection_tail(page, links, timestamp)

        head = [features.COLLECTION_START]
        size = 0
        async for chunk in chunks:
            head.append(chunk)
            size += len(chunk)
            if size > INLINE_BYTES:
                break
        else:
            head.append(tail(await read.page(statement)))
            body = b"".join(head)
            cache.put(key, body)
            return Response(body, media_type=GEOJSON, headers=headers)
        handed_over = True
        rest = _rest_of_page(read, statement, chunks, head=head, tail=tail)
        return StreamingResponse(cache.filling(key, rest), media_type=GEOJSON, headers=headers)
    except psycopg.OperationalError as exc:
        raise DatabaseUnavailableError(DB_DOWN) from exc  # logged by the app's OutageLog
    finally:
        if not handed_over:
            await read.close()


async def _rest_of_page(
    read: LayerRead,
    statement: ItemsStatement,
    chunks: AsyncIterator[bytes],
    *,
    head: list[bytes],
    tail: Callable[[features.FeaturePage], bytes],
) -> AsyncIterator[bytes]:
    """A streamed page: what was read so far, the other chunks, then the counts and links."""
    try:
        for chunk in head:
            yield chunk
        async for chunk in chunks:
            yield chunk
        yield tail(await read.page(statement))
    finally:
        await read.close()


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


@router.get(
    "/collections/{layer}/items/{fid}",
    **requires("layers.read"),
    summary="One feature (GeoJSON)",
    response_class=Response,
    responses={200: {"content": {GEOJSON: {}}}},
)
def get_item(
    city: CityDep, layer: LayerId, fid: FeatureId, session: SessionDep, request: Request
) -> Response:
    """One feature by id; 404 problem when it does not exist (or lies outside the caller's
    scope, for restricted layers)."""
    lyr = find_layer(layer, request)
    access = access_of(session, request, lyr, city.id)
    revision = begin_layer_read(session, city.id, lyr.id)
    etag = layer_etag(city.id, lyr.id, revision, access.key)
    base = f"{city_url(request, city)}/collections/{lyr.id}"
    links = [
        {"href": str(request.url), "rel": "self", "type": GEOJSON, "title": "This feature"},
        {"href": base, "rel": "collection", "type": JSON, "title": lyr.title_id},
    ]
    return conditional(
        request,
        etag,
        lambda: features.fetch_item(session, city.id, lyr, fid, links, scope=access.scope),
        public=lyr.public,
        media_type=GEOJSON,
        extra=CONTENT_CRS,
    )


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _links(
    request: Request,
    city: str,
    layer: LayerDef,
    query: features.ItemsQuery,
    page: features.FeaturePage,
) -> list[dict[str, str]]:
    url = request.url
    links = [
        {"href": str(url), "rel": "self", "type": GEOJSON, "title": "This page"},
        {
            "href": f"{slug_url(request, city)}/collections/{layer.id}",
            "rel": "collection",
            "type": JSON,
            "title": layer.title_id,
        },
    ]
    following = features.next_offset(query, page)
    if following is not None:
        href = str(url.include_query_params(offset=following, limit=query.limit))
        links.append({"href": href, "rel": "next", "type": GEOJSON, "title": "Next page"})
    previous = features.prev_offset(query)
    if previous is not None:
        href = str(url.include_query_params(offset=previous, limit=query.limit))
        links.append({"href": href, "rel": "prev", "type": GEOJSON, "title": "Previous page"})
    return links
