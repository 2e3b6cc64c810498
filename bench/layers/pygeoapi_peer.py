"""pygeoapi, the second peer: its own virtualenv and a generated configuration over the bench views.

pygeoapi 0.24 needs Python >= 3.12 while ``.venv`` runs 3.11, so its virtualenv
(``var/bench/pygeoapi-venv``, from the pinned ``bench/requirements-pygeoapi.txt``) is made with
the first Python >= 3.12 found on PATH or among pyenv's versions. It serves the same views of
schema ``bench`` that tipg reads: items through its ``PostgreSQL`` provider, tiles through its
``MVT-postgresql`` provider (rendered by PostGIS on each request, as tipg's).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from bench.layers import servers
from geo.store import PROJECT_ROOT
from geo.store.cluster import free_port

NAME = "pygeoapi"
VENV = servers.VAR_DIR / "pygeoapi-venv"
REQUIREMENTS = PROJECT_ROOT / "bench" / "requirements-pygeoapi.txt"
WORKDIR = servers.VAR_DIR / "pygeoapi"
MIN_PYTHON = (3, 12)
FEATURE_PROVIDER = "PostgreSQL"
TILE_PROVIDER = "MVT-postgresql"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
_VERSION_DIR = re.compile(r"(\d+)\.(\d+)\.(\d+)")


def connection(db_url: str) -> dict[str, Any]:
    """The provider's ``data`` block (host, port, dbname, user, password) of a libpq URL."""
    parts = urlsplit(db_url)
    if not parts.scheme.startswith("postgresql") or not parts.hostname:
        raise ValueError("pygeoapi needs a PostgreSQL URL with a host (TCP)")
    return {
        "host": parts.hostname,
        "port": parts.port or 5432,
        "dbname": unquote(parts.path.lstrip("/")),
        "user": unquote(parts.username or ""),
        "password": unquote(parts.password or ""),
    }


def collection(
    view: str,
    data: dict[str, Any],
    schema: str,
    bbox: tuple[float, float, float, float],
    *,
    tiles: bool,
    timeout_s: float,
) -> dict[str, Any]:
    """One collection over the view ``schema.view``: features, and MVT tiles when ``tiles``.

    Both providers' connections carry a ``statement_timeout`` of ``timeout_s`` (libpq
    ``options``), so a tile that PostgreSQL cannot finish in time is cancelled, not left running
    under the next cases.
    """
    source = {**data, "search_path": [schema]}
    guard = f"-c statement_timeout={round(timeout_s * 1000)}"
    providers: list[dict[str, Any]] = [
        {
            "type": "feature",
            "name": FEATURE_PROVIDER,
            "data": source,
            "id_field": "id",
            "table": view,
            "geom_field": "geom",
            "options": {"options": guard},
        }
    ]
    if tiles:
        providers.append(
            {
                "type": "tile",
                "name": TILE_PROVIDER,
                "data": source,
                "id_field": "id",
                "table": view,
                "geom_field": "geom",
                # a list here would reach get_engine(), which is functools.cache-d and needs
                # hashable options: no "schemes" (this provider offers WebMercatorQuad anyway)
                "options": {"zoom": {"min": 0, "max": 22}, "options": guard},
                "format": {"name": "pbf", "mimetype": "application/vnd.mapbox-vector-tile"},
            }
        )
    return {
        "type": "collection",
        "title": view,
        "description": f"the bench view {schema}.{view}",
        "keywords": ["bench"],
        "extents": {"spatial": {"bbox": list(bbox), "crs": CRS84}},
        "providers": providers,
    }


def config(
    db_url: str,
    schema: str,
    views: Iterable[str],
    tiled: Iterable[str],
    *,
    bbox: tuple[float, float, float, float],
    max_items: int,
    base_url: str,
    timeout_s: float,
) -> dict[str, Any]:
    """pygeoapi's configuration: one collection per view (id = view name), compact JSON,
    ``max_items`` as the server's item limit so the bench's ``limit`` is honoured."""
    data = connection(db_url)
    host, port = urlsplit(base_url).hostname, urlsplit(base_url).port
    tiled_views = set(tiled)
    return {
        "server": {
            "bind": {"host": host, "port": port},
            "url": base_url,
            "mimetype": "application/json; charset=UTF-8",
            "encoding": "utf-8",
            "language": "en-US",
            "pretty_print": False,
            "limits": {"default_items": 10, "max_items": max_items},
            # only the HTML pages would show it; the bench asks for JSON and MVT
            "map": {"url": base_url + "/static/no-basemap/{z}/{x}/{y}.png", "attribution": "-"},
        },
        "logging": {"level": "WARNING"},
        "metadata": {
            "identification": {
                "title": "Tree Point O bench",
                "description": "pygeoapi over the layers benchmark's views",
                "keywords": ["bench"],
                "url": base_url,
                "terms_of_service": base_url,
            },
            "license": {"name": "CC-BY 4.0", "url": base_url},
            "provider": {"name": "Tree Point O bench"},
            "contact": {"name": "Tree Point O bench"},
        },
        "resources": {
            view: collection(
                view, data, schema, bbox, tiles=view in tiled_views, timeout_s=timeout_s
            )
            for view in views
        },
    }


def python_version(path: Path) -> tuple[int, int] | None:
    """``(major, minor)`` of a Python interpreter, None when it does not run."""
    try:
        result = subprocess.run(
            [str(path), "-c", "import sys; print(*sys.version_info[:2])"],
            capture_output=True,
            text=True,
            check=False,
            timeout=30,
        )
    except OSError:
        return None
    parts = result.stdout.split()
    return (int(parts[0]), int(parts[1])) if result.returncode == 0 and len(parts) == 2 else None


def pyenv_pythons(root: Path, minimum: tuple[int, int] = MIN_PYTHON) -> list[Path]:
    """The interpreters of pyenv's CPython versions under ``root`` at least ``minimum``, the
    oldest first (the one closest to ours)."""
    found = []
    for folder in root.glob("versions/*"):
        match = _VERSION_DIR.fullmatch(folder.name)
        python = folder / "bin" / "python"
        if match and python.exists():
            version = tuple(int(v) for v in match.groups())
            if version[:2] >= minimum:
                found.append((version, python))
    return [python for _, python in sorted(found)]


def find_python(minimum: tuple[int, int] = MIN_PYTHON) -> Path | None:
    """A Python of at least ``minimum``: ``python3.12``/``python3.13`` on PATH, then pyenv's."""
    candidates = [
        Path(p)
        for name in (f"python{minimum[0]}.{m}" for m in range(minimum[1], minimum[1] + 4))
        if (p := shutil.which(name))
    ]
    root = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv")
    candidates += pyenv_pythons(root, minimum)
    for python in candidates:
        version = python_version(python)
        if version is not None and version >= minimum:
            return python
    return None


def ensure(log: servers.Log) -> tuple[Path | None, str]:
    """pygeoapi's venv Python, installed when missing, and why not when it cannot be."""
    base = find_python()
    if base is None:
        wanted = ".".join(map(str, MIN_PYTHON))
        return None, f"pygeoapi 0.24 needs Python >= {wanted}, and none was found"
    python = servers.ensure_venv("pygeoapi", VENV, REQUIREMENTS, log, base_python=base)
    return python, "" if python else "pygeoapi could not be installed (see the log above)"


def version(python: Path) -> str:
    """The installed pygeoapi version and the Python it runs on."""
    result = subprocess.run(
        [
            str(python),
            "-c",
            "import sys, pygeoapi; print(pygeoapi.__version__, *sys.version_info[:3])",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    parts = result.stdout.split()
    return f"{parts[0]} (Python {'.'.join(parts[1:])})" if len(parts) == 4 else "?"


def _cli(python: Path) -> list[str]:
    return [str(python.parent / "pygeoapi")]


def start(
    python: Path, db_url: str, schema: str, views: Iterable[str], tiled: Iterable[str], **kw: Any
) -> servers.Server:
    """Write the configuration, generate its OpenAPI document, then serve pygeoapi's Starlette
    app with one uvicorn worker (as tipg). ``kw``: ``bbox``, ``max_items`` and ``timeout_s``
    of ``config``."""
    port = free_port(servers.HOST)
    base_url = f"http://{servers.HOST}:{port}"
    WORKDIR.mkdir(parents=True, exist_ok=True)
    config_path, openapi_path = WORKDIR / "config.yml", WORKDIR / "openapi.yml"
    cfg = config(db_url, schema, views, tiled, base_url=base_url, **kw)
    config_path.write_text(json.dumps(cfg, indent=1) + "\n")  # JSON is YAML
    config_path.chmod(0o600)  # it holds the bench cluster's password
    env = servers.clean_env(PYGEOAPI_CONFIG=str(config_path), PYGEOAPI_OPENAPI=str(openapi_path))
    gen = subprocess.run(
        [*_cli(python), "openapi", "generate", str(config_path), "-of", str(openapi_path)],
        env=env,
        cwd=WORKDIR,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    if gen.returncode != 0:
        raise RuntimeError("pygeoapi openapi generate failed: " + (gen.stderr or gen.stdout)[-600:])
    argv = servers.uvicorn_argv(str(python), "pygeoapi.starlette_app:APP", port)
    server = servers.start(NAME, argv, env=env, cwd=WORKDIR, port=port, ready_path="/?f=json")
    server.timeout_s = float(kw["timeout_s"])
    return server
