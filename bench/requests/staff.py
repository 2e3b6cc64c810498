"""The staff cases of the requests bench: the by-kelurahan aggregate and the table page of 50,
logged in as Bagian Kesra staff, beside their SQL (the statements of geo/requests/queries.py and
aggregates.py alone). Skipped when the server has no such endpoints."""

from __future__ import annotations

import time
from datetime import date, timedelta
from typing import Any

import httpx
import numpy as np
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session

from bench.requests.report import Row
from geo.accounts import (
    Grant,
    Principal,
    create_user,
    generate_password,
    get_user,
    set_password,
    upsert_opd,
)
from geo.cities import CityInfo
from geo.errors import NotFoundError

AGGREGATE_PATH = "/cities/{city}/requests/by-kelurahan"
USERNAME = "bench_kesra"
TARGETS = {"aggregate": 100.0, "table": 50.0}  # issue #12
OPEN = ("verifikasi_dokumen", "evaluasi", "rekomendasi", "ditetapkan", "nphd", "dicairkan")


def _login(client: httpx.Client, engine: Engine, info: CityInfo) -> Principal:
    password = generate_password()
    grant = Grant("opd_staff", opd="KESRA")
    with Session(engine) as session:
        upsert_opd(session, info.id, "KESRA", "Bagian Kesejahteraan Rakyat")
        try:
            user = get_user(session, city_id=info.id, username=USERNAME)
            set_password(session, user.id, password)
            user_id = user.id
        except NotFoundError:
            user_id = create_user(
                session,
                city_id=info.id,
                username=USERNAME,
                display_name="Bench Kesra",
                password=password,
                grants=[grant],
            )
        session.commit()
    answer = client.post(
        "/auth/login", json={"username": USERNAME, "password": password, "city": info.slug}
    )
    answer.raise_for_status()
    return Principal(user_id, USERNAME, "Bench Kesra", info.id, (grant,), via="session")


def _filters(n: int, today: date) -> list[dict[str, Any]]:
    """Seeded filters: one to three open statuses, a window of 1-6 months ending near today."""
    rng = np.random.default_rng(11)
    out = []
    for _ in range(n):
        k = int(rng.integers(1, 4))
        statuses = sorted(str(s) for s in rng.choice(OPEN, size=k, replace=False))
        end = today - timedelta(days=int(rng.integers(0, 60)))
        start = end - timedelta(days=int(rng.integers(30, 183)))
        out.append({"status": ",".join(statuses), "from": start, "to": end})
    return out


def _floor(engine: Engine, calls: list[Any]) -> list[float]:
    out = []
    with engine.connect() as conn:
        for statements in calls:
            started = time.perf_counter()
            with conn.begin():
                for sql, params in statements:
                    conn.execute(text(sql), params).all()
            out.append((time.perf_counter() - started) * 1000)
    return out


def staff_rows(client: httpx.Client, tcp: str, info: CityInfo, warmup: int, log: Any) -> list[Row]:
    """Rows for the staff cases, or none when the server lacks the endpoints."""
    paths = client.get("/openapi.json").json().get("paths", {})
    if AGGREGATE_PATH not in paths:
        log("  staff endpoints (by-kelurahan, table) not in this server: skipped")
        return []
    from geo.requests.aggregates import _AREAS, SIMPLIFY_DEG, count_sql
    from geo.requests.deadlines import due_sql
    from geo.requests.queries import (
        TOTAL_CAP,
        RequestFilter,
        _count_sql,
        _page_per_status,
        row_sql,
        visibility,
        where_of,
    )

    engine = create_engine(tcp.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        principal = _login(client, engine, info)
        filters = _filters(120 + warmup, date.today())
        vis, vis_params = visibility(principal, "requests.read", info.id)
        agg_ms, table_ms, agg_sql, table_sql = [], [], [], []
        failed = 0
        log(f"  {len(filters)} by-kelurahan aggregates and table pages (as {USERNAME}) ...")
        for n, f in enumerate(filters):
            query = {
                "status": f["status"],
                "from": f["from"].isoformat(),
                "to": f["to"].isoformat(),
            }
            offset = (n % 10) * 50
            for path, extra, out in (
                (f"/cities/{info.slug}/requests/by-kelurahan", {}, agg_ms),
                (
                    f"/cities/{info.slug}/requests",
                    {"limit": 50, "offset": offset, "sort": "-created_at"},
                    table_ms,
                ),
            ):
                started = time.perf_counter()
                answer = client.get(path, params=query | extra)
                _ = answer.content
                if n >= warmup:
                    out.append((time.perf_counter() - started) * 1000)
                failed += answer.status_code != 200
            if n < warmup:
                continue
            rf = RequestFilter(
                status=tuple(f["status"].split(",")),
                date_from=f["from"],
                date_to=f["to"],
                sort="-created_at",
                limit=50,
                offset=offset,
            )
            where, params = where_of(rf, info.id, vis)
            counts, count_params = count_sql(rf, info.id, vis, vis_params)
            agg_sql.append(
                [
                    (counts.text, count_params),
                    (_AREAS.text, {"c": info.id, "tol": SIMPLIFY_DEG}),
                ]
            )
            page = params | vis_params | due_sql("r")[1]
            # list_requests' statements: the page's ids (per status), their rows, the capped
            # count (per status), the estimate
            order = " ORDER BY r.created_at DESC, r.id DESC"
            ids, id_params = _page_per_status(rf, info.id, vis, "DESC")
            count, count_params = _count_sql(rf, info.id, vis, where)
            matching = f"SELECT 1 FROM service_request r WHERE {where}"
            table_sql.append(
                [
                    (
                        row_sql(f"r.city_id = :c AND r.id IN ({ids})", order),
                        page | id_params | {"limit": 50, "offset": offset},
                    ),
                    (count, page | count_params | {"cap": TOTAL_CAP + 1}),
                    (f"EXPLAIN (FORMAT JSON) {matching}", page),
                ]
            )
        agg_floor = _floor(engine, agg_sql)
        table_floor = _floor(engine, table_sql)
    finally:
        engine.dispose()
    note = "as opd_staff KESRA; 1-3 open statuses, a 1-6 month window"
    fails = f"; {failed} failed" if failed else ""
    return [
        Row(
            "by-kelurahan aggregate (status + date filter)",
            agg_ms,
            TARGETS["aggregate"],
            agg_floor,
            f"{note}; floor: the counts (daily rollup) + the kelurahan shapes{fails}",
        ),
        Row(
            "staff table page of 50 (status + date filter)",
            table_ms,
            TARGETS["table"],
            table_floor,
            f"{note}, newest first, pages 1-10; floor: page, capped count, estimate{fails}",
        ),
    ]
