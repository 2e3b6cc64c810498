"""OGC API - Features per city: conformance, collections, queryables, items (bytes from SQL).

The helpers shared with the tiles, GTFS and planners' routes live in api/layer_http.py."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

import psycopg
from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import StreamingResponse

from api.auth import principal_of, requires
from api.compression import MIN_BYTES, chosen_encoding, compress_body
from api.deps import CityDep, SessionDep, get_city_dep, open_layer_read
from api.layer_http import (
    CONTENT_CRS,
    GEOJSON,
    ITEM_PARAMS,
    JSON,
    VARY,
    CitySlug,
    FeatureId,
    LayerId,
    access_of,
    cache_headers,
    city_facts,
    city_url,
    conditional,
    facts_of,
    find_layer,
    json_bytes,
    layer_cache,
    slug_url,
)
from api.response_models import GeoJSONResponse, SchemaJSONResponse
from api.response_models_ogc import (
    Collection,
    Collections,
    Conformance,
    ItemFeature,
    Items,
    Queryables,
)
from geo.errors import DatabaseUnavailableError
from layers import features, ogc
from layers.access import LayerAccess, readable_layers
from layers.cache import CacheKey, ResponseCache, variant_key
from layers.items_async import LayerRead
from layers.items_sql import ItemsStatement
from layers.registry import LayerDef
from layers.revision import begin_layer_read, document_etag, etag_matches, layer_etag
from layers.revision import layer_revisions as read_revisions

DB_DOWN = "the database is not reachable right now; try again soon"
router = APIRouter(prefix="/cities/{city}", tags=["layers (OGC API Features)"])
# items pages up to this size are sent in one piece, bigger ones streamed in chunks
INLINE_BYTES = 1024 * 1024
NOT_MODIFIED: dict[int | str, dict[str, Any]] = {
    304: {"description": "The copy named by If-None-Match is current"}
}


@router.get(
    "/conformance",
    **requires("layers.read", dependencies=[Depends(get_city_dep)]),
    summary="Conformance classes",
    response_model=Conformance,
)
def get_conformance() -> Response:
    """OGC API Features Part 1 core, GeoJSON and OpenAPI 3.0, Part 3 queryables."""
    return Response(json_bytes(ogc.conformance()), media_type=JSON)


@router.get(
    "/collections",
    **requires("layers.read"),
    summary="Layers of a city",
    response_model=Collections,
    responses=NOT_MODIFIED,
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
    response_model=Collection,
    responses=NOT_MODIFIED,
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
    response_class=SchemaJSONResponse,
    response_model=Queryables,
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


def _cached_answer(
    request: Request, cache: ResponseCache, key: CacheKey, body: bytes, headers: dict[str, str]
) -> Response:
    """A cached page, compressed as the client accepts: the compressed body is kept in the
    cache beside the plain one (compressing the 3.4 MB routes page costs ~90 ms a time)."""
    encoding = (
        None
        if "range" in request.headers
        else chosen_encoding(request.headers.get("accept-encoding", ""))
    )
    if encoding is None or len(body) < MIN_BYTES:
        return Response(body, media_type=GEOJSON, headers=headers)  # the middleware decides
    packed_key = variant_key(key, encoding)
    packed = cache.get(packed_key)
    if packed is None:
        packed = compress_body(body, encoding)
        cache.put(packed_key, packed)
    vary = headers.get("Vary")
    headers = {
        **headers,
        "Content-Encoding": encoding,
        "Vary": f"{vary}, Accept-Encoding" if vary else "Accept-Encoding",
    }
    return Response(packed, media_type=GEOJSON, headers=headers)  # the ETag is weak already


@router.get(
    "/collections/{layer}/items",
    **requires("layers.read", openapi_extra={"parameters": ITEM_PARAMS}),
    summary="Features of a layer (GeoJSON)",
    response_class=GeoJSONResponse,
    response_model=Items,
    responses=NOT_MODIFIED,
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
            return _cached_answer(request, cache, key, cached, headers)
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


@router.get(
    "/collections/{layer}/items/{fid}",
    **requires("layers.read"),
    summary="One feature (GeoJSON)",
    response_class=GeoJSONResponse,
    response_model=ItemFeature,
    responses=NOT_MODIFIED,
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
