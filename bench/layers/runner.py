"""Run the layers benchmark: cluster, data, servers, interleaved repeats, two tables, report."""

from __future__ import annotations

import contextlib
import hashlib
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from types import FrameType

import psycopg

from bench import stats
from bench.layers import measure, pygeoapi_peer, report, results, servers
from bench.layers.cases import ITEMS_LIMIT, build_cases, rebuild_case, sweep_cases
from bench.layers.queries import REQUESTS_LAYER
from bench.layers.results import SERVERS, ServerRun
from bench.layers.settings import TIPG_SETTINGS, client, settings
from bench.layers.synthetic import BENCH_SCHEMA, Sizes, build_requests_grid, ensure_loaded
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
    repeats: int
    peer_timeout_s: float  # pygeoapi's statement_timeout


FULL = Profile("full", Sizes(100_000, 1_000_000), "tpo_bench", 5, 1, 20, 30, 20, 5, 30)
QUICK = Profile("quick", Sizes(10_000, 100_000), "tpo_bench_quick", 1, 0, 5, 10, 5, 2, 10)


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


def _versions(
    tcp_url: str, tipg_python: Path | None, pygeoapi: str, wrk: str | None
) -> dict[str, str]:
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
    versions["pygeoapi"] = pygeoapi
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
        pygeoapi_python, why_not = pygeoapi_peer.ensure(log)
        if why_not:
            log(f"Skipping pygeoapi: {why_not}.")
        pygeoapi = pygeoapi_peer.version(pygeoapi_python) if pygeoapi_python else why_not
        with _cluster(profile, log) as (url, tcp):
            city = ensure_loaded(url, profile.sizes, log)
            grid_s = build_requests_grid(url, city.city_id)
            log(f"Built the grid pyramid of {REQUESTS_LAYER.id} in {grid_s:.2f} s.")
            cases, sweep, rebuild = build_cases(city), sweep_cases(city), rebuild_case(city)
            log(f"Timing the floor SQL alone ({profile.sql_runs} runs per case) ...")
            sql = measure.time_sql(tcp, cases, city.city_id, profile.sql_runs)
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
            if pygeoapi_python is not None:
                views = {c.view for c in [*cases, *sweep]}
                starters["pygeoapi"] = lambda: pygeoapi_peer.start(
                    pygeoapi_python,
                    tcp,
                    BENCH_SCHEMA,
                    sorted(views),
                    [c.view for c in [*cases, *sweep] if c.kind == "tile"],
                    bbox=city.bbox,
                    max_items=ITEMS_LIMIT,
                    timeout_s=profile.peer_timeout_s,
                )
            else:
                runs["pygeoapi"].note = f"not available: {why_not}"
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
                measure.measure_all(
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
                    runs["ours"].cases[rebuild.key] = measure.measure_rebuild(
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
                client=client(profile, wrk),
            )
            facts = report.machine(_versions(tcp, tipg_python, pygeoapi, wrk))
            facts.append(("load", load_avg.text()))
        for table in tables:
            print()
            print(report.text_table(table))
        lines = settings(profile, city, wrk, grid_s, repeats, pygeoapi=pygeoapi)
        if code_changed:
            lines.insert(
                0,
                f"WARNING: code under {'/, '.join(WATCHED)}/ changed while the servers"
                " started, so they may run different versions: run again",
            )
        print()
        print("Settings: " + "; ".join(lines))
        target = DOCS if (write_docs if write_docs is not None else not quick) else QUICK_DOCS
        report.write_section(target, report.section(tables, facts, lines))
        log(f"\nWritten to {target.relative_to(PROJECT_ROOT)}")
    finally:
        servers._stop_all()
        signal.signal(signal.SIGTERM, previous)
    return 0


if __name__ == "__main__":
    sys.exit(run())
