"""``python -m bench.editing.versions [--quick]``: the route editor over HTTP, one worker.

On the demo city: save a version (POST .../versions with If-Match) p95, diff p95, and the time
from publishing a draft to a trip answer that uses it (the planner rebuilds on the next
request). Targets of issue #13: save <= 50 ms, diff <= 50 ms, publish -> trip <= 2 s.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import httpx
import numpy as np
import orjson
from shapely.geometry import shape
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from bench.citizens.database import CLUSTER_DIR, DEMO_SLUG, cluster, ensure_demo
from bench.layers import servers
from geo.accounts import Grant, create_token, create_user
from geo.cities import get_city
from geo.editing import line_from_geojson, validate_route
from geo.errors import RouteInvalidError
from geo.store import PROJECT_ROOT
from geo.store.cluster import free_port

TARGETS_MS = {"save": 50.0, "diff": 50.0, "publish->trip": 2000.0}
PASSWORD = "bench-editor-password-not-secret-17"  # a throwaway bench account
BASE = f"/cities/{DEMO_SLUG}/editor/routes"


def _tokens(url: str) -> tuple[dict[str, str], dict[str, str]]:
    """API tokens of a planner and a reviewer of the demo city (created once)."""
    engine = create_engine(url)
    out = []
    with Session(engine) as session:
        city = get_city(session, DEMO_SLUG)
        for username, role in (("bench-planner", "dishub"), ("bench-reviewer", "dishub_reviewer")):
            user_id = session.execute(
                text("SELECT id FROM app_user WHERE city_id = :c AND username = :u"),
                {"c": city.id, "u": username},
            ).scalar()
            if user_id is None:
                user_id = create_user(
                    session,
                    city_id=city.id,
                    username=username,
                    display_name=username,
                    password=PASSWORD,
                    grants=[Grant(role)],
                )
            _, token = create_token(session, int(user_id), name="bench")
            out.append({"Authorization": f"Bearer {token}"})
        session.commit()
    engine.dispose()
    return out[0], out[1]


def _valid_route(url: str) -> int:
    """A demo route (two-way service, longest first) that passes the editor's validation."""
    engine = create_engine(url)
    with Session(engine) as session:
        city = get_city(session, DEMO_SLUG)
        rows = session.execute(
            text(
                "SELECT id, code, name, direction, colour, fare_idr, headway_s, speed_kmh,"
                " ST_AsGeoJSON(geom) AS g FROM angkot_route WHERE city_id = :c"
                " ORDER BY ST_Length(geom::geography) DESC"
            ),
            {"c": city.id},
        ).mappings()
        bad = 0
        for row in rows:
            line = line_from_geojson(orjson.loads(row["g"]))
            try:
                validate_route(session, city, line, {**row, "circular": False})
            except RouteInvalidError:
                bad += 1
                continue
            print(f"  route {row['code']}/{row['direction']} (id {row['id']}); {bad} skipped")
            return int(row["id"])
    raise RuntimeError("no demo route passes validation")


def _start(tcp: str) -> servers.Server:
    port = free_port(servers.HOST)
    argv = [sys.executable, "-m", "uvicorn", "api.app:create_app", "--factory", "--host"]
    argv += [servers.HOST, "--port", str(port), "--no-access-log", "--log-level", "warning"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("TPO_")}
    env["TPO_DATABASE_URL"] = tcp
    return servers.start(
        "editing", argv, env=env, cwd=PROJECT_ROOT, port=port, ready_path="/health"
    )


def _cpu_s(pids: list[int]) -> float:
    """User + system CPU seconds of processes (those gone since are skipped)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def _postgres_pids() -> list[int]:
    """The bench cluster's postmaster and its children (the backends among them)."""
    postmaster = int((CLUSTER_DIR / "data" / "postmaster.pid").read_text().split()[0])
    pids = [postmaster]
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(stat[1]) == postmaster:
                pids.append(int(entry.name))
    return pids


class CpuMeter:
    """CPU per call of the server process and of PostgreSQL: what the load of other work on
    the machine does not inflate (wall times on a shared machine it does)."""

    def __init__(self, server_pid: int) -> None:
        """Meter the server ``server_pid`` and the bench cluster."""
        self.server_pid = server_pid
        self.server_ms: dict[str, float] = {}
        self.postgres_ms: dict[str, float] = {}
        self._start = (0.0, 0.0)

    def start(self) -> None:
        """Begin a case."""
        self._start = (_cpu_s([self.server_pid]), _cpu_s(_postgres_pids()))

    def stop(self, name: str, calls: int) -> None:
        """End case ``name`` of ``calls`` calls."""
        server, postgres = _cpu_s([self.server_pid]), _cpu_s(_postgres_pids())
        self.server_ms[name] = (server - self._start[0]) * 1000 / calls
        self.postgres_ms[name] = (postgres - self._start[1]) * 1000 / calls


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000


def _p(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


def run(quick: bool = False) -> int:
    """Run the benchmark and print its table; returns 0 when it ran."""
    saves, diffs, rounds = (30, 30, 3) if quick else (200, 200, 10)
    with cluster("tpo_bench_editing", print) as (url, tcp):
        engine = create_engine(url)
        ensure_demo(engine, print)
        engine.dispose()
        planner, reviewer = _tokens(url)
        route_id = _valid_route(url)
        server = _start(tcp)
        try:
            with httpx.Client(base_url=server.base_url, timeout=30) as client:
                got = client.get(f"{BASE}/{route_id}", headers=planner)
                got.raise_for_status()
                feature, etag = got.json(), got.headers["etag"]
                props = dict(feature["properties"])
                line = shape(feature["geometry"])
                a = line.interpolate(0.2, normalized=True)
                b = line.interpolate(0.8, normalized=True)
                trips = f"/cities/{DEMO_SLUG}/trips?from={a.x},{a.y}&to={b.x},{b.y}"
                save_ms: list[float] = []
                meter = CpuMeter(server.proc.pid)
                for n in range(saves + 5):
                    if n == 5:
                        meter.start()
                    body = {
                        "geometry": feature["geometry"],
                        "properties": {**props, "fare_idr": 3000 + n},
                        "message": f"bench {n}",
                    }
                    started = time.perf_counter()
                    answer = client.post(
                        f"{BASE}/{route_id}/versions",
                        json=body,
                        headers={**planner, "If-Match": etag},
                    )
                    took = _ms(started)
                    if answer.status_code != 201:
                        raise RuntimeError(f"save answered {answer.status_code}: {answer.text}")
                    etag = answer.headers["etag"]
                    if n >= 5:
                        save_ms.append(took)
                meter.stop("save", saves)
                head = int(etag.strip('"').split("v")[1])
                diff_ms: list[float] = []
                for n in range(diffs + 5):
                    if n == 5:
                        meter.start()
                    started = time.perf_counter()
                    answer = client.get(
                        f"{BASE}/{route_id}/diff?from=1&to={head - n % 10}", headers=planner
                    )
                    took = _ms(started)
                    answer.raise_for_status()
                    if n >= 5:
                        diff_ms.append(took)
                meter.stop("diff", diffs)
                publish_ms: list[float] = []
                for n in range(rounds):
                    fare = 7000 + n * 100
                    body = {
                        "geometry": feature["geometry"],
                        "properties": {**props, "fare_idr": fare},
                        "message": f"tarif {fare}",
                    }
                    saved = client.post(
                        f"{BASE}/{route_id}/versions",
                        json=body,
                        headers={**planner, "If-Match": etag},
                    )
                    saved.raise_for_status()
                    etag, version = saved.headers["etag"], saved.json()["version"]
                    client.get(trips).raise_for_status()  # the planner is warm before publishing
                    started = time.perf_counter()
                    done = client.post(
                        f"{BASE}/{route_id}/versions/{version}/publish",
                        headers={**reviewer, "If-Match": etag},
                    )
                    done.raise_for_status()
                    seen = False
                    while not seen and _ms(started) < 10_000:
                        its = client.get(trips).json()["itineraries"]
                        seen = any(
                            leg["mode"] == "ride" and leg["fare_idr"] == fare
                            for it in its
                            for leg in it["legs"]
                        )
                    publish_ms.append(_ms(started) if seen else float("inf"))
        finally:
            server.stop()
    rows = [
        ("save", save_ms),
        ("diff", diff_ms),
        ("publish->trip", publish_ms),
    ]
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    print(f"\n{os.cpu_count()} CPUs, load average {load} (other work on the machine counts)")
    print(
        "| operation (HTTP, one worker, demo city) | n | p50 ms | p95 ms | target ms | ok"
        " | server CPU ms/call | PostgreSQL CPU ms/call |"
    )
    print("|---|---:|---:|---:|---:|---|---:|---:|")
    for name, values in rows:
        p95 = _p(values, 95)
        ok = "yes" if p95 <= TARGETS_MS[name] else "NO"
        target = TARGETS_MS[name]
        cpu = [f"{m[name]:.1f}" if name in m else "" for m in (meter.server_ms, meter.postgres_ms)]
        print(
            f"| {name} | {len(values)} | {_p(values, 50):.1f} | {p95:.1f} | {target:.0f} | {ok}"
            f" | {cpu[0]} | {cpu[1]} |"
        )
    return 0


def main(argv: list[str] | None = None) -> int:
    """Parse ``--quick`` and run."""
    parser = argparse.ArgumentParser(prog="python -m bench.editing.versions")
    parser.add_argument("--quick", action="store_true", help="fewer calls (checks the harness)")
    return run(quick=parser.parse_args(argv).quick)


if __name__ == "__main__":
    sys.exit(main())
