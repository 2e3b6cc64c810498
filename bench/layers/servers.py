"""Start and stop the servers under test (ours, tipg, the floor) and install what they need
(pygeoapi, the second peer, is set up in bench/layers/pygeoapi_peer.py)."""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from geo.store import PROJECT_ROOT
from geo.store.cluster import free_port

Log = Callable[[str], None]
VAR_DIR = PROJECT_ROOT / "var" / "bench"
TIPG_VENV = VAR_DIR / "tipg-venv"
TIPG_REQUIREMENTS = PROJECT_ROOT / "bench" / "requirements-tipg.txt"
HOST = "127.0.0.1"  # loopback only
START_TIMEOUT_S = 90.0

_RUNNING: set[Server] = set()


def _sudo() -> list[str] | None:
    if os.geteuid() == 0:
        return []
    if shutil.which("sudo"):
        return ["sudo", "-n"]
    return None


def ensure_wrk(log: Log) -> str | None:
    """Path of ``wrk``, installing Debian's package when missing; None when impossible."""
    found = shutil.which("wrk")
    if found:
        return found
    sudo = _sudo()
    if sudo is None or not shutil.which("apt-get"):
        log("wrk is missing and cannot be installed here (not root, no sudo).")
        return None
    log("Installing the Debian package wrk ...")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = [*sudo, "apt-get", "install", "-y", "-qq", "--no-install-recommends", "wrk"]
    for attempt in range(2):
        result = subprocess.run(install, env=env, capture_output=True, text=True, check=False)
        if result.returncode == 0:
            break
        if attempt == 0:
            subprocess.run(
                [*sudo, "apt-get", "update", "-qq"], env=env, capture_output=True, check=False
            )
    return shutil.which("wrk")


def ensure_venv(
    name: str, venv: Path, requirements: Path, log: Log, *, base_python: Path | None = None
) -> Path | None:
    """Python of a peer's own virtualenv ``venv``, created from the pinned ``requirements``
    with ``base_python`` (default: ours) when missing; None when it cannot be installed.

    The peer and its dependencies never touch our ``.venv``; the venv is rebuilt when the
    requirements file changes.
    """
    python = venv / "bin" / "python"
    stamp = venv / ".requirements.sha256"
    digest = hashlib.sha256(requirements.read_bytes()).hexdigest()
    if python.exists() and stamp.exists() and stamp.read_text().strip() == digest:
        return python
    log(f"Installing {name} into {venv.relative_to(PROJECT_ROOT)} (its own virtualenv) ...")
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    steps = [
        [str(base_python or sys.executable), "-m", "venv", "--clear", str(venv)],
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "-r",
            str(requirements),
        ],
    ]
    for cmd in steps:
        result = subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=900)
        if result.returncode != 0:
            log(f"{name} could not be installed: " + (result.stderr or result.stdout)[-600:])
            return None
    stamp.write_text(digest + "\n")
    return python


def ensure_tipg(log: Log) -> Path | None:
    """Python of tipg's own virtualenv (``var/bench/tipg-venv``), created when missing."""
    return ensure_venv("tipg", TIPG_VENV, TIPG_REQUIREMENTS, log)


def tipg_version(python: Path) -> str:
    """The installed tipg version (from its venv)."""
    result = subprocess.run(
        [str(python), "-c", "import tipg; print(tipg.__version__)"],
        capture_output=True,
        text=True,
        check=False,
    )
    return result.stdout.strip() or "?"


@dataclass(eq=False)
class Server:
    """One server process on a loopback port."""

    name: str
    base_url: str
    proc: subprocess.Popen[bytes]
    log_path: Path
    notes: list[str] = field(default_factory=list)
    timeout_s: float | None = None  # its statement_timeout, when it has one

    def timed_out(self, status: int, elapsed_ms: float) -> bool:
        """Whether an answer was the server's statement_timeout (a 5xx at about that time)."""
        limit = self.timeout_s
        return limit is not None and status >= 500 and elapsed_ms >= 900 * limit

    def peak_rss_mb(self) -> float | None:
        """Peak resident memory of the server process so far (VmHWM), in MB."""
        try:
            status = Path(f"/proc/{self.proc.pid}/status").read_text()
        except OSError:
            return None
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return None

    def log_tail(self, lines: int = 15) -> str:
        """The last lines of the server's output."""
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> None:
        """Stop the process (SIGTERM, then SIGKILL after 10 s)."""
        _RUNNING.discard(self)
        if self.proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)


def _stop_all() -> None:
    for server in list(_RUNNING):
        server.stop()


atexit.register(_stop_all)


def start(
    name: str, argv: list[str], *, env: dict[str, str], cwd: Path, port: int, ready_path: str
) -> Server:
    """Start a server and wait until it answers HTTP on ``ready_path`` (any status)."""
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    log_path = VAR_DIR / f"{name}.log"
    with log_path.open("wb") as out:
        proc = subprocess.Popen(
            argv,
            cwd=cwd,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # Ctrl-C reaches us, and we stop it in order
        )
    server = Server(name, f"http://{HOST}:{port}", proc, log_path)
    _RUNNING.add(server)
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            server.stop()
            raise RuntimeError(f"{name} exited at start:\n{server.log_tail()}")
        try:
            httpx.get(server.base_url + ready_path, timeout=2.0)
        except httpx.HTTPError:
            time.sleep(0.25)
            continue
        return server
    server.stop()
    raise RuntimeError(
        f"{name} did not answer within {START_TIMEOUT_S:.0f} s:\n{server.log_tail()}"
    )


def uvicorn_argv(python: str, app: str, port: int, *, factory: bool = False) -> list[str]:
    argv = [python, "-m", "uvicorn", app, "--host", HOST, "--port", str(port)]
    argv += ["--no-access-log", "--log-level", "warning"]  # one process: one worker
    return [*argv, "--factory"] if factory else argv


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TPO_", "TIPG_", "PYGEOAPI_"))}
    env.pop("DATABASE_URL", None)
    return {**env, **extra}


def start_ours(db_url: str, cache_mb: int | None = None) -> Server:
    """Our app (``api.app:create_app`` plus the bench requests layer), one uvicorn worker.

    ``cache_mb`` sets ``TPO_LAYER_CACHE_MB`` (None: the default); 0 starts ``ours-nocache``.
    """
    port = free_port(HOST)
    argv = uvicorn_argv(sys.executable, "bench.layers.ours_app:create_app", port, factory=True)
    # no trip planner warm-up: the layers are measured (see the settings line)
    env = clean_env(TPO_DATABASE_URL=db_url, TPO_PLANNER_WARMUP="false")
    name = "ours"
    if cache_mb is not None:
        env["TPO_LAYER_CACHE_MB"] = str(cache_mb)
        name = "ours-nocache" if cache_mb == 0 else f"ours-cache{cache_mb}"
    return start(name, argv, env=env, cwd=PROJECT_ROOT, port=port, ready_path="/health")


def start_tipg(python: Path, db_url: str, schema: str, **settings: str) -> Server:
    """tipg from its own venv, serving the bench views of ``schema``, one uvicorn worker.

    ``settings`` are more of tipg's environment settings (``TIPG_MAX_FEATURES_PER_TILE=...``).
    """
    port = free_port(HOST)
    argv = uvicorn_argv(str(python), "tipg.main:app", port)
    env = clean_env(
        DATABASE_URL=db_url,
        TIPG_DB_SCHEMAS=f'["{schema}"]',
        TIPG_DB_SPATIAL_EXTENT="false",  # startup speed only; requests are unaffected
        TIPG_DB_DATETIME_EXTENT="false",
        **settings,
    )
    # cwd without a .env file, so only these settings apply
    return start("tipg", argv, env=env, cwd=VAR_DIR, port=port, ready_path="/healthz")


def start_floor(db_url: str) -> Server:
    """The strict floor app (bench/floor_app.py), one uvicorn worker."""
    port = free_port(HOST)
    argv = uvicorn_argv(sys.executable, "bench.floor_app:app", port)
    env = clean_env(BENCH_DATABASE_URL=db_url)
    return start("floor", argv, env=env, cwd=PROJECT_ROOT, port=port, ready_path="/")
