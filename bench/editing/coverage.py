"""``python -m bench.editing.coverage [--runs N]``: route coverage of the demo city (target
<= 1 s for the city: issue #13), in SQL and over HTTP (one in-process app, a planner's token),
plus the ``route_coverage`` layer's items uncached and a draft's preview."""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from bench.citizens.database import cluster, ensure_demo
from geo.accounts import Grant, create_token, create_user
from geo.analysis import city_coverage, coverage_preview, line_wkt
from geo.cities import get_city

DB_NAME = "tpo_bench_editing"
TARGET_S = 1.0  # coverage for the city (issue #13)
PLANNER = "bench-planner"


def _times(fn: Callable[[], Any], runs: int) -> list[float]:
    fn()  # warm up (plans, caches of PostGIS)
    out = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        out.append(time.perf_counter() - started)
    return out


def _row(name: str, times: list[float], target: float | None = None) -> str:
    p50 = statistics.median(times)
    p95 = sorted(times)[max(0, round(0.95 * len(times)) - 1)]
    verdict = "" if target is None else ("ok" if p95 <= target else "OVER")
    return f"| {name} | {len(times)} | {p50 * 1000:.0f} | {p95 * 1000:.0f} | {verdict} |"


def _token(session: Session, city_id: int) -> str:
    user_id = session.execute(
        text("SELECT id FROM app_user WHERE username = :u"), {"u": PLANNER}
    ).scalar()
    if user_id is None:
        user_id = create_user(
            session,
            city_id=city_id,
            username=PLANNER,
            display_name="Bench planner",
            password="bench-only-pass-phrase-42",
            grants=[Grant("dishub")],
        )
    _, token = create_token(session, int(user_id), name="bench")
    return token


def run(runs: int) -> int:
    """Measure and print a Markdown table; 1 when the city's coverage misses its target."""
    from fastapi.testclient import TestClient

    from api.app import create_app
    from api.settings import Settings

    with cluster(DB_NAME, lambda m: print(m, file=sys.stderr)) as (url, _tcp):
        engine = create_engine(url)
        city_id, _ = ensure_demo(engine, lambda m: print(m, file=sys.stderr))
        with Session(engine) as session:
            city = get_city(session, "tangerang")
            token = _token(session, city_id)
            session.commit()
            counts = session.execute(
                text(
                    "SELECT (SELECT count(*) FROM admin_area WHERE city_id = :c"
                    " AND level = 'kelurahan'), (SELECT count(*) FROM angkot_route"
                    " WHERE city_id = :c AND active)"
                ),
                {"c": city_id},
            ).one()
            sql = _times(lambda: city_coverage(session, city), runs)
            cov = city_coverage(session, city)
            minx, miny, maxx, maxy = city.bbox
            line = line_wkt(
                {
                    "type": "LineString",
                    "coordinates": [[minx + 0.01, miny + 0.01], [maxx - 0.01, maxy - 0.01]],
                },
                city,
            )
            preview = _times(lambda: coverage_preview(session, city, line), runs)
        settings = Settings(database_url=url, layer_cache_mb=0, _env_file=None)
        headers = {"Authorization": f"Bearer {token}"}
        with TestClient(create_app(settings)) as client:
            http = _times(
                lambda: client.get("/cities/tangerang/editor/coverage", headers=headers), runs
            )
            items = _times(
                lambda: client.get("/cities/tangerang/collections/route_coverage/items?limit=200"),
                runs,
            )
        engine.dispose()
    print(
        f"Demo city: {counts[0]} kelurahan, {counts[1]} active route directions; covered"
        f" {cov.covered_km2:.1f} of {cov.area_km2:.1f} km² ({cov.share:.1%}).\n"
    )
    print("| case | runs | p50 ms | p95 ms | target 1 s |")
    print("|---|---:|---:|---:|---|")
    print(_row("coverage for the city (SQL, geo.analysis.city_coverage)", sql, TARGET_S))
    print(_row("GET /editor/coverage (HTTP, in-process app)", http, TARGET_S))
    print(_row("route_coverage items, uncached (HTTP)", items, TARGET_S))
    print(_row("POST /editor/coverage/preview (SQL, a diagonal line)", preview))
    return 0 if sorted(http)[max(0, round(0.95 * len(http)) - 1)] <= TARGET_S else 1


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run."""
    parser = argparse.ArgumentParser(prog="python -m bench.editing.coverage")
    parser.add_argument("--runs", type=int, default=20)
    return run(parser.parse_args(argv).runs)


if __name__ == "__main__":
    sys.exit(main())
