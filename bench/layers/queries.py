"""The bench-only requests layer and the floor SQL (one statement that returns the document)."""

from __future__ import annotations

import re
from typing import Any, NamedTuple

from layers import tiles
from layers.features import EXACT_COUNT_MAX, feature_sql
from layers.registry import LAYERS, LayerDef, Prop
from layers.tiles import BUFFER, CELLS, EXTENT, SIMPLIFY_UNITS

REQUESTS_TABLE = "bench_request"

# The 1,000,000 request-like points: a bench-only table, registered at bench time (not shipped).
REQUESTS_LAYER = LayerDef(
    id="bench_requests",
    title_id="Permohonan (benchmark)",
    title_en="Requests (benchmark)",
    description="Synthetic request points of the layers benchmark.",
    table=REQUESTS_TABLE,
    geometry_type="Point",
    properties=(
        Prop("status", "string", title="Status"),
        Prop("created_at", "datetime", title="Dibuat", filterable=False),
    ),
    min_zoom=0,
    max_zoom=20,
    default_limit=500,
    max_limit=10_000,
    tile_feature_cap=5_000,
    tile_order="t.created_at DESC, t.id DESC",
    aggregate_below_zoom=13,
)


def register_requests_layer() -> None:
    """Add the bench requests layer to our layer registry (in the server process)."""
    LAYERS.setdefault(REQUESTS_LAYER.id, REQUESTS_LAYER)


def layer_def(layer_id: str) -> LayerDef | None:
    """A layer of our registry, or the bench requests layer."""
    if layer_id == REQUESTS_LAYER.id:
        return REQUESTS_LAYER
    return LAYERS.get(layer_id)


class Query(NamedTuple):
    """One floor statement: psycopg SQL, its parameters, and whether parallel query may help."""

    sql: str
    params: dict[str, Any]
    parallel: bool = False


def _where(layer: LayerDef, bbox: bool) -> str:
    where = f"t.city_id = %(city_id)s AND ({layer.where})"
    if bbox:
        where += (
            f" AND ST_Intersects(t.{layer.geom_column},"
            " ST_MakeEnvelope(%(minx)s, %(miny)s, %(maxx)s, %(maxy)s, 4326))"
        )
    return where


def items_query(
    layer: LayerDef, city_id: int, limit: int, bbox: tuple[float, float, float, float] | None
) -> Query:
    """The whole GeoJSON FeatureCollection of one items page, as text, in one statement.

    Same features (our ``feature_sql``), filter, order, limit and ``numberMatched`` rule as
    our items endpoint (layers/features.py); only the Python around it is missing.
    """
    where = _where(layer, bbox is not None)
    feature = feature_sql(layer, layer.properties).replace("%", "%%")
    table = layer.table
    sql = (
        f"WITH page AS (SELECT t.id AS fid, {feature} AS f FROM {table} t WHERE {where}"
        "   ORDER BY t.id LIMIT %(limit)s),"
        " agg AS (SELECT count(*) AS n, coalesce(string_agg(f, ',' ORDER BY fid), '') AS body"
        "   FROM page)"
        ' SELECT \'{"type":"FeatureCollection","numberMatched":\' ||'
        "  CASE WHEN agg.n < %(limit)s THEN agg.n ELSE"
        f"  (SELECT count(*) FROM (SELECT 1 FROM {table} t WHERE {where} LIMIT %(cap)s) c) END"
        " || ',\"numberReturned\":' || agg.n || ',\"features\":[' || agg.body || ']}'"
        " FROM agg"
    )
    params: dict[str, Any] = {"city_id": city_id, "limit": limit, "cap": EXACT_COUNT_MAX + 1}
    if bbox is not None:
        params.update(zip(("minx", "miny", "maxx", "maxy"), bbox, strict=True))
    return Query(sql, params)


def _psycopg(sql: str) -> str:
    """SQLAlchemy ``:name`` placeholders to psycopg ``%(name)s`` (literal % doubled)."""
    return _BIND.sub(r"%(\1)s", sql.replace("%", "%%"))


_BIND = re.compile(r"(?<![:\w]):([a-z_][a-z0-9_]*)")


def _ours_tile_sql(layer: LayerDef, aggregated: bool, params: dict[str, Any]) -> str | None:
    """Our own tile SQL (layers/tiles.py) when its builders and parameters still match."""
    builder = getattr(tiles, "_aggregate_sql" if aggregated else "_features_sql", None)
    if builder is None:
        return None
    try:
        sql = _psycopg(builder(layer))
    except TypeError:
        return None
    names = set(re.findall(r"%\((\w+)\)s", sql))
    return sql if names <= set(params) else None


def _props(layer: LayerDef) -> str:
    cols = []
    for prop in layer.properties:
        if prop.type == "datetime":
            expr = f"to_char({prop.sql} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
        else:
            expr = prop.sql
        cols.append(f", {expr} AS {prop.name}")
    return "".join(cols)


def _copy_aggregate_sql(layer: LayerDef) -> str:
    geom = layer.geom_column
    return f"""
        WITH b AS (SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS env,
                          ST_Transform(ST_TileEnvelope(%(z)s, %(x)s, %(y)s), 4326) AS env4326),
        pts AS (SELECT ST_Transform(t.{geom}, 3857) AS g FROM {layer.table} t, b
                WHERE {_where(layer, bbox=False)} AND t.{geom} && b.env4326),
        cells AS (SELECT count(*) AS n, avg(ST_X(g)) AS cx, avg(ST_Y(g)) AS cy FROM pts, b
                  GROUP BY floor((ST_X(g) - ST_XMin(b.env)) / %(cell)s),
                           floor((ST_Y(g) - ST_YMin(b.env)) / %(cell)s)),
        f AS (SELECT n::integer AS count, ST_AsMVTGeom(ST_SetSRID(ST_MakePoint(cx, cy), 3857),
                     b.env, {EXTENT}, 0, true) AS geom FROM cells, b)
        SELECT ST_AsMVT(f.*, %(name)s, {EXTENT}, 'geom') FROM f WHERE f.geom IS NOT NULL"""


def _copy_features_sql(layer: LayerDef) -> str:
    geom, idc = layer.geom_column, layer.id_column
    g3857 = f"ST_Transform(t.{geom}, 3857)"
    if not layer.is_point:
        g3857 = f"ST_SimplifyPreserveTopology({g3857}, %(tolerance)s)"
    return f"""
        WITH b AS (SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS env,
                          ST_Transform(ST_TileEnvelope(%(z)s, %(x)s, %(y)s,
                                                       margin => %(margin)s), 4326) AS env4326),
        pick AS (SELECT t.{idc} AS pick_id FROM {layer.table} t, b
                 WHERE {_where(layer, bbox=False)} AND t.{geom} && b.env4326
                 ORDER BY {layer.tile_order} LIMIT %(cap)s),
        f AS (SELECT t.{idc} AS id{_props(layer)},
                     ST_AsMVTGeom({g3857}, b.env, {EXTENT}, {BUFFER}, true) AS geom
              FROM pick JOIN {layer.table} t ON t.{idc} = pick.pick_id, b)
        SELECT ST_AsMVT(f.*, %(name)s, {EXTENT}, 'geom', 'id') FROM f WHERE f.geom IS NOT NULL"""


def tile_query(layer: LayerDef, city_id: int, z: int, x: int, y: int) -> Query:
    """One MVT tile in one statement: counts per cell below the layer's aggregation zoom,
    else at most ``tile_feature_cap`` features in ``tile_order`` (newest first).

    Uses the SQL of layers/tiles.py itself when its builders are compatible, else an
    identical copy kept here (``tile_sql_source`` tells which).
    """
    size_m = tiles.tile_size_m(z)
    params: dict[str, Any] = {"city_id": city_id, "z": z, "x": x, "y": y, "name": layer.id}
    aggregated = tiles.is_aggregated(layer, z)
    if aggregated:
        params["cell"] = size_m / CELLS
    else:
        params.update(
            margin=BUFFER / EXTENT,
            cap=layer.tile_feature_cap,
            tolerance=size_m / EXTENT * SIMPLIFY_UNITS,
        )
    sql = _ours_tile_sql(layer, aggregated, params)
    if sql is None:
        sql = _copy_aggregate_sql(layer) if aggregated else _copy_features_sql(layer)
    return Query(sql, params, parallel=aggregated)


def tile_sql_source(layer: LayerDef) -> str:
    """Where the floor's tile SQL comes from: ours (layers/tiles.py) or the bench's copy."""
    params = dict.fromkeys(
        ("city_id", "z", "x", "y", "name", "cell", "margin", "cap", "tolerance"), 0
    )
    ours = all(_ours_tile_sql(layer, agg, params) for agg in (True, False))
    return "layers/tiles.py" if ours else "a copy in bench/layers/queries.py"
