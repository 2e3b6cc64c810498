"""Import schools (GeoJSON/GPKG/SHP points, or CSV with lat/lon columns) into ``school``.

Levels are normalised to the five of the schema. Madrasah (Kemenag) map to the general school
of the same grade band: MI -> SD, MTs -> SMP, MA -> SMA, MAK -> SMK; SDLB/SMPLB/SMALB -> SLB.
Kindergartens (TK, RA, PAUD, KB) and higher education are rejected. Status: N/negeri/public ->
``negeri``, S/swasta/private -> ``swasta``. A coordinate of exactly 0 is a placeholder and is
rejected, as are missing, non-numeric and out-of-range coordinates.
"""

from __future__ import annotations

import csv
import io
import math
import re
from pathlib import Path
from typing import Any

import pandas as pd
import shapely
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry
from sqlalchemy import text
from sqlalchemy.orm import Session

from data.importers.common import (
    ImportReport,
    clean_text,
    column_values,
    pick_field,
    text_problem,
    unique_rows,
    write_rows,
)
from data.importers.vector import check_file, read_vector, wkb_hex
from data.progress import Progress, tick
from geo.cities import get_city
from geo.errors import InvalidFileError
from geo.models import SCHOOL_LEVELS

NPSN_FIELDS = ("npsn", "kode_npsn", "ref:npsn")
NAME_FIELDS = ("sekolah", "nama_sekolah", "nama", "name", "school_name")
LEVEL_FIELDS = ("bentuk", "bentuk_pendidikan", "jenjang", "level", "tingkat", "school_level")
STATUS_FIELDS = ("status", "status_sekolah", "status_label")
ADDRESS_FIELDS = ("alamat_jalan", "alamat", "address", "addr:full")
LAT_FIELDS = ("lat", "latitude", "lintang", "y")
LON_FIELDS = ("lon", "lng", "long", "longitude", "bujur", "x")
CSV_SUFFIXES = {".csv", ".tsv", ".txt"}
ADDRESS_MAX = 500  # longer is not an address (a 2 MB one is refused, never stored)

# fmt: off
_LEVELS: dict[str, tuple[str, ...]] = {
    "SD": ("SD", "SDN", "SDS", "SEKOLAH DASAR", "MI", "MIN", "MIS", "MADRASAH IBTIDAIYAH",
           "PRIMARY", "ELEMENTARY", "1"),
    "SMP": ("SMP", "SMPN", "SMPS", "SLTP", "SEKOLAH MENENGAH PERTAMA", "MTS", "MTSN", "MTSS",
            "MADRASAH TSANAWIYAH", "JUNIOR HIGH", "2"),
    "SMA": ("SMA", "SMAN", "SMAS", "SMU", "SLTA", "SEKOLAH MENENGAH ATAS", "MA", "MAN", "MAS",
            "MADRASAH ALIYAH", "SENIOR HIGH", "3"),
    "SMK": ("SMK", "SMKN", "SMKS", "STM", "SMEA", "SEKOLAH MENENGAH KEJURUAN", "MAK",
            "MADRASAH ALIYAH KEJURUAN", "VOCATIONAL"),
    "SLB": ("SLB", "SLBN", "SDLB", "SMPLB", "SMALB", "SMLB", "SEKOLAH LUAR BIASA"),
}
# fmt: on
LEVEL_OF: dict[str, str] = {alias: level for level, aliases in _LEVELS.items() for alias in aliases}
NOT_SERVED = ("TK", "TKN", "TKS", "RA", "PAUD", "KB", "TPA", "SPS", "KINDERGARTEN", "0")
STATUS_OF: dict[str, str] = {
    **dict.fromkeys(("N", "NEGERI", "PUBLIC", "GOVERNMENT", "PEMERINTAH"), "negeri"),
    **dict.fromkeys(("S", "SWASTA", "PRIVATE"), "swasta"),
}
_PUNCT = re.compile(r"[^A-Z0-9 ]+")

UPSERT_SCHOOLS = text(
    """
    WITH src AS (
        SELECT r.npsn, r.name, r.level, r.status, r.address,
               ST_GeomFromWKB(decode(r.wkb, 'hex'), 4326) AS geom
        FROM json_to_recordset(CAST(:rows AS json))
             AS r(npsn text, name text, level text, status text, address text, wkb text)
    ), placed AS (
        SELECT s.*, (SELECT a.code FROM admin_area a
                     WHERE a.city_id = :city_id AND a.level = 'kelurahan'
                       AND ST_Covers(a.geom, s.geom)
                     ORDER BY a.code LIMIT 1) AS kelurahan_code
        FROM src s
    ), up AS (
        INSERT INTO school AS t (city_id, npsn, name, level, status, address, kelurahan_code,
                                 geom)
        SELECT :city_id, npsn, name, level, status, address, kelurahan_code, geom FROM placed
        ON CONFLICT (city_id, npsn) DO UPDATE
        SET name = EXCLUDED.name, level = EXCLUDED.level, status = EXCLUDED.status,
            address = EXCLUDED.address, kelurahan_code = EXCLUDED.kelurahan_code,
            geom = EXCLUDED.geom
        WHERE (t.name, t.level, t.status, t.address, t.kelurahan_code, ST_AsBinary(t.geom))
              IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.level, EXCLUDED.status,
                                EXCLUDED.address, EXCLUDED.kelurahan_code,
                                ST_AsBinary(EXCLUDED.geom))
        RETURNING (xmax = 0) AS inserted
    )
    SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM up
    """
)


def _words(value: Any) -> str:
    raw = clean_text(value)
    return " ".join(_PUNCT.sub(" ", raw.upper()).split()) if raw else ""


def normalise_level(value: Any) -> str | None:
    """SD/SMP/SMA/SMK/SLB from a level value or a school name ("SD NEGERI 1" -> SD).

    Returns None when the value names no school level the schema serves.
    """
    words = _words(value)
    if not words:
        return None
    if words in LEVEL_OF:
        return LEVEL_OF[words]
    first = words.split()[0]
    return LEVEL_OF.get(first)


def normalise_status(value: Any) -> str | None:
    """``negeri`` or ``swasta`` from N/S, negeri/swasta or public/private; else None."""
    return STATUS_OF.get(_words(value))


def level_reason(value: Any, name: Any = None) -> str:
    """Why ``value`` (or, without a value, the ``name``) gives no level (for the report)."""
    words = _words(value)
    if not words:
        first = (_words(name).split() or [""])[0]
        if first in NOT_SERVED:
            return f"level '{first}' (from the name) is not one of {'/'.join(SCHOOL_LEVELS)}"
        return "no school level (and the name does not start with one)"
    if words in NOT_SERVED or words.split()[0] in NOT_SERVED:
        return f"level '{clean_text(value)}' is not one of {'/'.join(SCHOOL_LEVELS)}"
    return f"unknown school level '{clean_text(value)}'"


def point_of(geom: BaseGeometry | None) -> tuple[Point | None, str | None]:
    """The school's point: points as they are, polygons by their representative point."""
    if geom is None or geom.is_empty:
        return None, "no coordinates"
    geom = shapely.force_2d(geom)
    if geom.geom_type == "MultiPoint" and len(geom.geoms) == 1:
        geom = geom.geoms[0]
    if geom.geom_type in {"Polygon", "MultiPolygon"}:
        geom = geom.representative_point()
    if geom.geom_type != "Point":
        return None, f"wrong geometry type {geom.geom_type} (expected Point)"
    return lonlat_point(geom.x, geom.y)


def lonlat_point(lon: Any, lat: Any) -> tuple[Point | None, str | None]:
    """A lon/lat point, or the reason the coordinates are unusable."""
    x, y = _number(lon), _number(lat)
    if x is None or y is None:
        return None, "no coordinates"
    if not (math.isfinite(x) and math.isfinite(y)):
        return None, "coordinates are not numbers"
    if x == 0 and y == 0:
        return None, "coordinates 0,0 (a placeholder)"
    if x == 0 or y == 0:
        return None, f"a zero coordinate ({x:g}, {y:g}) is a placeholder"
    if not (-180 <= x <= 180 and -90 <= y <= 90):
        return None, f"coordinates ({x:g}, {y:g}) outside lon/lat ranges"
    return Point(x, y), None


def _number(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, int | float):
        return None if isinstance(value, float) and math.isnan(value) else float(value)
    raw = str(value).strip()
    if not raw:
        return None
    if "," in raw and "." not in raw:
        raw = raw.replace(",", ".")
    try:
        return float(raw)
    except ValueError:
        return float("nan")


def import_schools(
    session: Session,
    city_slug: str,
    path: Path,
    *,
    npsn_field: str | None = None,
    name_field: str | None = None,
    level_field: str | None = None,
    status_field: str | None = None,
    address_field: str | None = None,
    lat_field: str | None = None,
    lon_field: str | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Load schools; re-running updates them by NPSN.

    Each school gets the code of the kelurahan (of this city) that covers it. Schools outside
    the city's admin areas are written and counted in ``outside_city``.

    Args:
        session: Open session; the caller commits.
        city_slug: The city to load into.
        path: GeoJSON/GPKG/Shapefile of points (polygons use a representative point), or CSV
            (comma, semicolon or tab separated) with latitude/longitude columns.
        npsn_field: Column of the NPSN (default npsn).
        name_field: Column of the name (default sekolah, nama_sekolah, nama, name).
        level_field: Column of the level (default bentuk, jenjang, level).
        status_field: Column of the status (default status, status_sekolah).
        address_field: Column of the address (default alamat_jalan, alamat, address).
        lat_field: CSV latitude column (default lat, latitude, lintang, y).
        lon_field: CSV longitude column (default lon, lng, longitude, bujur, x).
        progress: ``progress(stage, done, total)``.

    Returns:
        The import report.

    Raises:
        CityNotFoundError: No such city.
        InvalidFileError: Unreadable file, no coordinates, missing fields, wrong geometry type.
    """
    city = get_city(session, city_slug)
    report = ImportReport(kind="schools")
    tick(progress, "reading", 0, 1)
    path = check_file(Path(path))
    if path.suffix.lower() in CSV_SUFFIXES:
        frame = _read_csv(path)
        lat_col = pick_field(
            frame.columns, lat_field, LAT_FIELDS, label="latitude", option="--lat-field"
        )
        lon_col = pick_field(
            frame.columns, lon_field, LON_FIELDS, label="longitude", option="--lon-field"
        )
        lats, lons = column_values(frame, lat_col), column_values(frame, lon_col)
        points = [lonlat_point(lons[i], lats[i]) for i in range(len(frame))]
    else:
        frame = read_vector(path, report)
        kinds = set(frame.geometry.dropna().geom_type)
        if kinds and not kinds & {"Point", "MultiPoint", "Polygon", "MultiPolygon"}:
            raise InvalidFileError(
                f"{path.name}: wrong geometry type: schools are points,"
                f" the file has {', '.join(sorted(kinds))}"
            )
        points = [point_of(g) for g in frame.geometry]
    report.read = len(frame)
    cols = list(frame.columns)
    fields = {
        "npsn": pick_field(cols, npsn_field, NPSN_FIELDS, label="NPSN", option="--npsn-field"),
        "name": pick_field(cols, name_field, NAME_FIELDS, label="name", option="--name-field"),
        "level": pick_field(cols, level_field, LEVEL_FIELDS, label="level", option="--level-field"),
        "status": pick_field(
            cols, status_field, STATUS_FIELDS, label="status", option="--status-field"
        ),
        "address": pick_field(
            cols,
            address_field,
            ADDRESS_FIELDS,
            label="address",
            option="--address-field",
            required=False,
        ),
    }
    values = {key: column_values(frame, col) for key, col in fields.items()}
    tick(progress, "reading", 1, 1)
    keyed = []
    for i, (point, why) in enumerate(points):
        row = school_row(
            {key: values[key][i] for key in values}, point, why, f"row {i + 1}", report
        )
        if row is not None:
            keyed.append(((row["npsn"],), row))
    rows = unique_rows(keyed, report)
    with session.begin_nested():
        write_rows(
            session,
            UPSERT_SCHOOLS,
            city.id,
            rows,
            report,
            progress=progress,
            stage="writing schools",
        )
    return report


def school_row(
    values: dict[str, Any],
    point: Point | None,
    why: str | None,
    fallback_ref: str,
    report: ImportReport,
) -> dict[str, Any] | None:
    """One row for the upsert, or None after recording why the school is rejected.

    ``values`` holds raw ``npsn``, ``name``, ``level``, ``status`` and ``address``; the level
    falls back to the name's first word (``SMP NEGERI 3`` -> SMP).
    """
    npsn = clean_text(values.get("npsn"))
    name = clean_text(values.get("name"))
    ref = f"{npsn or fallback_ref} {name or ''}".strip()[:120]
    too_long = text_problem(
        name=(values.get("name"), 200),
        address=(values.get("address"), ADDRESS_MAX),
        level=(values.get("level"), 40),
        status=(values.get("status"), 40),
    )
    if too_long:
        report.reject(ref, too_long)
        return None
    if npsn is None:
        report.reject(ref, "no NPSN")
        return None
    if len(npsn) > 16:
        report.reject(ref, "NPSN longer than 16 characters")
        return None
    if name is None:
        report.reject(ref, "no name")
        return None
    level = normalise_level(values.get("level")) or (
        normalise_level(name) if clean_text(values.get("level")) is None else None
    )
    if level is None:
        report.reject(ref, level_reason(values.get("level"), name))
        return None
    status = normalise_status(values.get("status"))
    if status is None:
        report.reject(ref, f"unknown status '{clean_text(values.get('status')) or ''}'")
        return None
    if point is None:
        report.reject(ref, why or "no coordinates")
        return None
    return {
        "ref": ref,
        "npsn": npsn,
        "name": name,
        "level": level,
        "status": status,
        "address": clean_text(values.get("address")),
        "wkb": wkb_hex(point),
    }


def _read_csv(path: Path) -> pd.DataFrame:
    raw = path.read_bytes()
    try:
        body = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        body = raw.decode("latin-1")
    try:
        frame = pd.read_csv(
            io.StringIO(body),
            dtype=str,
            sep=None,
            engine="python",
            keep_default_na=False,
            skipinitialspace=True,
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError, csv.Error) as exc:
        raise InvalidFileError(f"{path.name} cannot be read as CSV: {exc}") from exc
    if len(frame) == 0:
        raise InvalidFileError(f"{path.name} has no rows")
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame
