"""scripts/check-module-size: no production module over 400 lines, with a temporary allow-list."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from geo.store import PROJECT_ROOT

SCRIPT = PROJECT_ROOT / "scripts" / "check-module-size"


def _tree(root: Path, files: dict[str, int]) -> Path:
    for rel, lines in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(f"x_{n} = {n}\n" for n in range(lines)), encoding="utf-8")
    return root


def _check(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), "--root", str(root), *args],
        capture_output=True,
        text=True,
        check=False,
    )


def test_400_lines_pass_and_401_fail_listing_every_one(tmp_path: Path) -> None:
    _tree(tmp_path, {"geo/ok.py": 400, "layers/a/big.py": 401, "api/huge.py": 900})
    result = _check(tmp_path)
    assert result.returncode == 1
    assert "layers/a/big.py: 401 lines" in result.stderr
    assert "api/huge.py: 900 lines" in result.stderr
    assert "geo/ok.py" not in result.stderr

    (tmp_path / "layers/a/big.py").unlink()
    (tmp_path / "api/huge.py").unlink()
    passed = _check(tmp_path)
    assert passed.returncode == 0, passed.stderr


def test_a_last_line_without_a_line_break_counts(tmp_path: Path) -> None:
    _tree(tmp_path, {"data/m.py": 400})
    with (tmp_path / "data/m.py").open("a", encoding="utf-8") as handle:
        handle.write("tail = 1")  # line 401, no newline
    assert _check(tmp_path).returncode == 1


@pytest.mark.parametrize(
    "rel", ["geo/migrations/0001_big.py", "api/tests/test_big.py", "bench/x/big.txt", "web/big.py"]
)
def test_migrations_tests_other_files_and_folders_are_not_checked(tmp_path: Path, rel: str) -> None:
    _tree(tmp_path, {rel: 1000, "bench/small.py": 10})
    result = _check(tmp_path)
    assert result.returncode == 0, result.stderr


def test_the_allow_list_lets_named_modules_wait_and_fails_when_stale(tmp_path: Path) -> None:
    _tree(tmp_path, {"geo/a.py": 500, "geo/b.py": 450, "data/c.py": 120})
    allow = tmp_path / "allow.txt"
    allow.write_text("# waiting for their split\ngeo/a.py\ngeo/b.py  # on another branch\n")
    assert _check(tmp_path, "--allow", str(allow)).returncode == 0

    allow.write_text("geo/a.py\n")  # geo/b.py is not allowed any more
    result = _check(tmp_path, "--allow", str(allow))
    assert result.returncode == 1
    assert "geo/b.py: 450 lines" in result.stderr
    assert "geo/a.py" not in result.stderr

    allow.write_text("geo/a.py\ngeo/b.py\ndata/c.py\ngeo/gone.py\n")
    stale = _check(tmp_path, "--allow", str(allow))
    assert stale.returncode == 1
    assert "data/c.py: 120 lines, within 400: remove it from the allow-list" in stale.stderr
    assert "geo/gone.py: in the allow-list but not a checked module" in stale.stderr


def test_the_default_allow_list_sits_in_the_checkout(tmp_path: Path) -> None:
    _tree(tmp_path, {"layers/big.py": 401})
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts/module-size-allow.txt").write_text("layers/big.py\n")
    assert _check(tmp_path).returncode == 0
    assert _check(tmp_path, "--max", "500", "--allow", "/nonexistent").returncode == 0
