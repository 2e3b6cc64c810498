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

from bench.citizens.report import percentile
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
# the public counts of one kelurahan: the view of 0015 (sums of the daily rollup) and, for the
# record, the counting it replaced (0009: one count of the requests per kelurahan and
# combination), both over the whole city as the view's combinations need
PUBLIC_SQL = (
    "SELECT kelurahan_code, type, status, n_label FROM request_public_count"
    " WHERE city_id = :c AND kelurahan_code = :k"
)
COUNTING_SQL = """
SELECT k.code, c.type, c.status, n.n
FROM (SELECT coalesce(r.type, '*') AS type, coalesce(r.status, '*') AS status
      FROM service_request r WHERE r.city_id = :c GROUP BY CUBE (r.type, r.status)
      UNION SELECT '*', '*') c
JOIN admin_area k ON k.city_id = :c AND k.level = 'kelurahan' AND k.code = :k
CROSS JOIN LATERAL (
    SELECT count(*)::integer AS n FROM service_request r
    WHERE r.city_id = k.city_id AND r.kelurahan_code = k.code
      AND (c.type = '*' OR r.type = c.type) AND (c.status = '*' OR r.status = c.status)) n
"""
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
        public_ms, public_floor, counting = _public_counts(client, engine, info, warmup)
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
        Row(
            "public counts of one kelurahan (requests_public, uncached)",
            public_ms,
            None,
            public_floor,
            "anonymous; every kelurahan once (a new query each, so no cached page); floor: the"
            " view alone (sums of the per-kelurahan rollup of 0015); the counting view it"
            " replaced (0009):"
            f" p50 {percentile(counting, 50):,.0f} ms, p95 {percentile(counting, 95):,.0f} ms",
        ),
    ]


def _public_counts(
    client: httpx.Client, engine: Engine, info: CityInfo, warmup: int
) -> tuple[list[float], list[float], list[float]]:
    """Uncached pages of requests_public per kelurahan over HTTP, the view, the old counting."""
    with engine.connect() as conn:
        codes = list(
            conn.execute(
                text(
                    "SELECT code FROM admin_area WHERE city_id = :c AND level = 'kelurahan'"
                    " ORDER BY code"
                ),
                {"c": info.id},
            ).scalars()
        )
    path = f"/cities/{info.slug}/collections/requests_public/items"
    ours = []
    anonymous = httpx.Client(base_url=client.base_url, timeout=60)
    try:
        for n, code in enumerate(codes):
            started = time.perf_counter()
            answer = anonymous.get(path, params={"kelurahan_code": code, "limit": 100})
            _ = answer.content
            answer.raise_for_status()
            if n >= min(warmup, len(codes) // 4):
                ours.append((time.perf_counter() - started) * 1000)
    finally:
        anonymous.close()
    floor = _floor(engine, [[(PUBLIC_SQL, {"c": info.id, "k": code})] for code in codes])
    counting = _floor(engine, [[(COUNTING_SQL, {"c": info.id, "k": code})] for code in codes[:20]])
    return ours, floor, counting
