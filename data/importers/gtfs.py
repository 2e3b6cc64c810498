"""Import a GTFS feed (zip) as angkot routes: one row per (route, direction) with its shape.

Headway: the median ``headway_secs`` of frequencies.txt rows for the route's trips, else the
median gap between trip start times (stop_times.txt), else the default. Speed: shape length over
the median trip duration when that gives 3-80 km/h, else the default. Fare: fare_rules.txt's
fare for the route; without fare_rules.txt the first IDR fare of fare_attributes.txt applies to
every route (reported as a note); else the default. Reading and checking the zip:
``data.importers.gtfs_feed``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from pyproj import Geod
from shapely.geometry import LineString
from sqlalchemy.orm import Session

from data.importers.common import ImportReport, write_rows
from data.importers.gtfs_feed import Feed, read_feed
from data.importers.routes import (
    RouteDefaults,
    normalise_colour,
    route_line,
    route_row,
    route_writer,
)
from data.progress import Progress, tick
from geo.accounts import Principal
from geo.cities import get_city
from geo.errors import InvalidFileError

SPEED_RANGE_KMH = (3.0, 80.0)
_GEOD = Geod(ellps="WGS84")
_TIME = r"^\s*(\d+):(\d{1,2}):(\d{1,2})\s*$"


def _seconds(values: pd.Series) -> pd.Series:
    parts = values.str.extract(_TIME).astype(float)
    return parts[0] * 3600 + parts[1] * 60 + parts[2]


def _shapes(feed: Feed) -> dict[str, LineString | None]:
    frame = feed["shapes.txt"].copy()
    for col in ("shape_pt_lat", "shape_pt_lon", "shape_pt_sequence"):
        frame[col] = pd.to_numeric(frame[col], errors="coerce")
    bad = frame[["shape_pt_lat", "shape_pt_lon", "shape_pt_sequence"]].isna().any(axis=1)
    bad |= ~frame["shape_pt_lat"].between(-90, 90) | ~frame["shape_pt_lon"].between(-180, 180)
    if bad.any():  # a corrupt point would bend the route: refuse the feed, write nothing
        first = frame[bad].iloc[0]
        raise InvalidFileError(
            f"shapes.txt in the feed: {int(bad.sum())} point(s) without valid numbers (first:"
            f" shape {str(first['shape_id'])[:40]}, line {int(first.name) + 2})"
        )
    frame = frame.sort_values(["shape_id", "shape_pt_sequence"], kind="stable")
    out: dict[str, LineString | None] = {}
    for shape_id, group in frame.groupby("shape_id", sort=True):
        coords = list(zip(group["shape_pt_lon"], group["shape_pt_lat"], strict=True))
        out[str(shape_id)] = LineString(coords) if len(coords) >= 2 else None
    return out


def _trip_stats(feed: Feed) -> pd.DataFrame | None:
    """Per trip: start and end time (s) and first and last stop, from stop_times.txt."""
    stop_times = feed.get("stop_times.txt")
    if stop_times is None or stop_times.empty:
        return None
    order = pd.DataFrame(
        {
            "trip_id": stop_times["trip_id"],
            "seq": pd.to_numeric(stop_times["stop_sequence"], errors="coerce"),
        }
    )
    order = order.dropna(subset=["seq"]).sort_values(["trip_id", "seq"], kind="stable")
    ends = {}
    for keep in ("first", "last"):
        rows = stop_times.loc[order.drop_duplicates("trip_id", keep=keep).index]
        blank = pd.Series([""] * len(rows), index=rows.index)
        ends[keep] = pd.DataFrame(
            {
                "dep": _seconds(rows.get("departure_time", blank)),
                "arr": _seconds(rows.get("arrival_time", blank)),
                "stop_id": rows.get("stop_id", blank),
            }
        ).set_axis(rows["trip_id"])
    first, last = ends["first"], ends["last"]
    return pd.DataFrame(
        {
            "start_s": first["dep"].fillna(first["arr"]),
            "end_s": last["arr"].fillna(last["dep"]),
            "first_stop": first["stop_id"],
            "last_stop": last["stop_id"],
        }
    )


def _fares(feed: Feed, report: ImportReport) -> tuple[dict[str, int], int | None]:
    attrs = feed.get("fare_attributes.txt")
    if attrs is None or attrs.empty:
        return {}, None
    attrs = attrs.assign(price_n=pd.to_numeric(attrs["price"], errors="coerce"))
    currency = attrs.get("currency_type", pd.Series(["IDR"] * len(attrs), index=attrs.index))
    usable = attrs[(currency.str.upper() == "IDR") & attrs["price_n"].ge(0)]
    if len(usable) < len(attrs):
        report.note("fare_attributes.txt: fares not in IDR or without a price were ignored")
    price_of = {str(r.fare_id): round(float(r.price_n)) for r in usable.itertuples()}
    by_route: dict[str, int] = {}
    rules = feed.get("fare_rules.txt")
    if rules is not None and "route_id" in rules.columns:
        for rule in rules.itertuples():
            if rule.route_id and rule.fare_id in price_of and rule.route_id not in by_route:
                by_route[str(rule.route_id)] = price_of[str(rule.fare_id)]
    first = usable.iloc[0] if len(usable) else None
    if first is None:
        return by_route, None
    report.note(
        f"routes without a fare rule get fare '{first.fare_id}' ({price_of[str(first.fare_id)]}"
        " IDR), the first in fare_attributes.txt"
    )
    return by_route, price_of[str(first.fare_id)]


def _headway_s(
    trip_ids: pd.Series, freq: pd.DataFrame | None, stats: pd.DataFrame | None
) -> int | None:
    if freq is not None:
        rows = freq[freq["trip_id"].isin(trip_ids)]
        secs = pd.to_numeric(rows["headway_secs"], errors="coerce")
        secs = secs[secs > 0]
        if len(secs):
            return round(float(secs.median()))
    if stats is not None:
        starts = stats.reindex(trip_ids.unique())["start_s"].dropna().drop_duplicates()
        gaps = starts.sort_values().diff().dropna()
        gaps = gaps[gaps > 0]
        if len(gaps):
            return round(float(gaps.median()))
    return None


def _codes(routes: pd.DataFrame) -> dict[str, str]:
    short = routes.get("route_short_name", pd.Series([""] * len(routes), index=routes.index))
    counts = short[short != ""].value_counts()
    return {
        str(rid): (str(s) if s and counts.get(s, 0) == 1 else str(rid))
        for rid, s in zip(routes["route_id"], short, strict=True)
    }


def import_gtfs(
    session: Session,
    city_slug: str,
    path: Path,
    *,
    defaults: RouteDefaults | None = None,
    progress: Progress | None = None,
    principal: Principal | None = None,
) -> ImportReport:
    """Load a GTFS feed as angkot routes; re-running updates them by (code, direction).

    Routes are written by ``geo.editing.write_routes`` (each change a published version).

    The code is ``route_short_name`` (``route_id`` when empty or not unique), the name
    ``route_long_name``; the geometry is the shape most of the direction's trips use; origin and
    destination are the first and last stop of its earliest trip (else the headsign).

    Args:
        session: Open session; the caller commits.
        city_slug: The city to load into.
        path: The feed zip (routes, trips, shapes; frequencies, stop_times, stops, fares used
            when present).
        defaults: Colour, fare, headway and speed when the feed gives none.
        progress: ``progress(stage, done, total)``.
        principal: Who imports (the versions' author; default ``geo.editing.IMPORTER``).

    Returns:
        The import report.

    Raises:
        CityNotFoundError: No such city.
        InvalidFileError: Not a zip, or a required file or column missing.
    """
    defaults = (defaults or RouteDefaults()).checked()
    city = get_city(session, city_slug)
    report = ImportReport(kind="GTFS routes")
    tick(progress, "reading feed", 0, 3)
    feed = read_feed(Path(path))
    tick(progress, "reading feed", 1, 3)
    shapes = _shapes(feed)
    stats = _trip_stats(feed)
    tick(progress, "reading feed", 2, 3)
    fare_by_route, fare_default = _fares(feed, report)
    freq = feed.get("frequencies.txt")
    trips = feed["trips.txt"]
    if freq is not None:
        unknown = ~freq["trip_id"].isin(trips["trip_id"])
        if unknown.any():
            report.note(
                f"frequencies.txt: {int(unknown.sum())} rows name trips missing from trips.txt;"
                " ignored"
            )
    stops = feed.get("stops.txt")
    stop_names: dict[str, str] = {}
    if stops is not None and "stop_name" in stops.columns:
        stop_names = dict(zip(stops["stop_id"], stops["stop_name"], strict=True))
    routes = feed["routes.txt"]
    codes = _codes(routes)
    tick(progress, "reading feed", 3, 3)
    context = _Context(shapes, stats, freq, stop_names, defaults, report)
    rows: list[dict[str, Any]] = []
    for route in routes.to_dict("records"):
        rid = str(route["route_id"])
        own = trips[trips["route_id"] == rid]
        if own.empty:
            report.read += 1
            report.reject(codes[rid], "no trips in trips.txt")
            continue
        directions = own.get("direction_id", pd.Series([""] * len(own), index=own.index))
        directions = directions.replace("", "0")
        for direction, group in own.groupby(directions, sort=True):
            report.read += 1
            ref = f"{codes[rid]}/{direction}"
            if direction not in {"0", "1"}:
                report.reject(ref, f"direction_id '{direction}' is not 0 or 1")
                continue
            row, reason = _route_row(
                context,
                route,
                group,
                code=codes[rid],
                direction=int(direction),
                fare_idr=fare_by_route.get(rid, fare_default),
            )
            if row is None:
                report.reject(ref, reason or "unusable")
            else:
                rows.append(row)
    with session.begin_nested():
        write_rows(
            session,
            route_writer(principal, Path(path).name),
            city.id,
            rows,
            report,
            progress=progress,
            stage="writing routes",
        )
    return report


@dataclass
class _Context:
    shapes: dict[str, LineString | None]
    stats: pd.DataFrame | None
    freq: pd.DataFrame | None
    stop_names: dict[str, str]
    defaults: RouteDefaults
    report: ImportReport


def _route_row(
    context: _Context,
    route: dict[str, Any],
    trips: pd.DataFrame,
    *,
    code: str,
    direction: int,
    fare_idr: int | None,
) -> tuple[dict[str, Any] | None, str | None]:
    shapes, stats, freq = context.shapes, context.stats, context.freq
    stop_names, defaults, report = context.stop_names, context.defaults, context.report
    ref = f"{code}/{direction}"
    shape_ids = trips.get("shape_id", pd.Series([""] * len(trips), index=trips.index))
    counts = shape_ids[shape_ids != ""].value_counts()
    if counts.empty:
        return None, "its trips have no shape_id"
    best = sorted(counts[counts == counts.max()].index)[0]
    if len(counts) > 1:
        report.note(f"{ref}: {len(counts)} shapes; the most used one ('{best}') was imported")
    if shapes.get(best) is None:
        return None, f"shape '{best}' is not in shapes.txt (or has fewer than 2 points)"
    line, reason = route_line(shapes[best])
    if line is None:
        return None, reason
    shaped = trips[shape_ids == best]
    headway = _headway_s(trips["trip_id"], freq, stats)
    origin = destination = None
    speed = None
    if stats is not None:
        timed = stats.reindex(shaped["trip_id"]).dropna(subset=["start_s"])
        if len(timed):
            earliest = timed.sort_values("start_s", kind="stable").iloc[0]
            origin = stop_names.get(str(earliest["first_stop"])) or None
            destination = stop_names.get(str(earliest["last_stop"])) or None
            duration_s = (timed["end_s"] - timed["start_s"]).median()
            if pd.notna(duration_s) and duration_s > 0:
                length_m = _GEOD.geometry_length(line)
                speed = round(length_m / 1000 / (float(duration_s) / 3600), 1)
    if destination is None and "trip_headsign" in trips.columns:
        heads = trips["trip_headsign"][trips["trip_headsign"] != ""]
        destination = str(heads.value_counts().index[0]) if len(heads) else None
    low, high = SPEED_RANGE_KMH
    if speed is not None and not low <= speed <= high:
        report.note(f"{ref}: shape length / trip time gives {speed} km/h; default used")
        speed = None
    values: dict[str, Any] = {
        "origin": origin,
        "destination": destination,
        "colour": normalise_colour(route.get("route_color")),
        "fare_idr": fare_idr,
        "headway_s": headway,
        "speed_kmh": speed,
    }
    name = route.get("route_long_name") or route.get("route_short_name") or code
    return route_row(ref, line, defaults, code=code, direction=direction, name=str(name), **values)
