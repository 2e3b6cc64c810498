"""GTFS export of a routes-heavy city: ``python -m bench.editing.gtfs [--quick] [--demo]``.

The synthetic city ``sintetis`` of the citizens bench (300 two-way lines of 5-20 km on a
14 x 12 km grid of named streets: 600 route directions) in its own database of the citizens
bench cluster; our server with one worker; ``GET /cities/sintetis/gtfs.zip`` timed over HTTP
(issue #13 target: 300 routes <= 5 s), the 304 revalidation, and ``export_gtfs`` alone in
process. ``--demo`` adds the demo city (loaded once, about a minute).
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from bench.citizens.city import CitySizes, ensure_city
from bench.citizens.database import DEMO_SLUG, cluster, ensure_demo
from bench.layers import servers
from data.exporters import export_gtfs
from geo.store import PROJECT_ROOT
from geo.store.cluster import free_port

Log = Callable[[str], None]
TARGET_S = 5.0  # issue #13: GTFS export of 300 routes
FULL = CitySizes(schools=1_000)  # the citizens bench city; schools play no part here
QUICK = CitySizes(cols=61, rows=51, lines=40, schools=1_000)
RUNS = 5


@dataclass
class Row:
    """One measured case."""

    case: str
    seconds: list[float]
    detail: str
    target_s: float | None = None

    def line(self) -> str:
        """The case as a table row."""
        med, worst = statistics.median(self.seconds), max(self.seconds)
        if self.target_s is None:
            verdict = ""
        else:
            ok = "met" if worst <= self.target_s else "MISSED"
            verdict = f"{self.target_s:.1f} s ({ok}, max/target {worst / self.target_s:.2f})"
        return f"| {self.case} | {med:.2f} s | {worst:.2f} s | {verdict} | {self.detail} |"


def _server(tcp: str) -> servers.Server:
    port = free_port(servers.HOST)
    argv = [sys.executable, "-m", "uvicorn", "api.app:create_app", "--factory"]
    argv += ["--host", servers.HOST, "--port", str(port), "--no-access-log"]
    argv += ["--log-level", "warning"]  # one process: one worker
    env = {k: v for k, v in os.environ.items() if not k.startswith("TPO_")}
    env["TPO_DATABASE_URL"] = tcp
    return servers.start("gtfs", argv, env=env, cwd=PROJECT_ROOT, port=port, ready_path="/health")


def _http(client: httpx.Client, slug: str, label: str, target: float | None) -> list[Row]:
    url = f"/cities/{slug}/gtfs.zip"
    first = client.get(url)
    first.raise_for_status()
    seconds, size = [], len(first.content)
    for _ in range(RUNS):
        started = time.perf_counter()
        answer = client.get(url)
        seconds.append(time.perf_counter() - started)
        answer.raise_for_status()
    etag = first.headers["etag"]
    revalidate = []
    for _ in range(RUNS):
        started = time.perf_counter()
        answer = client.get(url, headers={"If-None-Match": etag})
        revalidate.append(time.perf_counter() - started)
        assert answer.status_code == 304, answer.status_code
    return [
        Row(f"GET gtfs.zip, {label}", seconds, f"{size / 1e6:.1f} MB zip", target),
        Row(f"GET gtfs.zip with If-None-Match, {label}", revalidate, "304"),
    ]


def _in_process(url: str, slug: str, label: str) -> Row:
    engine = create_engine(url)
    seconds = []
    try:
        for _ in range(RUNS):
            with Session(engine) as session:
                buffer = io.BytesIO()
                started = time.perf_counter()
                report = export_gtfs(session, slug, buffer, url="http://bench.invalid/")
                seconds.append(time.perf_counter() - started)
    finally:
        engine.dispose()
    detail = (
        f"{report.routes} routes, {report.trips} trips, {report.stops:,} stops,"
        f" {report.shape_points:,} shape points"
    )
    return Row(f"export_gtfs in process, {label}", seconds, detail)


def run(*, quick: bool = False, demo: bool = False, log: Log = print) -> int:
    """Measure and print the table; 0 when the target is met, 1 otherwise."""
    sizes = QUICK if quick else FULL
    db_name = "tpo_bench_gtfs_quick" if quick else "tpo_bench_gtfs"
    rows: list[Row] = []
    with cluster(db_name, log) as (url, tcp):
        engine = create_engine(url)
        try:
            city = ensure_city(engine, sizes, log)
            if demo:
                ensure_demo(engine, log)
        finally:
            engine.dispose()
        cities = [(city.slug, f"{sizes.lines} lines ({sizes.lines * 2} directions)")]
        if demo:
            cities.append((DEMO_SLUG, "demo city"))
        server = _server(tcp)
        try:
            with httpx.Client(base_url=server.base_url, timeout=120.0) as client:
                for slug, label in cities:
                    log(f"  {slug}: GET gtfs.zip x {RUNS + 1}, 304 x {RUNS} ...")
                    target = TARGET_S if slug == city.slug else None
                    rows.extend(_http(client, slug, label, target))
        finally:
            server.stop()
        for slug, label in cities:
            rows.append(_in_process(url, slug, label))
    print("\n| case | median | max | target | detail |")
    print("| --- | --- | --- | --- | --- |")
    for row in rows:
        print(row.line())
    missed = [r for r in rows if r.target_s is not None and max(r.seconds) > r.target_s]
    return 1 if missed else 0


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run."""
    parser = argparse.ArgumentParser(prog="python -m bench.editing.gtfs", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="40 lines on a 6 x 5 km grid")
    parser.add_argument("--demo", action="store_true", help="the demo city too")
    args = parser.parse_args(argv)
    return run(quick=args.quick, demo=args.demo)


if __name__ == "__main__":
    sys.exit(main())
