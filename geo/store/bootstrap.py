"""Bring a database to a usable state: embedded cluster (or external URL), extensions, schema."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from geo.store import migrate
from geo.store.cluster import EmbeddedCluster
from geo.store.db import ensure_database
from geo.store.settings import StoreSettings


@dataclass
class PreparedDatabase:
    """The database a process will use, and whether this process started its cluster."""

    url: str
    cluster: EmbeddedCluster | None
    started_cluster: bool

    def release(self) -> None:
        """Stop the embedded cluster if this process started it."""
        if self.cluster is not None and self.started_cluster:
            self.cluster.stop()


def embedded_cluster(
    settings: StoreSettings, log: Callable[[str], None] | None = None
) -> EmbeddedCluster:
    """The embedded cluster described by ``settings`` (not started)."""
    return EmbeddedCluster(settings.pg_dir, settings.pg_bin_dir, log=log)


def prepare_database(
    settings: StoreSettings,
    *,
    migrate_schema: bool = True,
    log: Callable[[str], None] | None = None,
) -> PreparedDatabase:
    """Start (or reuse) the database, create it with its extensions, and migrate it.

    Args:
        settings: With ``database_url`` set that server is used; else the embedded cluster.
        migrate_schema: Run Alembic up to head.
        log: Progress callback.

    Returns:
        The URL to connect to and the cluster handle (None for an external server).
    """
    cluster: EmbeddedCluster | None = None
    started = False
    if settings.database_url:
        url = settings.database_url
    else:
        cluster = embedded_cluster(settings, log)
        was_running = cluster.status().state == "running"
        url = cluster.up().url(settings.db_name)
        started = not was_running
    ensure_database(url)
    if migrate_schema:
        migrate.upgrade(url)
    return PreparedDatabase(url=url, cluster=cluster, started_cluster=started)
