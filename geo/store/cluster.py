"""Embedded PostgreSQL + PostGIS cluster under ``var/pg``: create, start, stop and report it."""

from __future__ import annotations

import contextlib
import hashlib
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from geo.errors import ClusterError

Log = Callable[[str], None]
State = Literal["absent", "stopped", "running"]

INSTALL_HINT = (
    "PostgreSQL 15 with PostGIS is needed: as root run "
    "'apt-get install postgresql-15 postgresql-15-postgis-3' (make run does this for you)."
)


@dataclass(frozen=True)
class ClusterStatus:
    """What ``tpo db status`` reports about the embedded cluster."""

    state: State
    data_dir: Path
    socket_dir: Path
    port: int | None = None
    pid: int | None = None

    def url(self, db_name: str) -> str:
        """SQLAlchemy URL that reaches ``db_name`` through the cluster's unix socket."""
        if self.port is None:
            raise ClusterError("the embedded cluster is not running")
        return f"postgresql+psycopg://postgres@/{db_name}?host={self.socket_dir}&port={self.port}"


def _noop(_: str) -> None:
    return None


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _is_postgres(pid: int) -> bool:
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return _pid_alive(pid)
    return b"postgres" in cmdline


def postgres_can_reach(path: Path) -> bool:
    """Tell whether the server's user could reach ``path`` (always, unless we run as root).

    As root the cluster runs as ``postgres``, which needs execute permission on every folder
    above its data; a clone under ``/root`` (mode 0700) or a private ``mktemp -d`` has none.
    The nearest existing folder of ``path`` is probed: what we create below it is 0755.
    """
    if os.geteuid() != 0:
        return True
    probe = path.resolve()
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    result = subprocess.run(
        ["runuser", "-u", "postgres", "--", "test", "-x", str(probe)],
        capture_output=True,
        check=False,
        timeout=30,
    )
    return result.returncode == 0


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    """Tell whether nothing listens on ``host:port``."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def free_port(host: str = "127.0.0.1") -> int:
    """Return a TCP port on ``host`` that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
    return port


class EmbeddedCluster:
    """A private PostgreSQL cluster in one folder, started on a free 127.0.0.1 port.

    Layout under ``root``: ``data/`` (PGDATA), ``run/`` (unix socket), ``postgresql.log``,
    ``port`` (last port used) and ``password`` (for TCP clients such as QGIS; the socket
    needs none). As root, every PostgreSQL program runs as the ``postgres`` user through
    ``runuser`` because initdb refuses root.
    """

    def __init__(
        self, root: Path, bin_dir: Path, *, fast: bool = False, log: Log | None = None
    ) -> None:
        """Describe a cluster; nothing is created until :meth:`up`.

        Args:
            root: Folder that holds the cluster (created when missing).
            bin_dir: Folder of ``initdb`` and ``pg_ctl``.
            fast: Trade durability for speed (fsync off); for throwaway test clusters.
            log: Callback for progress messages.
        """
        self.root = root.resolve()
        self.bin_dir = bin_dir
        self.fast = fast
        self.log = log or _noop
        self.data_dir = self.root / "data"
        self.socket_dir = self.root / "run"
        if len(str(self.socket_dir)) > 80:  # unix socket paths are limited to ~107 bytes
            digest = hashlib.sha1(str(self.root).encode()).hexdigest()[:12]  # noqa: S324
            self.socket_dir = Path(tempfile.gettempdir()) / f"tpo-pg-{digest}"
        self.log_file = self.root / "postgresql.log"
        self.port_file = self.root / "port"
        self.password_file = self.root / "password"

    # -- helpers ---------------------------------------------------------------------------
    @property
    def _as_root(self) -> bool:
        return os.geteuid() == 0

    def _cmd(self, *args: str) -> list[str]:
        prefix = ["runuser", "-u", "postgres", "--"] if self._as_root else []
        return [*prefix, *args]

    def _run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            self._cmd(*args), capture_output=True, text=True, timeout=timeout, check=False
        )

    def _bin(self, name: str) -> str:
        path = self.bin_dir / name
        if not path.exists():
            raise ClusterError(f"{path} not found. {INSTALL_HINT}")
        return str(path)

    def _check_postgis(self) -> None:
        share = Path("/usr/share/postgresql") / self.bin_dir.parent.name
        pg_config = self.bin_dir / "pg_config"
        if pg_config.exists():
            result = subprocess.run(
                [str(pg_config), "--sharedir"], capture_output=True, text=True, check=False
            )
            share = Path(result.stdout.strip() or share)
        if not (share / "extension" / "postgis.control").exists():
            raise ClusterError(f"PostGIS is not installed for this PostgreSQL. {INSTALL_HINT}")

    def _chown(self, path: Path) -> None:
        if self._as_root:
            pw = pwd.getpwnam("postgres")
            os.chown(path, pw.pw_uid, pw.pw_gid)

    def _check_traversable(self) -> None:
        if not self._as_root:
            return
        probe = self._run("test", "-x", str(self.root.parent))
        if probe.returncode != 0:
            raise ClusterError(
                f"the postgres user cannot reach {self.root.parent}; give the folders on that "
                "path execute permission for others (chmod o+x) or set TPO_VAR_DIR elsewhere"
            )

    def _read_pidfile(self) -> tuple[int, int | None] | None:
        pidfile = self.data_dir / "postmaster.pid"
        try:
            lines = pidfile.read_text().splitlines()
        except (FileNotFoundError, PermissionError):
            return None
        if not lines or not lines[0].strip().isdigit():
            return None
        port = int(lines[3]) if len(lines) > 3 and lines[3].strip().isdigit() else None
        return int(lines[0]), port

    # -- public API ------------------------------------------------------------------------
    def status(self) -> ClusterStatus:
        """Report whether the cluster exists and runs, and on which port."""
        if not (self.data_dir / "PG_VERSION").exists():
            return ClusterStatus("absent", self.data_dir, self.socket_dir)
        info = self._read_pidfile()
        if info is not None and _pid_alive(info[0]) and _is_postgres(info[0]):
            return ClusterStatus("running", self.data_dir, self.socket_dir, info[1], info[0])
        return ClusterStatus("stopped", self.data_dir, self.socket_dir)

    def init(self) -> bool:
        """Create the cluster when it does not exist yet.

        Returns:
            True when a new cluster was created.
        """
        if (self.data_dir / "PG_VERSION").exists():
            return False
        initdb = self._bin("initdb")
        self._check_postgis()
        if self.data_dir.exists() and any(self.data_dir.iterdir()):
            raise ClusterError(
                f"{self.data_dir} exists but holds no PostgreSQL cluster; move it away first"
            )
        self.root.mkdir(parents=True, exist_ok=True)
        self._check_traversable()
        for folder in (self.root, self.socket_dir):
            folder.mkdir(parents=True, exist_ok=True)
            self._chown(folder)
        self.socket_dir.chmod(0o700)
        password = secrets.token_urlsafe(18)
        self.password_file.write_text(password + "\n")
        self.password_file.chmod(0o600)
        self._chown(self.password_file)
        self.log(f"Creating a PostgreSQL cluster in {self.data_dir} ...")
        result = self._run(
            initdb,
            "-D",
            str(self.data_dir),
            "-U",
            "postgres",
            "--encoding=UTF8",
            "--no-locale",
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
            f"--pwfile={self.password_file}",
            timeout=300,
        )
        if result.returncode != 0:
            shutil.rmtree(self.data_dir, ignore_errors=True)
            raise ClusterError("initdb failed: " + (result.stderr.strip() or result.stdout)[-800:])
        conf = [
            "# written by Tree Point O",
            "listen_addresses = '127.0.0.1'",
            f"unix_socket_directories = '{self.socket_dir}'",
            "unix_socket_permissions = 0700",
            "max_connections = 60",
            "shared_buffers = 256MB",
            "work_mem = 16MB",
            "maintenance_work_mem = 256MB",
            "jit = off",
        ]
        if self.fast:
            conf += ["fsync = off", "synchronous_commit = off", "full_page_writes = off"]
        with (self.data_dir / "postgresql.conf").open("a") as fh:
            fh.write("\n".join(conf) + "\n")
        return True

    def _clear_stale_pidfile(self) -> None:
        pidfile = self.data_dir / "postmaster.pid"
        info = self._read_pidfile()
        if pidfile.exists() and (info is None or not _is_postgres(info[0])):
            self.log(f"Removing a stale {pidfile.name} left by a process that is gone.")
            pidfile.unlink()

    def _pick_port(self) -> int:
        with contextlib.suppress(FileNotFoundError, ValueError):
            saved = int(self.port_file.read_text().strip())
            if port_is_free(saved):
                return saved
            self.log(f"Port {saved} is in use by another program; picking another one.")
        return free_port()

    def start(self) -> ClusterStatus:
        """Start the cluster unless it already runs (a cluster left by a killed process is reused).

        Returns:
            The status of the running cluster.
        """
        current = self.status()
        if current.state == "running":
            return current
        if current.state == "absent":
            raise ClusterError("no cluster yet; run 'tpo db up' to create it")
        pg_ctl = self._bin("pg_ctl")
        self._clear_stale_pidfile()
        last_error = ""
        for _attempt in range(3):
            port = self._pick_port()
            self.log(f"Starting PostgreSQL on 127.0.0.1:{port} ...")
            self.log_file.touch(exist_ok=True)
            self._chown(self.log_file)
            result = self._run(
                pg_ctl,
                "-D",
                str(self.data_dir),
                "-l",
                str(self.log_file),
                "-w",
                "-t",
                "60",
                "-o",
                f"-p {port}",
                "start",
                timeout=90,
            )
            if result.returncode == 0:
                self.port_file.write_text(f"{port}\n")
                started = self.status()
                if started.state == "running":
                    return started
            last_error = self._log_tail()
            if "could not bind" not in last_error and "Address already in use" not in last_error:
                break
            self.port_file.unlink(missing_ok=True)
        raise ClusterError(f"PostgreSQL did not start; see {self.log_file}:\n{last_error}")

    def _log_tail(self, lines: int = 8) -> str:
        try:
            return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def up(self) -> ClusterStatus:
        """Create the cluster if needed and start it."""
        self.init()
        return self.start()

    def stop(self) -> bool:
        """Stop the cluster (fast shutdown: sessions end, committed data stays).

        Returns:
            True when a running cluster was stopped.
        """
        if self.status().state != "running":
            return False
        self.log("Stopping PostgreSQL ...")
        result = self._run(
            self._bin("pg_ctl"),
            "-D",
            str(self.data_dir),
            "-m",
            "fast",
            "-w",
            "-t",
            "60",
            "stop",
            timeout=90,
        )
        if result.returncode != 0:
            raise ClusterError("pg_ctl stop failed: " + result.stderr.strip()[-500:])
        deadline = time.monotonic() + 10
        while self.status().state == "running" and time.monotonic() < deadline:
            time.sleep(0.1)
        return True

    def destroy(self) -> None:
        """Stop the cluster and delete its folder (throwaway test clusters)."""
        with contextlib.suppress(ClusterError):
            self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def tcp_url(self, db_name: str) -> str | None:
        """URL with password over TCP, for desktop tools such as QGIS or psql."""
        status = self.status()
        if status.port is None:
            return None
        try:
            password = self.password_file.read_text().strip()
        except OSError:
            return None
        return f"postgresql://postgres:{password}@127.0.0.1:{status.port}/{db_name}"
