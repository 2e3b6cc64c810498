"""The OGC API ``datetime`` parameter: an instant, a closed interval or a half-bounded one.

``2024-03-01T10:00:00Z`` (an instant), ``2024-03-01`` (a whole day, UTC), ``2024-01-01/2024-06-30``,
``2024-01-01/..`` and ``../2024-06-30`` (open ends, also written as an empty string); a time
without offset is UTC, and GDAL's ``2024-01-01T`` is the date. A layer
with a temporal property (``LayerDef.temporal``) keeps the features whose property falls in the
interval; a layer without one keeps every feature (OGC API - Features Part 1, /req/core/fc-time-
response: the parameter is still validated).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from geo.errors import InvalidInputError

OPEN = ("", "..")
_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
_LATEST = datetime(2200, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Interval:
    """A validated ``datetime``: bounds in UTC, ``None`` for an open end (both inclusive)."""

    start: datetime | None
    end: datetime | None


def _moment(raw: str, *, end_of_day: bool) -> datetime:
    text = raw.removesuffix("T")  # GDAL writes a date condition as "2024-05-02T"
    if _DATE_ONLY.match(text):
        day = date.fromisoformat(text)
        if end_of_day:
            return datetime.combine(day, time.max, tzinfo=UTC)
        return datetime.combine(day, time.min, tzinfo=UTC)
    value = datetime.fromisoformat(text.replace("z", "Z").replace("Z", "+00:00"))
    # RFC 3339 wants the offset; clients (GDAL) leave it out: such a time is taken as UTC
    value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if not _EARLIEST <= value <= _LATEST:
        raise ValueError("outside the years 1900 to 2200")
    return value


def parse_datetime(raw: str) -> Interval:
    """The interval a ``datetime`` query value names (RFC 3339 date-times or dates).

    Raises:
        InvalidInputError: Not an instant or interval, or an interval that ends before it
            starts.
    """
    text = raw.strip()
    try:
        if "/" in text:
            first, _, second = text.partition("/")
            if "/" in second:
                raise ValueError("an interval has two ends")
            start = None if first in OPEN else _moment(first, end_of_day=False)
            end = None if second in OPEN else _moment(second, end_of_day=True)
            if start is None and end is None:
                raise ValueError("an interval needs at least one end")
        elif text in OPEN:
            raise ValueError("empty")
        else:
            start = _moment(text, end_of_day=False)
            whole_day = _DATE_ONLY.match(text.removesuffix("T"))
            end = _moment(text, end_of_day=True) if whole_day else start
    except ValueError as exc:
        raise InvalidInputError(
            "datetime must be an RFC 3339 date-time or date, or an interval of them"
            " (start/end, '..' for an open end), e.g. 2024-01-01/2024-06-30",
            errors=[{"field": "datetime", "in": "query", "message": str(exc)}],
        ) from exc
    if start is not None and end is not None and end < start:
        raise InvalidInputError(
            "datetime interval ends before it starts",
            errors=[{"field": "datetime", "in": "query", "message": "end before start"}],
        )
    return Interval(start, end)
