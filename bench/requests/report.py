"""The requests bench table (terminal and Markdown), ours beside the SQL floor."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bench.citizens.report import percentile
from bench.markdown import marked_section, replace_marked

BEGIN = "<!-- bench:requests:begin (written by `make bench-requests`; edit the prose outside) -->"
END = "<!-- bench:requests:end -->"
COLUMNS = (
    "case",
    "n",
    "ours p50",
    "ours p95",
    "target",
    "met",
    "floor p50",
    "floor p95",
    "ours/floor p95",
    "note",
)


@dataclass
class Row:
    """One case: our HTTP latencies (ms) against the target and the SQL floor's."""

    case: str
    ours: list[float]
    target_ms: float | None
    floor: list[float]
    note: str = ""

    @property
    def met(self) -> bool | None:
        """Whether p95 is within the target."""
        if self.target_ms is None or not self.ours:
            return None
        return percentile(self.ours, 95) <= self.target_ms

    def cells(self) -> list[str]:
        """The row as display strings, in COLUMNS order."""
        p50 = percentile(self.ours, 50) if self.ours else None
        p95 = percentile(self.ours, 95) if self.ours else None
        f50 = percentile(self.floor, 50) if self.floor else None
        f95 = percentile(self.floor, 95) if self.floor else None
        ratio = f"{p95 / f95:,.1f}x" if p95 is not None and f95 else "-"
        return [
            self.case,
            str(len(self.ours)),
            _ms(p50),
            _ms(p95),
            f"p95 <= {self.target_ms:g} ms" if self.target_ms is not None else "-",
            {True: "yes", False: "NO", None: "-"}[self.met],
            _ms(f50),
            _ms(f95),
            ratio,
            self.note,
        ]


def _ms(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:,.1f} ms" if value < 100 else f"{value:,.0f} ms"


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
    rule = "|" + "|".join("---:" if i in {1, 2, 3, 6, 7, 8} else "---" for i in range(10)) + "|"
    body = ["| " + " | ".join(c.replace("|", "/") for c in row.cells()) + " |" for row in rows]
    return "\n".join([head, rule, *body])


def write_section(
    path: Path, rows: list[Row], facts: list[tuple[str, str]], settings: list[str]
) -> None:
    """Replace this benchmark's section of ``path``; the rest is kept."""
    replace_marked(
        path, BEGIN, END, marked_section(BEGIN, END, markdown_table(rows), facts, settings)
    )
