"""Import angkot routes drawn as lines (GeoJSON, KML, GPKG, Shapefile) into ``angkot_route``."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import LineString
from shapely.geometry.base import BaseGeometry
from sqlalchemy.orm import Session

from data.importers.common import (
    ImportReport,
    Writer,
    clean_text,
    column_values,
    pick_field,
    text_problem,
    unique_rows,
    write_rows,
)
from data.importers.vector import read_vector, usable_geometry, wkb_hex
from data.progress import Progress, tick
from geo.accounts import Principal
from geo.cities import get_city
from geo.editing import IMPORTER, write_routes
from geo.errors import InvalidFileError, InvalidInputError

CODE_FIELDS = (
    "code",
    "kode",
    "route_code",
    "kode_trayek",
    "trayek",
    "route_short_name",
    "route_id",
    "ref",
    "name",
)
NAME_FIELDS = ("name", "nama", "nama_trayek", "route_name", "route_long_name")
DIRECTION_FIELDS = ("direction", "direction_id", "arah")
COLOUR_FIELDS = ("colour", "color", "warna", "route_color", "stroke")
ORIGIN_FIELDS = ("origin", "asal", "from")
DESTINATION_FIELDS = ("destination", "tujuan", "to")
FARE_FIELDS = ("fare_idr", "fare", "tarif")
HEADWAY_FIELDS = ("headway_s", "headway")
SPEED_FIELDS = ("speed_kmh", "speed", "kecepatan")
DIRECTION_OF: dict[str, int] = {
    **dict.fromkeys(("0", "pergi", "berangkat", "outbound", "a", "forward"), 0),
    **dict.fromkeys(("1", "pulang", "kembali", "balik", "inbound", "b", "return", "backward"), 1),
}
_HEX = re.compile(r"^#?([0-9a-fA-F]{6}|[0-9a-fA-F]{3})$")


@dataclass(frozen=True)
class RouteDefaults:
    """Values for routes whose file gives none."""

    colour: str = "#1f78b4"
    fare_idr: int = 5000
    headway_s: int = 600
    speed_kmh: float = 15.0

    def checked(self) -> RouteDefaults:
        """The defaults, validated.

        Raises:
            InvalidInputError: A default is out of range.
        """
        colour = normalise_colour(self.colour)
        if colour is None:
            raise InvalidInputError("the default colour must be a hex colour such as #1f78b4")
        if self.fare_idr < 0:
            raise InvalidInputError("the default fare must be >= 0")
        if self.headway_s <= 0:
            raise InvalidInputError("the default headway must be > 0 seconds")
        if not 0 < self.speed_kmh <= 120:
            raise InvalidInputError("the default speed must be in (0, 120] km/h")
        return RouteDefaults(colour, self.fare_idr, self.headway_s, self.speed_kmh)


def route_writer(principal: Principal | None, source: str) -> Writer:
    """The batch writer of imported routes: ``geo.editing.write_routes`` by (code, direction).

    Every changed route becomes a published version (author: ``principal``, message
    ``imported: <source>``); an update bumps the route's revision.
    """
    who = principal or IMPORTER

    def write(session: Session, city_id: int, rows: list[dict[str, Any]]) -> tuple[int, int]:
        done = write_routes(session, who, city_id, rows, message=f"imported: {source}"[:200])
        return done.inserted, done.updated

    return write


def normalise_colour(value: Any) -> str | None:
    """``#rrggbb`` (lowercase) from ``#RRGGBB``, ``RRGGBB`` or ``#rgb``; else None."""
    raw = clean_text(value)
    match = _HEX.match(raw or "")
    if match is None:
        return None
    digits = match.group(1).lower()
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    return "#" + digits


def normalise_direction(value: Any) -> int | None:
    """0 or 1 from 0/1, pergi/pulang, outbound/inbound, A/B; empty -> 0; else None."""
    raw = clean_text(value)
    if raw is None:
        return 0
    return DIRECTION_OF.get(raw.lower())


def route_line(geom: BaseGeometry | None) -> tuple[BaseGeometry | None, str | None]:
    """A route's LineString: multi-lines are merged when they join into one line."""
    if geom is not None and geom.geom_type == "MultiLineString":
        merged = shapely.line_merge(shapely.force_2d(geom))
        if merged.geom_type != "LineString":
            return None, f"the route is {len(merged.geoms)} disconnected lines"
        geom = merged
    return usable_geometry(geom, "LineString")


def route_row(
    ref: str,
    line: LineString,
    defaults: RouteDefaults,
    *,
    code: str | None,
    direction: int,
    name: str | None,
    **values: Any,
) -> tuple[dict[str, Any] | None, str | None]:
    """One upsert row, or ``(None, reason)``; missing values come from ``defaults``."""
    if code is None:
        return None, "no route code"
    if len(code) > 32:
        return None, "route code longer than 32 characters"
    too_long = text_problem(
        name=(name, 200),
        origin=(values.get("origin"), 200),
        destination=(values.get("destination"), 200),
    )
    if too_long:
        return None, too_long
    row = {
        "ref": ref,
        "code": code,
        "direction": direction,
        "name": name or code,
        "origin": clean_text(values.get("origin")),
        "destination": clean_text(values.get("destination")),
        "colour": values.get("colour") or defaults.colour,
        "fare_idr": defaults.fare_idr,
        "headway_s": defaults.headway_s,
        "speed_kmh": defaults.speed_kmh,
        "wkb": wkb_hex(line),
    }
    for key, low, high in (
        ("fare_idr", 0, 1_000_000),
        ("headway_s", 1, 86_400),
        ("speed_kmh", 0.1, 120),
    ):
        raw = values.get(key)
        if raw is None or clean_text(raw) is None:
            continue
        try:
            number = float(str(raw).replace(",", "."))
        except ValueError:
            return None, f"{key} '{raw}' is not a number"
        if not (math.isfinite(number) and low <= number <= high):
            return None, f"{key} {number:g} is outside {low}..{high}"
        row[key] = number if key == "speed_kmh" else round(number)
    return row, None


def import_routes(
    session: Session,
    city_slug: str,
    path: Path,
    *,
    code_field: str | None = None,
    name_field: str | None = None,
    direction_field: str | None = None,
    colour_field: str | None = None,
    defaults: RouteDefaults | None = None,
    layer: str | None = None,
    progress: Progress | None = None,
    principal: Principal | None = None,
) -> ImportReport:
    """Load angkot routes drawn as lines; re-running updates them by (code, direction).

    Routes are written by ``geo.editing.write_routes``: every new or changed route is also a
    published version in its history (the editor's list shows it).

    Optional columns picked up by name: origin/asal, destination/tujuan, fare_idr/tarif,
    headway_s, speed_kmh. MultiLineStrings are merged when they form one line.

    Args:
        session: Open session; the caller commits.
        city_slug: The city to load into.
        path: GeoJSON, KML, GeoPackage or Shapefile of LineStrings; any CRS.
        code_field: Column of the route code (default code, kode, route_short_name, ref ...).
        name_field: Column of the name (default name, nama, route_long_name ...).
        direction_field: Column of the direction (0/1, pergi/pulang); default: all 0.
        colour_field: Column of the colour (default colour, color, warna, route_color).
        defaults: Colour, fare, headway and speed for routes without them.
        layer: Layer of a multi-layer file (KML: all layers by default).
        progress: ``progress(stage, done, total)``.
        principal: Who imports (the versions' author; default ``geo.editing.IMPORTER``).

    Returns:
        The import report.

    Raises:
        CityNotFoundError: No such city.
        InvalidInputError: Bad defaults.
        InvalidFileError: Unreadable file, no lines, missing field, unknown CRS.
    """
    defaults = (defaults or RouteDefaults()).checked()
    city = get_city(session, city_slug)
    report = ImportReport(kind="routes")
    tick(progress, "reading", 0, 1)
    gdf = read_vector(path, report, layer=layer)
    report.read = len(gdf)
    kinds = set(gdf.geometry.dropna().geom_type)
    if kinds and not kinds & {"LineString", "MultiLineString"}:
        raise InvalidFileError(
            f"{Path(path).name}: wrong geometry type: routes are lines,"
            f" the file has {', '.join(sorted(kinds))}"
        )
    cols = list(gdf.columns)
    code_col = pick_field(cols, code_field, CODE_FIELDS, label="route code", option="--code-field")
    name_col = pick_field(
        cols,
        name_field,
        [f for f in NAME_FIELDS if f != code_col],
        label="name",
        option="--name-field",
        required=False,
    )
    optional = {
        "direction": pick_field(
            cols,
            direction_field,
            DIRECTION_FIELDS,
            label="direction",
            option="--direction-field",
            required=False,
        ),
        "colour": pick_field(
            cols,
            colour_field,
            COLOUR_FIELDS,
            label="colour",
            option="--colour-field",
            required=False,
        ),
        "origin": pick_field(cols, None, ORIGIN_FIELDS, label="", option="", required=False),
        "destination": pick_field(
            cols, None, DESTINATION_FIELDS, label="", option="", required=False
        ),
        "fare_idr": pick_field(cols, None, FARE_FIELDS, label="", option="", required=False),
        "headway_s": pick_field(cols, None, HEADWAY_FIELDS, label="", option="", required=False),
        "speed_kmh": pick_field(cols, None, SPEED_FIELDS, label="", option="", required=False),
    }
    codes, names = column_values(gdf, code_col), column_values(gdf, name_col)
    extra = {key: column_values(gdf, col) for key, col in optional.items()}
    tick(progress, "reading", 1, 1)
    keyed = []
    for i, geom in enumerate(gdf.geometry):
        code, name = clean_text(codes[i]), clean_text(names[i])
        ref = f"{code or '#' + str(i + 1)}"
        direction = normalise_direction(extra["direction"][i])
        if direction is None:
            report.reject(ref, f"unknown direction '{clean_text(extra['direction'][i])}'")
            continue
        ref = f"{ref}/{direction}"
        line, reason = route_line(geom)
        if line is None:
            report.reject(ref, reason or "unusable geometry")
            continue
        colour = normalise_colour(extra["colour"][i])
        if colour is None and clean_text(extra["colour"][i]) is not None:
            report.note(f"colours that are not hex (#rrggbb) got the default {defaults.colour}")
        values = {key: extra[key][i] for key in extra if key not in {"direction", "colour"}}
        row, reason = route_row(
            ref,
            line,
            defaults,
            code=code,
            direction=direction,
            name=name,
            colour=colour,
            **values,
        )
        if row is None:
            report.reject(ref, reason or "unusable values")
            continue
        keyed.append(((code, direction), row))
    rows = unique_rows(keyed, report)
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
