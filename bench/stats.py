"""Repeated measurements: median and min–max of a figure and of a ratio, and the machine's load.

Pure helpers (no I/O but ``os.getloadavg``): every benchmark that repeats its cases reports each
figure as ``median (min–max)`` over the repeats, and each ratio over the pairs of repeats that
ran seconds apart (repeat i of one server against repeat i of the other).
"""

from __future__ import annotations

import os
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

# a run under more load than this per core says so in its table header
LOADED_PER_CORE = 1.5


@dataclass(frozen=True)
class Spread:
    """The median and the extremes of ``n`` repeats of one figure."""

    median: float
    low: float
    high: float
    n: int

    def text(self, digits: int = 1, suffix: str = "") -> str:
        """``12.3 (11.0–13.5)``; one repeat shows the value alone."""
        mid = _num(self.median, digits) + suffix
        if self.n < 2:
            return mid
        return f"{mid} ({_num(self.low, digits)}–{_num(self.high, digits)}{suffix})"


def _num(value: float, digits: int) -> str:
    return f"{value:,.{digits}f}" if abs(value) < 100 else f"{value:,.0f}"


def spread(values: Sequence[float | None]) -> Spread | None:
    """The spread of the values that were measured (None where a repeat failed)."""
    got = [float(v) for v in values if v is not None]
    if not got:
        return None
    return Spread(statistics.median(got), min(got), max(got), len(got))


def ratio_spread(
    numerators: Sequence[float | None], denominators: Sequence[float | None]
) -> Spread | None:
    """The spread of the ratios of paired repeats (``numerators[i] / denominators[i]``).

    Pairs where either side is missing or the denominator is 0 are left out.
    """
    ratios = [
        float(a) / float(b)
        for a, b in zip(numerators, denominators, strict=False)
        if a is not None and b is not None and b != 0
    ]
    return spread(ratios)


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0–100) of already sorted values, inclusive method."""
    if not sorted_values:
        raise ValueError("no values")
    if len(sorted_values) == 1:
        return float(sorted_values[0])
    cuts = statistics.quantiles(sorted_values, n=100, method="inclusive")
    return cuts[min(98, max(0, round(q) - 1))]


@dataclass(frozen=True)
class Load:
    """The 1-minute load average at the start and the end of a run, and the cores."""

    start: float
    end: float
    cores: int

    @property
    def per_core(self) -> float:
        """The higher of the two load averages, per core."""
        return max(self.start, self.end) / max(1, self.cores)

    @property
    def loaded(self) -> bool:
        """Whether the run was under more than ``LOADED_PER_CORE`` per core."""
        return self.per_core > LOADED_PER_CORE

    def text(self) -> str:
        """The two load averages and the cores, and a warning when loaded."""
        line = (
            f"load average (1 min) {self.start:.2f} at start, {self.end:.2f} at end,"
            f" {self.cores} cores"
        )
        if self.loaded:
            line += (
                f" — LOADED ({self.per_core:.1f} per core > {LOADED_PER_CORE:g}):"
                " the figures are not the server's alone"
            )
        return line


def load_now() -> float:
    """The 1-minute load average now (0 where the OS cannot tell)."""
    try:
        return os.getloadavg()[0]
    except OSError:
        return 0.0


def cores() -> int:
    """The number of CPUs."""
    return os.cpu_count() or 1
