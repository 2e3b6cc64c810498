"""Bring a database to a usable state: embedded cluster (or external URL), extensions, schema."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from geo.store import migrate
from geo.store.cluster import EmbeddedCluster, postgres_can_reach
from geo.store.db import ensure_database
from geo.store.roles import ensure_app_role
from geo.store.settings import PROJECT_ROOT, StoreSettings


@dataclass
class PreparedDatabase:
    """The database a process will use, and whether this process started its cluster.

    ``url`` is the owner's (migrations, the command line); ``app_url`` the one the server
    connects as (rows only: geo/store/roles.py).
    """

    url: str
    cluster: EmbeddedCluster | None
    started_cluster: bool
    app_url: str = ""

    def release(self) -> None:
        """Stop the embedded cluster if this process started it."""
        if self.cluster is not None and self.started_cluster:
            self.cluster.stop()


def cluster_dir(settings: StoreSettings) -> tuple[Path, str | None]:
    """Where the embedded cluster of ``settings`` lives, and why when it is not ``var_dir/pg``.

    Run as root from a folder the ``postgres`` user cannot traverse (a clone in ``/root``,
    mode 0700), the cluster goes to ``state_dir/<checkout>-<hash of its path>/pg`` instead, one
    per checkout, reused next time. An explicit ``TPO_VAR_DIR`` is always taken as it is (the
    cluster then reports the unreachable folder itself).
    """
    default = settings.pg_dir
    if "var_dir" in settings.model_fields_set or (default / "data" / "PG_VERSION").exists():
        return default, None
    if postgres_can_reach(default):
        return default, None
    checkout = PROJECT_ROOT.resolve()
    digest = hashlib.sha256(str(checkout).encode()).hexdigest()[:10]
    moved = settings.state_dir / f"{checkout.name}-{digest}" / "pg"
    return moved, (
        f"The postgres user cannot reach {checkout}, so the embedded cluster lives in {moved} "
        "(set TPO_VAR_DIR to choose another folder)."
    )


def embedded_cluster(
    settings: StoreSettings, log: Callable[[str], None] | None = None
) -> EmbeddedCluster:
    """The embedded cluster described by ``settings`` (not started)."""
    root, why = cluster_dir(settings)
    if why and log is not None:
        log(why)
    return EmbeddedCluster(root, settings.pg_bin_dir, log=log)


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
        The owner's URL, the server's URL and the cluster handle (None for an external
        server). The embedded cluster gets its least-privilege role ``tpo_app`` (refreshed
        after every migration); an external server serves as ``app_database_url`` if set.
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
    # the embedded cluster serves as its own least-privilege role; an external one as told
    app_url = ensure_app_role(url) if cluster is not None else settings.app_database_url or url
    return PreparedDatabase(url=url, cluster=cluster, started_cluster=started, app_url=app_url)
