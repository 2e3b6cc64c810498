"""The result table (terminal and Markdown) and the marked section of docs/benchmarks.md."""

from __future__ import annotations

import os
import platform
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bench.markdown import marked_section, replace_marked

BEGIN = "<!-- bench:layers:begin (written by `make bench`; edit the prose outside) -->"
END = "<!-- bench:layers:end -->"
COLUMNS = (
    "case",
    "server",
    "req/s",
    "p50 ms",
    "p95 ms",
    "p99 ms",
    "bytes",
    "features",
    "ours/tipg",
    "ours/floor",
    "target",
    "note",
)


@dataclass
class Row:
    """One line of the table; None shows as '-'."""

    case: str
    server: str
    rps: float | None = None
    p50_ms: float | None = None
    p95_ms: float | None = None
    p99_ms: float | None = None
    bytes: int | None = None
    features: int | None = None
    vs_tipg: float | None = None
    vs_floor: float | None = None
    target: str = ""
    note: str = ""

    def cells(self) -> list[str]:
        """The row as display strings, in COLUMNS order."""
        return [
            self.case,
            self.server,
            _num(self.rps, 1),
            _num(self.p50_ms, 1),
            _num(self.p95_ms, 1),
            _num(self.p99_ms, 1),
            f"{self.bytes:,}" if self.bytes is not None else "-",
            f"{self.features:,}" if self.features is not None else "-",
            _ratio(self.vs_tipg),
            _ratio(self.vs_floor),
            self.target or "-",
            self.note,
        ]


def _num(value: float | None, digits: int) -> str:
    if value is None:
        return "-"
    return f"{value:,.{digits}f}" if value < 100 else f"{value:,.0f}"


def _ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}x"


def text_table(rows: list[Row]) -> str:
    """An aligned plain-text table for the terminal."""
    grid = [list(COLUMNS), *(row.cells() for row in rows)]
    widths = [max(len(line[i]) for line in grid) for i in range(len(COLUMNS))]
    right = {2, 3, 4, 5, 6, 7, 8, 9}
    out = []
    for n, line in enumerate(grid):
        cells = [
            c.rjust(w) if i in right else c.ljust(w)
            for i, (c, w) in enumerate(zip(line, widths, strict=True))
        ]
        out.append("  ".join(cells).rstrip())
        if n == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)


def markdown_table(rows: list[Row]) -> str:
    """The same table in Markdown."""
    head = "| " + " | ".join(COLUMNS) + " |"
    rule = "|" + "|".join("---:" if i in range(2, 10) else "---" for i in range(len(COLUMNS))) + "|"
    body = ["| " + " | ".join(c.replace("|", "/") for c in row.cells()) + " |" for row in rows]
    return "\n".join([head, rule, *body])


def _meminfo_gib() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return "?"


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


def machine(versions: dict[str, str]) -> list[tuple[str, str]]:
    """Machine facts and versions, as (name, value) pairs."""
    facts = [
        ("date", datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")),
        ("nproc", str(os.cpu_count())),
        ("RAM", _meminfo_gib()),
        ("CPU", _cpu_model()),
        ("OS", f"{platform.system()} {platform.release()}"),
        ("Python", platform.python_version()),
    ]
    return facts + sorted(versions.items())


def section(rows: list[Row], facts: list[tuple[str, str]], settings: list[str]) -> str:
    """The Markdown written between the markers of docs/benchmarks.md."""
    return marked_section(BEGIN, END, markdown_table(rows), facts, settings)


def write_section(path: Path, text: str) -> None:
    """Replace this benchmark's section of ``path``; the rest is kept."""
    replace_marked(path, BEGIN, END, text)
