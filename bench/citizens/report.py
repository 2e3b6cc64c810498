"""The citizens bench table (terminal and Markdown) and its marked section of docs/benchmarks.md."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from pathlib import Path

from bench.markdown import marked_section, replace_marked

BEGIN = "<!-- bench:citizens:begin (written by `make bench-citizens`; edit the prose outside) -->"
END = "<!-- bench:citizens:end -->"
COLUMNS = (
    "case",
    "n",
    "ours p50",
    "ours p95",
    "target",
    "met",
    "baseline p50",
    "baseline p95",
    "baseline/ours",
    "note",
)


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (inclusive method, as the layers bench)."""
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    return statistics.quantiles(ordered, n=100, method="inclusive")[round(q) - 1]


@dataclass
class Row:
    """One line: our latencies (or a single value) against a target and the baseline."""

    case: str
    ours: list[float]
    unit: str = "ms"
    target: float | None = None
    target_on: str = "p95"  # or "max"
    baseline: list[float] | None = None
    note: str = ""

    def stat(self, which: str) -> float | None:
        """p50, p95 or max of our values."""
        if not self.ours:
            return None
        if which == "max":
            return max(self.ours)
        return percentile(self.ours, 50 if which == "p50" else 95)

    @property
    def met(self) -> bool | None:
        """Whether the target holds (None without a target or values)."""
        value = self.stat(self.target_on)
        if self.target is None or value is None:
            return None
        return value <= self.target

    def cells(self) -> list[str]:
        """The row as display strings, in COLUMNS order."""
        p50, p95 = self.stat("p50"), self.stat(self.target_on if self.target_on == "max" else "p95")
        b50 = percentile(self.baseline, 50) if self.baseline else None
        b95 = percentile(self.baseline, 95) if self.baseline else None
        if self.baseline and len(self.baseline) == 1:
            b95 = self.baseline[0]
        ratio = f"{b95 / p95:,.1f}x" if b95 is not None and p95 else "-"
        target = "-"
        if self.target is not None:
            target = f"{self.target_on} <= {_num(self.target)} {self.unit}"
        return [
            self.case,
            str(len(self.ours)),
            _with_unit(p50, self.unit),
            _with_unit(p95, self.unit) + (" (max)" if self.target_on == "max" else ""),
            target,
            {True: "yes", False: "NO", None: "-"}[self.met],
            _with_unit(b50, self.unit),
            _with_unit(b95, self.unit),
            ratio,
            self.note,
        ]


def _num(value: float) -> str:
    return f"{value:,.1f}" if value < 100 else f"{value:,.0f}"


def _with_unit(value: float | None, unit: str) -> str:
    return "-" if value is None else f"{_num(value)} {unit}"


def text_table(rows: list[Row]) -> str:
    """An aligned plain-text table."""
    grid = [list(COLUMNS), *(row.cells() for row in rows)]
    widths = [max(len(line[i]) for line in grid) for i in range(len(COLUMNS))]
    out = []
    for n, line in enumerate(grid):
        out.append("  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip())
        if n == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)


def markdown_table(rows: list[Row]) -> str:
    """The same table in Markdown."""
    head = "| " + " | ".join(COLUMNS) + " |"
    rule = "|" + "|".join("---:" if 1 <= i <= 8 and i not in (4, 5) else "---" for i in range(10))
    body = ["| " + " | ".join(c.replace("|", "/") for c in row.cells()) + " |" for row in rows]
    return "\n".join([head, rule + "|", *body])


def section(rows: list[Row], facts: list[tuple[str, str]], settings: list[str]) -> str:
    """The Markdown written between the markers."""
    return marked_section(BEGIN, END, markdown_table(rows), facts, settings)


def write_section(path: Path, text: str) -> None:
    """Replace this benchmark's section of ``path``; the rest is kept."""
    replace_marked(path, BEGIN, END, text)
