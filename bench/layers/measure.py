"""The measurements of the layers benchmark: the floor SQL alone, and each case on each server
in interleaved repeats (a probe, throughput, single-request latency), and the rebuild case."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol

import httpx
import psycopg

from bench.floor_app import PARALLEL, SERIAL
from bench.layers import load, servers
from bench.layers.cases import Case
from bench.layers.queries import REQUESTS_LAYER
from bench.layers.results import Measure, ServerRun, SqlTiming
from bench.layers.synthetic import BenchCity
from bench.stats import percentile

Log = Callable[[str], None]


class Timing(Protocol):
    """What a measurement needs of the profile."""

    duration_s: float
    warmup_s: float
    sweep_requests: int
    sweep_budget_s: float


def time_sql(tcp_url: str, cases: list[Case], city_id: int, runs: int) -> dict[str, SqlTiming]:
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


def measure(
    server: servers.Server, case: Case, city: str, wrk: str | None, profile: Timing
) -> Measure:
    """One repeat of ``case`` on ``server``: a probe, then throughput (when the case has it),
    then single-request latency."""
    url = server.base_url + case.path(server.name, city)
    try:
        probe = load.probe(url)
    except httpx.HTTPError as exc:
        return Measure(note=f"error: {type(exc).__name__}")
    if server.timed_out(probe.status, probe.elapsed_ms):
        return Measure(probe, note=f"over {server.timeout_s:g} s: cancelled (statement_timeout)")
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


def measure_all(
    started: dict[str, servers.Server],
    runs: dict[str, ServerRun],
    *,
    cases: list[Case],
    city: BenchCity,
    wrk: str | None,
    profile: Timing,
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
                done = runs[name].cases.get(case.key, [])
                if done and done[0].note.startswith("over "):
                    continue  # it passed its statement_timeout once: no more repeats of it
                m = measure(started[name], case, city.slug, wrk, profile)
                runs[name].cases.setdefault(case.key, []).append(m)
                rps = f"{m.result.rps:,.1f} req/s" if m.result else ""
                p50 = f"p50 {m.seq.p50_ms:,.1f} ms" if m.seq else m.note
                log(f"  [{r + 1}/{repeats}] {name:12} {case.label}: {rps} {p50}")
    for name, server in started.items():
        runs[name].peak_rss_mb = server.peak_rss_mb()


def measure_rebuild(
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
