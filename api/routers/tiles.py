"""Vector tiles per city and layer: WebMercatorQuad MVT tiles and their TileJSON."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response

from api.auth import requires
from api.deps import CityDep, SessionDep
from api.routers.ogc import (
    JSON,
    CitySlug,
    LayerId,
    access_of,
    cache_headers,
    city_url,
    facts_of,
    find_layer,
    json_bytes,
)
from layers import ogc
from layers.revision import (
    begin_city_layer_read,
    begin_layer_read,
    document_etag,
    etag_matches,
    layer_etag,
)
from layers.tiles import MVT, check_tile, fetch_tile, is_aggregated

router = APIRouter(prefix="/cities/{city}/collections/{layer}/tiles", tags=["layers (tiles)"])
TileIndex = Annotated[int, Path(description="Tile index (WebMercatorQuad)")]


@router.get(
    "/WebMercatorQuad",
    **requires("layers.read"),
    summary="TileJSON of a layer's vector tiles",
    response_class=Response,
    responses={200: {"content": {JSON: {}}}},
)
def get_tilejson(city: CityDep, layer: LayerId, session: SessionDep, request: Request) -> Response:
    """TileJSON 3.0: tile URL template, zoom range, bounds, centre and the layer's fields."""
    lyr = find_layer(layer, request)
    access = access_of(session, request, lyr, city.id)
    revision = begin_layer_read(session, city.id, lyr.id)
    context = facts_of(city, access)
    etag = document_etag(city.id, f"{lyr.id}-tilejson", {lyr.id: revision}, context)
    headers = cache_headers(etag, lyr.public)
    if etag_matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    doc = ogc.tilejson(lyr, city, city_url(request, city))
    return Response(json_bytes(doc), media_type=JSON, headers=headers)


@router.get(
    "/WebMercatorQuad/{z}/{x}/{y}",
    **requires("layers.read"),
    summary="One vector tile (MVT)",
    response_class=Response,
    responses={
        200: {"content": {MVT: {}}, "description": "The tile"},
        204: {"description": "Nothing in this tile"},
    },
)
def get_tile(
    *,
    city: CitySlug,
    layer: LayerId,
    z: TileIndex,
    x: TileIndex,
    y: TileIndex,
    session: SessionDep,
    request: Request,
) -> Response:
    """A Mapbox Vector Tile whose layer name is the layer id. At most the layer's feature cap
    (newest first for points); point layers at low zoom get counts per grid cell (`count`).
    404 problem for a tile outside the tile matrix or the layer's zoom range."""
    lyr = find_layer(layer, request)
    check_tile(lyr, z, x, y)
    # the city and the layer revision in one round trip
    city_id, revision = begin_city_layer_read(session, city, lyr.id, parallel=is_aggregated(lyr, z))
    access = access_of(session, request, lyr, city_id)
    headers = cache_headers(layer_etag(city_id, lyr.id, revision, access.key), lyr.public)
    if etag_matches(request.headers.get("if-none-match"), headers["ETag"]):
        return Response(status_code=304, headers=headers)
    body = fetch_tile(session, city_id, lyr, z=z, x=x, y=y, revision=revision, scope=access.scope)
    if not body:
        return Response(status_code=204, headers=headers)
    return Response(body, media_type=MVT, headers=headers)
