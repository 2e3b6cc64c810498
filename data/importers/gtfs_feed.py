"""Reading a GTFS feed (zip) for the import: the tables it uses, as strings, with their key
columns checked, and every table's rows checked against its header (a cut or damaged file is
refused rather than read with empty values)."""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import pandas as pd

from data.importers.vector import check_file
from geo.errors import InvalidFileError

REQUIRED = {
    "routes.txt": ("route_id",),
    "trips.txt": ("route_id", "trip_id"),
    "shapes.txt": ("shape_id", "shape_pt_lat", "shape_pt_lon", "shape_pt_sequence"),
}
OPTIONAL = {
    "frequencies.txt": ("trip_id", "headway_secs"),
    "stop_times.txt": ("trip_id", "stop_sequence"),
    "stops.txt": ("stop_id",),
    "fare_attributes.txt": ("fare_id", "price"),
    "fare_rules.txt": ("fare_id",),
}
STOP_TIME_COLUMNS = {"trip_id", "arrival_time", "departure_time", "stop_id", "stop_sequence"}


@dataclass
class Feed:
    """The tables of a GTFS feed that the import uses (all columns as strings)."""

    tables: dict[str, pd.DataFrame]

    def get(self, name: str) -> pd.DataFrame | None:
        """The table, or None when the feed lacks it."""
        return self.tables.get(name)

    def __getitem__(self, name: str) -> pd.DataFrame:
        return self.tables[name]


def read_feed(path: Path) -> Feed:
    """Read the tables of a GTFS zip that the import needs.

    Raises:
        InvalidFileError: Not a zip, or routes/trips/shapes (or their key columns) missing.
    """
    path = check_file(Path(path))
    if not zipfile.is_zipfile(path):
        raise InvalidFileError(f"{path.name} is not a zip file, so not a GTFS feed")
    tables: dict[str, pd.DataFrame] = {}
    try:
        with zipfile.ZipFile(path) as archive:
            members = {PurePosixPath(n).name: n for n in archive.namelist() if n.count("/") <= 1}
            missing = [name for name in REQUIRED if name not in members]
            if missing:
                raise InvalidFileError(
                    f"{path.name}: a GTFS feed needs {', '.join(REQUIRED)};"
                    f" missing {', '.join(missing)}"
                )
            for name, needed in {**REQUIRED, **OPTIONAL}.items():
                if name in members:
                    tables[name] = _read_table(archive, members[name], name, needed)
    except (zipfile.BadZipFile, OSError) as exc:
        raise InvalidFileError(f"{path.name} is a damaged zip file") from exc
    return Feed(tables)


def _read_table(
    archive: zipfile.ZipFile, member: str, name: str, needed: tuple[str, ...]
) -> pd.DataFrame:
    def wanted(column: str) -> bool:
        return name != "stop_times.txt" or column.strip() in STOP_TIME_COLUMNS

    _check_field_counts(archive, member, name)
    try:
        with archive.open(member) as handle:
            frame = pd.read_csv(
                handle, dtype=str, keep_default_na=False, encoding="utf-8-sig", usecols=wanted
            )
    except pd.errors.EmptyDataError:
        frame = pd.DataFrame(columns=list(needed))
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        raise InvalidFileError(f"{name} in the feed cannot be read as CSV") from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    absent = [c for c in needed if c not in frame.columns]
    if absent:
        raise InvalidFileError(f"{name} in the feed lacks the column(s) {', '.join(absent)}")
    return frame.apply(lambda col: col.str.strip())


# the columns the GTFS reference marks Required, per table: a row must reach the last of them
SPEC_REQUIRED = {
    "routes.txt": ("route_id", "route_type"),
    "trips.txt": ("route_id", "service_id", "trip_id"),
    "shapes.txt": ("shape_id", "shape_pt_lat", "shape_pt_lon", "shape_pt_sequence"),
    "frequencies.txt": ("trip_id", "start_time", "end_time", "headway_secs"),
    "stop_times.txt": ("trip_id", "stop_id", "stop_sequence"),
    "stops.txt": ("stop_id",),
    "fare_attributes.txt": ("fare_id", "price", "currency_type", "payment_method"),
    "fare_rules.txt": ("fare_id",),
}


def _check_field_counts(archive: zipfile.ZipFile, member: str, name: str) -> None:
    """A table cut mid-line or damaged is refused: read as it is, its broken row would be
    taken with empty values. A row may leave out trailing optional fields (real feeds do),
    but not a required one, nor have more fields than the header; the last line may not be
    short of the header when the file does not end with a line break (cut while written).

    Raises:
        InvalidFileError: Such a line, or text that is not UTF-8.
    """
    try:
        with archive.open(member) as raw:
            reader = csv.reader(io.TextIOWrapper(raw, encoding="utf-8-sig", newline=""))
            header = [c.strip() for c in next(reader, [])]
            required = [header.index(c) for c in SPEC_REQUIRED.get(name, ()) if c in header]
            least = max(required, default=0) + 1
            last: list[str] | None = None
            for row in reader:
                if not row or row == [""]:
                    continue  # blank lines carry nothing
                if not least <= len(row) <= len(header):
                    raise InvalidFileError(
                        f"{name} in the feed, line {reader.line_num}: {len(row)} fields where"
                        f" the header has {len(header)} (the file is cut or damaged)"
                    )
                last = row
        with archive.open(member) as raw:
            raw.seek(max(0, archive.getinfo(member).file_size - 1))
            ends_with_newline = raw.read(1) in (b"\n", b"\r")
        if last is not None and not ends_with_newline and len(last) < len(header):
            raise InvalidFileError(
                f"{name} in the feed ends in the middle of a line ({len(last)} of"
                f" {len(header)} fields and no line break): the file is cut"
            )
    except (UnicodeDecodeError, csv.Error) as exc:
        raise InvalidFileError(f"{name} in the feed cannot be read as UTF-8 CSV") from exc
