"""Mapbox Vector Tiles (WebMercatorQuad) built with ST_AsMVT: capped, simplified, aggregated."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.accounts import RowScope
from geo.errors import TileOutOfRangeError
from layers.access import scope_params, scope_sql
from layers.grid import (
    CELLS,
    EARTH_RADIUS_M,
    HALF_WORLD_M,
    WORLD_M,
    coarsest_level,
    ensure_grid,
    fetch_grid_tile,
    finest_level,
    mercator_x_sql,
    mercator_y_sql,
)
from layers.registry import MAX_TILE_ZOOM, LayerDef, Prop

__all__ = [
    "BUFFER",
    "CELLS",
    "EARTH_RADIUS_M",
    "EXTENT",
    "HALF_WORLD_M",
    "MVT",
    "SIMPLIFY_UNITS",
    "WORLD_M",
    "check_tile",
    "fetch_tile",
    "is_aggregated",
    "tile_size_m",
]

MVT = "application/vnd.mapbox-vector-tile"
EXTENT = 4096  # tile coordinate units per side
BUFFER = 64  # units of buffer around a tile (clipping margin, avoids seams)
# simplification tolerance in tile units (4096 per tile): a quarter of a 256-px screen pixel
SIMPLIFY_UNITS = 4.0


def check_tile(layer: LayerDef, z: int, x: int, y: int) -> None:
    """Check a tile address against WebMercatorQuad and the layer's zoom range.

    Raises:
        TileOutOfRangeError: z outside 0..22 or the layer's min/max zoom, x or y outside 0..2^z-1.
    """
    if not 0 <= z <= MAX_TILE_ZOOM:
        raise TileOutOfRangeError(f"WebMercatorQuad has zoom levels 0..{MAX_TILE_ZOOM}, not {z}")
    if not layer.min_zoom <= z <= layer.max_zoom:
        raise TileOutOfRangeError(
            f"layer '{layer.id}' has tiles at zoom {layer.min_zoom}..{layer.max_zoom}, not {z}"
        )
    side = 1 << z
    if not (0 <= x < side and 0 <= y < side):
        raise TileOutOfRangeError(f"tile {z}/{x}/{y} is outside 0..{side - 1} at zoom {z}")


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


def _mvt_value(prop: Prop, column: str) -> str:
    # MVT values are strings, numbers or booleans; dates go as ISO 8601 text
    if prop.type == "datetime":
        return f"to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
    return column


# Dense tiles: the share of the layer's points inside the tile, from the grid's finest cells.
# Walking the tile order's index and skipping points outside the tile reads about
# cap / share index entries; scanning the spatial index and sorting reads share * total rows.
# The walk wins when share * total > sqrt(cap * total), i.e. count^2 > cap * total.
DENSE_SQL = """(
    (SELECT coalesce(sum(g.n), 0) FROM layer_point_grid g
     WHERE g.city_id = :city_id AND g.layer = :name AND g.level = :grid_level
       AND g.cx BETWEEN :gx0 AND :gx1 AND g.cy BETWEEN :gy0 AND :gy1) ^ 2
    > CAST(:cap AS float8) * (SELECT coalesce(sum(g.n), 0) FROM layer_point_grid g
                              WHERE g.city_id = :city_id AND g.layer = :name
                                AND g.level = :grid_total_level))"""


def uses_density(layer: LayerDef) -> bool:
    """Whether capped tiles of ``layer`` pick their plan by the tile's density (grid layers).

    Restricted layers have no grid: it would count every row, whoever reads the tile.
    """
    return layer.is_point and layer.aggregate_below_zoom is not None and layer.public


def tile_where(layer: LayerDef) -> str:
    """The fixed condition of a layer's tiles on alias ``t`` (SQLAlchemy placeholders): the
    layer's ``where``, its row-scope predicate, and its dimensions' default values (aggregate
    layers draw their "every value" rows)."""
    clauses = [f"({layer.where})"]
    if layer.row_scope is not None:
        clauses.append(scope_sql(layer, "sqlalchemy"))
    for prop in layer.properties:
        if prop.default is not None:
            literal = prop.default.replace("'", "''")
            clauses.append(f"{prop.sql} = '{literal}'")
    return " AND ".join(clauses)


def _pick_sql(layer: LayerDef, picked: str) -> str:
    """The capped pick of raw columns; on grid layers one of two plans by density.

    Sparse tiles scan the spatial index and sort (the ``OFFSET 0`` fence keeps the planner
    from walking an order index); dense tiles walk the order index (``tile_order``) when the
    table has one. The condition is an uncorrelated subquery, so PostgreSQL evaluates it
    once and runs only one branch.
    """
    geom, idc = layer.geom_column, layer.id_column
    cols = f"t.{idc} AS id, t.{geom} AS g{picked}"
    where = (
        f"t.city_id = :city_id AND {tile_where(layer)} AND t.{geom}"
        " && ST_Transform(ST_TileEnvelope(:z, :x, :y, margin => :margin), 4326)"
    )
    # identifiers and fixed conditions come from the LayerDef (constants); values are bound
    table, order = layer.table, layer.tile_order
    if not uses_density(layer):
        return f"SELECT {cols} FROM {table} t WHERE {where} ORDER BY {order} LIMIT :cap"  # noqa: S608
    return f"""
            (SELECT {cols} FROM (SELECT t.* FROM {table} t WHERE {where} OFFSET 0) t
             WHERE NOT {DENSE_SQL} ORDER BY {order} LIMIT :cap)
            UNION ALL
            (SELECT {cols} FROM {table} t WHERE {where} AND {DENSE_SQL}
             ORDER BY {order} LIMIT :cap)"""  # noqa: S608


def features_tile_sql(layer: LayerDef) -> str:
    """One capped tile: the newest/first ``:cap`` features in the buffered tile, in MVT.

    The pick (index scan and top-N sort) carries raw columns only; geometry work and value
    formatting happen after the LIMIT, for the features kept.
    """
    props = layer.properties
    picked = "".join(f", {p.sql} AS c{i}" for i, p in enumerate(props))
    values = "".join(f", {_mvt_value(p, f'p.c{i}')} AS {p.name}" for i, p in enumerate(props))
    pick = _pick_sql(layer, picked)
    if layer.is_point:
        # Web Mercator by arithmetic, straight into tile units (what ST_AsMVTGeom would do
        # after ST_Transform, at a fraction of the cost); the buffer is the clip box.
        low, high = -BUFFER, EXTENT + BUFFER
        return f"""
        SELECT ST_AsMVT(f.*, :name, {EXTENT}, 'geom', 'id') FROM (
            SELECT q.id{"".join(f", q.{p.name}" for p in props)},
                   ST_MakePoint(q.tx, q.ty) AS geom
            FROM (
                SELECT p.id{values},
                       round(({mercator_x_sql("p.g")} - e.x0) * e.k) AS tx,
                       round((e.y1 - {mercator_y_sql("p.g")}) * e.k) AS ty
                FROM ({pick}) p,
                     (SELECT ST_XMin(env) AS x0, ST_YMax(env) AS y1,
                             {EXTENT} / (ST_XMax(env) - ST_XMin(env)) AS k
                      FROM ST_TileEnvelope(:z, :x, :y) AS env) e
            ) q
            WHERE q.tx BETWEEN {low} AND {high} AND q.ty BETWEEN {low} AND {high}
        ) f
        """  # noqa: S608
    shape = "ST_SimplifyPreserveTopology(ST_Transform(p.g, 3857), :tolerance)"
    return f"""
        SELECT ST_AsMVT(f.*, :name, {EXTENT}, 'geom', 'id') FROM (
            SELECT p.id{values},
                   ST_AsMVTGeom({shape}, ST_TileEnvelope(:z, :x, :y), {EXTENT}, {BUFFER}, true)
                   AS geom
            FROM ({pick}) p
        ) f WHERE f.geom IS NOT NULL
    """  # noqa: S608


def live_aggregate_sql(layer: LayerDef) -> str:
    """The live aggregation (every point of the tile): used while the grid is being built."""
    # Web Mercator x/y computed from lon/lat with arithmetic (ST_Transform per point costs
    # 2-3 times more); OFFSET 0 keeps PostgreSQL from evaluating it once per reference.
    geom = f"t.{layer.geom_column}"
    return f"""
        WITH b AS (
            SELECT ST_TileEnvelope(:z, :x, :y) AS env,
                   ST_Transform(ST_TileEnvelope(:z, :x, :y), 4326) AS env4326
        ), pts AS (
            SELECT {mercator_x_sql(geom)} AS px, {mercator_y_sql(geom)} AS py
            FROM {layer.table} t, b
            WHERE t.city_id = :city_id AND {tile_where(layer)} AND {geom} && b.env4326
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


def features_params(layer: LayerDef, city_id: int, z: int, x: int, y: int) -> dict[str, Any]:
    """Bound parameters of ``features_tile_sql`` for tile ``z/x/y``."""
    return {
        "z": z,
        "x": x,
        "y": y,
        "city_id": city_id,
        "name": layer.id,
        "margin": BUFFER / EXTENT,
        "cap": layer.tile_feature_cap,
        "tolerance": tile_size_m(z) / EXTENT * SIMPLIFY_UNITS,
        **(_grid_window(layer, z, x, y) if uses_density(layer) else {}),
    }


def _grid_window(layer: LayerDef, z: int, x: int, y: int) -> dict[str, int]:
    """The finest grid cells covering tile ``z/x/y`` (for the density of capped tiles)."""
    finest = finest_level(layer)
    shift = finest - z
    if shift >= 0:
        gx0, gx1, gy0, gy1 = x << shift, ((x + 1) << shift) - 1, y << shift, ((y + 1) << shift) - 1
    else:  # the tile is smaller than a cell: the cell holding it
        gx0 = gx1 = x >> -shift
        gy0 = gy1 = y >> -shift
    return {
        "grid_level": finest,
        "grid_total_level": coarsest_level(layer),
        "gx0": gx0,
        "gx1": gx1,
        "gy0": gy0,
        "gy1": gy1,
    }


def aggregate_params(layer: LayerDef, city_id: int, z: int, x: int, y: int) -> dict[str, Any]:
    """Bound parameters of ``live_aggregate_sql`` (the live aggregation) for tile ``z/x/y``."""
    return {
        "z": z,
        "x": x,
        "y": y,
        "city_id": city_id,
        "name": layer.id,
        "cell": tile_size_m(z) / CELLS,
    }


def fetch_tile(
    session: Session,
    city_id: int,
    layer: LayerDef,
    *,
    z: int,
    x: int,
    y: int,
    revision: int | None = None,
    scope: RowScope | None = None,
) -> bytes:
    """One vector tile of a layer; ``b""`` when the tile holds nothing.

    Features are clipped with a buffer, lines and polygons simplified by zoom, and at most
    ``layer.tile_feature_cap`` features are kept in ``layer.tile_order`` (newest first for
    points). Point layers below ``layer.aggregate_below_zoom`` get one point per grid cell
    with a ``count`` property instead: summed from the layer's grid pyramid (built when
    ``revision`` is newer than the grid), or counted from the points while another
    transaction builds it.

    Args:
        session: Open session (call ``begin_layer_read`` first in the transaction).
        city_id: The city.
        layer: The layer; its id is the MVT layer name.
        z: Zoom.
        x: Column.
        y: Row.
        revision: The layer revision read by ``begin_layer_read``; None skips the grid.
        scope: The rows the reader may see (required by restricted layers, whose low zooms
            are always counted live within the scope: they have no shared grid).

    Returns:
        The MVT bytes (possibly empty).

    Raises:
        TileOutOfRangeError: The tile address is out of range.
        ValueError: A restricted layer without ``scope``.
    """
    check_tile(layer, z, x, y)
    scoped = scope_params(layer, scope)
    if is_aggregated(layer, z):
        if revision is not None and layer.public:
            body = fetch_grid_tile(session, city_id, layer, revision, z=z, x=x, y=y)
            if body is None and ensure_grid(session, city_id, layer, revision):
                body = fetch_grid_tile(session, city_id, layer, revision, z=z, x=x, y=y)
            if body is not None:
                return body
        sql = live_aggregate_sql(layer)
        params = aggregate_params(layer, city_id, z, x, y)
    else:
        sql = features_tile_sql(layer)
        params = features_params(layer, city_id, z, x, y)
        if layer.is_point:
            del params["tolerance"]
    result = session.execute(text(sql), {**params, **scoped}).scalar()
    return bytes(result) if result else b""
