"""The bench-only requests layer and the floor SQL: ours' own statements, run without ours."""

from __future__ import annotations

import re
from typing import Any, NamedTuple

from layers import grid, tiles
from layers.items_query import parse_items_query
from layers.items_sql import ItemsStatement
from layers.layerdef import Display
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
    display=Display("points", on=False),
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


def items_statement(layer: LayerDef, city_id: int, params: list[tuple[str, str]]) -> ItemsStatement:
    """Ours' own statement of one items page (layers/items_sql.py ``ItemsStatement``), from
    the request's query string parsed by ours' own parser: the same features, filters,
    order, limit, chunks and ``numberMatched`` rule; only ours' Python around it is missing.
    """
    return ItemsStatement(city_id, layer, parse_items_query(layer, params))


def items_params(
    limit: int, bbox: tuple[float, float, float, float] | None
) -> list[tuple[str, str]]:
    """The query string of an items case as (name, value) pairs."""
    params = [("limit", str(limit))]
    if bbox is not None:
        params.append(("bbox", ",".join(f"{v:.6f}" for v in bbox)))
    return params


def items_query(
    layer: LayerDef, city_id: int, limit: int, bbox: tuple[float, float, float, float] | None
) -> Query:
    """The items statement of a case as a ``Query`` (its rows are the page's chunks)."""
    st = items_statement(layer, city_id, items_params(limit, bbox))
    return Query(st.sql, st.params)


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
        return Query(_psycopg(sql), params, parallel=True)  # ours: parallel=is_aggregated
    params = tiles.features_params(layer, city_id, z, x, y)
    sql = tiles.features_tile_sql(layer)
    return Query(_psycopg(sql), params)


def tile_sql_source(layer: LayerDef) -> str:
    """Where the floor's tile SQL comes from."""
    return f"layers/tiles.py and layers/grid.py (layer {layer.id})"
