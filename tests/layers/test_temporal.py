"""The ``datetime`` parameter's forms (OGC API - Features Part 1, /req/core/fc-time-definition)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from geo.errors import InvalidInputError
from layers.temporal import Interval, parse_datetime


def _utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.mark.parametrize(
    ("raw", "start", "end"),
    [
        ("2024-03-01T10:00:00Z", _utc(2024, 3, 1, 10), _utc(2024, 3, 1, 10)),
        ("2024-03-01T17:00:00+07:00", _utc(2024, 3, 1, 10), _utc(2024, 3, 1, 10)),
        ("2024-03-01", _utc(2024, 3, 1), _utc(2024, 3, 1, 23, 59, 59, 999999)),
        ("2024-01-01/2024-06-30", _utc(2024, 1, 1), _utc(2024, 6, 30, 23, 59, 59, 999999)),
        ("2024-01-01T00:00:00Z/..", _utc(2024, 1, 1), None),
        ("../2024-06-30T00:00:00Z", None, _utc(2024, 6, 30)),
        ("/2024-06-30T00:00:00Z", None, _utc(2024, 6, 30)),
        ("2024-01-01T00:00:00Z/", _utc(2024, 1, 1), None),
        # what GDAL sends for -where "issued_on >= '2024-05-02'", and a time without offset
        ("2024-05-02T/..", _utc(2024, 5, 2), None),
        ("2024-03-01T10:00:00", _utc(2024, 3, 1, 10), _utc(2024, 3, 1, 10)),
    ],
)
def test_instants_intervals_and_open_ends(raw: str, start: datetime, end: datetime) -> None:
    assert parse_datetime(raw) == Interval(start, end)


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "..",
        "../..",
        "yesterday",
        "2024-13-01",
        "2024-03-01TT",
        "2024-06-30/2024-01-01",  # ends before it starts
        "2024-01-01/2024-02-01/2024-03-01",
        "0001-01-01T00:00:00Z",
    ],
)
def test_bad_values_are_refused_with_the_reason(raw: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        parse_datetime(raw)
    assert caught.value.errors[0]["field"] == "datetime"
