"""Progress of long work (imports, exports): the callback type and the call, with no heavy
imports, so that the app's GTFS export loads neither pandas nor the importers."""

from __future__ import annotations

from collections.abc import Callable

Progress = Callable[[str, int, int], None]
"""``progress(stage, done, total)``: called while an import or export works (the CLI draws a
bar)."""


def tick(progress: Progress | None, stage: str, done: int, total: int) -> None:
    """Report progress when someone listens."""
    if progress is not None:
        progress(stage, done, total)
