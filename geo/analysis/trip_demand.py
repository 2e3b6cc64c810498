"""Unmet trip demand: searches without a good answer counted by 500 m cell pair, anonymously.

What is kept of a search (table ``trip_demand``, migration 0013): the city, the city's
calendar day, the 500 m cell of its start and of its end in the city's UTM zone (an index,
never the point), the reason (``no_itinerary``: no angkot trip at all; ``long_walk``: even
the least-walking itinerary walks more than ``LONG_WALK_M``) and how many such searches. No
IP, no user, no time of day.

What is answered is built from whole weeks (Monday to Sunday, city time): a window snaps out to
the weeks it touches, and a pair's searches of one week count only when they are at least
``MIN_SHOWN`` (a "kept" week). Every number answered is therefore a sum of kept weeks, each 0 or
at least ``MIN_SHOWN``; subtracting two windows gives another such sum, never a count of 1 to
``MIN_SHOWN`` - 1. Within a kept week a reason counted 1 to ``MIN_SHOWN`` - 1 times makes both
reasons of the pair None (``by_reason``): the total is shown, so the small one would follow.

Recording never slows or fails a trip answer: the trips endpoint adds the search to an
in-process ``DemandRecorder`` (a dict under a lock) and, when a flush is due, writes the
pending counts with its own session inside a SAVEPOINT with a short ``lock_timeout``; a
failed flush rolls back to the savepoint, is logged, and its counts stay pending for the next
flush (up to ``max_keys`` keys; beyond, new keys are dropped and counted in ``dropped``).
"""

from __future__ import annotations

import logging
import math
import threading
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from pyproj import Transformer
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from geo.cities import CityInfo
from geo.errors import InvalidInputError

log = logging.getLogger(__name__)

CELL_M = 500  # cell side in metres of the city's UTM zone
CELL_ROW = 100_000  # cell index = ix * CELL_ROW + iy (UTM y < 10,000 km: iy < 20,000)
LONG_WALK_M = 1000.0
MIN_SHOWN = 5  # pairs with fewer searches in the window are not shown
SERVED_RADIUS_M = 400  # a cell is served when its centre lies this close to the line
MAX_WINDOW_DAYS = 366
DEFAULT_WINDOW_DAYS = 30
MAX_LINES = 5000  # most desire lines one answer holds (the busiest first)
CITY_TZ = "Asia/Jakarta"  # the day a search is counted on (as geo.requests counts requests)
REASONS = ("no_itinerary", "long_walk")
_TZ = ZoneInfo(CITY_TZ)


@dataclass(frozen=True, order=True)
class DemandKey:
    """What one counted search is reduced to."""

    city_id: int
    day: date
    origin_cell: int
    destination_cell: int
    reason: str


@lru_cache(maxsize=64)
def _to_utm(srid: int) -> Transformer:
    return Transformer.from_crs(4326, srid, always_xy=True)


@lru_cache(maxsize=64)
def _to_lonlat(srid: int) -> Transformer:
    return Transformer.from_crs(srid, 4326, always_xy=True)


def cell_index(srid: int, lon: float, lat: float) -> int:
    """The 500 m cell of a lon/lat point in UTM zone ``srid``: ``ix * CELL_ROW + iy``."""
    x, y = _to_utm(srid).transform(lon, lat)
    return int(math.floor(float(x) / CELL_M) * CELL_ROW + math.floor(float(y) / CELL_M))


def cell_centre(srid: int, cell: int) -> tuple[float, float]:
    """The lon/lat of the centre of ``cell`` (``cell_index``), 6 decimals."""
    ix, iy = divmod(cell, CELL_ROW)
    lon, lat = _to_lonlat(srid).transform((ix + 0.5) * CELL_M, (iy + 0.5) * CELL_M)
    return round(lon, 6), round(lat, 6)


def unmet_reason(result: dict[str, Any], long_walk_m: float = LONG_WALK_M) -> str | None:
    """Why a trip answer (``geo.transit.plan``) counts as unmet demand, or None when it does
    not: ``no_itinerary`` without itineraries, ``long_walk`` when even the least walking one
    walks more than ``long_walk_m``."""
    itineraries = result.get("itineraries") or []
    if not itineraries:
        return "no_itinerary"
    least = min(float(it.get("walk_distance_m", 0.0)) for it in itineraries)
    return "long_walk" if least > long_walk_m else None


def city_today() -> date:
    """Today in the city's time zone (the day searches are counted on)."""
    return datetime.now(_TZ).date()


_UPSERT = text(
    "INSERT INTO trip_demand AS t (city_id, day, origin_cell, destination_cell, reason, n)"
    " VALUES (:city_id, :day, :origin_cell, :destination_cell, :reason, :n)"
    " ON CONFLICT ON CONSTRAINT pk_trip_demand DO UPDATE SET n = t.n + EXCLUDED.n"
)
_SHORT_LOCKS = text("SELECT set_config('lock_timeout', :ms, true)")


class DemandRecorder:
    """Counts of unmet searches waiting to be written (thread-safe, bounded).

    Args:
        flush_interval_s: Least time between two flushes (0: each search is written by its
            own request).
        max_keys: Most pending keys kept; further new keys are dropped (``dropped``).
        lock_timeout_ms: How long a flush waits for a row lock before giving up.
    """

    def __init__(
        self, flush_interval_s: float = 0.0, max_keys: int = 10_000, lock_timeout_ms: int = 200
    ) -> None:
        """Create an empty recorder."""
        self.flush_interval_s = flush_interval_s
        self.max_keys = max_keys
        self.lock_timeout_ms = lock_timeout_ms
        self.dropped = 0
        self.failures = 0
        self._pending: dict[DemandKey, int] = {}
        self._lock = threading.Lock()
        self._last_flush = 0.0

    def add(self, key: DemandKey, n: int = 1) -> None:
        """Count ``n`` searches of ``key`` (dropped when ``max_keys`` other keys wait)."""
        with self._lock:
            if key in self._pending or len(self._pending) < self.max_keys:
                self._pending[key] = self._pending.get(key, 0) + n
            else:
                self.dropped += n

    def pending(self) -> dict[DemandKey, int]:
        """A copy of the counts waiting to be written."""
        with self._lock:
            return dict(self._pending)

    def due(self) -> bool:
        """Whether something waits and the flush interval has passed."""
        with self._lock:
            waiting = bool(self._pending)
        return waiting and time.monotonic() - self._last_flush >= self.flush_interval_s

    def _take(self) -> dict[DemandKey, int]:
        with self._lock:
            taken, self._pending = self._pending, {}
            self._last_flush = time.monotonic()
            return taken

    def flush(self, session: Session) -> bool:
        """Write the pending counts in a SAVEPOINT of ``session``; never raises.

        Returns:
            True when written (or nothing waited); False when the write failed: it was
            rolled back to the savepoint, logged, and the counts wait for the next flush.
        """
        taken = self._take()
        if not taken:
            return True
        rows = [{**key.__dict__, "n": n} for key, n in sorted(taken.items())]
        try:
            with session.begin_nested():
                session.execute(_SHORT_LOCKS, {"ms": f"{self.lock_timeout_ms}ms"})
                session.execute(_UPSERT, rows)
        except SQLAlchemyError as exc:
            self.failures += 1
            log.warning("trip demand not written (%d keys kept): %s", len(rows), type(exc).__name__)
            for key, n in taken.items():
                self.add(key, n)
            return False
        return True


def note_search(
    recorder: DemandRecorder,
    session: Session,
    city: CityInfo,
    *,
    origin: tuple[float, float],
    destination: tuple[float, float],
    result: dict[str, Any],
) -> str | None:
    """Count a trip search when it found no good answer, and flush when due; never raises.

    Args:
        recorder: The process's recorder.
        session: The request's session (the flush writes in a savepoint of it).
        city: The city searched.
        origin: The start (lon, lat); only its cell is kept.
        destination: The end (lon, lat); only its cell is kept.
        result: The answer of ``geo.transit.plan``.

    Returns:
        The reason counted, or None when the search was served well (or counting failed).
    """
    try:
        reason = unmet_reason(result)
        if reason is None:
            return None
        srid = city.utm_srid
        key = DemandKey(
            city.id,
            city_today(),
            cell_index(srid, *origin),
            cell_index(srid, *destination),
            reason,
        )
        recorder.add(key)
        if recorder.due():
            recorder.flush(session)
        return reason
    except Exception:
        log.warning("trip demand not counted", exc_info=True)
        return None


def check_window(start: date | None, end: date | None) -> tuple[date, date]:
    """The window ``start..end`` (both days included), defaulting to the last 30 days, checked
    as asked and then grown to whole weeks (``whole_weeks``): the answer names the weeks used.

    Raises:
        InvalidInputError: ``start`` after ``end``, or a window longer than a year.
    """
    end = end or city_today()
    start = start or end - timedelta(days=DEFAULT_WINDOW_DAYS - 1)
    if start > end:
        raise InvalidInputError(
            "from must not be after to", [{"field": "from", "message": "after 'to'"}]
        )
    if (end - start).days + 1 > MAX_WINDOW_DAYS:
        raise InvalidInputError(
            f"the window is longer than {MAX_WINDOW_DAYS} days",
            [{"field": "to", "message": f"at most {MAX_WINDOW_DAYS} days after 'from'"}],
        )
    return whole_weeks(start, end)


def whole_weeks(start: date, end: date) -> tuple[date, date]:
    """``start..end`` grown to whole weeks: from the Monday on or before ``start`` to the Sunday
    on or after ``end`` (the buckets every count is suppressed in, see the module text)."""
    return start - timedelta(days=start.weekday()), end + timedelta(days=6 - end.weekday())


# a pair's searches per week of the window; only the weeks with at least :min searches count
_KEPT_WEEKS = (
    "WITH kept AS (SELECT origin_cell AS o, destination_cell AS d, sum(n) AS t,"
    "  coalesce(sum(n) FILTER (WHERE reason = 'no_itinerary'), 0) AS ni,"
    "  coalesce(sum(n) FILTER (WHERE reason = 'long_walk'), 0) AS lw"
    "  FROM trip_demand WHERE city_id = :c AND day BETWEEN :start AND :end"
    "  GROUP BY origin_cell, destination_cell, date_trunc('week', day::timestamp)"
    "  HAVING sum(n) >= :min)"
)

_PAIRS = text(
    _KEPT_WEEKS  # noqa: S608 - fixed fragments
    + " SELECT o AS origin_cell, d AS destination_cell, sum(t) AS searches,"
    " sum(ni) AS no_itinerary, sum(lw) AS long_walk,"
    " bool_or((ni > 0 AND ni < :min) OR (lw > 0 AND lw < :min)) AS small"
    " FROM kept GROUP BY o, d ORDER BY searches DESC, o, d LIMIT :limit"
)


def shown_count(n: int) -> int | None:
    """A count as an answer may carry it: None (shown as "<5") for 1..``MIN_SHOWN``-1."""
    return None if 0 < n < MIN_SHOWN else n


def by_reason(row: Any) -> dict[str, int | None]:
    """A pair's searches per reason, or all None when a kept week holds a reason counted 1 to
    ``MIN_SHOWN`` - 1 times (``row.small``): the total is shown, so one small count hidden
    alone would follow by subtraction."""
    counts: dict[str, int | None] = {reason: int(getattr(row, reason)) for reason in REASONS}
    if row.small or any(n is not None and shown_count(n) is None for n in counts.values()):
        return dict.fromkeys(counts)
    return counts


def desire_lines(session: Session, city: CityInfo, start: date, end: date) -> dict[str, Any]:
    """The unmet searches of a window as desire lines, cell centre to cell centre.

    Args:
        session: The database session.
        city: The city.
        start: First day (city time), included: a Monday (``check_window``).
        end: Last day, included: a Sunday.

    Returns:
        A GeoJSON FeatureCollection (lon/lat) of LineStrings with properties ``searches``,
        ``no_itinerary``, ``long_walk``, busiest first, summed over the pair's kept weeks (see
        the module text); pairs with no kept week are left out, at most ``MAX_LINES`` lines. A
        pair with a reason counted 1 to ``MIN_SHOWN`` - 1 times in a kept week has both
        reasons None (``by_reason``).
    """
    params = {"c": city.id, "start": start, "end": end, "min": MIN_SHOWN, "limit": MAX_LINES}
    features = []
    for r in session.execute(_PAIRS, params):
        a = cell_centre(city.utm_srid, int(r.origin_cell))
        b = cell_centre(city.utm_srid, int(r.destination_cell))
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": [list(a), list(b)]},
                "properties": {"searches": int(r.searches), **by_reason(r)},
            }
        )
    return {
        "type": "FeatureCollection",
        "features": features,
        "from": start.isoformat(),
        "to": end.isoformat(),
        "min_searches": MIN_SHOWN,
        "cell_m": CELL_M,
    }


# the pairs shown (their kept weeks, as desire_lines sums them) whose two cell centres lie
# within SERVED_RADIUS_M of the line, measured in the city's UTM zone
_SERVED = text(
    _KEPT_WEEKS  # noqa: S608 - fixed fragments
    + ", line AS (SELECT ST_Transform(ST_GeomFromText(:wkt, 4326), :srid) AS g),"
    " pairs AS (SELECT o, d, sum(t) AS s FROM kept GROUP BY o, d)"
    " SELECT coalesce(sum(p.s), 0) AS searches, count(*) AS pairs FROM pairs p, line"
    " WHERE ST_DWithin(line.g, ST_SetSRID(ST_MakePoint((p.o / :row + 0.5) * :cell,"
    "  (p.o % :row + 0.5) * :cell), :srid), :radius)"
    " AND ST_DWithin(line.g, ST_SetSRID(ST_MakePoint((p.d / :row + 0.5) * :cell,"
    "  (p.d % :row + 0.5) * :cell), :srid), :radius)"
)


def searches_served(
    session: Session, city: CityInfo, line: str, start: date, end: date
) -> tuple[int | None, int]:
    """How many counted searches a candidate line would serve: those of the pairs shown whose
    origin and destination cell centres both lie within ``SERVED_RADIUS_M`` of it.

    Args:
        session: The database session.
        city: The city.
        line: The line as WKT in lon/lat (``geo.analysis.coverage.line_wkt``).
        start: First day, included: a Monday (``check_window``).
        end: Last day, included: a Sunday.

    Returns:
        ``(searches, pairs)`` served; ``searches`` None if it were 1 to ``MIN_SHOWN`` - 1.
    """
    params = {
        "c": city.id,
        "srid": city.utm_srid,
        "wkt": line,
        "start": start,
        "end": end,
        "min": MIN_SHOWN,
        "row": CELL_ROW,
        "cell": CELL_M,
        "radius": SERVED_RADIUS_M,
    }
    row = session.execute(_SERVED, params).one()
    # a sum of pairs shown is 0 or at least MIN_SHOWN; shown_count keeps it so if that changes
    return shown_count(int(row.searches)), int(row.pairs)
