"""The pass-through floor: runs the same layer SQL and returns PostgreSQL's document unchanged."""

import asyncio
import os
from contextlib import asynccontextmanager

import psycopg
from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route

from bench.layers.queries import Query, items_query, layer_def, tile_query


async def _fetch(app: Starlette, query: Query) -> object:
    conn = await app.state.pool.get()
    try:
        async with conn.transaction():  # like ours: parallel query only for aggregated tiles
            if query.parallel:
                await conn.execute("SET LOCAL max_parallel_workers_per_gather = 2")
            row = await (await conn.execute(query.sql, query.params)).fetchone()
    finally:
        app.state.pool.put_nowait(conn)
    return row[0] if row else None


async def items(request):
    layer, q = layer_def(request.path_params["layer"]), request.query_params
    city_id = request.app.state.cities.get(request.path_params["city"])
    if layer is None or city_id is None:
        return Response(status_code=404)
    box = tuple(float(v) for v in q["bbox"].split(",")) if "bbox" in q else None
    query = items_query(layer, city_id, int(q.get("limit", layer.default_limit)), box)
    doc = await _fetch(request.app, query)
    return Response(str(doc).encode(), media_type="application/geo+json")


async def tile(request):
    p = request.path_params
    layer, city_id = layer_def(p["layer"]), request.app.state.cities.get(p["city"])
    if layer is None or city_id is None:
        return Response(status_code=404)
    doc = await _fetch(request.app, tile_query(layer, city_id, p["z"], p["x"], p["y"]))
    return Response(bytes(doc or b""), media_type="application/vnd.mapbox-vector-tile")


@asynccontextmanager
async def lifespan(app: Starlette):
    app.state.pool, url = asyncio.Queue(), os.environ["BENCH_DATABASE_URL"]
    for _ in range(int(os.environ.get("BENCH_POOL_SIZE", "4"))):
        conn = await psycopg.AsyncConnection.connect(
            url, prepare_threshold=None, options="-c max_parallel_workers_per_gather=0"
        )
        app.state.pool.put_nowait(conn)
    rows = await (await conn.execute("SELECT slug, id FROM city")).fetchall()
    await conn.commit()
    app.state.cities = dict(rows)  # ours looks the city up per request; the floor caches it
    yield
    while not app.state.pool.empty():
        await app.state.pool.get_nowait().close()


PREFIX = "/cities/{city}/collections/{layer}"
app = Starlette(
    routes=[
        Route(f"{PREFIX}/items", items),
        Route(f"{PREFIX}/tiles/WebMercatorQuad/{{z:int}}/{{x:int}}/{{y:int}}", tile),
    ],
    lifespan=lifespan,
)
