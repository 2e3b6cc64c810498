"""Reading vector files for the importers (GeoJSON, GeoPackage, Shapefile, KML through
pyogrio) into lon/lat, and checking and repairing their geometries."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyogrio
import pyproj
import shapely
from shapely.geometry import MultiPolygon
from shapely.geometry.base import BaseGeometry

from data.importers.common import ImportReport
from geo.errors import InvalidFileError

VECTOR_HINT = "GeoJSON, GeoPackage, Shapefile (.shp or zipped), KML"
_MULTI_LAYER_SUFFIXES = {".kml", ".kmz"}


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


def fits_lonlat(bounds: Sequence[float]) -> bool:
    """Whether ``(minx, miny, maxx, maxy)`` lie within longitude/latitude ranges."""
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
        if not fits_lonlat(gdf.geometry[present].total_bounds):
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
    if not fits_lonlat((minx, miny, maxx, maxy)):
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
