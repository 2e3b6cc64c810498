"""The marked sections of docs/benchmarks.md that each benchmark rewrites after a full run."""

from __future__ import annotations

import re
from pathlib import Path


def marked_section(
    begin: str, end: str, table: str, facts: list[tuple[str, str]], settings: list[str]
) -> str:
    """A section between two markers: the run's facts, its settings and its table."""
    lines = [begin, "", "### Last run", ""]
    lines += [f"- **{name}**: {value}" for name, value in facts]
    lines += ["", "Settings: " + "; ".join(settings) + ".", "", table, "", end]
    return "\n".join(lines)


def replace_marked(path: Path, begin: str, end: str, text: str) -> None:
    """Replace the section between the markers in ``path`` (append it when missing)."""
    old = path.read_text() if path.exists() else "# Benchmarks\n"
    pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end), re.DOTALL)
    if pattern.search(old):
        new = pattern.sub(lambda _m: text, old, count=1)
    else:
        new = old.rstrip("\n") + "\n\n" + text + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(new)
