"""The tables of a GTFS feed: their columns, one record per route, trip, shape point, stop and
stop time of the hail-and-ride trips, and the GTFS spelling of the values (colours, times, dates).

``data.exporters.gtfs`` reads the routes into ``Trip``s and writes these records into the zip.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from data.exporters.stops import Line, StopPoints

AGENCY_ID = "dishub"
SERVICE_ID = "setiap-hari"
SERVICE_START_S = 5 * 3600
SERVICE_END_S = 21 * 3600
ROUTE_TYPE_BUS = 3
CONTINUOUS_ANYWHERE = 0  # GTFS: continuous stopping pickup / drop off along the whole line
_HEX = re.compile(r"^#?([0-9a-fA-F]{6})$")


@dataclass
class Trip:
    """One direction of a route: its row, measured line, stops and their names."""

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


def route_record(group: list[Trip]) -> tuple[Any, ...]:
    """The routes.txt record of one route code (its directions, the first one's values)."""
    row = group[0].row
    colour = hex_colour(row["colour"])
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


def trip_record(trip: Trip) -> tuple[Any, ...]:
    """The trips.txt record of one direction."""
    headsign = clean(trip.row["destination"]) or trip.names[-1]
    direction = trip.row["direction"]
    return (trip.code, SERVICE_ID, trip.trip_id, headsign, direction, trip.trip_id)


def shape_records(trips: list[Trip]) -> Iterator[tuple[Any, ...]]:
    """The shapes.txt records: each trip's line, lat/lon with the distance along it."""
    for trip in trips:
        shape_id = trip.trip_id
        lons, lats = trip.line.coords[:, 0].tolist(), trip.line.coords[:, 1].tolist()
        for seq, (lon, lat, dist) in enumerate(
            zip(lons, lats, trip.line.dist_m.tolist(), strict=True), start=1
        ):
            yield (shape_id, f"{lat:.7f}", f"{lon:.7f}", seq, f"{dist:.3f}")


def stop_records(trips: list[Trip]) -> Iterator[tuple[Any, ...]]:
    """The stops.txt records: each trip's own stops, named."""
    for trip in trips:
        for seq, ((lon, lat), name) in enumerate(
            zip(trip.stops.points.tolist(), trip.names, strict=True), start=1
        ):
            yield (f"{trip.trip_id}:{seq}", name, f"{lat:.7f}", f"{lon:.7f}")


def stop_time_records(trips: list[Trip]) -> Iterator[tuple[Any, ...]]:
    """The stop_times.txt records, timed from the trip's speed from the start of service."""
    for trip in trips:
        speed_ms = float(trip.row["speed_kmh"]) / 3.6
        for seq, offset in enumerate(trip.stops.offsets_m.tolist(), start=1):
            at = hms(SERVICE_START_S + round(offset / speed_ms))
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


def write_table(
    archive: zipfile.ZipFile, name: str, columns: Sequence[str], records: Iterable[Sequence[Any]]
) -> None:
    """Write one CSV table into the zip, row by row."""
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


def hex_colour(colour: Any) -> str:
    """``RRGGBB`` (upper case) of a ``#rrggbb``/``rrggbb`` colour; empty when it is none."""
    match = _HEX.match(str(colour or "").strip())
    return match.group(1).upper() if match else ""


def fare_id(fare_idr: Any) -> str:
    """The ``fare_id`` of a fare in IDR."""
    return f"idr-{int(fare_idr)}"


def hms(seconds: int) -> str:
    """``HH:MM:SS`` of seconds after midnight (GTFS times may pass 24:00)."""
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def ymd(day: date) -> str:
    """``YYYYMMDD`` of a date."""
    return day.strftime("%Y%m%d")


def clean(value: Any) -> str | None:
    """``value`` with its white space collapsed; None when nothing is left."""
    out = " ".join(str(value).split()) if value is not None else ""
    return out or None
