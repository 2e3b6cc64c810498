"""What is measured: the items and tile URLs (same shape for ours, tipg and the floor)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from bench.layers.queries import (
    REQUESTS_LAYER,
    Query,
    items_params,
    items_query,
    layer_def,
    tile_query,
)
from bench.layers.synthetic import BENCH_SCHEMA, BenchCity
from layers import tiles

SWEEP_ZOOMS = tuple(range(10, 17))
TILE_ZOOMS = (12, 14)
ITEMS_LIMIT = 1_000


@dataclass(frozen=True)
class Case:
    """One URL measured on every server."""

    key: str
    label: str
    kind: Literal["items", "tile"]
    layer: str  # our layer id (and the floor's)
    view: str  # tipg collection: a view in the bench schema
    bbox: tuple[float, float, float, float] | None = None
    tile: tuple[int, int, int] | None = None
    throughput: bool = True  # False: single-request latency only (the zoom sweep)

    @property
    def aggregated(self) -> bool:
        """Whether ours answers this tile with counts per cell from its grid pyramid (what
        neither tipg nor any other peer does): no ours/tipg ratio is drawn for it."""
        return self.tile is not None and tiles.is_aggregated(REQUESTS_LAYER, self.tile[0])

    def path(self, server: str, city: str) -> str:
        """URL path (with query) of this case on ``server`` (``ours``, ``tipg``, ``pygeoapi``
        or ``floor``)."""
        if server == "pygeoapi":
            return self._pygeoapi_path()
        if server == "tipg":
            prefix = f"/collections/{BENCH_SCHEMA}.{self.view}"
        else:
            prefix = f"/cities/{city}/collections/{self.layer}"
        if self.tile is not None:
            z, x, y = self.tile
            return f"{prefix}/tiles/WebMercatorQuad/{z}/{x}/{y}"
        query = "&".join(f"{k}={v}" for k, v in items_params(ITEMS_LIMIT, self.bbox))
        return f"{prefix}/items?{query}"

    def _pygeoapi_path(self) -> str:
        """pygeoapi's collection is the view; its tile path is z/row/column (z/y/x), and it
        picks JSON or MVT by ``f`` (its HTML is the default for a client without Accept)."""
        prefix = f"/collections/{self.view}"
        if self.tile is not None:
            z, x, y = self.tile
            return f"{prefix}/tiles/WebMercatorQuad/{z}/{y}/{x}?f=mvt"
        query = "&".join(
            f"{k}={v}" for k, v in [("f", "json"), *items_params(ITEMS_LIMIT, self.bbox)]
        )
        return f"{prefix}/items?{query}"

    def sql(self, city_id: int) -> Query:
        """The floor's SQL for this case (what the floor app runs, timed alone)."""
        layer = layer_def(self.layer)
        if layer is None:
            raise KeyError(self.layer)
        if self.tile is not None:
            return tile_query(layer, city_id, *self.tile)
        return items_query(layer, city_id, ITEMS_LIMIT, self.bbox)


def tile_at(lon: float, lat: float, z: int) -> tuple[int, int, int]:
    """The WebMercatorQuad tile holding ``lon, lat`` at zoom ``z``."""
    n = 1 << z
    x = int((lon + 180.0) / 360.0 * n)
    lat_r = math.radians(lat)
    y = int((1.0 - math.asinh(math.tan(lat_r)) / math.pi) / 2.0 * n)
    return z, min(max(x, 0), n - 1), min(max(y, 0), n - 1)


def build_cases(city: BenchCity) -> list[Case]:
    """The five measured URLs: three items pages and two tiles over the 1M points."""
    lon, lat = city.centre
    cases = [
        Case(
            "items-points",
            f"items: {ITEMS_LIMIT:,} schools in a bbox",
            "items",
            "schools",
            "schools",
            bbox=city.points_bbox,
        ),
        Case(
            "items-kelurahan",
            f"items: {city.sizes.kelurahan} kelurahan",
            "items",
            "kelurahan",
            "kelurahan",
        ),
        Case(
            "items-routes",
            f"items: {city.sizes.routes} routes",
            "items",
            "angkot_routes",
            "angkot_routes",
        ),
    ]
    for z in TILE_ZOOMS:
        kind = "counts per cell" if tiles.is_aggregated(REQUESTS_LAYER, z) else "points"
        cases.append(
            Case(
                f"tile-z{z}",
                f"tile z{z} ({city.sizes.requests:,} points; ours: {kind})",
                "tile",
                REQUESTS_LAYER.id,
                "bench_requests",
                tile=tile_at(lon, lat, z),
            )
        )
    return cases


def sweep_cases(city: BenchCity) -> list[Case]:
    """One tile per zoom z10..z16 at the city centre, over the 1M points."""
    lon, lat = city.centre
    return [
        Case(
            f"sweep-z{z}",
            f"sweep z{z}" + (" (ours: counts)" if tiles.is_aggregated(REQUESTS_LAYER, z) else ""),
            "tile",
            REQUESTS_LAYER.id,
            "bench_requests",
            tile=tile_at(lon, lat, z),
            throughput=False,
        )
        for z in SWEEP_ZOOMS
    ]


def rebuild_case(city: BenchCity) -> Case:
    """The first aggregated tile after a write: ours rebuilds the grid pyramid in it."""
    lon, lat = city.centre
    z = (REQUESTS_LAYER.aggregate_below_zoom or 13) - 1
    return Case(
        f"rebuild-z{z}",
        f"first tile z{z} after a write (ours rebuilds its pyramid; no peer has one)",
        "tile",
        REQUESTS_LAYER.id,
        "bench_requests",
        tile=tile_at(lon, lat, z),
        throughput=False,
    )
