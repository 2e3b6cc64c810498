"""Import a zoning plan (RDTR zones: code, name, KDB, KLB, KDH) and its ITBX table.

The zones come from any vector file (GeoJSON, GPKG, Shapefile, KML) of polygons; the ITBX table
(Permen ATR/BPN 11/2021: I diperbolehkan, T terbatas, B bersyarat, X tidak diperbolehkan) from a
CSV in one of two forms, told apart by their header:

- wide (as the RDTR annex prints it): a column ``activity`` (or ``kegiatan``) and one column
  per zone code, each cell I, T, B or X (an empty cell: no rule for that zone);
- long: columns ``zone_code`` (or ``kode_zona``), ``activity`` (``kegiatan``) and ``verdict``
  (``itbx``), one row per rule.

The import replaces the city's zones and rules in one transaction (the triggers of migration
0018 bump the ``zoning`` layer's revision); a bad file writes nothing.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import text
from sqlalchemy.orm import Session

from data.importers.common import OUTSIDE_CITY, ImportReport, clean_text, column_values, pick_field
from data.importers.schools import _read_csv
from data.importers.vector import check_file, read_vector, usable_geometry, wkb_hex
from data.progress import Progress, tick
from geo.cities import get_city
from geo.errors import InvalidFileError

CODE_FIELDS = ("code", "kode", "kode_zona", "kd_zona", "zona", "zone_code", "zone")
NAME_FIELDS = ("name", "nama", "nama_zona", "namzona", "keterangan")
KDB_FIELDS = ("kdb", "kdb_pct", "kdb_maks")
KLB_FIELDS = ("klb", "klb_maks")
KDH_FIELDS = ("kdh", "kdh_pct", "kdh_min")
ACTIVITY_FIELDS = ("activity", "kegiatan", "jenis_kegiatan", "aktivitas")
RULE_ZONE_FIELDS = ("zone_code", "kode_zona", "zona", "zone", "code", "kode")
VERDICT_FIELDS = ("verdict", "itbx", "ketentuan")
VERDICTS = frozenset("ITBX")

# replacing: the DELETE first, its own statement (a data-modifying CTE may insert first)
_DELETE_ZONES = text("DELETE FROM zoning_zone WHERE city_id = :city_id")
_DELETE_RULES = text("DELETE FROM zoning_rule WHERE city_id = :city_id")
_INSERT_ZONES = text(
    """
    WITH src AS (
        SELECT r.code, r.name, r.kdb, r.klb, r.kdh,
               ST_Multi(ST_GeomFromWKB(decode(r.wkb, 'hex'), 4326)) AS geom
        FROM json_to_recordset(CAST(:rows AS json))
             AS r(code text, name text, kdb float8, klb float8, kdh float8, wkb text)
    ), ins AS (
        INSERT INTO zoning_zone (city_id, code, name, kdb, klb, kdh, geom)
        SELECT :city_id, code, name, kdb, klb, kdh, geom FROM src
        RETURNING 1
    )
    SELECT count(*) FROM ins
    """
)
_INSERT_RULES = text(
    """
    WITH ins AS (
        INSERT INTO zoning_rule (city_id, zone_code, activity, verdict)
        SELECT :city_id, r.zone_code, r.activity, r.verdict
        FROM json_to_recordset(CAST(:rows AS json))
             AS r(zone_code text, activity text, verdict text)
        RETURNING 1
    )
    SELECT count(*) FROM ins
    """
)


def number(value: Any) -> float | None:
    """A number from a cell: ``60``, ``"60"``, ``"60%"``, ``"2,4"``; None when empty.

    Raises:
        ValueError: Text that is not a number.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, int | float):
        return float(value)
    raw = str(value).strip().rstrip("%").strip().replace(",", ".")
    if not raw or raw == "-":
        return None
    out = float(raw)
    if not math.isfinite(out):
        raise ValueError(f"{value!r} is not a finite number")
    return out


def _intensity(row: dict[str, Any]) -> str | None:
    """Why the zone's KDB/KLB/KDH are out of range (None when fine)."""
    for key, high in (("kdb", 100.0), ("kdh", 100.0), ("klb", None)):
        value = row[key]
        if value is not None and (value < 0 or (high is not None and value > high)):
            limit = f"0..{high:.0f} %" if high is not None else ">= 0"
            return f"{key.upper()} {value:g} out of range ({limit})"
    return None


def read_zones(path: Path, report: ImportReport) -> list[dict[str, Any]]:
    """The zones of a vector file as rows (code, name, kdb, klb, kdh, wkb, ref).

    Raises:
        InvalidFileError: Unreadable, no code column, or no usable zone.
    """
    gdf = read_vector(path, report)
    report.read = len(gdf)
    cols = list(gdf.columns)
    code_col = pick_field(cols, None, CODE_FIELDS, label="zone code", option="a column")
    name_col = pick_field(cols, None, NAME_FIELDS, label="name", option="a column", required=False)
    values = {
        key: column_values(
            gdf, pick_field(cols, None, fields, label=key, option="", required=False)
        )
        for key, fields in (("kdb", KDB_FIELDS), ("klb", KLB_FIELDS), ("kdh", KDH_FIELDS))
    }
    codes, names = column_values(gdf, code_col), column_values(gdf, name_col)
    rows = []
    for i, geom in enumerate(gdf.geometry):
        ref = f"feature {i + 1}"
        code = clean_text(codes[i], 32)
        if code is None:
            report.reject(ref, "no zone code")
            continue
        fixed, why = usable_geometry(geom, "MultiPolygon")
        if fixed is None:
            report.reject(f"{ref} ({code})", why or "no geometry")
            continue
        try:
            row = {key: number(values[key][i]) for key in ("kdb", "klb", "kdh")}
        except ValueError as exc:
            report.reject(f"{ref} ({code})", f"KDB/KLB/KDH is not a number: {exc}"[:200])
            continue
        if (bad := _intensity(row)) is not None:
            report.reject(f"{ref} ({code})", bad)
            continue
        rows.append(
            row
            | {"code": code, "name": clean_text(names[i], 200) or code, "wkb": wkb_hex(fixed)}
            | {"ref": f"{ref} ({code})"}
        )
    if not rows:
        first = report.rejected[0][1] if report.rejected else "no features"
        raise InvalidFileError(f"{path.name}: no usable zone (first reason: {first})")
    return rows


def read_itbx(path: Path) -> tuple[list[dict[str, str]], str]:
    """The ITBX rules of a CSV (wide or long form, see the module) and which form it was.

    Raises:
        InvalidFileError: Unreadable, no activity column, a verdict other than I/T/B/X, a
            rule given twice, or no rule at all.
    """
    frame = _read_csv(check_file(path))
    cols = list(frame.columns)
    activity_col = pick_field(cols, None, ACTIVITY_FIELDS, label="activity", option="a column")
    verdict_col = pick_field(cols, None, VERDICT_FIELDS, label="verdict", option="", required=False)
    zone_col = pick_field(cols, None, RULE_ZONE_FIELDS, label="zone", option="", required=False)
    activities = column_values(frame, activity_col)
    cells: list[tuple[int, str, str, Any]] = []  # (row, zone, activity, verdict)
    if verdict_col is not None and zone_col is not None:
        form = "long"
        zones, verdicts = column_values(frame, zone_col), column_values(frame, verdict_col)
        cells = [(i, zones[i], activities[i], verdicts[i]) for i in range(len(frame))]
    else:
        form = "wide"
        zone_cols = [c for c in cols if c != activity_col and clean_text(c)]
        if not zone_cols:
            raise InvalidFileError(
                f"{path.name}: no zone columns (wide form: activity plus one column per zone"
                " code; long form: zone_code, activity, verdict)"
            )
        for col in zone_cols:
            verdicts = column_values(frame, col)
            cells.extend((i, col, activities[i], verdicts[i]) for i in range(len(frame)))
    rules: dict[tuple[str, str], str] = {}
    for i, zone, activity, verdict in cells:
        where = f"{path.name} line {i + 2}"
        zone_code, name = clean_text(zone, 32), clean_text(activity, 200)
        value = (clean_text(verdict) or "").upper()
        if not value and form == "wide":
            continue  # no rule for this zone
        if zone_code is None or name is None:
            raise InvalidFileError(f"{where}: a rule without zone code or activity")
        if value not in VERDICTS:
            raise InvalidFileError(
                f"{where}: verdict {value[:10]!r} for {zone_code} / {name[:60]} is not one of"
                " I, T, B, X"
            )
        if (zone_code, name) in rules:
            raise InvalidFileError(f"{where}: {zone_code} / {name[:60]} is given twice")
        rules[(zone_code, name)] = value
    if not rules:
        raise InvalidFileError(f"{path.name}: no ITBX rule")
    return [{"zone_code": z, "activity": a, "verdict": v} for (z, a), v in rules.items()], form


def import_zoning(
    session: Session,
    city_slug: str,
    path: Path,
    *,
    itbx: Path,
    progress: Progress | None = None,
) -> ImportReport:
    """Replace the city's zoning plan and ITBX table (one transaction; the caller commits).

    Args:
        session: Open session.
        city_slug: The city.
        path: Zones: polygons with a code column (code, kode, kode_zona ...) and optional name,
            kdb (%), klb (ratio), kdh (%).
        itbx: The ITBX CSV, wide or long form (see the module).
        progress: ``progress(stage, done, total)``.

    Returns:
        The report: zones inserted, the rules in its notes, rejected features with reasons.

    Raises:
        CityNotFoundError: No such city.
        InvalidFileError: A bad zones file or ITBX table (nothing is written).
    """
    city = get_city(session, city_slug)
    report = ImportReport(kind="zoning")
    tick(progress, "reading zones", 0, 1)
    zones = read_zones(path, report)
    rules, form = read_itbx(itbx)
    tick(progress, "reading zones", 1, 1)
    mapped = {z["code"] for z in zones}
    ruled = {r["zone_code"] for r in rules}
    activities = {r["activity"] for r in rules}
    report.note(f"ITBX table ({form} form): {len(rules)} rules, {len(activities)} activities")
    if ruled - mapped:
        report.note(f"ITBX zones not in the plan: {', '.join(sorted(ruled - mapped)[:20])}")
    if mapped - ruled:
        report.note(f"zones without ITBX rules: {', '.join(sorted(mapped - ruled)[:20])}")
    tick(progress, "writing zoning", 0, 2)
    flag_outside(session, city.id, zones, report)
    removed = rowcount(session.execute(_DELETE_ZONES, {"city_id": city.id}))
    inserted = session.execute(
        _INSERT_ZONES, {"city_id": city.id, "rows": orjson.dumps(zones).decode()}
    ).scalar_one()
    tick(progress, "writing zoning", 1, 2)
    rules_out = rowcount(session.execute(_DELETE_RULES, {"city_id": city.id}))
    rules_in = session.execute(
        _INSERT_RULES, {"city_id": city.id, "rows": orjson.dumps(rules).decode()}
    ).scalar_one()
    tick(progress, "writing zoning", 2, 2)
    report.inserted = int(inserted)
    report.note(
        f"replaced {int(removed)} zones and {int(rules_out)} rules; {int(rules_in)} rules written"
    )
    return report


def rowcount(result: Any) -> int:
    """The rows a DELETE or UPDATE touched."""
    return int(getattr(result, "rowcount", 0) or 0)


def flag_outside(
    session: Session, city_id: int, rows: list[dict[str, Any]], report: ImportReport
) -> None:
    """Count the rows (``ref``, ``wkb``) that lie wholly outside the city."""
    outside = session.execute(
        OUTSIDE_CITY, {"rows": orjson.dumps(rows).decode(), "city_id": city_id}
    ).scalars()
    refs = [str(ref) for ref in outside]
    report.outside_city += len(refs)
    report.outside_refs.extend(refs)
