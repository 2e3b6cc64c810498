"""School transfers (issue 14 §1): submission with its figures, and the alternatives, over HTTP.

``python -m bench transfers [--quick]``: the demo city tangerang plus 100,000 synthetic schools
(SD and SMP, npsn ``B...``; 10,000 with ``--quick``) in the bench cluster, one uvicorn worker,
sequential calls; prints p50/p95 beside the targets (submission ≤ 150 ms, alternatives ≤ 50 ms).
"""

from __future__ import annotations

import signal
from typing import Any

import httpx
import numpy as np
import orjson
from sqlalchemy import create_engine, text

from bench.citizens.database import cluster, ensure_demo
from bench.layers import servers
from bench.requests import report
from bench.requests.runner import _on_sigterm, _start_server, _timed
from geo.requests.transfer import TRANSFER_DOCUMENTS

SLUG = "tangerang"
TARGETS = {"submit": 150.0, "alternatives": 50.0}  # issue 14
PDF = b"%PDF-1.4\n% bench document\n%%EOF\n"
SCHOOLS, QUICK_SCHOOLS = 100_000, 10_000


def _ensure_schools(engine: Any, city_id: int, n: int, log: Any) -> None:
    """``n`` synthetic schools (npsn ``B%07d``) scattered over the city's kota polygon."""
    with engine.begin() as conn:
        have = conn.execute(
            text("SELECT count(*) FROM school WHERE city_id = :c AND npsn LIKE 'B%'"),
            {"c": city_id},
        ).scalar_one()
        if have >= n:
            return
        log(f"Inserting {n - have:,} synthetic schools ...")
        conn.execute(
            text(
                "INSERT INTO school (city_id, npsn, name, level, status, geom)"
                " SELECT :c, 'B' || lpad((:lo + d.path[1])::text, 7, '0'),"
                " 'Sekolah Uji ' || (:lo + d.path[1]),"
                " CASE WHEN d.path[1] % 2 = 0 THEN 'SD' ELSE 'SMP' END,"
                " CASE WHEN d.path[1] % 3 = 0 THEN 'swasta' ELSE 'negeri' END, d.geom"
                " FROM (SELECT (ST_Dump(ST_GeneratePoints(k.geom, :n, 7))).* FROM (SELECT geom"
                "  FROM admin_area WHERE city_id = :c AND level = 'kota' LIMIT 1) k) d"
            ),
            {"c": city_id, "lo": int(have), "n": n - int(have)},
        )
        conn.execute(text("ANALYZE school"))


def _homes(engine: Any, city_id: int, n: int) -> list[tuple[float, float]]:
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT ST_X(p.geom), ST_Y(p.geom) FROM (SELECT (ST_Dump(ST_GeneratePoints("
                " ST_Buffer(k.geom::geography, -300)::geometry, :n, 11))).geom FROM (SELECT geom"
                " FROM admin_area WHERE city_id = :c AND level = 'kota' LIMIT 1) k) p"
            ),
            {"c": city_id, "n": n},
        ).all()
    return [(float(x), float(y)) for x, y in rows]


def _pair(engine: Any, city_id: int, home: tuple[float, float]) -> tuple[str, str]:
    """Two SD schools near the home (origin, target)."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT npsn FROM school WHERE city_id = :c AND level = 'SD'"
                " ORDER BY geom <-> ST_SetSRID(ST_MakePoint(:x, :y), 4326) LIMIT 2"
            ),
            {"c": city_id, "x": home[0], "y": home[1]},
        ).scalars()
        origin, target = list(rows)
    return str(origin), str(target)


def _body(home: tuple[float, float], origin: str, target: str) -> dict[str, Any]:
    return {
        "type": "pindah_sekolah",
        "geometry": {"type": "Point", "coordinates": list(home)},
        "attrs": {"origin_npsn": origin, "target_npsn": target, "reason": "pindah_domisili"},
        "contact": {"name": "Penguji Beban"},
        "private": {
            "student": {"name": "Anak Uji", "nisn": "0000000001", "level": "SD", "grade": 3},
            "home_address": "Jl. Uji",
        },
    }


def run(quick: bool = False, write_docs: bool | None = None, log: Any = print) -> int:
    """Run the transfer benchmark and print its table (``write_docs`` is not used)."""
    del write_docs
    n_schools = QUICK_SCHOOLS if quick else SCHOOLS
    calls, warmup = (40, 5) if quick else (200, 20)
    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        with cluster("tpo_bench_transfers", log) as (url, tcp):
            engine = create_engine(url)
            try:
                city_id, _ = ensure_demo(engine, log)
                _ensure_schools(engine, city_id, n_schools, log)
                homes = _homes(engine, city_id, calls + warmup)
                pairs = [_pair(engine, city_id, h) for h in homes]
            finally:
                engine.dispose()
            server = _start_server(tcp)
            files = [(s, (f"{s}.pdf", PDF, "application/pdf")) for s in TRANSFER_DOCUMENTS]
            submits: list[float] = []
            alts: list[float] = []
            failed = 0
            try:
                with httpx.Client(base_url=server.base_url, timeout=120) as client:
                    log(f"  {len(homes)} alternatives, {len(homes)} submissions ...")
                    for n, (home, (origin, target)) in enumerate(zip(homes, pairs, strict=True)):
                        url_ = (
                            f"/cities/{SLUG}/transfers/alternatives?lon={home[0]}&lat={home[1]}"
                            f"&level=SD&target={target}"
                        )
                        ms, ok = _timed(client, "GET", url_, 200)
                        failed += not ok
                        if n >= warmup:
                            alts.append(ms)
                        data = {"request": orjson.dumps(_body(home, origin, target)).decode()}
                        ms, ok = _timed(
                            client, "POST", f"/cities/{SLUG}/requests", 201, data=data, files=files
                        )
                        failed += not ok
                        if n >= warmup:
                            submits.append(ms)
            finally:
                server.stop()
        rows = [
            report.Row(
                "submit a school transfer (6 PDFs, figures computed)",
                submits,
                TARGETS["submit"],
                [],
                "geodesic distance, walk, angkot trip, rank, capacity; then the request core",
            ),
            report.Row(
                f"alternatives: 5 nearest SD + the target, on {n_schools:,} schools",
                alts,
                TARGETS["alternatives"],
                [],
                "6 x (distance, walk, angkot trip, rank)"
                + (f"; {failed} calls failed" if failed else ""),
            ),
        ]
        print()
        print(report.text_table(rows))
        print(
            f"\nSettings: demo city {SLUG} + {n_schools:,} synthetic schools; {calls} timed calls"
            f" each after {warmup} warm-up; one uvicorn worker; httpx, sequential;"
            f" p95 of all calls {np.percentile(submits, 95):.1f} / {np.percentile(alts, 95):.1f} ms"
        )
    finally:
        servers._stop_all()
        signal.signal(signal.SIGTERM, previous)
    return 0
