"""Export a city's published angkot routes as a GTFS feed (zip) of hail-and-ride trips.

One GTFS route per route code (``route_type`` 3, bus), one trip per direction with its shape,
stops at the termini and about every 500 m (named after the street they are on, or
``"<code> km 1.5"``), times from ``speed_kmh``, ``continuous_pickup``/``continuous_drop_off`` 0
(board and alight anywhere along the line), frequencies from ``headway_s`` (05:00-21:00, not
exact times), a daily calendar for a year from today and the fare in IDR. Only active routes
are exported: an inactive route (``active = false``) is not served, so it is left out.
The tables are written row by row into the zip: nothing but the route lines is held at once
(their columns and records: ``data.exporters.gtfs_tables``).
"""

from __future__ import annotations

import os
import tempfile
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import numpy as np
import shapely
from sqlalchemy import text
from sqlalchemy.orm import Session

from data.exporters.gtfs_tables import (
    AGENCY_ID,
    CALENDAR_COLUMNS,
    FEED_INFO_COLUMNS,
    ROUTE_COLUMNS,
    SERVICE_END_S,
    SERVICE_ID,
    SERVICE_START_S,
    SHAPE_COLUMNS,
    STOP_COLUMNS,
    STOP_TIME_COLUMNS,
    TRIP_COLUMNS,
    Trip,
    clean,
    fare_id,
    hms,
    route_record,
    shape_records,
    stop_records,
    stop_time_records,
    trip_record,
    write_table,
    ymd,
)
from data.exporters.stops import measured_line, place_stops, street_names
from data.progress import Progress, tick
from geo.cities import CityInfo, get_city
from geo.errors import InvalidFileError, InvalidInputError

TIMEZONE = "Asia/Jakarta"
LANG = "id"
CALENDAR_DAYS = 365
COMPRESS_LEVEL = 1  # zlib's fastest: 300 routes in 1.3 MB (level 6: 1.0 MB, 4 x the time)
DEFAULT_SPEED_KMH = 15.0  # for a route whose speed is not > 0

_SELECT_ROUTES = text(
    "SELECT id, code, name, direction, origin, destination, colour, fare_idr, headway_s,"
    " speed_kmh, active, ST_AsBinary(geom) AS wkb"
    " FROM angkot_route WHERE city_id = :city_id ORDER BY code, direction, id"
)


@dataclass
class GtfsReport:
    """What one export wrote.

    Attributes:
        city: The city's slug.
        routes: GTFS routes (route codes).
        trips: Trips (route directions), each with its shape.
        stops: Stops (each direction has its own).
        shape_points: Rows of shapes.txt.
        inactive: Route directions left out because they are not active.
        start_date: First day of the calendar.
        end_date: Last day of the calendar.
        notes: Remarks (directions whose name, colour or fare the route's other direction
            overrides; lines that could not be used).
    """

    city: str
    start_date: date
    end_date: date
    routes: int = 0
    trips: int = 0
    stops: int = 0
    shape_points: int = 0
    inactive: int = 0
    notes: list[str] = field(default_factory=list)


def jakarta_today() -> date:
    """Today's date in Asia/Jakarta (the first day of an export's calendar)."""
    return datetime.now(ZoneInfo(TIMEZONE)).date()


def export_gtfs(
    session: Session,
    city_slug: str,
    target: IO[bytes],
    *,
    url: str,
    today: date | None = None,
    feed_version: str | None = None,
    progress: Progress | None = None,
) -> GtfsReport:
    """Write the city's active angkot routes as a GTFS zip into ``target``.

    Args:
        session: Open session (only read).
        city_slug: The city.
        target: A binary file opened for writing (need not be seekable).
        url: Where the feed's publisher is reached (``agency_url``, ``feed_publisher_url``).
        today: First day of the calendar (default: today in Asia/Jakarta).
        feed_version: ``feed_info.feed_version`` (default: the calendar's first day).
        progress: ``progress(stage, done, total)``.

    Returns:
        The export report.

    Raises:
        CityNotFoundError: No such city.
        InvalidInputError: ``url`` is not an absolute http(s) address.
    """
    check_url(url)
    city = get_city(session, city_slug)
    start = today or jakarta_today()
    report = GtfsReport(city.slug, start, start + timedelta(days=CALENDAR_DAYS))
    tick(progress, "reading routes", 0, 1)
    trips = _read_trips(session, city, report)
    tick(progress, "reading routes", 1, 1)
    _name_stops(session, city, trips, progress)
    routes = _group_by_code(trips, report)
    report.routes, report.trips = len(routes), len(trips)
    report.shape_points = sum(len(t.line) for t in trips)
    report.stops = sum(len(t.names) for t in trips)
    agency = f"Dinas Perhubungan {city.name}"
    tables: list[tuple[str, Sequence[str], Iterable[Sequence[Any]]]] = [
        (
            "agency.txt",
            ("agency_id", "agency_name", "agency_url", "agency_timezone", "agency_lang"),
            [(AGENCY_ID, agency, url, TIMEZONE, LANG)],
        ),
        ("routes.txt", ROUTE_COLUMNS, (route_record(g) for g in routes)),
        ("trips.txt", TRIP_COLUMNS, (trip_record(t) for t in trips)),
        ("shapes.txt", SHAPE_COLUMNS, shape_records(trips)),
        ("stops.txt", STOP_COLUMNS, stop_records(trips)),
        ("stop_times.txt", STOP_TIME_COLUMNS, stop_time_records(trips)),
        (
            "frequencies.txt",
            ("trip_id", "start_time", "end_time", "headway_secs", "exact_times"),
            (
                (t.trip_id, hms(SERVICE_START_S), hms(SERVICE_END_S), t.row["headway_s"], 0)
                for t in trips
            ),
        ),
        (
            "calendar.txt",
            CALENDAR_COLUMNS,
            [(SERVICE_ID, *[1] * 7, ymd(start), ymd(report.end_date))],
        ),
        (
            "fare_attributes.txt",
            # paid on board, no transfers (agency_id: optional with one agency)
            ("fare_id", "price", "currency_type", "payment_method", "transfers"),
            ((fare_id(f), f, "IDR", 0, 0) for f in sorted({g[0].row["fare_idr"] for g in routes})),
        ),
        (
            "fare_rules.txt",
            ("fare_id", "route_id"),
            ((fare_id(g[0].row["fare_idr"]), g[0].code) for g in routes),
        ),
        (
            "feed_info.txt",
            FEED_INFO_COLUMNS,
            [
                (
                    agency,
                    url,
                    LANG,
                    ymd(start),
                    ymd(report.end_date),
                    feed_version or ymd(start),
                )
            ],
        ),
    ]
    with zipfile.ZipFile(
        target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=COMPRESS_LEVEL
    ) as zf:
        for n, (name, columns, records) in enumerate(tables):
            tick(progress, "writing feed", n, len(tables))
            write_table(zf, name, columns, records)
        tick(progress, "writing feed", len(tables), len(tables))
    return report


def export_gtfs_file(session: Session, city_slug: str, path: Path, **options: Any) -> GtfsReport:
    """``export_gtfs`` into the file ``path``, which appears only when the export succeeded.

    Args:
        session: Open session (only read).
        city_slug: The city.
        path: The zip to write (replaced when it exists).
        **options: ``url``, ``today``, ``feed_version``, ``progress`` of ``export_gtfs``.

    Raises:
        CityNotFoundError: No such city.
        InvalidInputError: The ``url`` option is not an absolute http(s) address.
        InvalidFileError: ``path`` is a folder, or its folder is missing or not writable.
    """
    check_url(str(options.get("url", "")))
    path = Path(path)
    folder = path.parent
    if path.is_dir():
        raise InvalidFileError(f"{path.name or path} is a folder; give the name of a .zip file")
    if not folder.is_dir():
        raise InvalidFileError(f"cannot write {path.name}: the folder {folder} does not exist")
    try:
        handle, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=folder)
    except OSError as exc:
        raise InvalidFileError(
            f"cannot write {path.name}: the folder {folder} is not writable"
        ) from exc
    tmp = Path(tmp_name)
    try:
        with os.fdopen(handle, "wb") as out:
            report = export_gtfs(session, city_slug, out, **options)
        tmp.chmod(0o644)
        os.replace(tmp, path)
    except OSError as exc:
        raise InvalidFileError(f"cannot write {path.name}: {exc.strerror or exc}") from exc
    finally:
        tmp.unlink(missing_ok=True)
    return report


def check_url(url: str) -> str:
    """The feed's URL (``agency_url``), when it is an absolute http(s) address.

    Raises:
        InvalidInputError: It is not.
    """
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise InvalidInputError(
            f"the feed's URL must be an absolute http:// or https:// address, not '{url[:100]}'"
        )
    return url


# -- reading ---------------------------------------------------------------------------------
def _read_trips(session: Session, city: CityInfo, report: GtfsReport) -> list[Trip]:
    trips = []
    for row in session.execute(_SELECT_ROUTES, {"city_id": city.id}).mappings():
        ref = f"{row['code']}/{row['direction']}"
        if not row["active"]:
            report.inactive += 1
            continue
        geom = shapely.from_wkb(bytes(row["wkb"]))
        line = measured_line(shapely.get_coordinates(geom))
        if line is None:
            report.notes.append(f"{ref}: its line has fewer than two distinct points; left out")
            continue
        values = {k: row[k] for k in row if k != "wkb"}
        if not (values["speed_kmh"] or 0) > 0:
            report.notes.append(f"{ref}: speed {values['speed_kmh']} km/h; timed at 15 km/h")
            values["speed_kmh"] = DEFAULT_SPEED_KMH
        trips.append(Trip(values, line, place_stops(line)))
    return trips


def _name_stops(
    session: Session, city: CityInfo, trips: list[Trip], progress: Progress | None
) -> None:
    tick(progress, "naming stops", 0, 1)
    if trips:
        points = np.vstack([t.stops.points for t in trips])
        ahead = np.vstack([t.stops.ahead for t in trips])
        names = street_names(session, city.id, city.utm_srid, points, ahead)
        first = 0
        for trip in trips:
            count = len(trip.stops.offsets_m)
            row = trip.row
            trip.names = [
                names.get(first + i) or f"{trip.code} km {offset / 1000:.1f}"
                for i, offset in enumerate(trip.stops.offsets_m)
            ]
            trip.names[0] = clean(row["origin"]) or trip.names[0]
            trip.names[-1] = clean(row["destination"]) or trip.names[-1]
            first += count
    tick(progress, "naming stops", 1, 1)


def _group_by_code(trips: list[Trip], report: GtfsReport) -> list[list[Trip]]:
    groups: dict[str, list[Trip]] = {}
    for trip in trips:
        groups.setdefault(trip.code, []).append(trip)
    for code, group in groups.items():
        head = group[0]
        for other in group[1:]:
            for key in ("name", "colour", "fare_idr"):
                if other.row[key] != head.row[key]:
                    report.notes.append(
                        f"{code}: direction {other.row['direction']} has another {key}"
                        f" ({other.row[key]}) than direction {head.row['direction']}"
                        f" ({head.row[key]}); GTFS keeps one per route: {head.row[key]}"
                    )
    return list(groups.values())
