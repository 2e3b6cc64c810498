"""Import protected land for the permit pre-check: protected rice fields (``sawah``, LP2B /
lahan sawah dilindungi), green open space (``rth``), and river setbacks (``sungai``).

``sawah`` and ``rth`` are polygons. ``sungai`` are river LINES with ``depth_m`` and
``has_levee`` (or a ``kelas`` column: tanggul, dangkal, sedang, dalam); each is stored in
``river_line`` and its setback (sempadan) buffer in ``protected_area``, measured in the city's
UTM zone from the line as drawn, per the classes of PP 38/2011 (urban rivers) as
:class:`RiverSetbacks` settings: without a levee 10 m for depth ≤ 3 m, 15 m for 3–20 m, 30 m
above 20 m; with a levee 3 m (draw the levee's outer foot for that).

The import replaces the city's rows of that kind in one transaction (migration 0018's triggers
bump the ``protected_areas`` / ``rivers`` revisions); a bad file writes nothing. Invalid
polygons are repaired with ``make_valid`` when the result keeps polygonal area, and each
repair is listed in the report's notes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import shapely
from shapely.geometry import MultiLineString, MultiPolygon
from shapely.geometry.base import BaseGeometry
from sqlalchemy import text
from sqlalchemy.orm import Session

from data.importers.common import ImportReport, clean_text, column_values, pick_field
from data.importers.vector import read_vector, wkb_hex
from data.importers.zoning import flag_outside, number, rowcount
from data.progress import Progress, tick
from geo.cities import get_city
from geo.errors import InvalidFileError, InvalidInputError
from geo.permits import river_setback_m

KINDS = ("sawah", "rth", "sungai")
NAME_FIELDS = ("nama", "name", "namobj", "nama_objek", "nama_sungai", "remark", "keterangan")
REF_FIELDS = ("gid", "id", "fid", "objectid", "kode", "code")
DEPTH_FIELDS = ("depth_m", "kedalaman_m", "kedalaman", "depth")
LEVEE_FIELDS = ("has_levee", "bertanggul", "tanggul", "levee")
CLASS_FIELDS = ("kelas", "class", "river_class")
DEFAULT_NAMES = {"sawah": "Sawah dilindungi", "rth": "Ruang terbuka hijau", "sungai": "Sungai"}
_YES = {"1", "true", "t", "y", "ya", "yes", "ada", "bertanggul"}
_NO = {"0", "false", "f", "n", "tidak", "no", "tanpa", "tidak ada", "none"}
_CLASSES = {
    "tanggul": "levee",
    "bertanggul": "levee",
    "levee": "levee",
    "dangkal": "shallow",
    "shallow": "shallow",
    "sedang": "medium",
    "medium": "medium",
    "dalam": "deep",
    "deep": "deep",
}


@dataclass(frozen=True)
class RiverSetbacks:
    """River setbacks (sempadan sungai) per class, metres from the line (PP 38/2011 for urban
    rivers; Permen PUPR 28/2015).

    Attributes:
        shallow_m: No levee, depth up to ``shallow_max_depth_m`` (10 m).
        medium_m: No levee, depth up to ``medium_max_depth_m`` (15 m).
        deep_m: No levee, deeper (30 m).
        levee_m: With a levee, from its outer foot (3 m).
        unknown_depth_m: No levee and no depth given: the least of the unleveed classes.
    """

    # the defaults are geo.permits' classes (the pre-check and the demo city use the same)
    shallow_m: float = river_setback_m(0.0, False)
    medium_m: float = river_setback_m(10.0, False)
    deep_m: float = river_setback_m(100.0, False)
    levee_m: float = river_setback_m(None, True)
    shallow_max_depth_m: float = 3.0
    medium_max_depth_m: float = 20.0
    unknown_depth_m: float = river_setback_m(None, False)

    def __post_init__(self) -> None:
        widths = (self.shallow_m, self.medium_m, self.deep_m, self.levee_m, self.unknown_depth_m)
        if not all(0 < w <= 500 for w in widths):
            raise InvalidInputError("river setbacks must lie between 0 and 500 m")

    def setback(
        self, depth_m: float | None, has_levee: bool, river_class: str | None = None
    ) -> tuple[float, str]:
        """The setback (m) and its class in words (Bahasa Indonesia).

        Args:
            depth_m: The river's depth; None when unknown.
            has_levee: Whether it has a levee (tanggul).
            river_class: ``levee``, ``shallow``, ``medium`` or ``deep`` when a class column
                names it (it wins over the depth).
        """
        if has_levee or river_class == "levee":
            return self.levee_m, "bertanggul"
        shallow = depth_m is not None and depth_m <= self.shallow_max_depth_m
        if river_class == "shallow" or (river_class is None and shallow):
            return self.shallow_m, f"tanpa tanggul, kedalaman ≤ {self.shallow_max_depth_m:g} m"
        medium = depth_m is not None and depth_m <= self.medium_max_depth_m
        if river_class == "medium" or (river_class is None and medium):
            return self.medium_m, (
                f"tanpa tanggul, kedalaman {self.shallow_max_depth_m:g}–"
                f"{self.medium_max_depth_m:g} m"
            )
        if river_class == "deep" or depth_m is not None:
            return self.deep_m, f"tanpa tanggul, kedalaman > {self.medium_max_depth_m:g} m"
        return self.unknown_depth_m, "tanpa tanggul, kedalaman tidak diketahui"


_DELETE_AREAS = text("DELETE FROM protected_area WHERE city_id = :city_id AND kind = :kind")
_DELETE_RIVERS = text("DELETE FROM river_line WHERE city_id = :city_id")
_INSERT_AREAS = text(
    """
    WITH ins AS (
        INSERT INTO protected_area (city_id, kind, name, source, geom)
        SELECT :city_id, :kind, r.name, r.source,
               ST_Multi(ST_GeomFromWKB(decode(r.wkb, 'hex'), 4326))
        FROM json_to_recordset(CAST(:rows AS json)) AS r(name text, source text, wkb text)
        RETURNING 1
    )
    SELECT count(*) FROM ins
    """
)
# the rivers and their setback buffers (in the city's UTM zone, back to lon/lat, made valid)
_INSERT_RIVERS = text(
    """
    WITH src AS (
        SELECT r.name, r.source, r.depth_m, r.has_levee, r.setback_m,
               ST_Multi(ST_GeomFromWKB(decode(r.wkb, 'hex'), 4326)) AS geom
        FROM json_to_recordset(CAST(:rows AS json))
             AS r(name text, source text, depth_m float8, has_levee bool, setback_m float8,
                  wkb text)
    ), lines AS (
        INSERT INTO river_line (city_id, name, depth_m, has_levee, geom)
        SELECT :city_id, name, depth_m, has_levee, geom FROM src
        RETURNING 1
    ), ins AS (
        INSERT INTO protected_area (city_id, kind, name, source, geom)
        SELECT :city_id, 'sungai', left('Sempadan ' || name, 200), source,
               ST_Multi(ST_CollectionExtract(ST_MakeValid(ST_Transform(
                   ST_Buffer(ST_Transform(geom, :utm), setback_m, 'quad_segs=8'), 4326)), 3))
        FROM src
        RETURNING 1
    )
    SELECT (SELECT count(*) FROM ins), (SELECT count(*) FROM lines)
    """
)


def repair_polygon(geom: BaseGeometry | None) -> tuple[MultiPolygon | None, str | None, str | None]:
    """A protected polygon as a valid MultiPolygon.

    Returns:
        ``(geometry, None, note)``: usable; ``note`` says what a repair did (None: none needed).
        ``(None, reason, None)``: not usable.
    """
    if geom is None or geom.is_empty:
        return None, "no geometry", None
    geom = shapely.force_2d(geom)
    if geom.geom_type not in {"Polygon", "MultiPolygon"}:
        return None, f"wrong geometry type {geom.geom_type} (expected a polygon)", None
    minx, miny, maxx, maxy = geom.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        return None, "coordinates outside lon/lat ranges", None
    note = None
    if not geom.is_valid:
        why = shapely.is_valid_reason(geom)
        fixed = shapely.make_valid(geom)
        parts = [p for p in shapely.get_parts(shapely.get_parts(fixed)) if p.geom_type == "Polygon"]
        polygons: list[Any] = []
        for part in parts:
            polygons.extend(shapely.get_parts(part))
        if not polygons:
            return None, f"invalid geometry ({why}); the repair leaves no area", None
        repaired = MultiPolygon(polygons)
        change = repaired.area / geom.area - 1 if geom.area > 0 else float("inf")
        note = f"{why} repaired with make_valid (area {change:+.2%})"
        geom = repaired
    multi = geom if isinstance(geom, MultiPolygon) else MultiPolygon([geom])
    return multi, None, note


def _first_text(values: list[list[Any]], i: int, max_len: int) -> str | None:
    for column in values:
        value = clean_text(column[i], max_len)
        if value is not None:
            return value
    return None


def _levee(value: Any) -> bool | None:
    """True/False from a cell (ya/tidak, 1/0, true/false); None when empty."""
    if value is None or isinstance(value, bool):
        return value
    raw = (clean_text(value) or "").lower()
    if not raw:
        return None
    if raw in _YES:
        return True
    if raw in _NO:
        return False
    raise ValueError(f"has_levee {raw[:20]!r} is not yes/no")


def import_protected(
    session: Session,
    city_slug: str,
    path: Path,
    *,
    kind: str,
    setbacks: RiverSetbacks | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Replace the city's protected land of one kind (one transaction; the caller commits).

    Args:
        session: Open session.
        city_slug: The city.
        path: Polygons (``sawah``, ``rth``) or river lines (``sungai``) in any vector format.
        kind: ``sawah``, ``rth`` or ``sungai``.
        setbacks: River setbacks per class (default: PP 38/2011).
        progress: ``progress(stage, done, total)``.

    Returns:
        The report (inserted, rejected with reasons, repairs in the notes, outside the city).

    Raises:
        CityNotFoundError: No such city.
        InvalidInputError: An unknown kind.
        InvalidFileError: Unreadable file or no usable feature (nothing is written).
    """
    if kind not in KINDS:
        raise InvalidInputError(f"kind must be one of {', '.join(KINDS)}")
    city = get_city(session, city_slug)
    report = ImportReport(kind=f"protected {kind}")
    tick(progress, "reading", 0, 1)
    gdf = read_vector(path, report)
    report.read = len(gdf)
    cols = list(gdf.columns)
    lower = {c.lower(): c for c in cols}
    names = [column_values(gdf, lower[n]) for n in NAME_FIELDS if n in lower]
    ref_col = pick_field(cols, None, REF_FIELDS, label="id", option="", required=False)
    refs = column_values(gdf, ref_col)
    tick(progress, "reading", 1, 1)
    rows: list[dict[str, Any]] = []
    for i, geom in enumerate(gdf.geometry):
        given = clean_text(refs[i])
        ref = f"{ref_col} {given}" if ref_col and given else f"feature {i + 1}"
        name = _first_text(names, i, 200) or DEFAULT_NAMES[kind]
        base = {"ref": ref, "name": name, "source": f"{path.name}: {ref}"}
        if kind == "sungai":
            row, why = _river(gdf, cols, i, geom, setbacks or RiverSetbacks())
            if row is not None:
                base["source"] += f"; sempadan {row['setback_m']:g} m ({row['class']})"
        else:
            fixed, why, note = repair_polygon(geom)
            row = None if fixed is None else {"wkb": wkb_hex(fixed)}
            if note is not None:
                report.note(f"{ref}: {note}")
        if row is None:
            report.reject(ref, why or "no geometry")
            continue
        rows.append(base | row)
    if not rows:
        first = report.rejected[0][1] if report.rejected else "no features"
        raise InvalidFileError(f"{path.name}: no usable {kind} feature (first reason: {first})")
    flag_outside(session, city.id, rows, report)
    tick(progress, f"writing {kind}", 0, 1)
    payload = orjson.dumps(rows).decode()
    removed = rowcount(session.execute(_DELETE_AREAS, {"city_id": city.id, "kind": kind}))
    if kind == "sungai":
        session.execute(_DELETE_RIVERS, {"city_id": city.id})
        inserted, lines = session.execute(
            _INSERT_RIVERS, {"city_id": city.id, "rows": payload, "utm": city.utm_srid}
        ).one()
        report.note(f"{int(lines)} river lines, each with its setback area")
    else:
        inserted = session.execute(
            _INSERT_AREAS, {"city_id": city.id, "kind": kind, "rows": payload}
        ).scalar_one()
    tick(progress, f"writing {kind}", 1, 1)
    report.inserted = int(inserted)
    report.note(f"replaced the city's {int(removed)} earlier {kind} areas")
    return report


def _river(
    gdf: Any, cols: list[str], i: int, geom: BaseGeometry | None, setbacks: RiverSetbacks
) -> tuple[dict[str, Any] | None, str | None]:
    """One river line with its class and setback, or why not."""
    if geom is None or geom.is_empty:
        return None, "no geometry"
    geom = shapely.force_2d(geom)
    if geom.geom_type == "LineString":
        geom = MultiLineString([geom])
    if geom.geom_type != "MultiLineString":
        return None, f"wrong geometry type {geom.geom_type} (expected a river line)"
    if not geom.is_valid or geom.length == 0:
        return None, f"invalid line ({shapely.is_valid_reason(geom)})"

    def cell(fields: tuple[str, ...]) -> Any:
        col = pick_field(cols, None, fields, label="", option="", required=False)
        return column_values(gdf, col)[i]

    try:
        depth = number(cell(DEPTH_FIELDS))
        levee = _levee(cell(LEVEE_FIELDS))
    except ValueError as exc:
        return None, str(exc)[:200]
    raw_class = (clean_text(cell(CLASS_FIELDS)) or "").lower()
    river_class = _CLASSES.get(raw_class)
    if raw_class and river_class is None:
        return None, f"kelas {raw_class[:20]!r} is not one of {', '.join(sorted(_CLASSES))}"
    if depth is not None and depth < 0:
        return None, f"depth_m {depth:g} is negative"
    has_levee = bool(levee) or river_class == "levee"
    width, label = setbacks.setback(depth, has_levee, river_class)
    return {
        "wkb": wkb_hex(geom),
        "depth_m": depth,
        "has_levee": has_levee,
        "setback_m": width,
        "class": label,
    }, None
