"""Vector tiles per city and layer (OGC API - Tiles): the tilesets list, the WebMercatorQuad
tileset metadata and its TileJSON, MVT tiles, and the tile matrix sets."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request, Response

from api.auth import requires
from api.deps import CityDep, SessionDep
from api.layer_http import (
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
from api.response_models import binary
from api.response_models_ogc import TileJSON, TileMatrixSet, TileMatrixSets, Tileset, Tilesets
from geo.cities import CityInfo
from geo.errors import TileOutOfRangeError
from layers import ogc, ogc_tiles
from layers.registry import LayerDef
from layers.revision import (
    begin_city_layer_read,
    begin_layer_read,
    document_etag,
    etag_matches,
    layer_etag,
)
from layers.tiles import MVT, check_tile, fetch_tile, is_aggregated

router = APIRouter(prefix="/cities/{city}", tags=["layers (tiles)"])
TILES = "/collections/{layer}/tiles"
TileIndex = Annotated[int, Path(description="Tile index (WebMercatorQuad)")]
TmsId = Annotated[str, Path(description="Tile matrix set id (`WebMercatorQuad`)", max_length=64)]
NOT_MODIFIED: dict[int | str, dict[str, Any]] = {
    304: {"description": "The copy named by If-None-Match is current"}
}
STATIC_DOC = {"Cache-Control": "public, max-age=86400"}  # the same for every city, always
Build = Callable[[LayerDef, CityInfo, str], dict[str, Any]]


def _layer_document(
    city: CityInfo, layer: str, session: SessionDep, request: Request, *, kind: str, build: Build
) -> Response:
    """A document about a layer's tiles, with its ETag (layer revision and city facts)."""
    lyr = find_layer(layer, request)
    access = access_of(session, request, lyr, city.id)
    revision = begin_layer_read(session, city.id, lyr.id)
    context = facts_of(city, access)
    etag = document_etag(city.id, f"{lyr.id}-{kind}", {lyr.id: revision}, context)
    headers = cache_headers(etag, lyr.public)
    if etag_matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    doc = build(lyr, city, city_url(request, city))
    return Response(json_bytes(doc), media_type=JSON, headers=headers)


def _check_tms(tms: TmsId) -> None:
    """404 for a tile matrix set this server does not have."""
    if tms != ogc_tiles.TMS_ID:
        raise TileOutOfRangeError(f"no tile matrix set '{tms}' here; there is {ogc_tiles.TMS_ID}")


@router.get(
    TILES,
    **requires("layers.read"),
    summary="Tilesets of a layer (OGC API - Tiles)",
    response_model=Tilesets,
    responses=NOT_MODIFIED,
)
def get_tilesets(city: CityDep, layer: LayerId, session: SessionDep, request: Request) -> Response:
    """The layer's vector tilesets: one, in WebMercatorQuad."""
    return _layer_document(
        city,
        layer,
        session,
        request,
        kind="tilesets",
        build=lambda lyr, _c, url: ogc_tiles.tilesets(lyr, url),
    )


@router.get(
    TILES + "/{tms}",
    **requires("layers.read", dependencies=[Depends(_check_tms)]),
    summary="Tileset metadata",
    response_model=Tileset,
    responses=NOT_MODIFIED,
)
def get_tileset(city: CityDep, layer: LayerId, session: SessionDep, request: Request) -> Response:
    """OGC API - Tiles tileset metadata: tile matrix limits, layers, the tile URL template."""
    return _layer_document(city, layer, session, request, kind="tileset", build=ogc_tiles.tileset)


@router.get(
    TILES + "/{tms}/tilejson",
    **requires("layers.read", dependencies=[Depends(_check_tms)]),
    summary="TileJSON of a layer's vector tiles",
    response_model=TileJSON,
    responses=NOT_MODIFIED,
)
def get_tilejson(city: CityDep, layer: LayerId, session: SessionDep, request: Request) -> Response:
    """TileJSON 3.0 (tile URL template, zoom range, bounds, centre, fields) for web maps."""
    tilejson: Build = ogc.tilejson
    return _layer_document(city, layer, session, request, kind="tilejson", build=tilejson)


@router.get(
    "/tileMatrixSets",
    **requires("layers.read"),
    summary="Tile matrix sets",
    response_model=TileMatrixSets,
)
def get_tile_matrix_sets(city: CityDep, request: Request) -> Response:
    """The tile matrix sets of the tiles (WebMercatorQuad)."""
    doc = ogc_tiles.tile_matrix_sets(city_url(request, city))
    return Response(json_bytes(doc), media_type=JSON, headers=STATIC_DOC)


@router.get(
    "/tileMatrixSets/{tms}",
    **requires("layers.read"),
    summary="A tile matrix set",
    response_model=TileMatrixSet,
)
def get_tile_matrix_set(city: CityDep, tms: TmsId, request: Request) -> Response:
    """The definition of WebMercatorQuad (OGC 2D Tile Matrix Set 2.0)."""
    _check_tms(tms)
    doc = ogc_tiles.web_mercator_quad(city_url(request, city))
    return Response(json_bytes(doc), media_type=JSON, headers=STATIC_DOC)


@router.get(
    TILES + "/WebMercatorQuad/{z}/{x}/{y}",
    **requires("layers.read"),
    summary="One vector tile (MVT)",
    response_class=Response,
    responses={
        200: binary(MVT, description="The tile"),
        204: {"description": "Nothing in this tile"},
        **NOT_MODIFIED,
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
