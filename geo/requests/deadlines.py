"""Deadlines as data: how long each step may take, the LPJ due date, and what is overdue."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from geo.requests.types import TYPES, RequestType

# the cities served so far keep Western Indonesian Time (WIB); dates of filters and the LPJ
# due date are calendar days there
CITY_TZ = "Asia/Jakarta"
_TZ = ZoneInfo(CITY_TZ)


def report_due_at(paid_at: datetime) -> datetime:
    """The LPJ due date of aid paid at ``paid_at``: the end of 10 January of the next year (WIB).

    Permendagri 32/2011 art. 19: the recipient reports by 10 January of the following year.
    """
    year = paid_at.astimezone(_TZ).year + 1
    return datetime(year, 1, 10, 23, 59, 59, tzinfo=_TZ).astimezone(UTC)


def step_due_at(kind: RequestType, status: str, since: datetime) -> datetime | None:
    """When the step a request is in (entered at ``since``) is due; None: no deadline."""
    wf = kind.workflow
    if status == wf.report_due_after:
        return report_due_at(since)
    days = wf.deadlines_days.get(status)
    return None if days is None else since + timedelta(days=days)


def is_overdue(kind: RequestType, status: str, due_at: datetime | None, now: datetime) -> bool:
    """Whether a request is late: past its step's due date and not in a final state."""
    return due_at is not None and status not in kind.workflow.final and now > due_at


def due_sql(alias: str = "r") -> tuple[str, dict[str, object]]:
    """A SQL expression of a request's step due date (NULL: none) and its bound parameters.

    The expression reads ``{alias}.type``, ``{alias}.status`` and ``{alias}.status_changed_at``;
    ``alias`` is a fixed identifier of the caller's query, never input.
    """
    whens: list[str] = []
    params: dict[str, object] = {"dl_tz": CITY_TZ}
    n = 0
    for name, kind in sorted(TYPES.items()):
        wf = kind.workflow
        for status, days in sorted(wf.deadlines_days.items()):
            whens.append(
                f"WHEN {alias}.type = :dl_t{n} AND {alias}.status = :dl_s{n}"
                f" THEN {alias}.status_changed_at + make_interval(days => :dl_d{n})"
            )
            params |= {f"dl_t{n}": name, f"dl_s{n}": status, f"dl_d{n}": days}
            n += 1
        if wf.report_due_after is not None:
            whens.append(
                f"WHEN {alias}.type = :dl_t{n} AND {alias}.status = :dl_s{n}"
                f" THEN make_timestamptz(CAST(extract(year FROM {alias}.status_changed_at"
                " AT TIME ZONE :dl_tz) AS int) + 1, 1, 10, 23, 59, 59, :dl_tz)"
            )
            params |= {f"dl_t{n}": name, f"dl_s{n}": wf.report_due_after}
            n += 1
    if not whens:
        return "CAST(NULL AS timestamptz)", params
    return "(CASE " + " ".join(whens) + " END)", params


def day_start(day: date) -> datetime:
    """Midnight (WIB) at the start of calendar day ``day``."""
    return datetime(day.year, day.month, day.day, tzinfo=_TZ)
