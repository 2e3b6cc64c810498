"""The app's import footprint: the heavy libraries of the importers, the permit files and the
map reports load on first use, not with every server process (298 MB against 160 MB at start)."""

from __future__ import annotations

import json
import subprocess
import sys

from geo.store import PROJECT_ROOT

# each of these is loaded by one feature only: file imports and uploads, reports
ON_FIRST_USE = ("pandas", "geopandas", "pyogrio", "osmnx", "sklearn", "networkx", "folium")


def test_the_app_starts_without_the_heavy_libraries() -> None:
    script = (
        "import json, sys\n"
        "from api.app import create_app\n"
        "create_app()\n"
        f"print(json.dumps(sorted(m for m in {list(ON_FIRST_USE)!r} if m in sys.modules)))\n"
    )
    env = {"TPO_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none", "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []
