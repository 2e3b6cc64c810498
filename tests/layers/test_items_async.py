"""The lean async items read (a psycopg pool, no ORM) gives exactly what the session path gives."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from geo.errors import NotFoundError
from geo.store.cluster import free_port
from geo.store.db import session_scope
from layers import items_sql
from layers.features import fetch_items, parse_items_query
from layers.items_async import LayerReadPool, PooledRead
from layers.items_query import FeaturePage
from layers.items_sql import ItemsStatement
from layers.registry import LAYERS
from layers.revision import begin_city_layer_read
from tests.layers.sample import N_SCHOOLS, insert_sample_city

pytestmark = pytest.mark.postgis
SLUG = "items-async-test"


@pytest.fixture(scope="module")
def committed_city(engine: Engine) -> Iterator[int]:
    """The sample city committed (the pool's connections cannot see a test's transaction)."""
    with Session(engine) as session:
        session.execute(text("DELETE FROM city WHERE slug = :s"), {"s": SLUG})
        city_id = insert_sample_city(session, SLUG).city.id
        session.commit()
    try:
        yield city_id
    finally:
        with Session(engine) as session:
            session.execute(text("DELETE FROM city WHERE slug = :s"), {"s": SLUG})
            session.commit()


async def _pooled(pool: LayerReadPool, layer: str, params: list[tuple[str, str]]) -> Any:
    lyr = LAYERS[layer]
    read = PooledRead(pool)
    try:
        city_id, revision = await read.begin(SLUG, layer)
        statement = ItemsStatement(city_id, lyr, parse_items_query(lyr, params))
        body = b"".join([chunk async for chunk in read.chunks(statement)])
        return city_id, revision, await read.page(statement, body)
    finally:
        await read.close()


def _run(db_url: str, layer: str, params: list[tuple[str, str]], **kw: Any) -> Any:
    async def main() -> Any:
        pool = LayerReadPool(db_url, 2, **kw)
        try:
            return await _pooled(pool, layer, params)
        finally:
            await pool.close()

    return asyncio.run(main())


CASES = [
    ("schools", []),
    ("schools", [("limit", "10")]),
    ("schools", [("limit", "4"), ("offset", "20")]),
    ("schools", [("offset", "999")]),
    ("schools", [("level", "SD"), ("properties", "name,level"), ("limit", "3")]),
    ("schools", [("bbox", "106.6,-6.2,106.65,-6.15")]),
    ("kelurahan", []),
    ("angkot_routes", [("limit", "1")]),
    ("parcels", [("permit_type", "IMB")]),
]


@pytest.mark.parametrize(("layer", "params"), CASES)
def test_pooled_read_matches_the_session_read(
    engine: Engine, db_url: str, committed_city: int, layer: str, params: list[tuple[str, str]]
) -> None:
    city_id, revision, page = _run(db_url, layer, params)
    with Session(engine) as session:
        assert begin_city_layer_read(session, SLUG, layer) == (city_id, revision)
        expected = fetch_items(
            session, city_id, LAYERS[layer], parse_items_query(LAYERS[layer], params)
        )
    assert city_id == committed_city
    assert page == expected


def test_full_pages_count_and_estimate_over_the_pool(
    db_url: str, committed_city: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    full: FeaturePage = _run(db_url, "schools", [("limit", "5")])[2]
    assert (full.number_returned, full.number_matched, full.matched_exact) == (5, N_SCHOOLS, True)
    monkeypatch.setattr(items_sql, "EXACT_COUNT_MAX", 10)
    estimated: FeaturePage = _run(db_url, "schools", [("limit", "5")])[2]
    assert not estimated.matched_exact
    assert estimated.number_matched >= 11
    past_the_end: FeaturePage = _run(db_url, "schools", [("offset", "999")])[2]
    assert (past_the_end.number_returned, past_the_end.features) == (0, b"")
    assert past_the_end.number_matched >= 11


def test_unknown_and_malformed_cities(db_url: str, committed_city: int) -> None:
    async def main() -> None:
        pool = LayerReadPool(db_url, 1)
        try:
            for slug in ("nowhere", "Not_A_Slug", "x" * 80):
                read = PooledRead(pool)
                with pytest.raises(NotFoundError):
                    await read.begin(slug, "schools")
                await read.close()
            assert len(pool._idle) == 1  # the connection went back after each miss
        finally:
            await pool.close()

    asyncio.run(main())


def test_connections_carry_the_planner_settings(db_url: str) -> None:
    async def main() -> list[Any]:
        pool = LayerReadPool(db_url, 1, statement_timeout_ms=1234)
        try:
            conn, reused = await pool.acquire()
            assert not reused
            cur = await conn.execute(
                "SELECT current_setting('plan_cache_mode'),"
                " current_setting('max_parallel_workers_per_gather'),"
                " current_setting('statement_timeout'), current_setting('TimeZone')"
            )
            row = await cur.fetchone()
            assert conn.autocommit
            await pool.release(conn)
            return list(row or ())
        finally:
            await pool.close()

    assert asyncio.run(main()) == ["force_custom_plan", "0", "1234ms", "UTC"]


def test_a_dead_idle_connection_is_replaced(
    engine: Engine, db_url: str, committed_city: int
) -> None:
    """No pre-ping: the first statement on a dead connection fails, and begin() retries once."""

    async def main() -> tuple[int, int]:
        pool = LayerReadPool(db_url, 1)
        try:
            read = PooledRead(pool)
            await read.begin(SLUG, "schools")
            assert read.conn is not None
            pid = read.conn.info.backend_pid
            await read.close()
            with engine.connect() as admin:
                admin.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid})
                admin.commit()
            await asyncio.sleep(0.2)
            again = PooledRead(pool)
            try:
                found = await again.begin(SLUG, "schools")
                assert again.conn is not None
                assert again.conn.info.backend_pid != pid
            finally:
                await again.close()
            return found
        finally:
            await pool.close()

    assert asyncio.run(main())[0] == committed_city


def test_an_unreachable_server_raises_operational_error() -> None:
    async def main() -> None:
        pool = LayerReadPool(f"postgresql://nobody@127.0.0.1:{free_port()}/nothing", 1)
        read = PooledRead(pool)
        with pytest.raises(psycopg.OperationalError):
            await read.begin("tangerang", "schools")
        await read.close()
        # the slot was given back: a second try fails the same way instead of waiting
        with pytest.raises(psycopg.OperationalError):
            await asyncio.wait_for(PooledRead(pool).begin("tangerang", "schools"), 5)

    asyncio.run(main())


def test_with_session_runs_on_a_session_of_its_own(engine: Engine, db_url: str) -> None:
    """Restricted layers resolve the caller on an ORM session beside the pooled connection."""

    async def main() -> tuple[int, str]:
        pool = LayerReadPool(db_url, 1)
        try:
            read = PooledRead(pool, sessions=lambda: session_scope(engine))
            one = await read.with_session(lambda s: int(s.execute(text("SELECT 1")).scalar_one()))
            with pytest.raises(RuntimeError, match="no sessions"):
                await PooledRead(pool).with_session(lambda s: 1)
            return one, "ok"
        finally:
            await pool.close()

    assert asyncio.run(main()) == (1, "ok")
