"""`tpo serve` from a checkout the postgres user cannot reach (a clone in /root, mode 0700)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from api.settings import Settings
from geo.store import PROJECT_ROOT, EmbeddedCluster, free_port
from geo.store.bootstrap import cluster_dir
from tests.api.test_serve_cli import interrupt, wait_healthy
from tests.conftest import PG_BIN

pytestmark = [pytest.mark.postgis, pytest.mark.slow]
CODE = ("api", "geo", "layers", "data", "migrations")


@pytest.fixture
def private_checkout() -> Iterator[tuple[Path, Path]]:
    """A copy of this checkout's code inside a mode-0700 folder, and a reachable state folder."""
    private = Path(tempfile.mkdtemp(prefix="tpo-private-"))  # mkdtemp makes it 0700
    state = Path(tempfile.mkdtemp(prefix="tpo-state-"))
    state.chmod(0o755)
    checkout = private / "clone"
    checkout.mkdir()
    for name in CODE:
        shutil.copytree(
            PROJECT_ROOT / name, checkout / name, ignore=shutil.ignore_patterns("__pycache__")
        )
    shutil.copy(PROJECT_ROOT / "alembic.ini", checkout / "alembic.ini")
    yield checkout, state
    for pg in state.glob("*/pg"):
        EmbeddedCluster(pg, PG_BIN).destroy()
    shutil.rmtree(private, ignore_errors=True)
    shutil.rmtree(state, ignore_errors=True)


@pytest.mark.skipif(os.geteuid() != 0, reason="only root runs the cluster as another user")
def test_serve_from_a_private_folder_reaches_health(private_checkout: tuple[Path, Path]) -> None:
    if not (PG_BIN / "initdb").exists():
        pytest.skip("PostgreSQL 15 is not installed")
    checkout, state = private_checkout
    assert checkout.parent.stat().st_mode & 0o777 == 0o700
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TPO_")}
    env.update(PYTHONPATH=str(checkout), TPO_STATE_DIR=str(state))
    command = [sys.executable, "-c", "from api.cli import main; main()", "serve", "--no-demo"]
    proc = subprocess.Popen(
        [*command, "--port", str(port)],
        cwd=checkout,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        health = wait_healthy(proc, f"http://127.0.0.1:{port}")
        assert health["status"] == "ok"
        assert httpx.get(f"http://127.0.0.1:{port}/cities").status_code == 200
    finally:
        out = interrupt(proc)
    assert proc.returncode == 0, out
    clusters = list(state.glob("clone-*/pg/data/PG_VERSION"))
    assert len(clusters) == 1, out
    assert "cannot reach" in out, out
    assert str(state) in out, out
    assert not (checkout / "var" / "pg" / "data").exists()


def test_cluster_dir_rules(tmp_path: Path) -> None:
    """An explicit TPO_VAR_DIR is kept; a reachable checkout keeps var/pg."""
    explicit = Settings(var_dir=tmp_path / "v", _env_file=None)
    assert cluster_dir(explicit) == (tmp_path / "v" / "pg", None)
    default = Settings(_env_file=None)
    where, why = cluster_dir(default)
    if why is None:
        assert where == default.pg_dir
    else:
        assert where.parent.parent == default.state_dir
        assert where.parent.name.startswith(PROJECT_ROOT.name + "-")
