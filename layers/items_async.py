"""The lean async items read: a small pool of psycopg connections, no ORM, two round trips."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AbstractContextManager
from typing import Any, Protocol, TypeVar, cast

import psycopg
from psycopg.conninfo import make_conninfo
from psycopg.pq import TransactionStatus
from sqlalchemy import make_url
from sqlalchemy.orm import Session

from geo.cities import is_valid_slug
from geo.errors import CityNotFoundError, DatabaseUnavailableError
from geo.store import connection_params
from layers.features import ItemsStream
from layers.items_query import FeaturePage
from layers.items_sql import ItemsStatement
from layers.revision import begin_city_layer_read

# the city and the layer's revision in one statement (the first of the two round trips)
CITY_REVISION_SQL = (
    "SELECT c.id, coalesce((SELECT revision FROM layer_revision lr"
    " WHERE lr.city_id = c.id AND lr.layer = %(layer)s), 0) FROM city c WHERE c.slug = %(slug)s"
)
DB_SLOW = "the database did not answer in time; try again soon"
T = TypeVar("T")


def conninfo(url: str) -> str:
    """A libpq connection string from our SQLAlchemy URL (``postgresql+psycopg://...``)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


class LayerReadPool:
    """At most ``max_size`` psycopg async connections for layer reads, opened on demand.

    Every connection is in autocommit (a read is one statement: no BEGIN/COMMIT round trips),
    never prepares statements (``prepare_threshold=None``: each page gets a custom plan for
    its own bbox and limit) and carries, for its whole life, the planner settings that
    ``layers.revision.begin_layer_read`` sets per transaction on the ORM path:
    ``plan_cache_mode = force_custom_plan`` and no parallel workers. There is no pre-ping: a
    connection that died while idle fails its first statement, and the caller retries once
    on a fresh one (``PooledRead.begin``).

    Every wait is bounded: for a free connection (``acquire_timeout_s``), to open one
    (``connect_timeout_s``, TCP keepalives) and for each answer of the server
    (``op_timeout_s``, also when the server is frozen and its statement timeout cannot fire).
    """

    def __init__(
        self,
        url: str,
        max_size: int = 4,
        *,
        statement_timeout_ms: int = 15_000,
        connect_timeout_s: int = 10,
        acquire_timeout_s: float = 30.0,
        op_timeout_s: float = 30.0,
        tcp_user_timeout_ms: int = 30_000,
        on_answer: Callable[[], None] = lambda: None,
    ):
        """Create an empty pool (no connection is opened until the first read).

        Args:
            url: SQLAlchemy or libpq URL of the database.
            max_size: Most connections open at once; further readers wait for one.
            statement_timeout_ms: Server-side limit for any single statement.
            connect_timeout_s: Seconds to open a connection.
            acquire_timeout_s: Seconds to wait for a free connection when all are in use.
            op_timeout_s: Seconds to wait for any one answer of the server (a statement's
                first row, each further chunk, the counts).
            tcp_user_timeout_ms: See ``geo.store.connection_params``.
            on_answer: Called whenever the server answered a read's first statement (the
                app ends a database outage in its log there).
        """
        self.conninfo = make_conninfo(
            conninfo(url) if "://" in url else url,
            **connection_params(
                connect_timeout_s=connect_timeout_s, tcp_user_timeout_ms=tcp_user_timeout_ms
            ),
        )
        self.options = (
            f"-c statement_timeout={int(statement_timeout_ms)} -c timezone=UTC"
            " -c plan_cache_mode=force_custom_plan -c max_parallel_workers_per_gather=0"
        )
        self.acquire_timeout_s = acquire_timeout_s
        self.op_timeout_s = op_timeout_s
        self.on_answer = on_answer
        self.max_size = max_size
        self._idle: list[psycopg.AsyncConnection[Any]] = []
        self._slots = asyncio.Semaphore(max_size)
        self._closed = False

    async def acquire(self) -> tuple[psycopg.AsyncConnection[Any], bool]:
        """A connection (the most recently used idle one, or a new one) and whether it was
        idle in the pool (so it may have died meanwhile).

        Raises:
            DatabaseUnavailableError: No connection came free within ``acquire_timeout_s``.
            psycopg.OperationalError: The server cannot be reached.
        """
        try:
            async with asyncio.timeout(self.acquire_timeout_s):
                await self._slots.acquire()
        except TimeoutError:
            raise DatabaseUnavailableError(
                f"all {self.max_size} database connections stayed busy for "
                f"{self.acquire_timeout_s:g} s; try again soon"
            ) from None
        try:
            while self._idle:
                conn = self._idle.pop()
                if not conn.closed:
                    return conn, True
            return await self._connect(), False
        except BaseException:
            self._slots.release()
            raise

    async def _connect(self) -> psycopg.AsyncConnection[Any]:
        return await psycopg.AsyncConnection.connect(
            self.conninfo,
            autocommit=True,
            prepare_threshold=None,
            options=self.options,
            application_name="tree-point-o-layers",
        )

    async def release(self, conn: psycopg.AsyncConnection[Any], *, discard: bool = False) -> None:
        """Give ``conn`` back: kept when idle and healthy, else closed."""
        try:
            healthy = not conn.closed and conn.info.transaction_status == TransactionStatus.IDLE
            if healthy and not discard and not self._closed:
                self._idle.append(conn)
            else:
                await conn.close()
        finally:
            self._slots.release()

    async def close_idle(self) -> None:
        """Close the idle connections."""
        while self._idle:
            await self._idle.pop().close()

    async def close(self) -> None:
        """Close the idle connections; connections in use close when released."""
        self._closed = True
        await self.close_idle()


class LayerRead(Protocol):
    """One items read: the city and revision first, then the page (one connection held)."""

    async def begin(self, slug: str, layer: str) -> tuple[int, int]:
        """The city id of ``slug`` and the layer's revision (CityNotFoundError: no such city)."""

    def chunks(self, statement: ItemsStatement) -> AsyncIterator[bytes]:
        """The page's features (``statement.sql``), a chunk at a time."""

    async def page(self, statement: ItemsStatement, features: bytes = b"") -> FeaturePage:
        """The page's counts, once its chunks were read."""

    async def close(self) -> None:
        """Give the connection back (always call it, also after an error)."""

    async def with_session(self, work: Callable[[Session], T]) -> T:
        """``work(session)`` on an ORM session, in a worker thread (restricted layers resolve
        the caller there; public reads never call it)."""


def _check_slug(slug: str) -> None:
    if not is_valid_slug(slug):
        raise CityNotFoundError(f"no city '{slug[:64]}'")


class PooledRead:
    """``LayerRead`` over one connection of a ``LayerReadPool``; every wait for the server is
    bounded by the pool's ``op_timeout_s`` (``DatabaseUnavailableError`` past it)."""

    def __init__(
        self,
        pool: LayerReadPool,
        sessions: Callable[[], AbstractContextManager[Session]] | None = None,
    ) -> None:
        """Nothing is acquired until ``begin``; ``sessions`` opens an ORM session for
        ``with_session`` (committed when the block ends)."""
        self.pool = pool
        self.sessions = sessions
        self.conn: psycopg.AsyncConnection[Any] | None = None
        self._broken = False

    async def with_session(self, work: Callable[[Session], T]) -> T:
        """See ``LayerRead.with_session`` (a session of its own, apart from the pool).

        Raises:
            RuntimeError: The read was made without ``sessions``.
        """
        sessions = self.sessions
        if sessions is None:
            raise RuntimeError("this layer read has no sessions")

        def run() -> T:
            with sessions() as session:
                return work(session)

        return await asyncio.to_thread(run)

    async def _answer(self, awaitable: Awaitable[T]) -> T:
        """``awaitable``, or ``DatabaseUnavailableError`` when the server takes longer than
        ``op_timeout_s`` (a frozen server never fires its own statement timeout). psycopg
        cancels the query on the way out, or closes the connection when it cannot."""
        try:
            async with asyncio.timeout(self.pool.op_timeout_s):
                return await awaitable
        except TimeoutError:
            self._broken = True
            raise DatabaseUnavailableError(DB_SLOW) from None

    async def begin(self, slug: str, layer: str) -> tuple[int, int]:
        """See ``LayerRead.begin``; retries once on a fresh connection when an idle one died.

        Raises:
            CityNotFoundError: No city with this slug.
            DatabaseUnavailableError: No connection came free, or the server did not answer
                in time.
            psycopg.OperationalError: The server cannot be reached.
        """
        _check_slug(slug)
        for attempt in (1, 2):
            self.conn, reused = await self.pool.acquire()
            try:
                cur = await self._answer(
                    self.conn.execute(CITY_REVISION_SQL, {"slug": slug, "layer": layer})
                )
                row = await cur.fetchone()
                self.pool.on_answer()
                break
            except psycopg.OperationalError:
                conn, self.conn = self.conn, None
                await self.pool.release(conn, discard=True)
                if not reused or attempt == 2:
                    raise
                await self.pool.close_idle()  # a server restart killed them all: start afresh
        if row is None:
            raise CityNotFoundError(f"no city '{slug}'")
        return int(row[0]), int(row[1])

    def _conn(self) -> psycopg.AsyncConnection[Any]:
        if self.conn is None:
            raise RuntimeError("begin() first")
        return self.conn

    async def chunks(self, statement: ItemsStatement) -> AsyncIterator[bytes]:
        """See ``LayerRead.chunks`` (binary rows, one at a time, each wait bounded)."""
        async with self._conn().cursor(binary=True) as cur:
            rows = cast(AsyncGenerator[Any, None], cur.stream(statement.sql, statement.params))
            try:
                while True:
                    try:
                        row = await self._answer(anext(rows))
                    except StopAsyncIteration:
                        break
                    yield statement.take(row)
            finally:
                # a stream left early cancels its query and drains it: bounded too
                await self._answer(rows.aclose())
        statement.finish()

    async def page(self, statement: ItemsStatement, features: bytes = b"") -> FeaturePage:
        """See ``LayerRead.page`` (a count or an ``EXPLAIN`` only for full pages)."""
        exact = statement.exact_page(features)
        if exact is not None:
            return exact
        conn = self._conn()
        counted = statement.counted
        if counted is None:
            cur = await self._answer(conn.execute(statement.count_sql, statement.params))
            row = await cur.fetchone()
            counted = int(row[0]) if row else 0
        plan = None
        if statement.needs_estimate(counted):
            cur = await self._answer(conn.execute(statement.explain_sql, statement.params))
            row = await cur.fetchone()
            plan = row[0] if row else None
        return statement.page(counted, plan, features)

    async def close(self) -> None:
        """See ``LayerRead.close`` (a connection that timed out is closed, not kept)."""
        conn, self.conn = self.conn, None
        if conn is not None:
            await self.pool.release(conn, discard=self._broken)


class SessionRead:
    """``LayerRead`` over an ORM session, each call in a worker thread.

    For apps whose sessions are provided from outside (tests run every request in one
    rolled-back transaction): the items then see the same data as every other endpoint.
    """

    def __init__(self, session: Session, done: Callable[[], None] = lambda: None) -> None:
        """Read through ``session``; ``done`` runs on ``close``."""
        self.session, self.done = session, done
        self._stream: ItemsStream | None = None

    async def begin(self, slug: str, layer: str) -> tuple[int, int]:
        """See ``LayerRead.begin`` (``begin_city_layer_read`` in the session's transaction)."""
        return await asyncio.to_thread(begin_city_layer_read, self.session, slug, layer)

    async def chunks(self, statement: ItemsStatement) -> AsyncIterator[bytes]:
        """See ``LayerRead.chunks``."""
        self._stream = ItemsStream.of(self.session, statement)
        chunks: Iterator[bytes] = self._stream.chunks()
        while (chunk := await asyncio.to_thread(next, chunks, None)) is not None:
            yield chunk

    async def page(self, statement: ItemsStatement, features: bytes = b"") -> FeaturePage:
        """See ``LayerRead.page``."""
        stream = self._stream or ItemsStream.of(self.session, statement)
        return await asyncio.to_thread(stream.page, features)

    async def close(self) -> None:
        """See ``LayerRead.close``."""
        self.done()

    async def with_session(self, work: Callable[[Session], T]) -> T:
        """See ``LayerRead.with_session`` (the read's own session)."""
        return await asyncio.to_thread(work, self.session)
