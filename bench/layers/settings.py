"""The settings line of the layers benchmark: what was run, how, and against what."""

from __future__ import annotations

from typing import Protocol

from bench.layers import load
from bench.layers.cases import TILE_ZOOMS
from bench.layers.queries import REQUESTS_LAYER, tile_sql_source
from bench.layers.results import (
    ITEMS_VS_FLOOR,
    ITEMS_VS_TIPG,
    RSS_MAX_MB,
    TILE_MAX_BYTES,
    TILE_P95_MS,
)
from bench.layers.synthetic import BENCH_SCHEMA, BenchCity
from layers.tiles import BUFFER, EXTENT

# tipg configured like ours' tiles: the same feature cap and buffer (both extent 4096)
TIPG_SETTINGS = {
    "TIPG_MAX_FEATURES_PER_TILE": str(REQUESTS_LAYER.tile_feature_cap),
    "TIPG_TILE_BUFFER": str(BUFFER),
}


class Profile(Protocol):
    """What the settings line says of the profile."""

    name: str
    duration_s: float
    warmup_s: float
    sweep_requests: int
    sweep_budget_s: float
    peer_timeout_s: float


def client(profile: Profile, wrk: str | None) -> str:
    """The throughput client and its settings."""
    if wrk:
        return f"wrk -t{load.THREADS} -c{load.CONNECTIONS} -d{max(1, round(profile.duration_s))}s"
    return f"python asyncio/httpx, {load.CONNECTIONS} connections, {profile.duration_s:g} s"


def settings(
    profile: Profile,
    city: BenchCity,
    wrk: str | None,
    grid_s: float,
    repeats: int,
    *,
    pygeoapi: str = "not run",
) -> list[str]:
    """The settings of a run, one item each (``pygeoapi``: its version, or why not run)."""
    s = city.sizes
    return [
        f"profile {profile.name}, {repeats} repeats per case interleaved across servers",
        f"data: {s.schools:,} schools, {s.requests:,} request points (table bench_request,"
        f" GiST, clustered), {s.kelurahan} kelurahan of {s.kelurahan_vertices} vertices,"
        f" {s.routes} routes of {s.route_min_vertices}-{s.route_max_vertices} vertices",
        f"throughput: {client(profile, wrk)} --latency per repeat, after a probe"
        f"{' and a warm-up' if profile.warmup_s else ''}",
        f"latency: {profile.sweep_requests} sequential requests per repeat over one"
        f" connection (fewer when they pass {profile.sweep_budget_s:g} s)",
        "every request asks for the plain body (Accept-Encoding: identity; wrk sends none):"
        " ours and tipg compress when asked, the floor and pygeoapi never, so all send the"
        " same kind of bytes",
        "servers (in this order within a repeat): one uvicorn worker each, all running and"
        " measured in turn, no access log, PostgreSQL over loopback TCP",
        "tipg: over views in schema"
        f" {BENCH_SCHEMA}, configured like ours' tiles ("
        + ", ".join(f"{k}={v}" for k, v in TIPG_SETTINGS.items())
        + f", extent {EXTENT} as ours); its GeoJSON keeps PostGIS' default 9 decimals"
        " (ours 6: tipg has no precision setting)",
        f"pygeoapi: {pygeoapi}, over the same views (collection = view), its PostgreSQL"
        " provider for items (full-precision coordinates, numberMatched counted: its"
        " defaults) and its MVT-postgresql provider for tiles (no feature cap or buffer"
        " setting: every point of the tile, ST_AsMVTGeom's default buffer 256), its"
        f" connections under statement_timeout={profile.peer_timeout_s:g} s (a case that"
        " passes it once is not repeated)",
        f"ours: tiles of layer {REQUESTS_LAYER.id} aggregate below"
        f" z{REQUESTS_LAYER.aggregate_below_zoom} from its grid pyramid (counts per cell: no"
        " peer does this, so no ours/tipg or ours/pygeoapi ratio is drawn there; built in"
        f" {grid_s:.2f} s before the servers start, and timed after a write as its own case),"
        f" cap {REQUESTS_LAYER.tile_feature_cap:,} newest first; items response cache"
        " on (default 32 MB, keyed by layer revision: after the probe every timed"
        " items request is a cache hit); TPO_PLANNER_WARMUP=false: no trip planner network"
        " is built at start (benchcity has routes and no roads, so its network is 300"
        " overlapping routes of straight-line transfers, a 3.7 s build peaking at 608 MB that"
        " no layer request uses; the citizens bench measures the planner and its memory)",
        "ours-nocache: the same app with TPO_LAYER_CACHE_MB=0, items only (tiles are never cached)",
        "floor (strict): bench/floor_app.py runs ours' own statements (items: layers/items_sql.py"
        " ItemsStatement over ours' query parser; tiles: "
        f"{tile_sql_source(REQUESTS_LAYER)}) on autocommit connections, items streamed in"
        " binary chunk rows as PostgreSQL sends them, no transaction, no decode/re-encode",
        f"rebuild: a one-row UPDATE of {REQUESTS_LAYER.table} per repeat, then one tile request"
        " on ours (it rebuilds the pyramid of the new revision before answering)",
        f"targets (on medians): items >= {ITEMS_VS_TIPG:g}x tipg and >= {ITEMS_VS_FLOOR:.0%}"
        f" of the floor (throughput); tiles <= {TILE_MAX_BYTES // 1000} KB and single-request"
        f" p95 <= {TILE_P95_MS:g} ms, z{max(TILE_ZOOMS)} req/s >= tipg; ours peak RSS <"
        f" {RSS_MAX_MB:g} MB",
    ]
