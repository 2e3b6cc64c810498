"""Shared parts of the importers: the report, reading vector files, geometry checks, upserts."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import orjson
import pandas as pd
import pyogrio
import pyproj
import shapely
from shapely.geometry import MultiPolygon
from shapely.geometry.base import BaseGeometry
from sqlalchemy import TextClause, text
from sqlalchemy.orm import Session

from geo.errors import InvalidFileError

Progress = Callable[[str, int, int], None]
"""``progress(stage, done, total)``: called while an import works (the CLI draws a bar)."""

Writer = Callable[[Session, int, list[dict[str, Any]]], tuple[int, int]]
"""``writer(session, city_id, rows) -> (inserted, updated)``: a batch upsert done by geo/."""

BATCH_ROWS = 1000
VECTOR_HINT = "GeoJSON, GeoPackage, Shapefile (.shp or zipped), KML"
_MULTI_LAYER_SUFFIXES = {".kml", ".kmz"}


@dataclass
class ImportReport:
    """What one import did.

    Attributes:
        kind: What was imported (``boundaries``, ``schools``, ``roads``, ``routes`` ...).
        read: Features (rows, routes) read from the file.
        inserted: New rows.
        updated: Existing rows (same natural key) whose values changed.
        unchanged: Existing rows left as they were.
        rejected: ``(feature reference, reason)`` for every feature not written.
        outside_city: Written features that lie entirely outside the city.
        outside_refs: References of those features.
        notes: Other remarks (defaults used, parts of the file ignored).
    """

    kind: str
    read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[tuple[str, str]] = field(default_factory=list)
    outside_city: int = 0
    outside_refs: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def reject(self, ref: str, reason: str) -> None:
        """Record a feature that is not written, and why."""
        self.rejected.append((ref, reason))

    def note(self, message: str) -> None:
        """Record a remark once."""
        if message not in self.notes:
            self.notes.append(message)


def tick(progress: Progress | None, stage: str, done: int, total: int) -> None:
    """Report progress when someone listens."""
    if progress is not None:
        progress(stage, done, total)


# -- reading files ---------------------------------------------------------------------------
def check_file(path: Path) -> Path:
    """The path, when it names a non-empty file.

    Raises:
        InvalidFileError: Missing or empty file.
    """
    path = Path(path)
    if not path.is_file():
        raise InvalidFileError(f"{path.name}: no such file")
    if path.stat().st_size == 0:
        raise InvalidFileError(f"{path.name} is empty")
    return path


def _check_json(path: Path) -> None:
    try:
        doc = json.loads(path.read_bytes())
    except UnicodeDecodeError as exc:
        raise InvalidFileError(f"{path.name} is not UTF-8 text, so not GeoJSON") from exc
    except json.JSONDecodeError as exc:
        raise InvalidFileError(
            f"{path.name} is not valid JSON (truncated or corrupt?): {exc.msg}"
            f" at line {exc.lineno} column {exc.colno}"
        ) from exc
    kinds = {"FeatureCollection", "Feature", "Point", "MultiPoint", "LineString"}
    kinds |= {"MultiLineString", "Polygon", "MultiPolygon", "GeometryCollection"}
    if not isinstance(doc, dict) or doc.get("type") not in kinds:
        raise InvalidFileError(
            f"{path.name} is JSON but not GeoJSON (no FeatureCollection, Feature or geometry)"
        )
    _check_json_crs(path.name, doc.get("crs"))
    features = doc.get("features") if doc.get("type") == "FeatureCollection" else [doc]
    for n, feature in enumerate(features if isinstance(features, list) else [], start=1):
        props = feature.get("properties") if isinstance(feature, dict) else None
        for key, value in (props or {}).items() if isinstance(props, dict) else ():
            if isinstance(value, str) and "\x00" in value:
                # GDAL would silently cut the text at the NUL: refuse rather than store half
                raise InvalidFileError(
                    f"{path.name}: feature {n} has a NUL character in '{str(key)[:40]}'"
                )


def _check_json_crs(name: str, crs: Any) -> None:
    """A GeoJSON 2008 ``crs`` member must name a CRS we can resolve (GDAL drops one it cannot,
    and the coordinates would be taken as lon/lat)."""
    if crs is None:
        return
    label = crs.get("properties", {}).get("name") if isinstance(crs, dict) else None
    if not isinstance(label, str) or not label.strip():
        raise InvalidFileError(f"{name}: its 'crs' member names no coordinate reference system")
    try:
        pyproj.CRS.from_user_input(label)
    except pyproj.exceptions.CRSError as exc:
        raise InvalidFileError(
            f"{name}: unknown CRS '{label[:80]}'; reproject the file to EPSG:4326"
        ) from exc


def read_vector(path: Path, report: ImportReport, *, layer: str | None = None) -> gpd.GeoDataFrame:
    """Read a vector file into a GeoDataFrame in EPSG:4326 (lon/lat).

    A file without a CRS is taken as lon/lat only when its coordinates fit those ranges.

    Args:
        path: GeoJSON, GeoPackage, Shapefile (``.shp`` or a ``.zip`` holding one) or KML.
        report: Receives notes (which layer was read, reprojection).
        layer: Layer to read; default: the first (KML: all layers together).

    Raises:
        InvalidFileError: Unreadable, not geospatial, empty, or in an unknown CRS.
    """
    path = check_file(path)
    if path.suffix.lower() in {".geojson", ".json"}:
        _check_json(path)
    try:
        layers = pyogrio.list_layers(path)
    except Exception as exc:  # GDAL's messages carry full paths; say it in our words
        raise InvalidFileError(
            f"{path.name} is not a geospatial file GDAL can read ({VECTOR_HINT})"
        ) from exc
    names = [str(row[0]) for row in layers]
    if layer is not None and layer not in names:
        raise InvalidFileError(f"{path.name} has no layer '{layer}' (layers: {', '.join(names)})")
    if layer is not None:
        wanted = [layer]
    elif path.suffix.lower() in _MULTI_LAYER_SUFFIXES:
        wanted = names
    else:
        wanted = names[:1]
        if len(names) > 1:
            report.note(f"read layer '{names[0]}' of {len(names)} (choose another with --layer)")
    frames = []
    for name in wanted:
        try:
            frame = pyogrio.read_dataframe(path, layer=name, on_invalid="ignore")
        except Exception as exc:
            raise InvalidFileError(f"{path.name}: layer '{name}' cannot be read") from exc
        if isinstance(frame, gpd.GeoDataFrame):
            frames.append(frame)
    if not frames:
        raise InvalidFileError(f"{path.name} has no geometries: not a geospatial file")
    gdf = frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)
    gdf = gpd.GeoDataFrame(gdf, geometry="geometry", crs=frames[0].crs)
    if len(gdf) == 0:
        raise InvalidFileError(f"{path.name} has no features")
    return _to_lonlat(gdf, path.name, report)


def _fits_lonlat(bounds: Sequence[float]) -> bool:
    minx, miny, maxx, maxy = bounds
    return -180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90


def _to_lonlat(gdf: gpd.GeoDataFrame, name: str, report: ImportReport) -> gpd.GeoDataFrame:
    present = gdf.geometry.notna() & ~gdf.geometry.is_empty
    if not present.any():
        return gdf.set_crs(4326, allow_override=True)
    unknown = (
        f"{name}: unknown CRS (the file declares no coordinate reference system and its"
        " coordinates are not longitude/latitude); add a .prj or reproject it to EPSG:4326"
    )
    if gdf.crs is None:
        if not _fits_lonlat(gdf.geometry[present].total_bounds):
            raise InvalidFileError(unknown)
        report.note("no CRS declared; coordinates fit lon/lat, so EPSG:4326 was assumed")
        return gdf.set_crs(4326)
    if gdf.crs.to_epsg() != 4326:
        report.note(f"reprojected from {gdf.crs.to_string()} to EPSG:4326")
        try:
            gdf = gdf.to_crs(4326)
        except Exception as exc:
            raise InvalidFileError(f"{name}: cannot reproject from {gdf.crs.name}") from exc
    bounds = shapely.bounds(gdf.geometry[present].to_numpy())
    fits = (
        (bounds[:, 0] >= -180)
        & (bounds[:, 2] <= 180)
        & (bounds[:, 1] >= -90)
        & (bounds[:, 3] <= 90)
    )
    if not fits.any():
        raise InvalidFileError(unknown)
    return gdf


def pick_field(
    columns: Iterable[str],
    explicit: str | None,
    candidates: Sequence[str],
    *,
    label: str,
    option: str,
    required: bool = True,
) -> str | None:
    """The column to read ``label`` from: ``explicit`` when given, else the first candidate.

    Raises:
        InvalidFileError: The explicit column is missing, or no candidate exists and the
            field is required.
    """
    cols = [str(c) for c in columns if str(c) != "geometry"]
    lower = {c.lower(): c for c in cols}
    if explicit:
        if explicit in cols:
            return explicit
        if explicit.lower() in lower:
            return lower[explicit.lower()]
        raise InvalidFileError(
            f"missing field '{explicit}' (given with {option}); fields in the file: "
            + (", ".join(cols[:25]) or "none")
        )
    for cand in candidates:
        if cand.lower() in lower:
            return lower[cand.lower()]
    if required:
        raise InvalidFileError(
            f"missing field: no {label} field (looked for {', '.join(candidates)}; name it with"
            f" {option}); fields in the file: " + (", ".join(cols[:25]) or "none")
        )
    return None


def clean_text(value: Any, max_len: int | None = None) -> str | None:
    """A stripped string, or None for empty/NaN values; integral floats lose their ``.0``."""
    if value is None:
        return None
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if value.is_integer():
            value = int(value)
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    out = " ".join(str(value).split())
    if not out:
        return None
    return out[:max_len] if max_len else out


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def text_problem(**fields: tuple[Any, int]) -> str | None:
    """Why a row's text fields cannot be stored as they are, or None.

    Every text field has a length limit: a longer value (a 2 MB "address") is refused, never
    cut; a control character (a NUL, which PostgreSQL cannot hold and GDAL cuts text at) too.

    Args:
        fields: ``label=(raw value, most characters)``.
    """
    for label, (value, limit) in fields.items():
        if value is None or not isinstance(value, str):
            continue
        if _CONTROL.search(value):
            return f"{label} holds a control character (e.g. NUL)"
        cleaned = clean_text(value)
        if cleaned is not None and len(cleaned) > limit:
            return f"{label} longer than {limit} characters ({len(cleaned):,})"
    return None


def column_values(gdf: pd.DataFrame, column: str | None) -> list[Any]:
    """The values of ``column`` (None for every row when there is no such column)."""
    if column is None:
        return [None] * len(gdf)
    return list(gdf[column])


# -- geometries ------------------------------------------------------------------------------
def usable_geometry(geom: BaseGeometry | None, kind: str) -> tuple[BaseGeometry | None, str | None]:
    """Check and repair one geometry for a column of type ``kind``.

    Z/M are dropped, a Polygon becomes a MultiPolygon for MultiPolygon columns, invalid
    geometries are repaired with ``make_valid`` when the result keeps the type.

    Args:
        geom: The geometry read from the file (lon/lat).
        kind: ``Point``, ``LineString`` or ``MultiPolygon``.

    Returns:
        ``(geometry, None)`` when usable, else ``(None, reason)``.
    """
    if geom is None or geom.is_empty:
        return None, "no geometry"
    geom = shapely.force_2d(geom)
    if kind == "MultiPolygon" and geom.geom_type == "Polygon":
        geom = MultiPolygon([geom])
    if kind == "LineString" and geom.geom_type == "LineString":
        geom = shapely.remove_repeated_points(geom)
        if len(set(geom.coords)) < 2:
            return None, "the line has fewer than 2 distinct points"
    if geom.geom_type != kind:
        return None, f"wrong geometry type {geom.geom_type} (expected {kind})"
    minx, miny, maxx, maxy = geom.bounds
    if not all(math.isfinite(v) for v in (minx, miny, maxx, maxy)):
        return None, "coordinates are not finite numbers"
    if not _fits_lonlat((minx, miny, maxx, maxy)):
        return None, "coordinates outside lon/lat ranges"
    if not geom.is_valid:
        why = shapely.is_valid_reason(geom)
        fixed = shapely.make_valid(geom)
        if kind == "MultiPolygon" and fixed.geom_type == "Polygon":
            fixed = MultiPolygon([fixed])
        if fixed.geom_type != kind or fixed.is_empty:
            return None, f"invalid geometry ({why}); repair gives a {fixed.geom_type}"
        geom = fixed
    return geom, None


def wkb_hex(geom: BaseGeometry) -> str:
    """Hex WKB of a 2D geometry (what the upsert statements decode)."""
    return str(shapely.to_wkb(geom, hex=True, output_dimension=2))


# -- writing ---------------------------------------------------------------------------------
_OUTSIDE = text(
    """
    WITH g AS (
        SELECT r.ref, ST_GeomFromWKB(decode(r.wkb, 'hex'), 4326) AS geom
        FROM json_to_recordset(CAST(:rows AS json)) AS r(ref text, wkb text)
    ), has_areas AS (
        SELECT EXISTS (SELECT 1 FROM admin_area WHERE city_id = :city_id) AS yes
    )
    SELECT g.ref FROM g, has_areas
    WHERE CASE WHEN has_areas.yes THEN NOT EXISTS (
                   SELECT 1 FROM admin_area a
                   WHERE a.city_id = :city_id AND ST_Intersects(a.geom, g.geom))
               ELSE NOT EXISTS (
                   SELECT 1 FROM city c WHERE c.id = :city_id AND ST_Intersects(c.bbox, g.geom))
          END
    """
)


def write_rows(
    session: Session,
    statement: TextClause | Writer,
    city_id: int,
    rows: list[dict[str, Any]],
    report: ImportReport,
    *,
    progress: Progress | None = None,
    stage: str = "writing",
    flag_outside: bool = True,
) -> None:
    """Upsert ``rows`` in batches with ``statement`` and count what changed.

    ``statement`` takes ``:city_id`` and ``:rows`` (a JSON array of the row dicts) and returns
    one row ``(inserted, updated)``; or it is a :data:`Writer` (routes go through
    ``geo.editing.write_routes``). Every row carries ``ref`` and ``wkb`` (hex WKB, 4326);
    rows outside the city (its admin areas, else its bbox) are counted when ``flag_outside``.
    """
    total = len(rows)
    before = report.inserted + report.updated
    tick(progress, stage, 0, total)
    for start in range(0, total, BATCH_ROWS):
        batch = rows[start : start + BATCH_ROWS]
        payload = orjson.dumps(batch).decode()
        if flag_outside:
            outside = session.execute(_OUTSIDE, {"rows": payload, "city_id": city_id})
            refs = [str(ref) for ref in outside.scalars()]
            report.outside_city += len(refs)
            report.outside_refs.extend(refs)
        if isinstance(statement, TextClause):
            params = {"rows": payload, "city_id": city_id}
            inserted, updated = session.execute(statement, params).one()
        else:
            inserted, updated = statement(session, city_id, batch)
        report.inserted += int(inserted)
        report.updated += int(updated)
        tick(progress, stage, min(start + BATCH_ROWS, total), total)
    report.unchanged += total - (report.inserted + report.updated - before)


def unique_rows(
    rows: Iterable[tuple[tuple[Any, ...], dict[str, Any]]], report: ImportReport
) -> list[dict[str, Any]]:
    """Keep the first row of each natural key; later ones are rejected as duplicates."""
    seen: set[tuple[Any, ...]] = set()
    out = []
    for key, row in rows:
        if key in seen:
            report.reject(str(row["ref"]), "duplicate of an earlier feature with the same key")
            continue
        seen.add(key)
        out.append(row)
    return out
