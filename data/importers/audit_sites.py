"""Import audit sites (GeoJSON/GPKG/SHP points, areas or lines, or CSV with lat/lon) for the
inspectorate: the OPD, activity, budget, fiscal year, contractor, contract value, progress.

Rows go through ``geo.audits.insert_site`` (the same checks and spatial join as a site entered
on the map); a line (a road section) becomes a 10 m wide area. Amounts read Indonesian style
("Rp 1.500.000.000", "1.500.000.000,00"). A site already there with the same OPD, fiscal year
and activity is left as it is, so re-running an import adds nothing twice.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import geopandas as gpd
import shapely
from pydantic import ValidationError
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry
from sqlalchemy import text
from sqlalchemy.orm import Session

from data.importers.common import ImportReport, clean_text, column_values, pick_field, text_problem
from data.importers.schools import CSV_SUFFIXES, LAT_FIELDS, LON_FIELDS, _read_csv, lonlat_point
from data.importers.vector import check_file, read_vector
from data.progress import Progress, tick
from geo.audits import SiteCreate, insert_site
from geo.cities import get_city
from geo.errors import GeoError, InvalidFileError

OPD_FIELDS = ("opd", "opd_code", "kode_opd", "skpd", "kode_skpd")
ACTIVITY_FIELDS = ("kegiatan", "nama_kegiatan", "paket", "nama_paket", "activity")
BUDGET_FIELDS = ("pagu", "pagu_anggaran", "anggaran", "budget_idr", "budget")
YEAR_FIELDS = ("tahun_anggaran", "tahun", "ta", "fiscal_year", "year")
CONTRACTOR_FIELDS = ("penyedia", "kontraktor", "rekanan", "contractor")
CONTRACT_FIELDS = ("nilai_kontrak", "kontrak", "contract_value_idr", "contract_value")
PROGRESS_FIELDS = ("progres", "progress", "progress_pct", "realisasi_fisik", "fisik")
LINE_WIDTH_M = 10.0
_DIGITS = re.compile(r"[^0-9]")


def parse_idr(value: Any) -> int | None:
    """An amount in rupiah: numbers as they are, text Indonesian style (``Rp 1.500.000,00``).

    Returns None for an empty value; raises ValueError for text that holds no amount.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, int | float):
        return int(value)
    raw = str(value).strip()
    if not raw:
        return None
    whole = raw.split(",")[0]  # the decimal part of an Indonesian amount
    digits = _DIGITS.sub("", whole)
    if not digits:
        raise ValueError(f"no amount in {raw[:30]!r}")
    return int(digits) * (-1 if whole.lstrip().startswith("-") else 1)


def _number(value: Any) -> float | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, int | float):
        return float(value)
    raw = str(value).strip().rstrip("%").replace(",", ".")
    return float(raw) if raw else None


def _area(geom: BaseGeometry | None, utm_srid: int) -> tuple[BaseGeometry | None, str | None]:
    """A site's place: points and areas as they are, lines widened to a 10 m area."""
    if geom is None or geom.is_empty:
        return None, "no geometry"
    geom = shapely.force_2d(geom)
    if geom.geom_type in {"LineString", "MultiLineString"}:
        series = gpd.GeoSeries([geom], crs=4326).to_crs(utm_srid)
        geom = series.buffer(LINE_WIDTH_M / 2).to_crs(4326).iloc[0]
    if geom.geom_type not in {"Point", "Polygon", "MultiPolygon"}:
        return None, f"wrong geometry type {geom.geom_type} (expected a point, area or line)"
    return geom, None


def import_audit_sites(
    session: Session,
    city_slug: str,
    path: Path,
    *,
    lat_field: str | None = None,
    lon_field: str | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Load audit sites; rows that fail a check are rejected with the reason.

    Args:
        session: Open session; the caller commits.
        city_slug: The city.
        path: A vector file (points, polygons, lines) or a CSV with latitude/longitude.
        lat_field: CSV latitude column (default lat, latitude, lintang, y).
        lon_field: CSV longitude column (default lon, lng, longitude, bujur, x).
        progress: ``progress(stage, done, total)``.

    Returns:
        The import report (inserted, unchanged, rejected with reasons, outside the city).

    Raises:
        CityNotFoundError: No such city.
        InvalidFileError: Unreadable file, no coordinates, or missing fields.
    """
    city = get_city(session, city_slug)
    report = ImportReport(kind="audit-sites")
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
        places = [lonlat_point(lons[i], lats[i]) for i in range(len(frame))]
    else:
        frame = read_vector(path, report)
        places = [_area(g, city.utm_srid) for g in frame.geometry]
    report.read = len(frame)
    cols = list(frame.columns)

    def field(candidates: tuple[str, ...], label: str, required: bool = True) -> list[Any]:
        column = pick_field(
            cols, None, candidates, label=label, option="a column", required=required
        )
        return column_values(frame, column)

    values = {
        "opd_code": field(OPD_FIELDS, "OPD"),
        "activity": field(ACTIVITY_FIELDS, "activity (kegiatan)"),
        "budget_idr": field(BUDGET_FIELDS, "budget (pagu)"),
        "fiscal_year": field(YEAR_FIELDS, "fiscal year (tahun anggaran)"),
        "contractor": field(CONTRACTOR_FIELDS, "contractor", required=False),
        "contract_value_idr": field(CONTRACT_FIELDS, "contract value", required=False),
        "progress_pct": field(PROGRESS_FIELDS, "progress", required=False),
    }
    tick(progress, "reading", 1, 1)
    seen: set[tuple[str, int, str]] = set()
    for i, (geom, why) in enumerate(places):
        ref = f"row {i + 1}"
        if geom is None:
            report.reject(ref, why or "no geometry")
            continue
        too_long = text_problem(
            opd=(values["opd_code"][i], 32),
            activity=(values["activity"][i], 300),
            contractor=(values["contractor"][i], 200),
        )
        if too_long:
            report.reject(ref, too_long)
            continue
        try:
            row = {
                "opd_code": clean_text(values["opd_code"][i], 32),
                "activity": clean_text(values["activity"][i], 300),
                "budget_idr": parse_idr(values["budget_idr"][i]),
                "fiscal_year": parse_idr(values["fiscal_year"][i]),
                "contractor": clean_text(values["contractor"][i], 200),
                "contract_value_idr": parse_idr(values["contract_value_idr"][i]),
                "progress_pct": _number(values["progress_pct"][i]) or 0,
            }
            site = SiteCreate.model_validate(row | {"geometry": mapping(geom)})
        except ValueError as exc:
            reason = (
                "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
                if isinstance(exc, ValidationError)
                else str(exc)
            )
            report.reject(ref, reason[:200])
            continue
        key = (site.opd_code, site.fiscal_year, site.activity)
        exists = session.execute(
            text(
                "SELECT 1 FROM audit_site WHERE city_id = :c AND opd_code = :o"
                " AND fiscal_year = :y AND activity = :a"
            ),
            {"c": city.id, "o": key[0], "y": key[1], "a": key[2]},
        ).first()
        if key in seen or exists:
            report.unchanged += 1
            continue
        try:
            with session.begin_nested():
                insert_site(session, city, site, created_by=None, demo=False)
        except GeoError as exc:
            report.reject(ref, exc.detail[:200])
            continue
        seen.add(key)
        report.inserted += 1
        tick(progress, "writing audit sites", i + 1, len(places))
    if report.read and not report.inserted and not report.unchanged:
        raise InvalidFileError(
            f"{path.name}: no usable audit site (first reason: {report.rejected[0][1]})"
        )
    return report
