"""Submission windows: the days of the year a city takes requests of one type and kind.

Kota Tangerang takes hibah and bansos proposals from 1 January to 31 March each year. The
windows are a setting (``TPO_SUBMISSION_WINDOWS``, parsed once at start-up by the HTTP door)
and reach the core as a plain argument: a city slug -> ``"type.kind"`` (or ``"type"`` for all
its kinds) -> :class:`Window`. No entry: always open.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from types import MappingProxyType
from typing import Any

import orjson

from geo.errors import InvalidSettingError, SubmissionWindowClosedError
from geo.requests.types import TYPES

# Indonesia's western time (no daylight saving): the day a window opens is a day in the city
WIB = timezone(timedelta(hours=7), "WIB")
MONTHS_ID = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)
_SPAN_RE = re.compile(r"^(\d{2})-(\d{2})/(\d{2})-(\d{2})$")


@dataclass(frozen=True)
class Window:
    """A yearly window from ``opens`` to ``closes`` (month, day), both days included.

    A window whose closing day comes before its opening day runs over the new year
    (``11-01/01-31``). 29 February is the 28th in other years.
    """

    opens: tuple[int, int]
    closes: tuple[int, int]

    def _day(self, year: int, month_day: tuple[int, int]) -> date:
        month, day = month_day
        if (month, day) == (2, 29) and not _leap(year):
            day = 28
        return date(year, month, day)

    def period(self, today: date) -> tuple[date, date]:
        """The period open ``today``, else the next one: (opens_on, closes_on)."""
        for year in (today.year - 1, today.year, today.year + 1):
            start = self._day(year, self.opens)
            end_year = year if self.closes >= self.opens else year + 1
            end = self._day(end_year, self.closes)
            if today <= end:
                return start, end
        raise AssertionError("unreachable: a yearly window always has a next period")

    def is_open(self, today: date) -> bool:
        """Whether ``today`` lies in a period of the window."""
        start, end = self.period(today)
        return start <= today <= end


@dataclass(frozen=True)
class WindowState:
    """A window as the form shows it: open now, and the current (or next) period."""

    open: bool
    opens_on: date | None
    closes_on: date | None


SubmissionWindows = Mapping[str, Mapping[str, Window]]
NO_WINDOWS: SubmissionWindows = MappingProxyType({})


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def today_in_city(now: datetime | None = None) -> date:
    """Today's date in the city (WIB, UTC+7)."""
    return (now or datetime.now(UTC)).astimezone(WIB).date()


def format_date_id(day: date) -> str:
    """A date as Bahasa Indonesia writes it: ``1 Januari 2027``."""
    return f"{day.day} {MONTHS_ID[day.month - 1]} {day.year}"


def _month_day(month: str, day: str, where: str) -> tuple[int, int]:
    m, d = int(month), int(day)
    try:
        date(2000, m, d)  # a leap year: 02-29 is a real day
    except ValueError:
        raise InvalidSettingError(
            f"TPO_SUBMISSION_WINDOWS: {where}: no such day {month}-{day}"
        ) from None
    return m, d


def parse_windows(value: str | None) -> SubmissionWindows:
    """Parse ``TPO_SUBMISSION_WINDOWS``: JSON mapping city slug -> ``"type.kind"`` -> span.

    Example (Kota Tangerang)::

        {"tangerang": {"bantuan.hibah": "01-01/03-31", "bantuan.bansos": "01-01/03-31"}}

    A span is ``"MM-DD/MM-DD"`` (opening and closing day, both included); a key without a
    kind (``"bantuan"``) covers every kind of the type. Empty or unset: no windows.

    Raises:
        InvalidSettingError: Not JSON, not that shape, an unknown type or kind, a bad day.
    """
    if value is None or not value.strip():
        return NO_WINDOWS
    try:
        raw: Any = orjson.loads(value)
    except orjson.JSONDecodeError:
        raise InvalidSettingError(
            "TPO_SUBMISSION_WINDOWS must be JSON, e.g. "
            '{"tangerang": {"bantuan.hibah": "01-01/03-31"}}'
        ) from None
    if not isinstance(raw, dict):
        raise InvalidSettingError("TPO_SUBMISSION_WINDOWS must be a JSON object of cities")
    parsed: dict[str, Mapping[str, Window]] = {}
    for city, spans in raw.items():
        if not isinstance(spans, dict) or not re.fullmatch(r"[a-z0-9-]{1,64}", city):
            raise InvalidSettingError(
                f"TPO_SUBMISSION_WINDOWS: {city[:64]!r} must be a city slug mapping "
                '"type.kind" to "MM-DD/MM-DD"'
            )
        windows: dict[str, Window] = {}
        for key, span in spans.items():
            where = f"{city}.{key}"[:100]
            type_name, _, kind = key.partition(".")
            request_type = TYPES.get(type_name)
            if request_type is None:
                known = ", ".join(sorted(TYPES))
                raise InvalidSettingError(
                    f"TPO_SUBMISSION_WINDOWS: {where}: unknown request type (known: {known})"
                )
            if kind and kind not in request_type.kinds:
                known = ", ".join(request_type.kinds)
                raise InvalidSettingError(
                    f"TPO_SUBMISSION_WINDOWS: {where}: unknown kind (known: {known})"
                )
            match = _SPAN_RE.match(span) if isinstance(span, str) else None
            if match is None:
                raise InvalidSettingError(
                    f"TPO_SUBMISSION_WINDOWS: {where}: a span is 'MM-DD/MM-DD', e.g. '01-01/03-31'"
                )
            opens = _month_day(match.group(1), match.group(2), where)
            closes = _month_day(match.group(3), match.group(4), where)
            windows[key] = Window(opens, closes)
        parsed[city] = MappingProxyType(windows)
    return MappingProxyType(parsed)


def window_of(
    windows: SubmissionWindows, city_slug: str, type_name: str, kind: str | None
) -> Window | None:
    """The window of a city's type and kind (the kind's own, else the type's), or None."""
    spans = windows.get(city_slug, {})
    return (spans.get(f"{type_name}.{kind}") if kind else None) or spans.get(type_name)


def window_state(window: Window | None, today: date) -> WindowState:
    """What the form shows of a window on ``today`` (no window: open, no dates)."""
    if window is None:
        return WindowState(open=True, opens_on=None, closes_on=None)
    start, end = window.period(today)
    return WindowState(open=window.is_open(today), opens_on=start, closes_on=end)


def check_window(
    windows: SubmissionWindows,
    city_slug: str,
    type_name: str,
    kind: str | None,
    today: date,
    *,
    kind_title: str | None = None,
) -> None:
    """Refuse a submission outside its window.

    Raises:
        SubmissionWindowClosedError: Closed today; the message says when it opens.
    """
    state = window_state(window_of(windows, city_slug, type_name, kind), today)
    if state.open or state.opens_on is None or state.closes_on is None:
        return
    what = (kind_title or kind or type_name).lower()
    opens, closes = format_date_id(state.opens_on), format_date_id(state.closes_on)
    raise SubmissionWindowClosedError(
        f"Pengajuan {what} dibuka {opens} sampai {closes}.",
        opens_on=state.opens_on.isoformat(),
        errors=[
            {
                "field": "attrs.kind",
                "message": f"pengajuan ditutup; dibuka {opens}",
                "opens_on": state.opens_on.isoformat(),
                "closes_on": state.closes_on.isoformat(),
            }
        ],
    )
