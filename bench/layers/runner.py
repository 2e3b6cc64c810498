"""Run the layers benchmark: cluster, data, servers, interleaved repeats, two tables, report."""

from __future__ import annotations

import contextlib
import hashlib
import signal
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

from bench import stats
from bench.floor_app import PARALLEL, SERIAL
from bench.layers import load, report, results, servers
from bench.layers.cases import TILE_ZOOMS, Case, build_cases, rebuild_case, sweep_cases
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
from bench.stats import percentile
from geo.store import PROJECT_ROOT, migrate
from geo.store.cluster import EmbeddedCluster
from geo.store.db import ensure_database
from layers.tiles import BUFFER, EXTENT

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
    repeats: int


FULL = Profile("full", Sizes(100_000, 1_000_000), "tpo_bench", 5, 1, 20, 30, 20, 5)
QUICK = Profile("quick", Sizes(10_000, 100_000), "tpo_bench_quick", 1, 0, 5, 10, 5, 2)
# tipg configured like ours' tiles: the same feature cap and buffer (both extent 4096)
TIPG_SETTINGS = {
    "TIPG_MAX_FEATURES_PER_TILE": str(REQUESTS_LAYER.tile_feature_cap),
    "TIPG_TILE_BUFFER": str(BUFFER),
}


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
    """Each case's floor SQL alone, as the floor runs it: autocommit (no transaction), items
    streamed in binary chunk rows, tiles as one value; one connection per planner setting."""
    timings = {}
    serial = psycopg.connect(tcp_url, prepare_threshold=None, autocommit=True, options=SERIAL)
    parallel = psycopg.connect(tcp_url, prepare_threshold=None, autocommit=True, options=PARALLEL)
    with serial, parallel:
        for case in cases:
            query = case.sql(city_id)
            conn = parallel if query.parallel else serial
            latencies = []
            size = 0
            for i in range(runs + 1):  # the first run warms up
                t0 = time.perf_counter()
                with conn.cursor(binary=True) as cur:
                    values = [row[-1] for row in cur.stream(query.sql, query.params)]
                if i:
                    latencies.append((time.perf_counter() - t0) * 1000)
                size = sum(len(bytes(v or b"")) for v in values)
            latencies.sort()
            timings[case.key] = SqlTiming(
                p50_ms=percentile(latencies, 50),
                p95_ms=percentile(latencies, 95),
                p99_ms=percentile(latencies, 99),
                bytes=size,
            )
    return timings


def _measure(
    server: servers.Server, case: Case, city: str, wrk: str | None, profile: Profile
) -> Measure:
    """One repeat of ``case`` on ``server``: a probe, then throughput (when the case has it),
    then single-request latency."""
    url = server.base_url + case.path(server.name, city)
    try:
        probe = load.probe(url)
    except httpx.HTTPError as exc:
        return Measure(note=f"error: {type(exc).__name__}")
    if probe.status == 404 and server.name.startswith("ours"):
        return Measure(probe, note="ours: endpoint missing (404)")
    if probe.status not in (200, 204):
        return Measure(probe, note=f"HTTP {probe.status}")
    m = Measure(probe)
    if case.throughput:
        if profile.warmup_s:
            load.run_load(wrk, url, profile.warmup_s)
        result = load.run_load(wrk, url, profile.duration_s)
        m.result = result if result.requests else None
        m.note = f"{result.errors} failed requests" if result.errors else ""
        if not result.requests:
            m.note = f"no request finished in {profile.duration_s:g} s"
    try:
        seq = load.sequential(url, profile.sweep_requests, profile.sweep_budget_s)
    except httpx.HTTPError as exc:
        m.note = f"error: {type(exc).__name__}"
        return m
    if seq.status in (200, 204):
        m.seq = seq
    else:
        m.note = f"HTTP {seq.status}"
    return m


def _measure_all(
    started: dict[str, servers.Server],
    runs: dict[str, ServerRun],
    *,
    cases: list[Case],
    city: BenchCity,
    wrk: str | None,
    profile: Profile,
    repeats: int,
    log: Log,
) -> None:
    """Each case ``repeats`` times, interleaved across the servers (ABCABC...), so the
    ratios of a repeat compare runs seconds apart."""
    log(f"Measuring {', '.join(started)}: {repeats} interleaved repeats per case ...")
    for case in cases:
        names = [n for n in started if n != "ours-nocache" or case.kind == "items"]
        for r in range(repeats):
            for name in names:
                m = _measure(started[name], case, city.slug, wrk, profile)
                runs[name].cases.setdefault(case.key, []).append(m)
                rps = f"{m.result.rps:,.1f} req/s" if m.result else ""
                p50 = f"p50 {m.seq.p50_ms:,.1f} ms" if m.seq else m.note
                log(f"  [{r + 1}/{repeats}] {name:12} {case.label}: {rps} {p50}")
    for name, server in started.items():
        runs[name].peak_rss_mb = server.peak_rss_mb()


def _measure_rebuild(
    ours: servers.Server, tcp_url: str, case: Case, city: BenchCity, repeats: int
) -> list[Measure]:
    """The first aggregated tile after a write, on ours: a one-row update (which bumps the
    layer revision), then one request, which rebuilds the grid pyramid before answering."""
    url = ours.base_url + case.path("ours", city.slug)
    measures = []
    touch = (
        f"UPDATE {REQUESTS_LAYER.table} SET status = status WHERE id = (SELECT min(id)"
        f" FROM {REQUESTS_LAYER.table} WHERE city_id = %(city)s)"
    )
    with psycopg.connect(tcp_url, autocommit=True) as conn:
        for _ in range(repeats):
            conn.execute(touch, {"city": city.city_id})
            try:
                measures.append(Measure(seq=load.sequential(url, 1, load.TIMEOUT_S)))
            except httpx.HTTPError as exc:
                measures.append(Measure(note=f"error: {type(exc).__name__}"))
    return measures


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


def run(
    quick: bool = False,
    write_docs: bool | None = None,
    log: Log = print,
    repeat: int | None = None,
) -> int:
    """Run the layers benchmark and print its tables.

    Args:
        quick: Short measurements on 10k/100k points instead of 100k/1M.
        write_docs: Write docs/benchmarks.md (default: only for full runs; quick runs go to
            var/bench/benchmarks-quick.md).
        log: Progress output.
        repeat: Repeats of every case (default: the profile's, 5 full and 2 quick).

    Returns:
        Process exit code (0 when the benchmark ran, whatever the targets say).
    """
    profile = QUICK if quick else FULL
    repeats = max(1, repeat if repeat is not None else profile.repeats)
    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    load_start = stats.load_now()
    try:
        code_before = _code_fingerprint()
        wrk = servers.ensure_wrk(log)
        log(f"Load client: {'wrk' if wrk else 'python asyncio/httpx (wrk unavailable)'}")
        tipg_python = servers.ensure_tipg(log)
        with _cluster(profile, log) as (url, tcp):
            city = ensure_loaded(url, profile.sizes, log)
            grid_s = build_requests_grid(url, city.city_id)
            log(f"Built the grid pyramid of {REQUESTS_LAYER.id} in {grid_s:.2f} s.")
            cases, sweep, rebuild = build_cases(city), sweep_cases(city), rebuild_case(city)
            log(f"Timing the floor SQL alone ({profile.sql_runs} runs per case) ...")
            sql = _time_sql(tcp, cases, city.city_id, profile.sql_runs)
            runs: dict[str, ServerRun] = {name: ServerRun() for name in SERVERS}
            starters: dict[str, Callable[[], servers.Server]] = {
                "ours": lambda: servers.start_ours(tcp),
                "ours-nocache": lambda: servers.start_ours(tcp, cache_mb=0),
                "floor": lambda: servers.start_floor(tcp),
            }
            if tipg_python is not None:
                starters["tipg"] = lambda: servers.start_tipg(
                    tipg_python, tcp, BENCH_SCHEMA, **TIPG_SETTINGS
                )
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
                    cases=cases + sweep,
                    city=city,
                    wrk=wrk,
                    profile=profile,
                    repeats=repeats,
                    log=log,
                )
                if "ours" in started:  # last: it changes the requests layer
                    log(
                        f"Timing the first z{rebuild.tile[0] if rebuild.tile else '?'} tile"
                        " after a write ..."
                    )
                    runs["ours"].cases[rebuild.key] = _measure_rebuild(
                        started["ours"], tcp, rebuild, city, repeats
                    )
            finally:
                for server in started.values():
                    server.stop()
            load_avg = stats.Load(load_start, stats.load_now(), stats.cores())
            tables = results.tables(
                cases,
                [*cases, *sweep, rebuild],
                runs,
                sql,
                repeats=repeats,
                requests=profile.sweep_requests,
                load_avg=load_avg,
                client=_client(profile, wrk),
            )
            facts = report.machine(_versions(tcp, tipg_python, wrk))
            facts.append(("load", load_avg.text()))
        for table in tables:
            print()
            print(report.text_table(table))
        settings = _settings(profile, city, wrk, grid_s, repeats)
        if code_changed:
            settings.insert(
                0,
                f"WARNING: code under {'/, '.join(WATCHED)}/ changed while the servers"
                " started, so they may run different versions: run again",
            )
        print()
        print("Settings: " + "; ".join(settings))
        target = DOCS if (write_docs if write_docs is not None else not quick) else QUICK_DOCS
        report.write_section(target, report.section(tables, facts, settings))
        log(f"\nWritten to {target.relative_to(PROJECT_ROOT)}")
    finally:
        servers._stop_all()
        signal.signal(signal.SIGTERM, previous)
    return 0


def _client(profile: Profile, wrk: str | None) -> str:
    if wrk:
        return f"wrk -t{load.THREADS} -c{load.CONNECTIONS} -d{max(1, round(profile.duration_s))}s"
    return f"python asyncio/httpx, {load.CONNECTIONS} connections, {profile.duration_s:g} s"


def _settings(
    profile: Profile, city: BenchCity, wrk: str | None, grid_s: float, repeats: int
) -> list[str]:
    s = city.sizes
    return [
        f"profile {profile.name}, {repeats} repeats per case interleaved across servers",
        f"data: {s.schools:,} schools, {s.requests:,} request points (table bench_request,"
        f" GiST, clustered), {s.kelurahan} kelurahan of {s.kelurahan_vertices} vertices,"
        f" {s.routes} routes of {s.route_min_vertices}-{s.route_max_vertices} vertices",
        f"throughput: {_client(profile, wrk)} --latency per repeat, after a probe"
        f"{' and a warm-up' if profile.warmup_s else ''}",
        f"latency: {profile.sweep_requests} sequential requests per repeat over one"
        f" connection (fewer when they pass {profile.sweep_budget_s:g} s)",
        "servers: one uvicorn worker each, all running and measured in turn, no access log,"
        " PostgreSQL over loopback TCP",
        "tipg: over views in schema"
        f" {BENCH_SCHEMA}, configured like ours' tiles ("
        + ", ".join(f"{k}={v}" for k, v in TIPG_SETTINGS.items())
        + f", extent {EXTENT} as ours); its GeoJSON keeps PostGIS' default 9 decimals"
        " (ours 6: tipg has no precision setting)",
        f"ours: tiles of layer {REQUESTS_LAYER.id} aggregate below"
        f" z{REQUESTS_LAYER.aggregate_below_zoom} from its grid pyramid (counts per cell: no"
        " peer does this, so no ours/tipg ratio is drawn there; built in"
        f" {grid_s:.2f} s before the servers start, and timed after a write as its own case),"
        f" cap {REQUESTS_LAYER.tile_feature_cap:,} newest first; items response cache"
        " on (default 32 MB, keyed by layer revision: after the probe every timed"
        " items request is a cache hit)",
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


if __name__ == "__main__":
    sys.exit(run())
