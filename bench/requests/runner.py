"""Run the requests benchmark: N requests bulk-loaded, then submit and track over HTTP (one
uvicorn worker) beside the SQL floor (the same statements alone, over one connection)."""

from __future__ import annotations

import contextlib
import shutil
import signal
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from types import FrameType
from typing import Any

import httpx
import numpy as np
import orjson
import psycopg
import shapely
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session

from bench.citizens.database import cluster
from bench.layers import report as layers_report
from bench.layers import servers
from bench.requests import report
from bench.requests.staff import staff_rows
from bench.requests.synthetic import synthetic_requests
from data.demo import generate_demo_city, load_demo_city
from data.demo.generate import DemoCity
from geo.accounts import cli_principal
from geo.cities import CityInfo, get_city
from geo.errors import CityNotFoundError
from geo.requests import new_code
from geo.requests.aid import AID_DOCUMENTS
from geo.requests.bulk import BulkRequest, bulk_load
from geo.store import PROJECT_ROOT
from geo.store.cluster import free_port

SLUG = "tangerang"
DOCS = PROJECT_ROOT / "docs" / "benchmarks.md"
QUICK_DOCS = servers.VAR_DIR / "benchmarks-requests-quick.md"
UPLOADS = servers.VAR_DIR / "requests-uploads"
PDF = b"%PDF-1.4\n% bench document\n%%EOF\n"
TARGETS = {"submit": 50.0, "track": 10.0, "aggregate": 100.0, "table": 50.0}  # issue #12


@dataclass(frozen=True)
class Profile:
    """Sizes of one kind of run."""

    name: str
    db_name: str
    requests: int
    submits: int
    tracks: int
    warmup: int


FULL = Profile("full", "tpo_bench_requests", 1_000_000, 300, 500, 20)
QUICK = Profile("quick", "tpo_bench_requests_quick", 20_000, 60, 150, 5)


def _on_sigterm(_signum: int, _frame: FrameType | None) -> None:
    raise SystemExit(143)


def _counted(rows: Iterable[BulkRequest], total: int, log: Any) -> Iterator[BulkRequest]:
    started = time.monotonic()
    for n, row in enumerate(rows, start=1):
        if n % 100_000 == 0:
            log(f"  {n:,}/{total:,} rows ({n / (time.monotonic() - started):,.0f} rows/s)")
        yield row


def _ensure_data(engine: Engine, profile: Profile, log: Any) -> tuple[CityInfo, DemoCity, float]:
    """The demo city and ``profile.requests`` requests in it: (city, generated city, load s)."""
    with Session(engine) as session:
        try:
            info = get_city(session, SLUG)
        except CityNotFoundError:
            log("Loading the demo city tangerang ...")
            load_demo_city(session, SLUG)
            session.commit()
            info = get_city(session, SLUG)
        have = session.execute(
            text("SELECT count(*) FROM service_request WHERE city_id = :c"), {"c": info.id}
        ).scalar_one()
    city = generate_demo_city(SLUG)
    missing = profile.requests - int(have)
    load_s = 0.0
    if missing > 0:
        log(f"Bulk-loading {missing:,} requests (geo.requests.bulk.bulk_load) ...")
        started = time.monotonic()
        rows = synthetic_requests(city, missing, until=datetime.now(UTC), seed=int(have))
        with Session(engine) as session:
            bulk_load(session, cli_principal("bench"), info, _counted(rows, missing, log))
            session.commit()
        load_s = time.monotonic() - started
        log(f"  loaded in {load_s:,.0f} s ({missing / load_s:,.0f} rows/s); VACUUM ANALYZE ...")
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            for table in ("service_request", "request_event", "request_private", "audit_log"):
                conn.execute(text(f"VACUUM ANALYZE {table}"))  # our table names
    return info, city, load_s


def _points(city: DemoCity, n: int) -> list[tuple[float, float, str, str]]:
    """``n`` seeded points inside kelurahan: (lon, lat, kelurahan code, kecamatan code)."""
    rng = np.random.default_rng(7)
    kel = [a for a in city.admin if a.level == "kelurahan"]
    out = []
    while len(out) < n:
        area = kel[int(rng.integers(len(kel)))]
        minx, miny, maxx, maxy = area.geom.bounds
        x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        if area.geom.contains(shapely.Point(x, y)):
            out.append((float(x), float(y), area.code, area.parent_code))
    return out


def _proposal(lon: float, lat: float, n: int) -> dict[str, Any]:
    person = {"name": "Penguji Beban", "nik": "9971014507900001", "phone": "000-0000-0000"}
    return {
        "type": "bantuan",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "attrs": {
            "kind": "hibah",
            "organisation": f"Lembaga Uji HTTP {n}",
            "organisation_kind": "yayasan",
            "purpose": "Uji beban",
            "amount_requested_idr": 25_000_000,
        },
        "contact": person,
        "private": {
            "chair": person,
            "secretary": {**person, "nik": "9971010203850002"},
            "bank_account": {"bank": "Bank Uji", "number": "000-0000", "holder": "Uji"},
        },
    }


_FLOOR_SUBMIT = (
    "INSERT INTO service_request (city_id, type, code, status, geom, kelurahan_code,"
    " kecamatan_code, opd_code, title, attrs) VALUES (%s, 'bantuan', %s, 'diajukan',"
    " ST_GeomFromText(%s, 4326), %s, %s, 'KESRA', %s, %s::jsonb) RETURNING id",
    "INSERT INTO request_private (city_id, request_id, name, nik, phone, extra)"
    " VALUES (%s, %s, %s, %s, %s, %s::jsonb)",
    "INSERT INTO request_event (city_id, request_id, actor, to_status, fields)"
    " VALUES (%s, %s, 'anonymous', 'diajukan', '{}'::jsonb)",
    "INSERT INTO request_attachment (city_id, request_id, slot, filename, media_type,"
    " size_bytes, sha256) VALUES (%s, %s, %s, %s, 'application/pdf', %s, %s)",
    "INSERT INTO audit_log (city_id, actor, ip, action, object_type, object_id, after)"
    " VALUES (%s, 'anonymous', '127.0.0.1', 'requests.submit', 'service_request', %s, %s::jsonb)",
)


def _submit_floor(
    tcp: str, city_id: int, points: list[tuple[float, float, str, str]]
) -> list[float]:
    """The INSERTs of a submission alone (request, private, event, 8 attachments, audit)."""
    sha = "0" * 64
    out = []
    with psycopg.connect(tcp) as conn:
        for n, (lon, lat, kel, kec) in enumerate(points):
            body = _proposal(lon, lat, n)
            attrs, private = orjson.dumps(body["attrs"]).decode(), orjson.dumps(body["private"])
            started = time.perf_counter()
            with conn.transaction():
                row = conn.execute(
                    _FLOOR_SUBMIT[0],
                    (city_id, new_code("SBK"), f"POINT({lon} {lat})", kel, kec, "Uji", attrs),
                ).fetchone()
                assert row is not None
                rid = row[0]
                conn.execute(
                    _FLOOR_SUBMIT[1], (city_id, rid, "Penguji", None, None, private.decode())
                )
                conn.execute(_FLOOR_SUBMIT[2], (city_id, rid))
                for slot in AID_DOCUMENTS:
                    conn.execute(
                        _FLOOR_SUBMIT[3], (city_id, rid, slot, f"{slot}.pdf", len(PDF), sha)
                    )
                conn.execute(_FLOOR_SUBMIT[4], (city_id, str(rid), attrs))
            out.append((time.perf_counter() - started) * 1000)
    return out


# the statement of geo.requests.tracking.track
_FLOOR_TRACK = (
    "SELECT r.code, r.type, r.status, r.created_at, k.name, kc.name, e.ats, e.statuses, e.notes"
    " FROM service_request r"
    " LEFT JOIN admin_area k ON k.city_id = r.city_id AND k.level = 'kelurahan'"
    "  AND k.code = r.kelurahan_code"
    " LEFT JOIN admin_area kc ON kc.city_id = r.city_id AND kc.level = 'kecamatan'"
    "  AND kc.code = r.kecamatan_code"
    " CROSS JOIN LATERAL (SELECT array_agg(ev.at ORDER BY ev.id) AS ats,"
    "  array_agg(ev.to_status ORDER BY ev.id) AS statuses,"
    "  array_agg(ev.public_note ORDER BY ev.id) AS notes"
    "  FROM request_event ev WHERE ev.city_id = r.city_id AND ev.request_id = r.id) e"
    " WHERE r.city_id = ANY(ARRAY(SELECT id FROM city)) AND r.code = %s"
)


def _track_floor(tcp: str, codes: list[str]) -> list[float]:
    out = []
    with psycopg.connect(tcp, autocommit=True) as conn:
        for code in codes:
            started = time.perf_counter()
            row = conn.execute(_FLOOR_TRACK, (code,)).fetchone()
            assert row is not None
            out.append((time.perf_counter() - started) * 1000)
    return out


def _start_server(tcp: str) -> servers.Server:
    port = free_port(servers.HOST)
    argv = [sys.executable, "-m", "uvicorn", "api.app:create_app", "--factory"]
    argv += [
        "--host",
        servers.HOST,
        "--port",
        str(port),
        "--no-access-log",
        "--log-level",
        "warning",
    ]
    env = {k: v for k, v in __import__("os").environ.items() if not k.startswith("TPO_")}
    env |= {
        "TPO_DATABASE_URL": tcp,
        "TPO_UPLOAD_DIR": str(UPLOADS),
        "TPO_ANONYMOUS_SUBMISSIONS_PER_HOUR": "10000",  # the check runs; the limit never bites
    }
    return servers.start(
        "requests", argv, env=env, cwd=PROJECT_ROOT, port=port, ready_path="/health"
    )


def _timed(
    client: httpx.Client, method: str, url: str, expect: int, **kw: Any
) -> tuple[float, bool]:
    started = time.perf_counter()
    response = client.request(method, url, **kw)
    _ = response.content
    return (time.perf_counter() - started) * 1000, response.status_code == expect


def _submits(
    client: httpx.Client, points: list[tuple[float, float, str, str]], warmup: int
) -> tuple[list[float], int]:
    files = [(slot, (f"{slot}.pdf", PDF, "application/pdf")) for slot in AID_DOCUMENTS]
    out, failed = [], 0
    for n, (lon, lat, _, _) in enumerate(points):
        data = {"request": orjson.dumps(_proposal(lon, lat, n)).decode()}
        ms, ok = _timed(client, "POST", f"/cities/{SLUG}/requests", 201, data=data, files=files)
        failed += not ok
        if n >= warmup:
            out.append(ms)
    return out, failed


def _tracks(client: httpx.Client, codes: list[str], warmup: int) -> tuple[list[float], int]:
    out, failed = [], 0
    for n, code in enumerate(codes):
        ms, ok = _timed(client, "GET", f"/track/{code}", 200)
        failed += not ok
        if n >= warmup:
            out.append(ms)
    return out, failed


def _facts(tcp: str, info: CityInfo, engine: Engine) -> list[tuple[str, str]]:
    versions: dict[str, str] = {}
    with psycopg.connect(tcp) as conn:
        row = conn.execute(
            "SELECT current_setting('server_version'), postgis_lib_version()"
        ).fetchone()
    if row:
        versions.update(PostgreSQL=str(row[0]), PostGIS=str(row[1]))
    for package in ("tree-point-o", "fastapi", "uvicorn", "sqlalchemy", "psycopg"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            versions[package] = metadata.version(package)
    with engine.connect() as conn:
        counts = conn.execute(
            text(
                "SELECT (SELECT count(*) FROM service_request WHERE city_id = :c),"
                " (SELECT count(*) FROM request_event WHERE city_id = :c)"
            ),
            {"c": info.id},
        ).one()
    facts = layers_report.machine(versions)
    facts.append(("rows", f"{counts[0]:,} service_request, {counts[1]:,} request_event"))
    return facts


def run(quick: bool = False, write_docs: bool | None = None, log: Any = print) -> int:
    """Run the requests benchmark and print its table.

    Args:
        quick: 20,000 requests and fewer calls (checks the harness).
        write_docs: Write docs/benchmarks.md (default only for full runs).
        log: Progress output.

    Returns:
        Process exit code (0 when the benchmark ran, whatever the targets say).
    """
    profile = QUICK if quick else FULL
    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        with cluster(profile.db_name, log) as (url, tcp):
            engine = create_engine(url)
            try:
                info, city, load_s = _ensure_data(engine, profile, log)
                with engine.connect() as conn:
                    codes = list(
                        conn.execute(
                            text(
                                "SELECT code FROM service_request TABLESAMPLE SYSTEM (5)"
                                " WHERE city_id = :c LIMIT :n"
                            ),
                            {"c": info.id, "n": profile.tracks},
                        ).scalars()
                    )
                points = _points(city, profile.submits + profile.warmup)
                log("Timing the SQL floor (the statements alone, one connection) ...")
                submit_floor = _submit_floor(tcp, info.id, points[profile.warmup :])
                track_floor = _track_floor(tcp, codes[profile.warmup :])
                shutil.rmtree(UPLOADS, ignore_errors=True)
                log("Starting our server (one uvicorn worker) ...")
                server = _start_server(tcp)
                try:
                    with httpx.Client(base_url=server.base_url, timeout=60) as client:
                        log(f"  {len(points)} submissions ...")
                        submits, submit_failed = _submits(client, points, profile.warmup)
                        log(f"  {len(codes)} tracks ...")
                        tracks, track_failed = _tracks(client, codes, profile.warmup)
                        staff = staff_rows(client, tcp, info, profile.warmup, log)
                finally:
                    server.stop()
                rows = [
                    report.Row(
                        "submit a proposal (anonymous, 8 PDFs of 32 B)",
                        submits,
                        TARGETS["submit"],
                        submit_floor,
                        "validation, spatial join, routing, event, audit, files on disk; floor:"
                        " the INSERTs alone (request, private, event, 8 attachments, audit)"
                        + (f"; {submit_failed} failed" if submit_failed else ""),
                    ),
                    report.Row(
                        "track by code",
                        tracks,
                        TARGETS["track"],
                        track_floor,
                        "floor: track's one SELECT (request, names, timeline)"
                        + (f"; {track_failed} failed" if track_failed else ""),
                    ),
                    *staff,
                ]
                facts = _facts(tcp, info, engine)
            finally:
                engine.dispose()
        print()
        print(report.text_table(rows))
        settings = [
            f"profile {profile.name}: {profile.requests:,} requests in the demo city tangerang"
            " (bench/requests/synthetic.py, every status, histories of 1-11 events),"
            " bulk-loaded by geo.requests.bulk.bulk_load"
            + (f" in {load_s:,.0f} s" if load_s else " (loaded by an earlier run)"),
            f"{profile.submits} submissions at seeded points, {len(codes) - profile.warmup}"
            f" tracks of sampled codes, {profile.warmup} untimed warm-up calls each",
            "client: httpx, one connection, sequential requests (latency, no queueing)",
            "server: api.app:create_app, one uvicorn worker, no access log, PostgreSQL over"
            " loopback TCP, the bench cluster var/bench/citizens-pg",
            "floor: the same statements over one psycopg connection (a transaction per"
            " submission, committed)",
        ]
        print()
        print("Settings: " + "; ".join(settings))
        target = DOCS if (write_docs if write_docs is not None else not quick) else QUICK_DOCS
        report.write_section(target, rows, facts, settings)
        log(f"\nWritten to {target.relative_to(PROJECT_ROOT)}")
    finally:
        servers._stop_all()
        signal.signal(signal.SIGTERM, previous)
    return 0
