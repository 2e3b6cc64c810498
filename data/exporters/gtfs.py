"""Export a city's published angkot routes as a GTFS feed (zip) of hail-and-ride trips.

One GTFS route per route code (``route_type`` 3, bus), one trip per direction with its shape,
stops at the termini and about every 500 m (named after the street they are on, or
``"<code> km 1.5"``), times from ``speed_kmh``, ``continuous_pickup``/``continuous_drop_off`` 0
(board and alight anywhere along the line), frequencies from ``headway_s`` (05:00-21:00, not
exact times), a daily calendar for a year from today and the fare in IDR. Only active routes
are exported: an inactive route (``active = false``) is not served, so it is left out.
The tables are written row by row into the zip: nothing but the route lines is held at once.
"""

from __future__ import annotations

import csv
import io
import os
import re
import tempfile
import zipfile
from collections.abc import Iterable, Iterator, Sequence
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

from data.exporters.stops import Line, StopPoints, measured_line, place_stops, street_names
from data.importers.common import Progress, tick
from geo.cities import CityInfo, get_city
from geo.errors import InvalidFileError, InvalidInputError

TIMEZONE = "Asia/Jakarta"
LANG = "id"
AGENCY_ID = "dishub"
SERVICE_ID = "setiap-hari"
SERVICE_START_S = 5 * 3600
SERVICE_END_S = 21 * 3600
CALENDAR_DAYS = 365
COMPRESS_LEVEL = 1  # zlib's fastest: 300 routes in 1.3 MB (level 6: 1.0 MB, 4 x the time)
ROUTE_TYPE_BUS = 3
DEFAULT_SPEED_KMH = 15.0  # for a route whose speed is not > 0
CONTINUOUS_ANYWHERE = 0  # GTFS: continuous stopping pickup / drop off along the whole line
_HEX = re.compile(r"^#?([0-9a-fA-F]{6})$")

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


@dataclass
class _Trip:
    row: dict[str, Any]
    line: Line
    stops: StopPoints
    names: list[str] = field(default_factory=list)

    @property
    def code(self) -> str:
        return str(self.row["code"])

    @property
    def trip_id(self) -> str:
        return f"{self.code}:{self.row['direction']}"


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
    agency = f"Dinas Perhubungan {city.name}"
    tables: list[tuple[str, Sequence[str], Iterable[Sequence[Any]]]] = [
        (
            "agency.txt",
            ("agency_id", "agency_name", "agency_url", "agency_timezone", "agency_lang"),
            [(AGENCY_ID, agency, url, TIMEZONE, LANG)],
        ),
        ("routes.txt", ROUTE_COLUMNS, (_route_record(g) for g in routes)),
        ("trips.txt", TRIP_COLUMNS, (_trip_record(t) for t in trips)),
        ("shapes.txt", SHAPE_COLUMNS, _shape_records(trips, report)),
        ("stops.txt", STOP_COLUMNS, _stop_records(trips, report)),
        ("stop_times.txt", STOP_TIME_COLUMNS, _stop_time_records(trips)),
        (
            "frequencies.txt",
            ("trip_id", "start_time", "end_time", "headway_secs", "exact_times"),
            (
                (t.trip_id, _hms(SERVICE_START_S), _hms(SERVICE_END_S), t.row["headway_s"], 0)
                for t in trips
            ),
        ),
        (
            "calendar.txt",
            CALENDAR_COLUMNS,
            [(SERVICE_ID, *[1] * 7, _ymd(start), _ymd(report.end_date))],
        ),
        (
            "fare_attributes.txt",
            # paid on board, no transfers (agency_id: optional with one agency)
            ("fare_id", "price", "currency_type", "payment_method", "transfers"),
            ((_fare_id(f), f, "IDR", 0, 0) for f in sorted({g[0].row["fare_idr"] for g in routes})),
        ),
        (
            "fare_rules.txt",
            ("fare_id", "route_id"),
            ((_fare_id(g[0].row["fare_idr"]), g[0].code) for g in routes),
        ),
        (
            "feed_info.txt",
            FEED_INFO_COLUMNS,
            [
                (
                    agency,
                    url,
                    LANG,
                    _ymd(start),
                    _ymd(report.end_date),
                    feed_version or _ymd(start),
                )
            ],
        ),
    ]
    with zipfile.ZipFile(
        target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=COMPRESS_LEVEL
    ) as zf:
        for n, (name, columns, records) in enumerate(tables):
            tick(progress, "writing feed", n, len(tables))
            _write_table(zf, name, columns, records)
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
def _read_trips(session: Session, city: CityInfo, report: GtfsReport) -> list[_Trip]:
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
        trips.append(_Trip(values, line, place_stops(line)))
    return trips


def _name_stops(
    session: Session, city: CityInfo, trips: list[_Trip], progress: Progress | None
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
            trip.names[0] = _clean(row["origin"]) or trip.names[0]
            trip.names[-1] = _clean(row["destination"]) or trip.names[-1]
            first += count
    tick(progress, "naming stops", 1, 1)


def _group_by_code(trips: list[_Trip], report: GtfsReport) -> list[list[_Trip]]:
    groups: dict[str, list[_Trip]] = {}
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


# -- records -----------------------------------------------------------------------------------
ROUTE_COLUMNS = (
    "route_id",
    "agency_id",
    "route_short_name",
    "route_long_name",
    "route_type",
    "route_color",
    "route_text_color",
    "continuous_pickup",
    "continuous_drop_off",
)
TRIP_COLUMNS = ("route_id", "service_id", "trip_id", "trip_headsign", "direction_id", "shape_id")
SHAPE_COLUMNS = (
    "shape_id",
    "shape_pt_lat",
    "shape_pt_lon",
    "shape_pt_sequence",
    "shape_dist_traveled",
)
STOP_COLUMNS = ("stop_id", "stop_name", "stop_lat", "stop_lon")
STOP_TIME_COLUMNS = (
    "trip_id",
    "arrival_time",
    "departure_time",
    "stop_id",
    "stop_sequence",
    "shape_dist_traveled",
    "timepoint",
    "continuous_pickup",
    "continuous_drop_off",
)
CALENDAR_COLUMNS = (
    "service_id",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "start_date",
    "end_date",
)
FEED_INFO_COLUMNS = (
    "feed_publisher_name",
    "feed_publisher_url",
    "feed_lang",
    "feed_start_date",
    "feed_end_date",
    "feed_version",
)


def _route_record(group: list[_Trip]) -> tuple[Any, ...]:
    row = group[0].row
    colour = _hex(row["colour"])
    return (
        group[0].code,
        AGENCY_ID,
        group[0].code,
        row["name"],
        ROUTE_TYPE_BUS,
        colour,
        text_colour(colour) if colour else "",
        CONTINUOUS_ANYWHERE,
        CONTINUOUS_ANYWHERE,
    )


def _trip_record(trip: _Trip) -> tuple[Any, ...]:
    headsign = _clean(trip.row["destination"]) or trip.names[-1]
    direction = trip.row["direction"]
    return (trip.code, SERVICE_ID, trip.trip_id, headsign, direction, trip.trip_id)


def _shape_records(trips: list[_Trip], report: GtfsReport) -> Iterator[tuple[Any, ...]]:
    for trip in trips:
        report.shape_points += len(trip.line)
        shape_id = trip.trip_id
        lons, lats = trip.line.coords[:, 0].tolist(), trip.line.coords[:, 1].tolist()
        for seq, (lon, lat, dist) in enumerate(
            zip(lons, lats, trip.line.dist_m.tolist(), strict=True), start=1
        ):
            yield (shape_id, f"{lat:.7f}", f"{lon:.7f}", seq, f"{dist:.3f}")


def _stop_records(trips: list[_Trip], report: GtfsReport) -> Iterator[tuple[Any, ...]]:
    for trip in trips:
        report.stops += len(trip.names)
        for seq, ((lon, lat), name) in enumerate(
            zip(trip.stops.points.tolist(), trip.names, strict=True), start=1
        ):
            yield (f"{trip.trip_id}:{seq}", name, f"{lat:.7f}", f"{lon:.7f}")


def _stop_time_records(trips: list[_Trip]) -> Iterator[tuple[Any, ...]]:
    for trip in trips:
        speed_ms = float(trip.row["speed_kmh"]) / 3.6
        for seq, offset in enumerate(trip.stops.offsets_m.tolist(), start=1):
            at = _hms(SERVICE_START_S + round(offset / speed_ms))
            yield (
                trip.trip_id,
                at,
                at,
                f"{trip.trip_id}:{seq}",
                seq,
                f"{offset:.3f}",
                0,  # times are approximate: hail-and-ride
                CONTINUOUS_ANYWHERE,
                CONTINUOUS_ANYWHERE,
            )


def _write_table(
    archive: zipfile.ZipFile, name: str, columns: Sequence[str], records: Iterable[Sequence[Any]]
) -> None:
    with (
        archive.open(name, "w", force_zip64=True) as raw,
        io.TextIOWrapper(raw, encoding="utf-8", newline="") as handle,
    ):
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(records)


# -- values ------------------------------------------------------------------------------------
def text_colour(colour: str) -> str:
    """``000000`` or ``FFFFFF``, whichever reads better on ``colour`` (``RRGGBB``)."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    return "000000" if luminance > 0.179 else "FFFFFF"


def _hex(colour: Any) -> str:
    match = _HEX.match(str(colour or "").strip())
    return match.group(1).upper() if match else ""


def _fare_id(fare_idr: Any) -> str:
    return f"idr-{int(fare_idr)}"


def _hms(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def _ymd(day: date) -> str:
    return day.strftime("%Y%m%d")


def _clean(value: Any) -> str | None:
    out = " ".join(str(value).split()) if value is not None else ""
    return out or None
