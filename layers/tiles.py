"""Mapbox Vector Tiles (WebMercatorQuad) built with ST_AsMVT: capped, simplified, aggregated."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.errors import NotFoundError
from layers.registry import MAX_TILE_ZOOM, LayerDef, Prop

MVT = "application/vnd.mapbox-vector-tile"
EXTENT = 4096  # tile coordinate units per side
BUFFER = 64  # units of buffer around a tile (clipping margin, avoids seams)
# Web Mercator (EPSG:3857): the world is 2 * pi * 6378137 m wide
EARTH_RADIUS_M = 6_378_137.0
HALF_WORLD_M = 20_037_508.342_789_244
WORLD_M = 2 * HALF_WORLD_M
# point aggregation: a tile is split into CELLS x CELLS cells (8 screen pixels at 256 px)
CELLS = 32
# simplification tolerance in tile units (4096 per tile): a quarter of a 256-px screen pixel
SIMPLIFY_UNITS = 4.0


def check_tile(layer: LayerDef, z: int, x: int, y: int) -> None:
    """Check a tile address against WebMercatorQuad and the layer's zoom range.

    Raises:
        NotFoundError: z outside 0..22 or the layer's min/max zoom, x or y outside 0..2^z-1.
    """
    if not 0 <= z <= MAX_TILE_ZOOM:
        raise NotFoundError(f"WebMercatorQuad has zoom levels 0..{MAX_TILE_ZOOM}, not {z}")
    if not layer.min_zoom <= z <= layer.max_zoom:
        raise NotFoundError(
            f"layer '{layer.id}' has tiles at zoom {layer.min_zoom}..{layer.max_zoom}, not {z}"
        )
    side = 1 << z
    if not (0 <= x < side and 0 <= y < side):
        raise NotFoundError(f"tile {z}/{x}/{y} is outside 0..{side - 1} at zoom {z}")


def tile_size_m(z: int) -> float:
    """Width of a WebMercatorQuad tile at zoom ``z`` in metres (EPSG:3857 units)."""
    return WORLD_M / (1 << z)


def is_aggregated(layer: LayerDef, z: int) -> bool:
    """Whether tiles of ``layer`` at zoom ``z`` hold counts per grid cell instead of features."""
    return (
        layer.is_point
        and layer.aggregate_below_zoom is not None
        and z < (layer.aggregate_below_zoom)
    )


def _mvt_value(prop: Prop) -> str:
    # MVT values are strings, numbers or booleans; dates go as ISO 8601 text
    if prop.type == "datetime":
        return f"to_char({prop.sql} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
    return prop.sql


def _props(props: Sequence[Prop]) -> str:
    return "".join(f", {_mvt_value(p)} AS {p.name}" for p in props)


def _features_sql(layer: LayerDef) -> str:
    geom = f"ST_Transform(t.{layer.geom_column}, 3857)"
    if not layer.is_point:
        geom = f"ST_SimplifyPreserveTopology({geom}, :tolerance)"
    idc = layer.id_column
    # identifiers and fixed conditions come from the LayerDef (constants); values are bound
    return f"""
        WITH b AS (
            SELECT ST_TileEnvelope(:z, :x, :y) AS env,
                   ST_Transform(ST_TileEnvelope(:z, :x, :y, margin => :margin), 4326) AS env4326
        ), pick AS (
            SELECT t.{idc} AS pick_id FROM {layer.table} t, b
            WHERE t.city_id = :city_id AND ({layer.where}) AND t.{layer.geom_column} && b.env4326
            ORDER BY {layer.tile_order} LIMIT :cap
        ), f AS (
            SELECT t.{idc} AS id{_props(layer.properties)},
                   ST_AsMVTGeom({geom}, b.env, {EXTENT}, {BUFFER}, true) AS geom
            FROM pick JOIN {layer.table} t ON t.{idc} = pick.pick_id, b
        )
        SELECT ST_AsMVT(f.*, :name, {EXTENT}, 'geom', 'id') FROM f WHERE f.geom IS NOT NULL
    """  # noqa: S608


def _aggregate_sql(layer: LayerDef) -> str:
    # Web Mercator x/y computed from lon/lat with arithmetic (ST_Transform per point costs
    # 2-3 times more); OFFSET 0 keeps PostgreSQL from evaluating it once per reference.
    geom = f"t.{layer.geom_column}"
    return f"""
        WITH b AS (
            SELECT ST_TileEnvelope(:z, :x, :y) AS env,
                   ST_Transform(ST_TileEnvelope(:z, :x, :y), 4326) AS env4326
        ), pts AS (
            SELECT ST_X({geom}) * {HALF_WORLD_M} / 180.0 AS px,
                   ln(tan(pi() / 4 + radians(ST_Y({geom})) / 2)) * {EARTH_RADIUS_M} AS py
            FROM {layer.table} t, b
            WHERE t.city_id = :city_id AND ({layer.where}) AND {geom} && b.env4326
            OFFSET 0
        ), cells AS (
            SELECT count(*) AS n, avg(px) AS cx, avg(py) AS cy FROM pts
            GROUP BY floor(px / :cell), floor(py / :cell)
        ), f AS (
            SELECT n::integer AS count,
                   ST_AsMVTGeom(ST_SetSRID(ST_MakePoint(cx, cy), 3857), b.env, {EXTENT}, 0,
                                true) AS geom
            FROM cells, b
        )
        SELECT ST_AsMVT(f.*, :name, {EXTENT}, 'geom') FROM f WHERE f.geom IS NOT NULL
    """  # noqa: S608


def fetch_tile(session: Session, city_id: int, layer: LayerDef, *, z: int, x: int, y: int) -> bytes:
    """One vector tile of a layer; ``b""`` when the tile holds nothing.

    Features are clipped with a buffer, lines and polygons simplified by zoom, and at most
    ``layer.tile_feature_cap`` features are kept in ``layer.tile_order`` (newest first for
    points). Point layers below ``layer.aggregate_below_zoom`` get one point per grid cell
    with a ``count`` property instead.

    Args:
        session: Open session (call ``begin_layer_read`` first in the transaction).
        city_id: The city.
        layer: The layer; its id is the MVT layer name.
        z: Zoom.
        x: Column.
        y: Row.

    Returns:
        The MVT bytes (possibly empty).

    Raises:
        NotFoundError: The tile address is out of range.
    """
    check_tile(layer, z, x, y)
    size_m = tile_size_m(z)
    params: dict[str, Any] = {"z": z, "x": x, "y": y, "city_id": city_id, "name": layer.id}
    if is_aggregated(layer, z):
        sql = _aggregate_sql(layer)
        params["cell"] = size_m / CELLS
    else:
        sql = _features_sql(layer)
        params.update(
            margin=BUFFER / EXTENT,
            cap=layer.tile_feature_cap,
            tolerance=size_m / EXTENT * SIMPLIFY_UNITS,
        )
    body = session.execute(text(sql), params).scalar()
    return bytes(body) if body else b""
