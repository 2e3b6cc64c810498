"""The strict floor: ours' own SQL, streamed as PostgreSQL sends it, with nothing around it.

Items run ours' ``ItemsStatement`` (layers/items_sql.py) over an autocommit connection (no
BEGIN/COMMIT), read in binary one chunk row at a time and written to the socket as they come:
no decoding, no re-encoding, no join of the whole body. Tiles run ours' tile statement and
return its bytes. Each request first reads the city and the layer revision with ours' own
statement (``layers.items_async.CITY_REVISION_SQL``), on the connection that then runs the page,
as ours does (its ETag and cache key need the revision): two statements, as ours.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import psycopg
from psycopg.pq import TransactionStatus
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from bench.layers.queries import Query, items_statement, layer_def, tile_query
from layers.features import COLLECTION_START
from layers.items_async import CITY_REVISION_SQL
from layers.items_sql import ItemsStatement

SERIAL = "-c max_parallel_workers_per_gather=0 -c plan_cache_mode=force_custom_plan"
PARALLEL = "-c max_parallel_workers_per_gather=2 -c plan_cache_mode=force_custom_plan"


class Pool(asyncio.Queue[Any]):
    """Open autocommit connections with one set of planner options."""

    def __init__(self, url: str, options: str):
        """An empty pool (``fill`` opens the connections)."""
        super().__init__()
        self.url, self.options = url, options

    async def connect(self) -> Any:
        """A new connection with the pool's settings."""
        return await psycopg.AsyncConnection.connect(
            self.url, prepare_threshold=None, autocommit=True, options=self.options
        )

    async def fill(self, size: int) -> Pool:
        """Open ``size`` connections."""
        for _ in range(size):
            self.put_nowait(await self.connect())
        return self


async def _get(pool: Pool) -> Any:
    """A connection of the pool; one left mid-statement by a client gone away (wrk closes its
    sockets when its time is up) is replaced by a new one."""
    conn = await pool.get()
    if conn.closed or conn.info.transaction_status != TransactionStatus.IDLE:
        await conn.close()
        conn = await pool.connect()
    return conn


async def _city(conn: Any, slug: str, layer: str) -> int | None:
    """The city id (None: no such city), read with the layer revision as ours reads them."""
    row = await (await conn.execute(CITY_REVISION_SQL, {"slug": slug, "layer": layer})).fetchone()
    return int(row[0]) if row else None


async def _page(pool: Pool, conn: Any, st: ItemsStatement) -> AsyncIterator[bytes]:
    try:
        yield COLLECTION_START
        async with conn.cursor(binary=True) as cur:
            async for row in cur.stream(st.sql, st.params):
                yield st.take(row)
        st.finish()
        page = st.exact_page()
        matched: int | None = page.number_matched if page is not None else st.counted
        if matched is None:  # past the end: the count needs its own statement
            row = await (await conn.execute(st.count_sql, st.params)).fetchone()
            matched = int(row[0]) if row else 0
        yield b'],"numberMatched":%d,"numberReturned":%d}' % (matched, st.returned or 0)
    finally:
        pool.put_nowait(conn)


async def items(request: Request) -> Response:
    """One items page, streamed."""
    p = request.path_params
    layer = layer_def(p["layer"])
    if layer is None:
        return Response(status_code=404)
    pool = request.app.state.serial
    conn = await _get(pool)
    try:
        city_id = await _city(conn, p["city"], layer.id)
        if city_id is None:
            pool.put_nowait(conn)
            return Response(status_code=404)
        st = items_statement(layer, city_id, list(request.query_params.multi_items()))
    except BaseException:
        pool.put_nowait(conn)
        raise
    return StreamingResponse(_page(pool, conn, st), media_type="application/geo+json")


async def _one(pool: Pool, query: Query) -> Any:
    conn = await _get(pool)
    try:
        row = await (await conn.execute(query.sql, query.params)).fetchone()
    finally:
        pool.put_nowait(conn)
    return row[0] if row else None


async def tile(request: Request) -> Response:
    """One MVT tile."""
    p = request.path_params
    layer = layer_def(p["layer"])
    if layer is None:
        return Response(status_code=404)
    serial = request.app.state.serial
    conn = await _get(serial)
    try:
        city_id = await _city(conn, p["city"], layer.id)
    finally:
        serial.put_nowait(conn)
    if city_id is None:
        return Response(status_code=404)
    query = tile_query(layer, city_id, p["z"], p["x"], p["y"])
    pool = request.app.state.parallel if query.parallel else serial
    doc = await _one(pool, query)
    return Response(bytes(doc or b""), media_type="application/vnd.mapbox-vector-tile")


@asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    """Open the connections."""
    url, size = os.environ["BENCH_DATABASE_URL"], int(os.environ.get("BENCH_POOL_SIZE", "4"))
    app.state.serial = await Pool(url, SERIAL).fill(size)
    app.state.parallel = await Pool(url, PARALLEL).fill(size)
    yield
    for pool in (app.state.serial, app.state.parallel):
        while not pool.empty():
            await pool.get_nowait().close()


PREFIX = "/cities/{city}/collections/{layer}"
app = Starlette(
    routes=[
        Route(f"{PREFIX}/items", items),
        Route(f"{PREFIX}/tiles/WebMercatorQuad/{{z:int}}/{{x:int}}/{{y:int}}", tile),
    ],
    lifespan=lifespan,
)
