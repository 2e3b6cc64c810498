"""Run the layers benchmark: cluster, data, servers one at a time, load, table, report."""

from __future__ import annotations

import contextlib
import hashlib
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from types import FrameType

import httpx
import psycopg

from bench.layers import load, report, results, servers
from bench.layers.cases import TILE_ZOOMS, Case, build_cases, sweep_cases
from bench.layers.queries import REQUESTS_LAYER, tile_sql_source
from bench.layers.results import (
    ITEMS_VS_FLOOR,
    ITEMS_VS_TIPG,
    RSS_MAX_MB,
    SERVERS,
    TILE_MAX_BYTES,
    TILE_P95_MS,
    Measure,
    ServerRun,
    SqlTiming,
)
from bench.layers.synthetic import (
    BENCH_SCHEMA,
    BenchCity,
    Sizes,
    build_requests_grid,
    ensure_loaded,
)
from geo.store import PROJECT_ROOT, migrate
from geo.store.cluster import EmbeddedCluster
from geo.store.db import ensure_database

Log = Callable[[str], None]
PG_BIN = Path("/usr/lib/postgresql/15/bin")
DOCS = PROJECT_ROOT / "docs" / "benchmarks.md"
QUICK_DOCS = servers.VAR_DIR / "benchmarks-quick.md"
# servers import this code when they start (one after the other): it must not change meanwhile
WATCHED = ("layers", "api", "geo", "bench")


@dataclass(frozen=True)
class Profile:
    """Sizes and durations of one kind of run."""

    name: str
    sizes: Sizes
    db_name: str
    duration_s: float
    warmup_s: float
    sweep_requests: int
    sweep_budget_s: float
    sql_runs: int


FULL = Profile("full", Sizes(100_000, 1_000_000), "tpo_bench", 10, 2, 20, 30, 20)
QUICK = Profile("quick", Sizes(10_000, 100_000), "tpo_bench_quick", 2, 0, 5, 15, 5)


def _code_fingerprint() -> str:
    digest = hashlib.sha256()
    for folder in WATCHED:
        for path in sorted((PROJECT_ROOT / folder).rglob("*.py")):
            digest.update(str(path).encode())
            with contextlib.suppress(OSError):
                digest.update(path.read_bytes())
    return digest.hexdigest()


def _on_sigterm(_signum: int, _frame: FrameType | None) -> None:
    raise SystemExit(143)


@contextlib.contextmanager
def _cluster(profile: Profile, log: Log) -> Iterator[tuple[str, str]]:
    """The bench's own PostGIS cluster (var/bench/pg): yields (socket URL, TCP URL)."""
    cluster = EmbeddedCluster(servers.VAR_DIR / "pg", PG_BIN, fast=True, log=log)
    was_running = cluster.status().state == "running"
    status = cluster.up()
    try:
        url = status.url(profile.db_name)
        ensure_database(url)
        migrate.upgrade(url)
        tcp = cluster.tcp_url(profile.db_name)
        if tcp is None:
            raise RuntimeError("the bench cluster has no TCP URL")
        yield url, tcp
    finally:
        if not was_running:
            cluster.stop()


def _time_sql(tcp_url: str, cases: list[Case], city_id: int, runs: int) -> dict[str, SqlTiming]:
    """Each case's floor SQL alone, over one connection, with the floor's planner settings."""
    timings = {}
    options = "-c max_parallel_workers_per_gather=0"
    with psycopg.connect(tcp_url, prepare_threshold=None, options=options) as conn:
        for case in cases:
            query = case.sql(city_id)
            latencies = []
            size = 0
            for i in range(runs + 1):  # the first run warms up
                t0 = time.perf_counter()
                with conn.transaction():
                    if query.parallel:
                        conn.execute("SET LOCAL max_parallel_workers_per_gather = 2")
                    row = conn.execute(query.sql, query.params).fetchone()
                if i:
                    latencies.append((time.perf_counter() - t0) * 1000)
                value = row[0] if row else None
                size = len(value.encode()) if isinstance(value, str) else len(bytes(value or b""))
            latencies.sort()
            timings[case.key] = SqlTiming(
                p50_ms=statistics.median(latencies),
                p99_ms=latencies[min(len(latencies) - 1, round(0.99 * (len(latencies) - 1)))],
                rps=1000 * len(latencies) / sum(latencies),
                bytes=size,
            )
    return timings


def _measure(
    server: servers.Server, case: Case, city: str, wrk: str | None, profile: Profile
) -> Measure:
    url = server.base_url + case.path(server.name, city)
    try:
        probe = load.probe(url)
    except httpx.HTTPError as exc:
        return Measure(note=f"error: {type(exc).__name__}")
    if probe.status == 404 and server.name.startswith("ours"):
        return Measure(probe, note="ours: endpoint missing (404)")
    if probe.status not in (200, 204):
        return Measure(probe, note=f"HTTP {probe.status}")
    if profile.warmup_s:
        load.run_load(wrk, url, profile.warmup_s)
    result = load.run_load(wrk, url, profile.duration_s)
    note = f"{result.errors} failed requests" if result.errors else ""
    return Measure(probe, result, note)


def _sweep(server: servers.Server, case: Case, city: str, profile: Profile) -> object:
    url = server.base_url + case.path(server.name, city)
    try:
        seq = load.sequential(url, profile.sweep_requests, profile.sweep_budget_s)
    except httpx.HTTPError as exc:
        return f"error: {type(exc).__name__}"
    if seq.status in (200, 204):
        return seq
    if seq.status == 404 and server.name.startswith("ours"):
        return "ours: endpoint missing (404)"
    return f"HTTP {seq.status}"


def _measure_all(
    started: dict[str, servers.Server],
    runs: dict[str, ServerRun],
    *,
    cases: list[Case],
    sweep: list[Case],
    city: BenchCity,
    wrk: str | None,
    profile: Profile,
    log: Log,
) -> None:
    """Each URL on each server in turn, so a ratio compares runs seconds apart."""
    log(f"Measuring {', '.join(started)} ({profile.duration_s:g} s per URL and server) ...")
    for case in cases:
        for name, server in started.items():
            if name == "ours-nocache" and case.kind != "items":
                continue  # tiles are never cached: the same code as ours
            measure = _measure(server, case, city.slug, wrk, profile)
            runs[name].cases[case.key] = measure
            rps = f"{measure.result.rps:,.1f} req/s" if measure.result else measure.note
            log(f"  {name:12} {case.label}: {rps}")
    log(f"Tile sweep: {profile.sweep_requests} sequential requests per zoom ...")
    for case in sweep:
        for name, server in started.items():
            if name == "ours-nocache":
                continue
            result = _sweep(server, case, city.slug, profile)
            runs[name].sweep[case.key] = result  # type: ignore[assignment]
    for name, server in started.items():
        runs[name].peak_rss_mb = server.peak_rss_mb()


def _versions(tcp_url: str, tipg_python: Path | None, wrk: str | None) -> dict[str, str]:
    versions = {}
    with psycopg.connect(tcp_url) as conn:
        row = conn.execute(
            "SELECT current_setting('server_version'), postgis_lib_version()"
        ).fetchone()
    if row:
        versions.update(PostgreSQL=str(row[0]), PostGIS=str(row[1]))
    for package in ("tree-point-o", "fastapi", "uvicorn", "psycopg"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            versions[package] = metadata.version(package)
    versions["tipg"] = servers.tipg_version(tipg_python) if tipg_python else "not installed"
    if wrk:
        out = subprocess.run([wrk, "-v"], capture_output=True, text=True, check=False)
        versions["load client"] = (out.stdout or out.stderr).split("Copyright")[0].strip()
    else:
        versions["load client"] = "python asyncio/httpx fallback (wrk unavailable)"
    return versions


def run(quick: bool = False, write_docs: bool | None = None, log: Log = print) -> int:
    """Run the layers benchmark and print its table.

    Args:
        quick: 2-second measurements on 10k/100k points instead of 10 s on 100k/1M.
        write_docs: Write docs/benchmarks.md (default: only for full runs; quick runs go to
            var/bench/benchmarks-quick.md).
        log: Progress output.

    Returns:
        Process exit code (0 when the benchmark ran, whatever the targets say).
    """
    profile = QUICK if quick else FULL
    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        code_before = _code_fingerprint()
        wrk = servers.ensure_wrk(log)
        log(f"Load client: {'wrk' if wrk else 'python asyncio/httpx (wrk unavailable)'}")
        tipg_python = servers.ensure_tipg(log)
        with _cluster(profile, log) as (url, tcp):
            city = ensure_loaded(url, profile.sizes, log)
            grid_s = build_requests_grid(url, city.city_id)
            log(f"Built the grid pyramid of {REQUESTS_LAYER.id} in {grid_s:.2f} s.")
            cases, sweep = build_cases(city), sweep_cases(city)
            log(f"Timing the floor SQL alone ({profile.sql_runs} runs per case) ...")
            sql = _time_sql(tcp, cases, city.city_id, profile.sql_runs)
            runs: dict[str, ServerRun] = {name: ServerRun() for name in SERVERS}
            starters: dict[str, Callable[[], servers.Server]] = {
                "ours": lambda: servers.start_ours(tcp),
                "ours-nocache": lambda: servers.start_ours(tcp, cache_mb=0),
                "floor": lambda: servers.start_floor(tcp),
            }
            if tipg_python is not None:
                starters["tipg"] = lambda: servers.start_tipg(tipg_python, tcp, BENCH_SCHEMA)
            else:
                runs["tipg"].note = "tipg not installed"
            started: dict[str, servers.Server] = {}
            code_changed = False
            try:
                for name in SERVERS:  # idle servers use no CPU; all run, measured in turn
                    if name in starters:
                        try:
                            started[name] = starters[name]()
                        except RuntimeError as exc:
                            log(f"  {exc}")
                            runs[name].note = f"{name} did not start"
                code_changed = _code_fingerprint() != code_before
                _measure_all(
                    started,
                    runs,
                    cases=cases,
                    sweep=sweep,
                    city=city,
                    wrk=wrk,
                    profile=profile,
                    log=log,
                )
            finally:
                for server in started.values():
                    server.stop()
            rows = results.table_rows(cases, sweep, runs, sql)
            facts = report.machine(_versions(tcp, tipg_python, wrk))
        table = report.text_table(rows)
        print()
        print(table)
        settings = _settings(profile, city, wrk, grid_s)
        if code_changed:
            settings.insert(
                0,
                f"WARNING: code under {'/, '.join(WATCHED)}/ changed while the servers"
                " started, so they may run different versions: run again",
            )
        print()
        print("Settings: " + "; ".join(settings))
        target = DOCS if (write_docs if write_docs is not None else not quick) else QUICK_DOCS
        report.write_section(target, report.section(rows, facts, settings))
        log(f"\nWritten to {target.relative_to(PROJECT_ROOT)}")
    finally:
        servers._stop_all()
        signal.signal(signal.SIGTERM, previous)
    return 0


def _settings(profile: Profile, city: BenchCity, wrk: str | None, grid_s: float) -> list[str]:
    s = city.sizes
    client = (
        f"wrk -t{load.THREADS} -c{load.CONNECTIONS} -d{profile.duration_s:g}s --latency"
        if wrk
        else f"python asyncio/httpx client, {load.CONNECTIONS} connections,"
        f" {profile.duration_s:g} s"
    )
    return [
        f"profile {profile.name}",
        f"data: {s.schools:,} schools, {s.requests:,} request points (table bench_request,"
        f" GiST, clustered), {s.kelurahan} kelurahan of {s.kelurahan_vertices} vertices,"
        f" {s.routes} routes of {s.route_min_vertices}-{s.route_max_vertices} vertices",
        f"load: {client}, after a probe{' and a warm-up' if profile.warmup_s else ''}",
        "servers: one uvicorn worker each, all running and measured in turn, no access log,"
        " PostgreSQL over loopback TCP",
        f"tipg: 1.6.1 defaults (10,000 features per tile) over views in schema {BENCH_SCHEMA}",
        f"ours: tiles of layer {REQUESTS_LAYER.id} aggregate below"
        f" z{REQUESTS_LAYER.aggregate_below_zoom} from its grid pyramid (built in"
        f" {grid_s:.2f} s before the servers start, as the first low-zoom tile after a write"
        f" would), cap {REQUESTS_LAYER.tile_feature_cap:,} newest first; items response cache"
        " on (default 32 MB, keyed by layer revision: after the probe and warm-up every timed"
        " items request is a cache hit)",
        "ours-nocache: the same app with TPO_LAYER_CACHE_MB=0, items only (tiles are never cached)",
        "floor: bench/floor_app.py, PostgreSQL's document returned as is; items SQL built"
        " with layers.features.feature_sql, tile SQL from"
        f" {tile_sql_source(REQUESTS_LAYER)}",
        f"sweep: {profile.sweep_requests} sequential requests per zoom at the city centre",
        f"targets: items >= {ITEMS_VS_TIPG:g}x tipg and >= {ITEMS_VS_FLOOR:.0%} of the floor;"
        f" tiles <= {TILE_MAX_BYTES // 1000} KB and p95 <= {TILE_P95_MS:g} ms,"
        f" z{max(TILE_ZOOMS)} req/s >= tipg; ours peak RSS < {RSS_MAX_MB:g} MB",
    ]


if __name__ == "__main__":
    sys.exit(run())
