"""The least-privilege role the server connects as (DESIGN §7; #9, #11 robustness 9).

Migrations and extensions run as the database's owner (the embedded cluster's ``postgres``);
the server reads and writes rows as ``tpo_app``: no DDL, no TRUNCATE, no superuser, no
ownership of any table (so it cannot drop or disable the audit log's append-only triggers),
and on the audit log only INSERT and SELECT.
"""

from __future__ import annotations

import re

from sqlalchemy import create_engine, make_url, text
from sqlalchemy.exc import OperationalError, ProgrammingError

from geo.errors import DatabaseUnavailableError

APP_ROLE = "tpo_app"
_IDENT = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
# append-only tables: the server may add rows and read them, never change or remove them
APPEND_ONLY = ("audit_log", "request_event")


def _grants(role: str, database: str) -> list[str]:
    # every name is a checked identifier or a constant: nothing comes from input
    stmts = [
        f'GRANT CONNECT, TEMPORARY ON DATABASE "{database}" TO {role}',
        f"GRANT USAGE ON SCHEMA public TO {role}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}",
        f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {role}",
        f"GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO {role}",
        f"REVOKE TRUNCATE, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA public FROM {role}",
        # Alembic's own bookkeeping is the owner's
        f"REVOKE INSERT, UPDATE, DELETE ON alembic_version FROM {role}",
    ]
    stmts += [f"REVOKE UPDATE, DELETE ON {table} FROM {role}" for table in APPEND_ONLY]
    return stmts


def ensure_app_role(owner_url: str, role: str = APP_ROLE) -> str:
    """Create (or refresh) the server's role on the database of ``owner_url``; its URL.

    Idempotent: run after every migration so new tables get their grants. The role logs in
    without a password over the embedded cluster's unix socket (local trust, socket folder
    mode 0700: only the cluster's user and root reach it).

    Args:
        owner_url: URL of the database as its owner (a superuser or a CREATEROLE owner).
        role: The role's name.

    Returns:
        ``owner_url`` with the user replaced by ``role`` (and no password).

    Raises:
        DatabaseUnavailableError: The server cannot be reached or refuses to create the role.
    """
    target = make_url(owner_url)
    database = target.database or ""
    if not (_IDENT.match(role) and _IDENT.match(database)):
        raise DatabaseUnavailableError("role and database names must be plain identifiers")
    engine = create_engine(owner_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            exists = conn.execute(
                text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}
            ).first()
            if not exists:
                conn.execute(
                    text(
                        f"CREATE ROLE {role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE"
                        " NOREPLICATION NOBYPASSRLS"
                    )
                )
            for stmt in _grants(role, database):
                conn.execute(text(stmt))
    except OperationalError as exc:
        raise DatabaseUnavailableError("cannot reach PostgreSQL to set up the app role") from exc
    except ProgrammingError as exc:
        first = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else "refused"
        raise DatabaseUnavailableError(f"cannot set up the app role {role}: {first}") from exc
    finally:
        engine.dispose()
    return target.set(username=role, password=None).render_as_string(hide_password=False)
