"""The store wing: database settings, engine and sessions, the embedded cluster, migrations."""

from geo.store import migrate
from geo.store.bootstrap import PreparedDatabase, embedded_cluster, prepare_database
from geo.store.cluster import ClusterStatus, EmbeddedCluster, free_port, port_is_free
from geo.store.db import (
    connection_params,
    drop_database,
    ensure_database,
    make_engine,
    make_sessionmaker,
    postgis_version,
    session_scope,
)
from geo.store.roles import APP_ROLE, ensure_app_role
from geo.store.settings import PROJECT_ROOT, SETTINGS_CONFIG, StoreSettings

__all__ = [
    "APP_ROLE",
    "PROJECT_ROOT",
    "SETTINGS_CONFIG",
    "ClusterStatus",
    "EmbeddedCluster",
    "PreparedDatabase",
    "StoreSettings",
    "connection_params",
    "drop_database",
    "embedded_cluster",
    "ensure_app_role",
    "ensure_database",
    "free_port",
    "make_engine",
    "make_sessionmaker",
    "migrate",
    "port_is_free",
    "postgis_version",
    "prepare_database",
    "session_scope",
]
