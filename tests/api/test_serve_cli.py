"""`tpo serve` end to end: embedded cluster, demo city, HTTP, Ctrl-C, and reuse on restart."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from data.demo.requests import DEMO_REQUEST_COUNT
from geo.store.cluster import EmbeddedCluster, free_port
from tests.conftest import PG_BIN

pytestmark = [pytest.mark.postgis, pytest.mark.slow]
TPO = Path(sys.executable).parent / "tpo"


def start(var_dir: Path, port: int) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TPO_")}
    env["TPO_VAR_DIR"] = str(var_dir)
    return subprocess.Popen(
        [str(TPO), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def wait_healthy(proc: subprocess.Popen[str], url: str, timeout_s: float = 180) -> dict[str, str]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(
                f"tpo serve exited early:\n{proc.stdout.read() if proc.stdout else ''}"
            )
        try:
            r = httpx.get(url + "/health", timeout=2)
            if r.status_code == 200:
                return r.json()
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise AssertionError("tpo serve did not become healthy")


def interrupt(proc: subprocess.Popen[str]) -> str:
    os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
    out, _ = proc.communicate(timeout=60)
    return out


@pytest.fixture
def var_dir() -> Iterator[Path]:
    # not tmp_path: pytest's folders are private to root, and the postgres user must reach var/pg
    root = Path(tempfile.mkdtemp(prefix="tpo-serve-test-"))
    root.chmod(0o755)
    yield root / "var"
    EmbeddedCluster(root / "var" / "pg", PG_BIN).destroy()
    shutil.rmtree(root, ignore_errors=True)


def test_serve_ctrl_c_and_restart(var_dir: Path) -> None:
    if not (PG_BIN / "initdb").exists():
        pytest.skip("PostgreSQL 15 is not installed")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    cluster = EmbeddedCluster(var_dir / "pg", PG_BIN)
    proc = start(var_dir, port)
    try:
        health = wait_healthy(proc, url)
        assert (health["status"], health["postgis"]) == ("ok", None)  # builds: admins only
        cities = httpx.get(url + "/cities").json()["cities"]
        assert [c["slug"] for c in cities] == ["tangerang"]
        assert cities[0]["demo"] is True
        first_id = httpx.get(url + "/cities/tangerang/collections/schools/items?limit=1").json()
        accounts = var_dir / "demo-users.txt"
        assert accounts.stat().st_mode & 0o777 == 0o600
        rows = [line.split("\t") for line in accounts.read_text().splitlines()[1:]]
        assert {r[1] for r in rows} >= {"warga", "dishub", "dishub_reviewer", "opd_staff"}
        schools = {r[0]: r[2] for r in rows if r[1] == "sekolah"}
        assert set(schools) == {"sekolah_asal", "sekolah_tujuan"}
        assert all(scope.startswith("NPSN ") for scope in schools.values())
        dishub = next(r for r in rows if r[0] == "dishub")
        login = httpx.post(
            url + "/auth/login",
            json={"username": "dishub", "password": dishub[3], "city": "tangerang"},
        )
        assert login.status_code == 200, login.text
        assert login.json()["user"]["roles"][0]["role"] == "dishub"
        wrong = httpx.post(
            url + "/auth/login",
            json={"username": "dishub", "password": "not-" + dishub[3], "city": "tangerang"},
        )
        assert wrong.status_code == 401
    finally:
        out = interrupt(proc)
    assert proc.returncode == 0, out
    assert "Loading the demo city" in out
    # make run loads the demo requests with the city (the console may wrap the line)
    assert f"{DEMO_REQUEST_COUNT} demo requests, 30 school transfers" in " ".join(out.split())
    assert "Demo accounts (shown once)" in out
    assert dishub[3] in out  # printed once, at the first start
    assert cluster.status().state == "stopped", out

    proc = start(var_dir, port)
    try:
        wait_healthy(proc, url)
        again = httpx.get(url + "/cities/tangerang/collections/schools/items?limit=1").json()
        assert again["features"][0]["id"] == first_id["features"][0]["id"]
        assert httpx.get(url + "/cities/tangerang").json()["demo"] is True
    finally:
        out = interrupt(proc)
    assert "Loading the demo city" not in out  # the data was reused, not reloaded
    assert "Demo accounts" not in out  # no password is printed again
    assert cluster.status().state == "stopped"
