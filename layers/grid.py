"""Point grid pyramids: counts per Web Mercator cell, built per layer revision, for low zooms."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from layers.registry import LayerDef

# Web Mercator (EPSG:3857): the world is 2 * pi * 6378137 m wide
EARTH_RADIUS_M = 6_378_137.0
HALF_WORLD_M = 20_037_508.342_789_244
WORLD_M = 2 * HALF_WORLD_M
MAX_MERCATOR_LAT = 85.051_128_779_806_6
# a tile is split into 2**CELL_BITS x 2**CELL_BITS cells (8 screen pixels at 256 px)
CELL_BITS = 5
CELLS = 1 << CELL_BITS
# first argument of the two-key advisory lock taken while a grid is (re)built
GRID_LOCK_CLASS = 0x7470_6701


def mercator_x_sql(geom: str) -> str:
    """SQL: Web Mercator x (m) of a lon/lat point expression (arithmetic, no ST_Transform)."""
    return f"(ST_X({geom}) * {HALF_WORLD_M} / 180.0)"


def mercator_y_sql(geom: str) -> str:
    """SQL: Web Mercator y (m) of a lon/lat point expression, latitude clamped to +-85.05."""
    lat = f"least({MAX_MERCATOR_LAT}, greatest(-{MAX_MERCATOR_LAT}, ST_Y({geom})))"
    return f"(ln(tan(pi() / 4 + radians({lat}) / 2)) * {EARTH_RADIUS_M})"


def finest_level(layer: LayerDef) -> int:
    """Grid level of the cells of the last aggregated zoom (``aggregate_below_zoom - 1``)."""
    if layer.aggregate_below_zoom is None:
        raise ValueError(f"layer '{layer.id}' is not aggregated")
    return layer.aggregate_below_zoom - 1 + CELL_BITS


def coarsest_level(layer: LayerDef) -> int:
    """Grid level of the cells of the layer's lowest zoom."""
    return min(max(layer.min_zoom, 0) + CELL_BITS, finest_level(layer))


_STATE = text(
    "SELECT revision, finest_level FROM layer_point_grid_state"
    " WHERE city_id = :city_id AND layer = :layer"
)
_LOCK = text("SELECT pg_try_advisory_xact_lock(:lock_class, hashtext(:key))")
_WAIT_LOCK = text("SELECT pg_advisory_xact_lock(:lock_class, hashtext(:key))")
_DELETE = text("DELETE FROM layer_point_grid WHERE city_id = :city_id AND layer = :layer")


def _build_sql(layer: LayerDef) -> str:
    geom = f"t.{layer.geom_column}"
    # One statement, so the points and the revision recorded come from one snapshot.
    # Identifiers and the fixed condition come from the LayerDef (constants); values are bound.
    return f"""
        WITH pts AS (
            SELECT {mercator_x_sql(geom)} AS px, {mercator_y_sql(geom)} AS py
            FROM {layer.table} t
            WHERE t.city_id = :city_id AND ({layer.where}) AND NOT ST_IsEmpty({geom})
        ), fine AS (
            SELECT floor((px + {HALF_WORLD_M}) / :cell_m)::integer AS cx,
                   floor(({HALF_WORLD_M} - py) / :cell_m)::integer AS cy,
                   count(*) AS n, sum(px) AS sx, sum(py) AS sy
            FROM pts GROUP BY 1, 2
        ), levels AS (
            SELECT l.level, f.cx >> (CAST(:finest AS integer) - l.level) AS cx,
                   f.cy >> (CAST(:finest AS integer) - l.level) AS cy,
                   sum(f.n)::integer AS n, sum(f.sx) AS sx, sum(f.sy) AS sy
            FROM fine f
            CROSS JOIN generate_series(CAST(:coarsest AS integer), CAST(:finest AS integer))
                       AS l(level)
            GROUP BY 1, 2, 3
        ), ins AS (
            INSERT INTO layer_point_grid (city_id, layer, level, cx, cy, n, sum_x_m, sum_y_m)
            SELECT :city_id, :layer, level, cx, cy, n, sx, sy FROM levels
            RETURNING 1
        )
        INSERT INTO layer_point_grid_state AS s
            (city_id, layer, revision, finest_level, cells, built_at)
        VALUES (:city_id, :layer,
                coalesce((SELECT revision FROM layer_revision
                          WHERE city_id = :city_id AND layer = :layer), 0),
                :finest, (SELECT count(*) FROM ins), clock_timestamp())
        ON CONFLICT (city_id, layer) DO UPDATE
            SET revision = excluded.revision, finest_level = excluded.finest_level,
                cells = excluded.cells, built_at = excluded.built_at
        RETURNING s.revision
    """  # noqa: S608


def _fresh(session: Session, city_id: int, layer: LayerDef, revision: int) -> bool:
    row = session.execute(_STATE, {"city_id": city_id, "layer": layer.id}).first()
    return row is not None and (int(row[0]), int(row[1])) == (revision, finest_level(layer))


def build_grid(session: Session, city_id: int, layer: LayerDef) -> int:
    """Rebuild the grid pyramid of one point layer of a city (caller holds the lock).

    One GROUP BY pass puts every point in its finest-level cell (Web Mercator arithmetic);
    coarser levels are summed from those cells.

    Args:
        session: Open session; the work joins its transaction (the caller commits).
        city_id: The city.
        layer: A point layer with ``aggregate_below_zoom``.

    Returns:
        The layer revision the grid was built from (read in the same snapshot as the points).

    Raises:
        ValueError: A restricted layer: a grid counts every row, whoever reads it.
    """
    if not layer.public:
        raise ValueError(f"layer '{layer.id}' is restricted: it has no shared grid")
    finest = finest_level(layer)
    session.execute(_DELETE, {"city_id": city_id, "layer": layer.id})
    params: dict[str, Any] = {
        "city_id": city_id,
        "layer": layer.id,
        "finest": finest,
        "coarsest": coarsest_level(layer),
        "cell_m": WORLD_M / (1 << finest),
    }
    return int(session.execute(text(_build_sql(layer)), params).scalar_one())


def rebuild_grid(session: Session, city_id: int, layer: LayerDef) -> int:
    """Rebuild the grid of ``layer`` now, waiting for a build in progress to finish first.

    Args:
        session: Open session (the build joins its transaction; the caller commits).
        city_id: The city.
        layer: A point layer with ``aggregate_below_zoom``.

    Returns:
        The layer revision the grid was built from.
    """
    key = {"lock_class": GRID_LOCK_CLASS, "key": f"{city_id}:{layer.id}"}
    session.execute(_WAIT_LOCK, key)
    return build_grid(session, city_id, layer)


def ensure_grid(session: Session, city_id: int, layer: LayerDef, revision: int) -> bool:
    """Make sure the grid of ``layer`` matches ``revision``, building it when it does not.

    Only one transaction builds a grid at a time (transaction-level advisory lock); when
    another one is building, this returns False at once and the caller uses the live query.

    Args:
        session: Open session (the build joins its transaction; the caller commits).
        city_id: The city.
        layer: A point layer with ``aggregate_below_zoom``.
        revision: The layer revision the caller read (``begin_layer_read``).

    Returns:
        True when the grid holds exactly ``revision`` and can serve tiles.
    """
    if _fresh(session, city_id, layer, revision):
        return True
    key = {"lock_class": GRID_LOCK_CLASS, "key": f"{city_id}:{layer.id}"}
    if not session.execute(_LOCK, key).scalar_one():
        return False  # someone else is building it
    if _fresh(session, city_id, layer, revision):  # built while we waited for the lock
        return True
    return build_grid(session, city_id, layer) == revision


def grid_tile_sql() -> str:
    """SQL of one aggregated tile from the grid: the cells of level ``z + 5`` inside the tile,
    each as a point at the centroid of its points with a ``count`` property.

    The first column tells whether the grid is fresh for ``:revision`` (the second is only
    meaningful when it is).
    """
    return """
        SELECT EXISTS (SELECT 1 FROM layer_point_grid_state
                       WHERE city_id = :city_id AND layer = :layer
                         AND revision = :revision AND finest_level = :finest) AS fresh,
               (SELECT ST_AsMVT(f.*, :layer, 4096, 'geom') FROM (
                    SELECT g.n AS count,
                           ST_AsMVTGeom(ST_SetSRID(ST_MakePoint(g.sum_x_m / g.n,
                                                                g.sum_y_m / g.n), 3857),
                                        ST_TileEnvelope(:z, :x, :y), 4096, 0, true) AS geom
                    FROM layer_point_grid g
                    WHERE g.city_id = :city_id AND g.layer = :layer AND g.level = :level
                      AND g.cx BETWEEN :cx0 AND :cx1 AND g.cy BETWEEN :cy0 AND :cy1
                ) f WHERE f.geom IS NOT NULL) AS mvt
    """


def grid_tile_params(
    city_id: int, layer: LayerDef, revision: int, *, z: int, x: int, y: int
) -> dict[str, Any]:
    """Bound parameters of ``grid_tile_sql`` for tile ``z/x/y``."""
    return {
        "city_id": city_id,
        "layer": layer.id,
        "revision": revision,
        "finest": finest_level(layer),
        "level": z + CELL_BITS,
        "z": z,
        "x": x,
        "y": y,
        "cx0": x * CELLS,
        "cx1": x * CELLS + CELLS - 1,
        "cy0": y * CELLS,
        "cy1": y * CELLS + CELLS - 1,
    }


def fetch_grid_tile(
    session: Session, city_id: int, layer: LayerDef, revision: int, *, z: int, x: int, y: int
) -> bytes | None:
    """An aggregated tile from the grid, or None when the grid is not at ``revision``.

    Args:
        session: Open session.
        city_id: The city.
        layer: A point layer; ``z`` below its ``aggregate_below_zoom``.
        revision: The layer revision the caller read.
        z: Zoom.
        x: Column.
        y: Row.

    Returns:
        The MVT bytes (``b""`` for an empty tile), or None when the grid is stale or absent.
    """
    params = grid_tile_params(city_id, layer, revision, z=z, x=x, y=y)
    fresh, body = session.execute(text(grid_tile_sql()), params).one()
    if not fresh:
        return None
    return bytes(body) if body else b""
