"""Parcel intake: one polygon from an upload (GeoJSON, KML, GeoPackage, zipped Shapefile) or a
drawn GeoJSON geometry, reprojected to lon/lat, repaired only when safe, within the limits."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import orjson
import shapely
from pyproj import CRS, Transformer
from shapely.geometry import MultiPolygon, Polygon, shape
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.permits.errors import (
    ParcelAreaError,
    ParcelCrsMissingError,
    ParcelFormatError,
    ParcelGeometryTypeError,
    ParcelInvalidError,
    ParcelOutsideCityError,
    ParcelTooManyVerticesError,
)
from geo.permits.files import read_geometry

UTM_SRID = 32748
"""Where areas are measured: UTM zone 48S (Kota Tangerang)."""
MAX_VERTICES = 10_000
MIN_AREA_M2 = 10.0
MAX_AREA_M2 = 10_000_000.0  # 1,000 ha
REPAIR_TOLERANCE = 0.01
"""A repair is accepted when its area is within 1 % of the original rings' area."""
DECIMALS = 7
"""Decimals of lon/lat kept (about 1 cm)."""
OUTSIDE_TOLERANCE_M2 = 0.01
"""Area outside the city boundary taken as rounding noise (the parcel must lie inside)."""
FORMATS = ("geojson", "kml", "gpkg", "shp")
_REASON = re.compile(r"^\s*(?P<reason>[^\[]+?)\s*\[(?P<x>\S+)\s+(?P<y>\S+?)\]\s*$")
_GEOGRAPHIC = ("EPSG:4326", "OGC:CRS84")


@dataclass(frozen=True)
class ParcelInput:
    """One parcel as the pre-check and the application take it.

    Attributes:
        geometry: The parcel in EPSG:4326 (lon/lat, 7 decimals), always a MultiPolygon.
        area_m2: Its area in UTM 48S (EPSG:32748), m².
        vertices: Its vertices (each ring's closing point not counted).
        source_format: ``geojson``, ``kml``, ``gpkg`` or ``shp``.
        source_crs: The CRS it came in, e.g. ``EPSG:32748`` (lon/lat input: ``EPSG:4326``).
        repaired: Whether ``make_valid`` repaired it.
        repair_note: What the repair did (Bahasa Indonesia), None when not repaired.
        original_area_m2: The area of the rings as given, before the repair (None when not
            repaired).
    """

    geometry: MultiPolygon
    area_m2: float
    vertices: int
    source_format: str
    source_crs: str
    repaired: bool = False
    repair_note: str | None = None
    original_area_m2: float | None = None

    def public(self) -> dict[str, Any]:
        """The JSON answer of ``POST /cities/{city}/permits/parcel``."""
        return {
            "geometry": geojson_of(self.geometry),
            "area_m2": round(self.area_m2, 2),
            "vertices": self.vertices,
            "format": self.source_format,
            "crs": self.source_crs,
            "repaired": self.repaired,
            "repair_note": self.repair_note,
        }


def geojson_of(geom: BaseGeometry) -> dict[str, Any]:
    """A geometry as a GeoJSON object with lists (not tuples) of coordinates."""
    out: dict[str, Any] = orjson.loads(shapely.to_geojson(geom))
    return out


# -- measuring -------------------------------------------------------------------------------
@lru_cache(maxsize=32)
def _transformer(source: str, target: str) -> Transformer:
    return Transformer.from_crs(
        CRS.from_user_input(source), CRS.from_user_input(target), always_xy=True
    )


def _reproject(geom: BaseGeometry, source: str, target: str) -> BaseGeometry:
    transformer = _transformer(source, target)

    def move(coords: np.ndarray) -> np.ndarray:
        x, y = transformer.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geom, move)


def area_m2(geom: BaseGeometry) -> float:
    """The area of a lon/lat geometry in UTM 48S (m²). For an invalid polygon: the area of its
    rings as drawn (GEOS: |shell| minus its holes, so a bowtie's two lobes cancel out)."""
    return float(_reproject(geom, "EPSG:4326", f"EPSG:{UTM_SRID}").area)


def count_vertices(geom: BaseGeometry) -> int:
    """Vertices of a (multi)polygon: its coordinates less each ring's closing point."""
    polygons = shapely.get_parts(geom) if geom.geom_type == "MultiPolygon" else [geom]
    rings = sum(1 + int(shapely.get_num_interior_rings(p)) for p in polygons)
    return int(shapely.get_num_coordinates(geom)) - rings


def read_parcel(data: bytes, filename: str) -> ParcelInput:
    """Read one parcel from an uploaded file.

    The file holds exactly one feature, a Polygon or MultiPolygon (holes allowed), in any CRS
    it declares (GeoJSON without ``crs``: lon/lat; KML: lon/lat). It is reprojected to
    EPSG:4326, rounded to 7 decimals, repaired with ``make_valid`` only when the result is
    still polygonal and within 1 % of the drawn area, and checked against the vertex and area
    limits (the city is checked by :func:`check_parcel`). A zip is refused before unpacking
    when it would inflate past 50 MB (or 200 times its size), and nothing is kept on disk.

    Args:
        data: The file's bytes.
        filename: Its name (for messages and to break ties between formats).

    Returns:
        The parcel.

    Raises:
        ParcelFormatError: Unknown or unreadable format, or several shapefiles in a zip.
        ParcelArchiveError: A zip bomb, too many members, encrypted or corrupt.
        ParcelCrsMissingError: No .prj, no SRS, or coordinates that are not lon/lat.
        ParcelGeometryTypeError: Not exactly one Polygon/MultiPolygon feature.
        ParcelInvalidError: Self-intersecting beyond a safe repair (with the location).
        ParcelTooManyVerticesError: Over 10,000 vertices.
        ParcelAreaError: Under 10 m² or over 1,000 ha.
    """
    geom, kind, crs = read_geometry(data, filename)
    return _intake(geom, kind, crs)


def parcel_from_geojson(obj: dict[str, Any]) -> ParcelInput:
    """Read one parcel from a GeoJSON geometry (or a Feature holding one) in lon/lat.

    Args:
        obj: ``{"type": "Polygon" | "MultiPolygon", "coordinates": ...}`` (or a Feature).

    Returns:
        The parcel (``source_format`` ``geojson``, ``source_crs`` ``EPSG:4326``).

    Raises:
        ParcelFormatError: Not a GeoJSON geometry.
        ParcelCrsMissingError: Coordinates outside lon/lat ranges.
        ParcelGeometryTypeError, ParcelInvalidError, ParcelTooManyVerticesError,
        ParcelAreaError: As :func:`read_parcel`.
    """
    if isinstance(obj, dict) and obj.get("type") == "Feature":
        obj = obj.get("geometry")  # type: ignore[assignment]
    if not isinstance(obj, dict) or not isinstance(obj.get("type"), str):
        raise ParcelFormatError(
            "the geometry must be a GeoJSON object with type and coordinates",
            [{"field": "geometry", "message": "not GeoJSON"}],
        )
    if obj["type"] not in {"Polygon", "MultiPolygon"}:
        raise _wrong_type(str(obj["type"])[:40])
    try:
        geom = shape(obj)
    except Exception as exc:  # shapely's messages name internals; say it in our words
        raise ParcelFormatError(
            f"the {obj['type']} has malformed coordinates (rings need 4 or more positions,"
            " each [lon, lat])",
            [{"field": "geometry.coordinates", "message": "malformed"}],
        ) from exc
    return _intake(geom, "geojson", "EPSG:4326")


# -- one geometry to a parcel ----------------------------------------------------------------
def _wrong_type(kind: str) -> ParcelGeometryTypeError:
    return ParcelGeometryTypeError(
        f"the parcel is a {kind}; it must be a Polygon or MultiPolygon (the outline of the land)",
        [{"field": "geometry.type", "message": f"{kind} is not a polygon"}],
    )


def _crs_label(crs: str) -> str:
    try:
        parsed = CRS.from_user_input(crs)
    except Exception as exc:
        raise ParcelCrsMissingError(
            "the file's coordinate reference system is not one we know",
            [{"field": "file", "message": "unknown CRS"}],
        ) from exc
    authority = parsed.to_authority(min_confidence=70)
    label = f"{authority[0]}:{authority[1]}" if authority else parsed.name
    return "EPSG:4326" if label in _GEOGRAPHIC else label


def _intake(geom: BaseGeometry, kind: str, crs: str) -> ParcelInput:
    geom = shapely.force_2d(geom)
    if geom.geom_type not in {"Polygon", "MultiPolygon"}:
        raise _wrong_type(geom.geom_type)
    if geom.is_empty:
        raise ParcelGeometryTypeError(
            "the polygon is empty", [{"field": "geometry", "message": "empty"}]
        )
    vertices = count_vertices(geom)
    _check_vertices(vertices)
    label = _crs_label(crs)
    if label != "EPSG:4326":
        try:
            geom = _reproject(geom, crs, "EPSG:4326")
        except Exception as exc:
            raise ParcelCrsMissingError(
                f"the parcel cannot be reprojected from {label}",
                [{"field": "file", "message": "unknown CRS"}],
            ) from exc
    minx, miny, maxx, maxy = geom.bounds
    if not (np.isfinite([minx, miny, maxx, maxy]).all() and -180 <= minx <= maxx <= 180):
        raise _not_lonlat(label)
    if not -90 <= miny <= maxy <= 90:
        raise _not_lonlat(label)
    geom = shapely.transform(geom, lambda c: np.round(c, DECIMALS))
    repaired, note, original = False, None, None
    if not geom.is_valid:
        geom, note, original = _repair(geom)
        repaired = True
        vertices = count_vertices(geom)
        _check_vertices(vertices)
    multi = geom if isinstance(geom, MultiPolygon) else MultiPolygon([geom])
    multi = shapely.orient_polygons(multi)  # GeoJSON's order: shells counter-clockwise
    parcel = ParcelInput(
        geometry=multi,
        area_m2=area_m2(multi),
        vertices=vertices,
        source_format=kind,
        source_crs=label,
        repaired=repaired,
        repair_note=note,
        original_area_m2=original,
    )
    check_area(parcel.area_m2)
    return parcel


def _not_lonlat(label: str) -> ParcelCrsMissingError:
    return ParcelCrsMissingError(
        f"the coordinates are not longitude/latitude after reading them as {label}: name the"
        " file's real coordinate reference system (GeoJSON is lon/lat, EPSG:4326)",
        [{"field": "geometry.coordinates", "message": "not lon/lat"}],
    )


def _repair(geom: BaseGeometry) -> tuple[BaseGeometry, str, float]:
    """``make_valid`` when still polygonal and within 1 % of the rings' area, else 422."""
    why = explain_validity(geom)
    match = _REASON.match(why)
    reason = match.group("reason") if match else why.split("[")[0].strip()
    location = (
        [round(float(match.group("x")), DECIMALS), round(float(match.group("y")), DECIMALS)]
        if match
        else None
    )
    where = f" at {location[0]:.6f}, {location[1]:.6f}" if location else ""
    original = area_m2(geom)
    fixed = shapely.make_valid(geom)
    parts = [p for p in shapely.get_parts(fixed) if p.geom_type in {"Polygon", "MultiPolygon"}]
    polygons: list[Polygon] = []
    for part in parts:
        polygons.extend(shapely.get_parts(part) if part.geom_type == "MultiPolygon" else [part])
    result = MultiPolygon(polygons) if polygons else None
    new_area = area_m2(result) if result is not None else 0.0
    change = abs(new_area - original) / original if original > 0 else float("inf")
    if result is None or result.is_empty or not result.is_valid or change > REPAIR_TOLERANCE:
        got = f"{new_area:,.1f} m²" if result is not None else "no polygon"
        raise ParcelInvalidError(
            f"the parcel's outline is invalid ({reason}){where}: repairing it would give {got}"
            f" instead of the drawn {original:,.1f} m², so it is not repaired; redraw the"
            " outline so that it does not cross itself",
            location=location,
            reason=reason,
            errors=[{"field": "geometry", "message": f"{reason}{where}"}],
        )
    dropped = len(shapely.get_parts(fixed)) - len(parts)
    note = (
        f"Garis batas tidak valid ({reason}{where.replace(' at ', ' di ')}); diperbaiki"
        f" otomatis (make_valid) menjadi {len(polygons)} bagian, luas {new_area:,.1f} m²"
        f" (semula {original:,.1f} m², selisih {change * 100:.2f} %)"
        + (f"; {dropped} garis/titik tanpa luas dibuang" if dropped else "")
        + "."
    )
    return result, note, original


def _check_vertices(vertices: int) -> None:
    if vertices > MAX_VERTICES:
        raise ParcelTooManyVerticesError(
            f"the parcel has {vertices:,} vertices (at most {MAX_VERTICES:,}): simplify it",
            [{"field": "geometry", "message": "too many vertices"}],
        )


def check_area(area: float) -> None:
    """Refuse an area under 10 m² or over 1,000 ha.

    Raises:
        ParcelAreaError: Out of range.
    """
    if not MIN_AREA_M2 <= area <= MAX_AREA_M2:
        raise ParcelAreaError(
            f"the parcel's area is {area:,.1f} m²; it must be between {MIN_AREA_M2:,.0f} m² and"
            f" {MAX_AREA_M2 / 10_000:,.0f} ha",
            [{"field": "geometry", "message": "area out of range"}],
        )


# -- the city --------------------------------------------------------------------------------
# the boundary: the kota area when loaded, else the kecamatan, else the kelurahan (only those
# the parcel touches are unioned), else the city's bbox; the answer is the area outside (m²)
_OUTSIDE_SQL = text(
    """
    WITH p AS (SELECT ST_GeomFromWKB(:wkb, 4326) AS geom),
    lvl AS (
        SELECT CASE
            WHEN EXISTS (SELECT 1 FROM admin_area WHERE city_id = :c AND level = 'kota')
                THEN 'kota'
            WHEN EXISTS (SELECT 1 FROM admin_area WHERE city_id = :c AND level = 'kecamatan')
                THEN 'kecamatan'
            WHEN EXISTS (SELECT 1 FROM admin_area WHERE city_id = :c AND level = 'kelurahan')
                THEN 'kelurahan'
        END AS level
    ),
    b AS (
        SELECT ST_Union(a.geom) AS geom
        FROM admin_area a, lvl, p
        WHERE lvl.level IS NOT NULL AND a.city_id = :c AND a.level = lvl.level
          AND a.geom && p.geom
        HAVING count(*) > 0
        UNION ALL
        SELECT c.bbox FROM city c, lvl WHERE c.id = :c AND lvl.level IS NULL
    ),
    u AS (SELECT ST_Union(geom) AS geom FROM b)
    SELECT CASE
        WHEN u.geom IS NULL THEN ST_Area(ST_Transform(p.geom, :utm))
        WHEN ST_CoveredBy(p.geom, u.geom) THEN 0
        ELSE ST_Area(ST_Transform(ST_Difference(p.geom, u.geom), :utm))
    END
    FROM p, u
    """
)


def check_parcel(session: Session, city_id: int, parcel: ParcelInput) -> None:
    """Refuse a parcel that breaks a limit or does not lie inside the city boundary.

    Args:
        session: Open session (reads only).
        city_id: The city.
        parcel: The parcel (from :func:`read_parcel` or :func:`parcel_from_geojson`).

    Raises:
        ParcelTooManyVerticesError: Over 10,000 vertices.
        ParcelAreaError: Under 10 m² or over 1,000 ha.
        ParcelOutsideCityError: Some of it (more than 0.01 m²) lies outside the boundary (the
            kota area, else the kecamatan or kelurahan, else the city's bbox).
    """
    _check_vertices(parcel.vertices)
    check_area(parcel.area_m2)
    outside = session.execute(
        _OUTSIDE_SQL,
        {"wkb": shapely.to_wkb(parcel.geometry), "c": city_id, "utm": UTM_SRID},
    ).scalar_one()
    outside_m2 = float(outside or 0.0)
    if outside_m2 > OUTSIDE_TOLERANCE_M2:
        share = min(outside_m2 / parcel.area_m2, 1.0) if parcel.area_m2 > 0 else 1.0
        where = (
            "lies outside"
            if share > 0.999
            else f"crosses ({outside_m2:,.1f} m², {share:.0%}, outside)"
        )
        raise ParcelOutsideCityError(
            f"the parcel {where} the city boundary: it must lie inside the city",
            outside_m2=outside_m2,
            errors=[{"field": "geometry", "message": "outside the city"}],
        )
