"""Import kota/kecamatan/kelurahan boundaries (GeoJSON, GPKG, Shapefile, KML) into admin_area."""

from __future__ import annotations

from pathlib import Path
from typing import Any

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
from data.importers.vector import read_vector, usable_geometry, wkb_hex
from data.progress import Progress, tick
from geo.cities import get_city, set_city_extent
from geo.errors import InvalidFileError, InvalidInputError
from geo.models import ADMIN_LEVELS

CODE_FIELDS: dict[str, tuple[str, ...]] = {
    level: ("kode", "code", f"kode_{level}", "kode_kemendagri", "kode_wilayah", "kdepum", "id")
    for level in ADMIN_LEVELS
}
NAME_FIELDS: dict[str, tuple[str, ...]] = {
    level: ("nama", "name", f"nama_{level}", "namobj", "nama_wilayah") for level in ADMIN_LEVELS
}
PARENT_FIELDS: dict[str, tuple[str, ...]] = {
    "kelurahan": ("kode_kecamatan", "kode_induk", "parent_code", "parent"),
    "kecamatan": ("kode_kota", "kode_kab_kota", "kode_induk", "parent_code", "parent"),
    "kota": ("kode_provinsi", "kode_prov", "kode_induk", "parent_code", "parent"),
}

_UPSERT = text(
    """
    WITH src AS (
        SELECT r.level, r.code, r.name, r.parent_code,
               ST_GeomFromWKB(decode(r.wkb, 'hex'), 4326) AS geom
        FROM json_to_recordset(CAST(:rows AS json))
             AS r(level text, code text, name text, parent_code text, wkb text)
    ), up AS (
        INSERT INTO admin_area AS t (city_id, level, code, name, parent_code, geom)
        SELECT :city_id, level, code, name, parent_code, geom FROM src
        ON CONFLICT (city_id, level, code) DO UPDATE
        SET name = EXCLUDED.name, parent_code = EXCLUDED.parent_code, geom = EXCLUDED.geom
        WHERE (t.name, t.parent_code, ST_AsBinary(t.geom))
              IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.parent_code, ST_AsBinary(EXCLUDED.geom))
        RETURNING (xmax = 0) AS inserted
    )
    SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM up
    """
)


def import_boundaries(
    session: Session,
    city_slug: str,
    path: Path,
    *,
    level: str,
    name_field: str | None = None,
    code_field: str | None = None,
    parent_field: str | None = None,
    layer: str | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Load administrative areas of one level and update the city's extent.

    Re-running updates areas by (level, code). Features lying outside the areas the city
    already has are counted in ``outside_city`` (not on the first boundary import, which
    defines the city). The session is not committed.

    Args:
        session: Open session; the caller commits.
        city_slug: The city to load into.
        path: GeoJSON, GeoPackage, Shapefile (or zipped Shapefile) or KML; any CRS.
        level: ``kota``, ``kecamatan`` or ``kelurahan``.
        name_field: Column with the name (default: nama, name, namobj ...).
        code_field: Column with the official code (default: kode, code ...).
        parent_field: Column with the parent's code (default by level, e.g. kode_kecamatan).
        layer: Layer of a multi-layer file.
        progress: ``progress(stage, done, total)``.

    Returns:
        The import report.

    Raises:
        CityNotFoundError: No such city.
        InvalidInputError: Unknown level.
        InvalidFileError: The file is unreadable, has no polygons, lacks a field or a CRS.
    """
    if level not in ADMIN_LEVELS:
        raise InvalidInputError(f"level must be one of {', '.join(ADMIN_LEVELS)}")
    city = get_city(session, city_slug)
    report = ImportReport(kind=f"boundaries ({level})")
    tick(progress, "reading", 0, 1)
    gdf = read_vector(path, report, layer=layer)
    report.read = len(gdf)
    kinds = set(gdf.geometry.dropna().geom_type)
    if kinds and not kinds & {"Polygon", "MultiPolygon"}:
        raise InvalidFileError(
            f"{Path(path).name}: wrong geometry type: boundaries are polygons,"
            f" the file has {', '.join(sorted(kinds))}"
        )
    cols = list(gdf.columns)
    code_col = pick_field(cols, code_field, CODE_FIELDS[level], label="code", option="--code-field")
    name_col = pick_field(cols, name_field, NAME_FIELDS[level], label="name", option="--name-field")
    parent_col = pick_field(
        cols,
        parent_field,
        PARENT_FIELDS[level],
        label="parent code",
        option="--parent-field",
        required=False,
    )
    level_col = pick_field(
        cols, None, ("level", "tingkat"), label="level", option="", required=False
    )
    tick(progress, "reading", 1, 1)
    rows = _rows(
        gdf,
        report,
        level=level,
        code_col=code_col,
        name_col=name_col,
        parent_col=parent_col,
        level_col=level_col,
    )
    had_areas = session.execute(
        text("SELECT EXISTS (SELECT 1 FROM admin_area WHERE city_id = :id)"), {"id": city.id}
    ).scalar_one()
    with session.begin_nested():
        write_rows(
            session,
            _UPSERT,
            city.id,
            rows,
            report,
            progress=progress,
            stage=f"writing {level}",
            flag_outside=bool(had_areas),
        )
        set_city_extent(session, city.id)
    return report


def _rows(
    gdf: Any,
    report: ImportReport,
    *,
    level: str,
    code_col: str | None,
    name_col: str | None,
    parent_col: str | None,
    level_col: str | None,
) -> list[dict[str, Any]]:
    codes = column_values(gdf, code_col)
    names = column_values(gdf, name_col)
    parents = column_values(gdf, parent_col)
    levels = column_values(gdf, level_col)
    keyed = []
    for i, geom in enumerate(gdf.geometry):
        code = clean_text(codes[i])
        name = clean_text(names[i])
        ref = f"{code or '#' + str(i + 1)} {name or ''}".strip()
        own_level = (clean_text(levels[i]) or "").lower()
        if own_level in ADMIN_LEVELS and own_level != level:
            report.reject(ref, f"the feature is a {own_level}, not a {level}")
            continue
        too_long = text_problem(name=(names[i], 200), code=(codes[i], 32), parent=(parents[i], 32))
        if too_long:
            report.reject(ref[:120], too_long)
            continue
        if code is None:
            report.reject(ref, "no code")
            continue
        if len(code) > 32:
            report.reject(ref, "code longer than 32 characters")
            continue
        if name is None:
            report.reject(ref, "no name")
            continue
        shape, reason = usable_geometry(geom, "MultiPolygon")
        if shape is None:
            report.reject(ref, reason or "unusable geometry")
            continue
        row = {
            "ref": ref,
            "level": level,
            "code": code,
            "name": name,
            "parent_code": clean_text(parents[i]),
            "wkb": wkb_hex(shape),
        }
        keyed.append(((code,), row))
    return unique_rows(keyed, report)
