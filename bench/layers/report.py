"""The result tables (terminal and Markdown) and the marked section of docs/benchmarks.md."""

from __future__ import annotations

import os
import platform
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from bench.markdown import marked_section, replace_marked

BEGIN = "<!-- bench:layers:begin (written by `make bench`; edit the prose outside) -->"
END = "<!-- bench:layers:end -->"
LEFT = frozenset({"case", "server", "target", "note"})
THROUGHPUT = (
    "case",
    "server",
    "req/s",
    "p50 ms",
    "p99 ms",
    "bytes",
    "features",
    "ours/tipg",
    "ours/pygeoapi",
    "ours/floor",
    "target",
    "note",
)
LATENCY = (
    "case",
    "server",
    "p50 ms",
    "p95 ms",
    "p99 ms",
    "bytes",
    "ours/tipg",
    "ours/pygeoapi",
    "ours/floor",
    "target",
    "note",
)


@dataclass
class Row:
    """One line of a table: the case, the server and its cells by column ('-' when absent)."""

    case: str
    server: str
    values: dict[str, str] = field(default_factory=dict)
    target: str = ""
    note: str = ""

    def cells(self, columns: tuple[str, ...]) -> list[str]:
        """The row as display strings, in ``columns`` order."""
        known = {"case": self.case, "server": self.server, "target": self.target or "-"}
        known["note"] = self.note
        return [known[c] if c in known else self.values.get(c, "-") for c in columns]


@dataclass(frozen=True)
class Table:
    """A titled table: its heading, what it measures, its columns and rows."""

    title: str
    explains: str
    columns: tuple[str, ...]
    rows: list[Row]


def text_table(table: Table) -> str:
    """An aligned plain-text table for the terminal, under its title."""
    grid = [list(table.columns), *(row.cells(table.columns) for row in table.rows)]
    widths = [max(len(line[i]) for line in grid) for i in range(len(table.columns))]
    out = [table.title, table.explains, ""]
    for n, line in enumerate(grid):
        cells = [
            c.ljust(w) if name in LEFT else c.rjust(w)
            for name, c, w in zip(table.columns, line, widths, strict=True)
        ]
        out.append("  ".join(cells).rstrip())
        if n == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)


def markdown_table(table: Table) -> str:
    """The same table in Markdown, under a level-4 heading."""
    cols = table.columns
    head = "| " + " | ".join(cols) + " |"
    rule = "|" + "|".join("---" if c in LEFT else "---:" for c in cols) + "|"
    body = [
        "| " + " | ".join(c.replace("|", "/") for c in row.cells(cols)) + " |" for row in table.rows
    ]
    return "\n".join([f"#### {table.title}", "", table.explains, "", head, rule, *body])


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


def section(tables: list[Table], facts: list[tuple[str, str]], settings: list[str]) -> str:
    """The Markdown written between the markers of docs/benchmarks.md."""
    body = "\n\n".join(markdown_table(t) for t in tables)
    return marked_section(BEGIN, END, body, facts, settings)


def write_section(path: Path, text: str) -> None:
    """Replace this benchmark's section of ``path``; the rest is kept."""
    replace_marked(path, BEGIN, END, text)
