"""Run the citizens benchmark: cluster, two cities, our server, the request mix, the baseline."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from types import FrameType
from typing import Any
from urllib.parse import quote

import httpx
import psycopg
from sqlalchemy import create_engine

from bench.citizens import report
from bench.citizens.cases import NEAR_M, Mix, build_mix
from bench.citizens.city import SLUG as SYNTHETIC
from bench.citizens.city import CitySizes, LoadedCity, route_paths
from bench.citizens.database import DEMO_SLUG, cluster, ensure_cities
from bench.citizens.rows import Timings, table_rows
from bench.layers import report as layers_report
from bench.layers import servers
from bench.stats import Load, cores, load_now
from geo.store import PROJECT_ROOT
from geo.store.cluster import free_port

Log = Callable[[str], None]
DOCS = PROJECT_ROOT / "docs" / "benchmarks.md"
QUICK_DOCS = servers.VAR_DIR / "benchmarks-citizens-quick.md"
TIMEOUT_S = 60.0


@dataclass(frozen=True)
class Profile:
    """Sizes of one kind of run."""

    name: str
    db_name: str
    sizes: CitySizes
    pairs: int
    points: int
    terms: int
    edits: int
    warmup: int


FULL = Profile("full", "tpo_bench_citizens", CitySizes(), 120, 200, 120, 5, 10)
QUICK = Profile(
    "quick",
    "tpo_bench_citizens_quick",
    CitySizes(cols=61, rows=51, lines=40, schools=10_000),
    30,
    40,
    30,
    2,
    3,
)


def _on_sigterm(_signum: int, _frame: FrameType | None) -> None:
    raise SystemExit(143)


def _get(client: httpx.Client, url: str, hit: Callable[[Any], bool], out: Timings) -> None:
    t0 = time.perf_counter()
    response = client.get(url)
    body = response.content
    out.ms.append((time.perf_counter() - t0) * 1000)
    if response.status_code != 200:
        out.flags.append(False)
        out.errors += 1
        out.statuses[response.status_code] = out.statuses.get(response.status_code, 0) + 1
        out.first_error = out.first_error or f"{url} -> {body[:300]!r}"
        return
    found = bool(hit(json.loads(body)))
    out.hits += found
    out.flags.append(found)


def _sequence(
    client: httpx.Client, urls: list[str], hit: Callable[[Any], bool], warmup: int
) -> Timings:
    """Sequential GETs (one connection, keep-alive), after ``warmup`` untimed ones."""
    for url in urls[:warmup]:
        client.get(url)
    out = Timings()
    for url in urls:
        _get(client, url, hit, out)
    return out


def _trip_urls(mix: Mix) -> list[str]:
    return [
        f"/cities/{mix.slug}/trips?from={o[0]:.6f},{o[1]:.6f}&to={d[0]:.6f},{d[1]:.6f}"
        for o, d in mix.od_pairs
    ]


def _edit_route(tcp: str, city_id: int, n: int) -> None:
    """Move one route 100 m east (odd n) or back (even n), as the route editor would."""
    shift = 100.0 if n % 2 else -100.0
    with psycopg.connect(tcp) as conn:
        row = conn.execute(
            "SELECT count(*) FROM angkot_route WHERE city_id = %s", (city_id,)
        ).fetchone()
        count = int(row[0]) if row else 1
        conn.execute(
            "UPDATE angkot_route SET geom = ST_Transform(ST_Translate(ST_Transform(geom, 32748),"
            " %s, 0), 4326) WHERE id = (SELECT id FROM angkot_route WHERE city_id = %s"
            " ORDER BY id OFFSET %s LIMIT 1)",
            (shift, city_id, (n - 1) // 2 * 37 % count),
        )


def _rebuilds(client: httpx.Client, tcp: str, city: LoadedCity, mix: Mix, edits: int) -> Timings:
    """Time the first /trips after each route edit (rebuild + one query)."""
    out = Timings()
    url = _trip_urls(mix)[1]
    for n in range(1, 2 * edits + 1):
        _edit_route(tcp, city.city_id, n)
        _get(client, url, lambda body: body["itineraries"], out)
        client.get(url)  # settled
    return out


def _baseline(tcp: str, mixes: dict[str, Mix], log: Log) -> dict[str, Any]:
    """Run the KIRI-style baseline in its own process (its memory is its own)."""
    log("Baseline: networkx over 100 m-densified routes (own process) ...")
    with tempfile.TemporaryDirectory() as tmp:
        requests = {
            slug: {"od_pairs": m.od_pairs, "points": m.points, "schools": slug == SYNTHETIC}
            for slug, m in mixes.items()
        }
        req, res = Path(tmp) / "requests.json", Path(tmp) / "results.json"
        req.write_text(json.dumps(requests))
        argv = [sys.executable, "-m", "bench.citizens.baseline", tcp, str(req), str(res)]
        done = subprocess.run(argv, cwd=PROJECT_ROOT, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            log("  baseline failed: " + done.stderr[-800:])
            return {}
        result: dict[str, Any] = json.loads(res.read_text())
        return result


def _start_server(tcp: str) -> servers.Server:
    port = free_port(servers.HOST)
    argv = [sys.executable, "-m", "uvicorn", "api.app:create_app", "--factory"]
    argv += ["--host", servers.HOST, "--port", str(port), "--no-access-log"]
    argv += ["--log-level", "warning"]  # one process: one worker
    env = {k: v for k, v in os.environ.items() if not k.startswith("TPO_")}
    env["TPO_DATABASE_URL"] = tcp
    # no background build at start: the "first /trips after start" rows time the cold build
    # itself, and no warm-up thread runs beside the timed requests
    env["TPO_PLANNER_WARMUP"] = "false"
    return servers.start(
        "citizens", argv, env=env, cwd=PROJECT_ROOT, port=port, ready_path="/health"
    )


def _measure(
    server: servers.Server,
    *,
    tcp: str,
    mixes: dict[str, Mix],
    synthetic: LoadedCity,
    profile: Profile,
    log: Log,
) -> dict[str, Timings]:
    t: dict[str, Timings] = {}
    has_trip: Callable[[Any], bool] = lambda body: bool(body["itineraries"])  # noqa: E731
    has_features: Callable[[Any], bool] = lambda body: bool(body["features"])  # noqa: E731
    has_results: Callable[[Any], bool] = lambda body: bool(body["results"])  # noqa: E731
    with httpx.Client(base_url=server.base_url, timeout=TIMEOUT_S) as client:
        for slug, mix in mixes.items():
            urls = _trip_urls(mix)
            cold = Timings()
            _get(client, urls[0], has_trip, cold)  # builds the walking graph and network
            t[f"cold:{slug}"] = cold
            log(f"  {slug}: first /trips (network built) {cold.ms[0]:,.0f} ms; trips ...")
            t[f"trips:{slug}"] = _sequence(client, urls, has_trip, profile.warmup)
            near = [
                f"/cities/{slug}/routes/near?lon={x:.6f}&lat={y:.6f}&radius_m=400"
                for x, y in mix.points
            ]
            log(f"  {slug}: routes/near, search ...")
            t[f"near:{slug}"] = _sequence(client, near, has_features, profile.warmup)
            search = [f"/cities/{slug}/search?q={quote(q)}" for q in mix.terms]
            t[f"search:{slug}"] = _sequence(client, search, has_results, profile.warmup)
        pts = mixes[SYNTHETIC].points
        schools = [
            f"/cities/{SYNTHETIC}/schools/nearest?lon={x:.6f}&lat={y:.6f}&limit=10" for x, y in pts
        ]
        log(f"  {SYNTHETIC}: schools/nearest ...")
        t["schools"] = _sequence(client, schools, has_features, profile.warmup)
        log(f"  {SYNTHETIC}: {profile.edits * 2} route edits, first /trips after each ...")
        t["rebuild"] = _rebuilds(client, tcp, synthetic, mixes[SYNTHETIC], profile.edits)
    return t


def _facts(tcp: str) -> list[tuple[str, str]]:
    versions = {}
    with psycopg.connect(tcp) as conn:
        row = conn.execute(
            "SELECT current_setting('server_version'), postgis_lib_version()"
        ).fetchone()
    if row:
        versions.update(PostgreSQL=str(row[0]), PostGIS=str(row[1]))
    for package in ("tree-point-o", "fastapi", "uvicorn", "numpy", "scipy", "networkx"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            versions[package] = metadata.version(package)
    return layers_report.machine(versions)


def _settings(profile: Profile, mixes: dict[str, Mix], load_s: float) -> list[str]:
    s = profile.sizes
    lengths = [len(p) - 1 for p in route_paths(s)]
    km = sum(lengths) * s.spacing_m / 1000
    return [
        f"profile {profile.name}",
        f"synthetic city {SYNTHETIC}: {s.cols}x{s.rows} street grid every {s.spacing_m:.0f} m"
        f" ({(s.cols - 1) * s.spacing_m / 1000:.0f} x {(s.rows - 1) * s.spacing_m / 1000:.0f} km,"
        f" {s.drop_share:.0%} of side streets removed), {s.lines} two-way lines"
        f" ({s.lines * 2} route directions, {s.route_min_m / 1000:.0f}-"
        f"{s.route_max_m / 1000:.0f} km, {km:,.0f} km in all) on the main roads of the west"
        f" {s.served_share:.0%}, {s.schools:,} schools (loaded in {load_s:.0f} s)",
        "demo city tangerang: data.demo.load_demo_city",
        f"requests: {len(mixes[DEMO_SLUG].od_pairs)} seeded OD pairs per city (half with both"
        f" ends within {NEAR_M:.0f} m of a route, half anywhere in the kota boundary),"
        f" {len(mixes[SYNTHETIC].points)} points for schools and routes/near,"
        f" {len(mixes[SYNTHETIC].terms)} search terms per city; default planner settings",
        "client: one connection, sequential requests (latency of one request, no queueing),"
        f" {profile.warmup} untimed warm-up requests per kind",
        "server: api.app:create_app, one uvicorn worker, no access log, PostgreSQL over"
        " loopback TCP, own cluster var/bench/citizens-pg, TPO_PLANNER_WARMUP=false (the"
        " first /trips of each city builds its networks, as timed)",
        "baseline: bench/citizens/baseline.py in its own process, timed in process (no HTTP):"
        " points every 100 m along each route direction, ride edges, a walking link from each"
        " point to the nearest point of every other route within 400 m, origin and destination"
        " linked to points within 1,000 m, distance-only cost, one networkx Dijkstra per trip"
        " built into an itinerary document (legs, distances, LineStrings, JSON); trips with"
        " and without an itinerary in separate rows; schools: the same K and walk bound as"
        " ours; route edit: the baseline's full rebuild (it has no incremental path)",
        f"rebuild: {profile.edits * 2} edits (a route moved 100 m, then back), each followed by"
        " the first /trips; target on the slowest",
    ]


def run(quick: bool = False, write_docs: bool | None = None, log: Log = print) -> int:
    """Run the citizens benchmark and print its table.

    Args:
        quick: A small synthetic city and fewer requests (checks the harness).
        write_docs: Write docs/benchmarks.md (default only for full runs; quick runs write
            var/bench/benchmarks-citizens-quick.md).
        log: Progress output.

    Returns:
        Process exit code (0 when the benchmark ran, whatever the targets say).
    """
    profile = QUICK if quick else FULL
    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        with cluster(profile.db_name, log) as (url, tcp):
            _demo_id, synthetic = ensure_cities(url, profile.sizes, log)
            engine = create_engine(url)
            try:
                mixes = {
                    slug: build_mix(
                        engine,
                        slug,
                        pairs=profile.pairs,
                        points=profile.points,
                        terms=profile.terms,
                    )
                    for slug in (DEMO_SLUG, SYNTHETIC)
                }
            finally:
                engine.dispose()
            log("Starting our server (one uvicorn worker) ...")
            load_start = load_now()
            server = _start_server(tcp)
            try:
                timings = _measure(
                    server, tcp=tcp, mixes=mixes, synthetic=synthetic, profile=profile, log=log
                )
                rss_mb = server.peak_rss_mb()
                for key, got in timings.items():
                    if got.first_error:
                        log(f"  {key}: {got.errors} failed, first: {got.first_error}")
            finally:
                server.stop()
            base = _baseline(tcp, mixes, log)
            load = Load(load_start, load_now(), cores())
            rows = table_rows(timings, base, mixes, rss_mb, profile.sizes)
            facts = [*_facts(tcp), ("load", load.text())]
        print()
        print(load.text())
        print(report.text_table(rows))
        settings = _settings(profile, mixes, synthetic.load_s)
        print()
        print("Settings: " + "; ".join(settings))
        target = DOCS if (write_docs if write_docs is not None else not quick) else QUICK_DOCS
        report.write_section(target, report.section(rows, facts, settings))
        log(f"\nWritten to {target.relative_to(PROJECT_ROOT)}")
    finally:
        servers._stop_all()
        signal.signal(signal.SIGTERM, previous)
    return 0
