"""Database engine, sessions and bootstrap (create the database and its extensions)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, create_engine, make_url, text
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.orm import Session, sessionmaker

from geo.errors import DatabaseUnavailableError

EXTENSIONS = ("postgis", "pg_trgm")
_IDENT = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


# TCP keepalives: an idle connection to a host that vanished is noticed within ~1 min
KEEPALIVES = {
    "keepalives": 1,
    "keepalives_idle": 30,
    "keepalives_interval": 10,
    "keepalives_count": 3,
}


def connection_params(
    *, connect_timeout_s: int = 10, tcp_user_timeout_ms: int = 30_000
) -> dict[str, int]:
    """libpq parameters that bound the waits on an unreachable or vanished server.

    ``connect_timeout`` bounds opening a connection (libpq rounds 1 up to 2); TCP keepalives
    and ``tcp_user_timeout`` make a connection to a host that stopped answering fail instead
    of waiting forever. (The last two apply to TCP only, and cannot notice a server whose
    processes are frozen while its kernel still acknowledges: the request deadline covers
    that.)

    Args:
        connect_timeout_s: Seconds to open a connection.
        tcp_user_timeout_ms: Milliseconds sent data may stay unacknowledged (0: system default).
    """
    params = {"connect_timeout": int(connect_timeout_s), **KEEPALIVES}
    if tcp_user_timeout_ms:
        params["tcp_user_timeout"] = int(tcp_user_timeout_ms)
    return params


def make_engine(
    url: str,
    *,
    pool_size: int = 5,
    statement_timeout_ms: int = 15_000,
    connect_timeout_s: int = 10,
    pool_timeout_s: float = 30.0,
    tcp_user_timeout_ms: int = 30_000,
) -> Engine:
    """Build the one engine of a process.

    Args:
        url: SQLAlchemy URL (``postgresql+psycopg://...``).
        pool_size: Connections kept open (as many again may be opened under load).
        statement_timeout_ms: Server-side limit for any single statement.
        connect_timeout_s: Seconds to open a connection (see ``connection_params``).
        pool_timeout_s: Seconds to wait for a free connection when all are in use; then
            ``sqlalchemy.exc.TimeoutError``.
        tcp_user_timeout_ms: See ``connection_params``.

    Returns:
        An engine whose connections use UTC and the given statement timeout.
    """
    return create_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_timeout=pool_timeout_s,
        pool_pre_ping=True,
        connect_args={
            "options": f"-c statement_timeout={int(statement_timeout_ms)} -c timezone=UTC",
            "application_name": "tree-point-o",
            **connection_params(
                connect_timeout_s=connect_timeout_s, tcp_user_timeout_ms=tcp_user_timeout_ms
            ),
        },
    )


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """Session factory bound to ``engine`` (no autoflush surprises on reads)."""
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def session_scope(bind: Engine | sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error.

    Args:
        bind: An engine, or the session factory of one (the HTTP app keeps one per process).
    """
    factory = make_sessionmaker(bind) if isinstance(bind, Engine) else bind
    with factory() as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def ensure_database(url: str) -> bool:
    """Create the database named in ``url`` (if missing) and its extensions.

    Args:
        url: SQLAlchemy URL of the target database.

    Returns:
        True when the database was created.

    Raises:
        DatabaseUnavailableError: The server cannot be reached or refuses the work.
    """
    target = make_url(url)
    name = target.database or ""
    if not _IDENT.match(name):
        raise DatabaseUnavailableError(f"database name {name!r} is not a plain identifier")
    created = False
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
            ).first()
            if not exists:
                conn.execute(text(f'CREATE DATABASE "{name}"'))  # name checked above
                created = True
    except OperationalError as exc:
        raise DatabaseUnavailableError(_reason(exc)) from exc
    except ProgrammingError:
        # No CREATEDB right on an external server: the database must already exist.
        pass
    finally:
        admin.dispose()
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            for ext in EXTENSIONS:
                conn.execute(text(f"CREATE EXTENSION IF NOT EXISTS {ext}"))  # fixed names
    except OperationalError as exc:
        raise DatabaseUnavailableError(_reason(exc)) from exc
    finally:
        engine.dispose()
    return created


def drop_database(url: str) -> None:
    """Drop the database named in ``url`` (test clusters); missing is fine."""
    target = make_url(url)
    name = target.database or ""
    if not _IDENT.match(name):
        raise DatabaseUnavailableError(f"database name {name!r} is not a plain identifier")
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def postgis_version(conn_or_session: Session | Engine) -> dict[str, str]:
    """Return the PostgreSQL and PostGIS versions of the connected server."""
    if isinstance(conn_or_session, Engine):
        with conn_or_session.connect() as conn:
            row = conn.execute(
                text("SELECT current_setting('server_version'), postgis_lib_version()")
            ).one()
    else:
        row = conn_or_session.execute(
            text("SELECT current_setting('server_version'), postgis_lib_version()")
        ).one()
    return {"postgresql": str(row[0]), "postgis": str(row[1])}


def _reason(exc: OperationalError) -> str:
    message = str(exc.orig) if exc.orig is not None else str(exc)
    first = message.strip().splitlines()[0] if message.strip() else "connection failed"
    return f"cannot reach PostgreSQL: {first}"
