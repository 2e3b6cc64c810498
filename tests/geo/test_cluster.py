"""The embedded cluster: create, reuse, stop, stale pid files, busy ports, orphaned servers."""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from geo.errors import ClusterError
from geo.store.cluster import EmbeddedCluster, free_port
from tests.conftest import PG_BIN

pytestmark = [pytest.mark.postgis, pytest.mark.slow]


@pytest.fixture
def cluster() -> Iterator[EmbeddedCluster]:
    if not (PG_BIN / "initdb").exists():
        pytest.skip("PostgreSQL 15 is not installed")
    root = Path(tempfile.mkdtemp(prefix="tpo-cluster-test-"))
    messages: list[str] = []
    c = EmbeddedCluster(root, PG_BIN, fast=True, log=messages.append)
    c.messages = messages  # type: ignore[attr-defined]
    try:
        yield c
    finally:
        c.destroy()
        shutil.rmtree(root, ignore_errors=True)


def _scalar(url: str, sql: str) -> object:
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            result = conn.execute(text(sql))
            return result.scalar() if result.returns_rows else None
    finally:
        engine.dispose()


def test_status_absent_before_up(cluster: EmbeddedCluster) -> None:
    assert cluster.status().state == "absent"
    with pytest.raises(ClusterError, match="tpo db up"):
        cluster.start()


def test_up_stop_up_keeps_data(cluster: EmbeddedCluster) -> None:
    status = cluster.up()
    assert status.state == "running"
    assert status.port is not None
    url = status.url("postgres")
    _scalar(url, "CREATE TABLE kept AS SELECT 42 AS x")
    assert cluster.stop() is True
    assert cluster.status().state == "stopped"
    assert cluster.stop() is False
    again = cluster.up()
    assert again.state == "running"
    assert _scalar(again.url("postgres"), "SELECT x FROM kept") == 42


def test_listens_only_on_loopback_with_password(cluster: EmbeddedCluster) -> None:
    status = cluster.up()
    assert _scalar(status.url("postgres"), "SHOW listen_addresses") == "127.0.0.1"
    tcp = cluster.tcp_url("postgres")
    assert tcp is not None
    assert tcp.startswith("postgresql://postgres:")
    assert _scalar(tcp.replace("postgresql://", "postgresql+psycopg://"), "SELECT 1") == 1
    wrong = f"postgresql+psycopg://postgres:wrong@127.0.0.1:{status.port}/postgres"
    with pytest.raises(Exception, match="password authentication failed"):
        _scalar(wrong, "SELECT 1")


def test_second_handle_reuses_running_cluster(cluster: EmbeddedCluster) -> None:
    """A cluster left running by a killed `tpo serve` is found and reused, not restarted."""
    first = cluster.up()
    other = EmbeddedCluster(cluster.root, PG_BIN)
    second = other.up()
    assert second.state == "running"
    assert (second.pid, second.port) == (first.pid, first.port)


def test_stale_pid_file_is_removed(cluster: EmbeddedCluster) -> None:
    cluster.up()
    cluster.stop()
    pidfile = cluster.data_dir / "postmaster.pid"
    dead = 2**22 - 3  # above the default pid_max range in use here; not a live process
    pidfile.write_text(f"{dead}\n{cluster.data_dir}\n0\n5432\n\n")
    if os.geteuid() == 0:
        shutil.chown(pidfile, "postgres", "postgres")
    assert cluster.status().state == "stopped"
    assert cluster.start().state == "running"
    assert any("stale" in m for m in cluster.messages)  # type: ignore[attr-defined]


def test_port_in_use_picks_another(cluster: EmbeddedCluster) -> None:
    cluster.up()
    cluster.stop()
    saved = int(cluster.port_file.read_text())
    blocker = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    blocker.bind(("127.0.0.1", saved))
    blocker.listen(1)
    try:
        status = cluster.start()
        assert status.state == "running"
        assert status.port != saved
        assert any("in use" in m for m in cluster.messages)  # type: ignore[attr-defined]
    finally:
        blocker.close()


def test_missing_binaries_give_install_hint(tmp_path: Path) -> None:
    c = EmbeddedCluster(tmp_path / "pg", tmp_path / "no-bin")
    with pytest.raises(ClusterError, match="apt-get install"):
        c.up()


def test_non_cluster_folder_is_not_overwritten(cluster: EmbeddedCluster) -> None:
    cluster.data_dir.mkdir(parents=True)
    precious = cluster.data_dir / "notes.txt"
    precious.write_text("mine")
    with pytest.raises(ClusterError, match="holds no PostgreSQL cluster"):
        cluster.up()
    assert precious.read_text() == "mine"


def test_free_port_is_free() -> None:
    port = free_port()
    with socket.socket() as s:
        s.bind(("127.0.0.1", port))
