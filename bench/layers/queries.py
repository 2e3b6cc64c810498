"""The bench-only requests layer and the floor SQL (one statement that returns the document)."""

from __future__ import annotations

import re
from typing import Any, NamedTuple

from layers import grid, tiles
from layers.features import EXACT_COUNT_MAX, feature_sql
from layers.registry import LAYERS, LayerDef, Prop

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


def tile_query(layer: LayerDef, city_id: int, z: int, x: int, y: int) -> Query:
    """One MVT tile in one statement, with our own SQL builders (layers/tiles.py, grid.py).

    Below the layer's aggregation zoom: the counts per cell summed from the grid pyramid
    (what ours serves once the grid is built for the current revision); else at most
    ``tile_feature_cap`` features in ``tile_order`` (newest first).
    """
    if tiles.is_aggregated(layer, z):
        # ours checks in the same statement that the grid matches the revision; the floor
        # runs the statement as is and takes the tile column
        sql = f"SELECT mvt FROM ({grid.grid_tile_sql()}) g"
        params = grid.grid_tile_params(city_id, layer, 0, z=z, x=x, y=y)
        return Query(_psycopg(sql), params)
    params = tiles.features_params(layer, city_id, z, x, y)
    sql = tiles.features_tile_sql(layer)
    return Query(_psycopg(sql), params)


def tile_sql_source(layer: LayerDef) -> str:
    """Where the floor's tile SQL comes from."""
    return f"layers/tiles.py and layers/grid.py (layer {layer.id})"
