"""Import OpenStreetMap data with osmnx: the walking network into road_edge, schools into school.

Roads: ways passing osmnx's ``walk`` filter, built with ``graph_from_xml`` (simplified, largest
connected component). One row per street segment: a two-way segment is stored once (the
direction with u < v), a one-way segment in its travel direction with ``oneway`` true. The
natural key is (u, v, osm_id) with osm_id the smallest way id of a simplified segment.
Schools: ``amenity=school`` features; polygons become their representative point. The NPSN
comes from ``ref:npsn``/``npsn`` tags, else the OSM id (``osm-n123``, ``osm-w456``); the level
from ``isced:level`` or the name (``SD Negeri 1`` -> SD); the status from ``operator:type``,
else the name (``Negeri``, SDN/SMPN/SMAN/SMKN -> negeri), else swasta.
"""

from __future__ import annotations

import bz2
import gzip
import re
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import IO, Any, cast

import networkx as nx
import osmnx as ox
import pandas as pd
from osmnx._errors import InsufficientResponseError
from shapely.geometry import LineString
from sqlalchemy import text
from sqlalchemy.orm import Session

from data.importers.common import ImportReport, clean_text, unique_rows, write_rows
from data.importers.schools import UPSERT_SCHOOLS, point_of, school_row
from data.importers.vector import check_file, usable_geometry, wkb_hex
from data.progress import Progress, tick
from geo.cities import get_city
from geo.errors import InvalidFileError

# osmnx's "walk" network filter: a way needs a highway tag and none of these tag values
WALK_EXCLUDE: tuple[tuple[str, str], ...] = (
    ("area", "yes"),
    ("access", "private"),
    (
        "highway",
        "abandoned|bus_guideway|construction|cycleway|motor|no|planned|platform|proposed"
        "|raceway|razed|rest_area|services",
    ),
    ("foot", "no"),
    ("service", "private"),
    ("sidewalk", "separate"),
    ("sidewalk:both", "separate"),
    ("sidewalk:left", "separate"),
    ("sidewalk:right", "separate"),
)
HIGHWAY_RANK = (
    "trunk",
    "trunk_link",
    "primary",
    "primary_link",
    "secondary",
    "secondary_link",
    "tertiary",
    "tertiary_link",
    "unclassified",
    "residential",
    "living_street",
    "service",
    "pedestrian",
    "track",
    "road",
    "footway",
    "path",
    "steps",
    "corridor",
    "bridleway",
)
NPSN_TAGS = ("ref:npsn", "npsn", "ref:dapodik")
NEGERI_PREFIXES = {"SDN", "SMPN", "SMAN", "SMKN", "SLBN", "MIN", "MTSN", "MAN"}
OPERATOR_STATUS = {
    "government": "negeri",
    "public": "negeri",
    "private": "swasta",
    "religious": "swasta",
    "community": "swasta",
    "ngo": "swasta",
}
_PATTERNS = tuple((key, re.compile(pattern)) for key, pattern in WALK_EXCLUDE)

_UPSERT_ROADS = text(
    """
    WITH src AS (
        SELECT r.u, r.v, r.osm_id, r.name, r.road_class, r.oneway, r.length_m,
               ST_GeomFromWKB(decode(r.wkb, 'hex'), 4326) AS geom
        FROM json_to_recordset(CAST(:rows AS json))
             AS r(u bigint, v bigint, osm_id bigint, name text, road_class text,
                  oneway boolean, length_m float8, wkb text)
    ), matched AS (
        SELECT s.*, e.id AS edge_id,
               (e.name, e.road_class, e.oneway, e.length_m, ST_AsBinary(e.geom))
               IS NOT DISTINCT FROM
               (s.name, s.road_class, s.oneway, s.length_m, ST_AsBinary(s.geom)) AS same
        FROM src s
        LEFT JOIN road_edge e
          ON e.city_id = :city_id AND e.u = s.u AND e.v = s.v AND e.osm_id = s.osm_id
    ), upd AS (
        UPDATE road_edge e
        SET name = m.name, road_class = m.road_class, oneway = m.oneway,
            length_m = m.length_m, geom = m.geom
        FROM matched m WHERE e.city_id = :city_id AND e.id = m.edge_id AND NOT m.same
        RETURNING 1
    ), ins AS (
        INSERT INTO road_edge (city_id, u, v, osm_id, name, road_class, oneway, length_m, geom)
        SELECT :city_id, u, v, osm_id, name, road_class, oneway, length_m, geom
        FROM matched WHERE edge_id IS NULL
        RETURNING 1
    )
    SELECT (SELECT count(*) FROM ins), (SELECT count(*) FROM upd)
    """
)


def is_walkable(tags: dict[str, str]) -> bool:
    """Whether a way with these tags belongs to osmnx's walking network."""
    if "highway" not in tags:
        return False
    return not any(key in tags and pattern.search(tags[key]) for key, pattern in _PATTERNS)


def overpass_walk_filter() -> str:
    """The same filter in Overpass syntax (for the online download)."""
    return '["highway"]' + "".join(f'["{key}"!~"{value}"]' for key, value in WALK_EXCLUDE)


def _open(path: Path) -> IO[bytes]:
    if path.suffix == ".bz2":
        return bz2.open(path, "rb")
    if path.suffix == ".gz":
        return cast(IO[bytes], gzip.open(path, "rb"))
    return path.open("rb")


def _parse_osm(path: Path) -> ET.Element:
    try:
        with _open(path) as handle:
            # local file chosen by the operator; expat resolves no external entities
            root = ET.parse(handle).getroot()  # noqa: S314
    except ET.ParseError as exc:
        raise InvalidFileError(f"{path.name} is not valid XML (truncated or corrupt?)") from exc
    except (OSError, EOFError) as exc:
        raise InvalidFileError(f"{path.name} cannot be decompressed or read") from exc
    if root.tag != "osm":
        raise InvalidFileError(f"{path.name} is XML but not OSM XML (root <{root.tag}>)")
    return root


def walk_graph_from_xml(path: Path, report: ImportReport) -> nx.MultiDiGraph | None:
    """The simplified walking network of an OSM XML file (None when it has no such ways).

    Raises:
        InvalidFileError: Not (valid) OSM XML.
    """
    path = check_file(Path(path))
    root = _parse_osm(path)
    node_ids = {el.get("id") for el in root.iter("node")}
    ways = root.findall("way")
    kept = 0
    for way in ways:
        tags = {t.get("k", ""): t.get("v", "") for t in way.findall("tag")}
        if not is_walkable(tags):
            root.remove(way)
            continue
        for nd in way.findall("nd"):
            if nd.get("ref") not in node_ids:
                way.remove(nd)
        if len(way.findall("nd")) < 2:
            root.remove(way)
            continue
        kept += 1
    for relation in root.findall("relation"):
        root.remove(relation)
    report.note(f"{kept} of {len(ways)} ways are walkable roads")
    if kept == 0:
        return None
    with tempfile.TemporaryDirectory(prefix="tpo-osm-") as tmp:
        filtered = Path(tmp) / "walk.osm"
        ET.ElementTree(root).write(filtered, encoding="utf-8", xml_declaration=True)
        return ox.graph_from_xml(filtered, bidirectional=False, simplify=True, retain_all=False)


def _flag(value: Any) -> bool:
    if isinstance(value, list):
        return bool(value) and all(_flag(v) for v in value)
    if isinstance(value, str):
        return value.lower() in {"yes", "true", "1"}
    return bool(value)


def _values(value: Any) -> list[str]:
    items = value if isinstance(value, list) else [value]
    return sorted({str(v) for v in items if clean_text(v) is not None})


def _road_class(value: Any) -> str:
    classes = _values(value) or ["road"]
    rank = {name: i for i, name in enumerate(HIGHWAY_RANK)}
    return min(classes, key=lambda c: (rank.get(c, len(rank)), c))[:32]


def road_rows(graph: nx.MultiDiGraph, report: ImportReport) -> list[dict[str, Any]]:
    """Rows for road_edge from an (unprojected, lon/lat) osmnx graph."""
    edges = list(graph.edges(keys=True, data=True))

    def osm_id(data: dict[str, Any]) -> int:
        ids = data["osmid"] if isinstance(data["osmid"], list) else [data["osmid"]]
        return min(int(i) for i in ids)

    two_way = {(u, v, osm_id(d)) for u, v, _, d in edges if not _flag(d.get("oneway", False))}
    keyed = []
    twins: set[tuple[int, int, int]] = set()
    for u, v, _key, data in edges:
        oneway = _flag(data.get("oneway", False))
        way_id = osm_id(data)
        if not oneway and (u > v and (v, u, way_id) in two_way):
            continue  # the other direction of a two-way segment is stored
        if not oneway and u == v and (u, v, way_id) in twins:
            continue
        twins.add((u, v, way_id))
        geom = data.get("geometry") or LineString(
            [(graph.nodes[u]["x"], graph.nodes[u]["y"]), (graph.nodes[v]["x"], graph.nodes[v]["y"])]
        )
        names = _values(data.get("name"))
        ref = f"way {way_id} {u}->{v}"
        line, reason = usable_geometry(geom, "LineString")
        if line is None:
            report.reject(ref, reason or "unusable geometry")
            continue
        row = {
            "ref": ref,
            "u": int(u),
            "v": int(v),
            "osm_id": way_id,
            "name": " / ".join(names)[:200] or None,
            "road_class": _road_class(data.get("highway")),
            "oneway": oneway,
            "length_m": round(float(data.get("length", 0.0)), 3),
            "wkb": wkb_hex(line),
        }
        keyed.append(((row["u"], row["v"], way_id), row))
    report.read = len(keyed) + len(report.rejected)
    return unique_rows(keyed, report)


def school_rows(features: pd.DataFrame, report: ImportReport) -> list[dict[str, Any]]:
    """Rows for school from osmnx features (``amenity=school``)."""
    report.read = len(features)
    keyed = []
    for (element, osm_id), feature in features.iterrows():
        tags = {k: v for k, v in feature.items() if k != "geometry" and clean_text(v) is not None}
        npsn = next((clean_text(tags[t]) for t in NPSN_TAGS if t in tags), None)
        name = clean_text(tags.get("name")) or clean_text(tags.get("name:id"))
        status = OPERATOR_STATUS.get(str(tags.get("operator:type", "")).lower())
        if status is None:
            words = (name or "").upper().split()
            negeri = "NEGERI" in words or bool(words and words[0] in NEGERI_PREFIXES)
            status = "negeri" if negeri else "swasta"
        values = {
            "npsn": npsn or f"osm-{str(element)[:1]}{osm_id}",
            "name": name,
            "level": tags.get("isced:level"),
            "status": status,
            "address": clean_text(tags.get("addr:full")) or clean_text(tags.get("addr:street")),
        }
        point, why = point_of(feature["geometry"])
        row = school_row(values, point, why, f"{element} {osm_id}", report)
        if row is not None:
            keyed.append(((row["npsn"],), row))
    return unique_rows(keyed, report)


def _school_features(path: Path) -> pd.DataFrame:
    try:
        return ox.features_from_xml(path, tags={"amenity": "school"})
    except InsufficientResponseError:
        return pd.DataFrame(columns=["geometry"])


def import_osm(
    session: Session,
    city_slug: str,
    path: Path,
    *,
    progress: Progress | None = None,
) -> tuple[ImportReport, ImportReport]:
    """Load the walking network and the schools of an OSM XML file (``.osm``, ``.osm.bz2``).

    Re-running updates roads by (u, v, osm_id) and schools by NPSN. The session is not
    committed.

    Args:
        session: Open session; the caller commits.
        city_slug: The city to load into.
        path: OSM XML, optionally bz2- or gzip-compressed.
        progress: ``progress(stage, done, total)``.

    Returns:
        The reports for roads and for schools.

    Raises:
        CityNotFoundError: No such city.
        InvalidFileError: Not (valid) OSM XML.
    """
    city = get_city(session, city_slug)
    roads = ImportReport(kind="roads (OSM walk network)")
    tick(progress, "reading OSM", 0, 2)
    graph = walk_graph_from_xml(Path(path), roads)
    tick(progress, "reading OSM", 1, 2)
    features = _school_features(Path(path))
    tick(progress, "reading OSM", 2, 2)
    return _write(session, city.id, graph=graph, features=features, roads=roads, progress=progress)


def import_osm_place(
    session: Session, city_slug: str, place: str, *, progress: Progress | None = None
) -> tuple[ImportReport, ImportReport]:
    """Like :func:`import_osm`, downloading ``place`` (e.g. "Kota Tangerang") online first.

    Needs internet access (Nominatim and Overpass, through osmnx); not used by the tests.
    """
    city = get_city(session, city_slug)
    roads = ImportReport(kind="roads (OSM walk network)")
    tick(progress, "downloading OSM", 0, 2)
    graph = ox.graph_from_place(
        place, network_type="all", custom_filter=overpass_walk_filter(), simplify=True
    )
    tick(progress, "downloading OSM", 1, 2)
    try:
        features = ox.features_from_place(place, tags={"amenity": "school"})
    except InsufficientResponseError:
        features = pd.DataFrame(columns=["geometry"])
    tick(progress, "downloading OSM", 2, 2)
    return _write(session, city.id, graph=graph, features=features, roads=roads, progress=progress)


def _write(
    session: Session,
    city_id: int,
    *,
    graph: nx.MultiDiGraph | None,
    features: pd.DataFrame,
    roads: ImportReport,
    progress: Progress | None,
) -> tuple[ImportReport, ImportReport]:
    schools = ImportReport(kind="schools (OSM amenity=school)")
    road_list = road_rows(graph, roads) if graph is not None else []
    school_list = school_rows(features, schools)
    with session.begin_nested():
        write_rows(
            session,
            _UPSERT_ROADS,
            city_id,
            road_list,
            roads,
            progress=progress,
            stage="writing roads",
        )
        write_rows(
            session,
            UPSERT_SCHOOLS,
            city_id,
            school_list,
            schools,
            progress=progress,
            stage="writing schools",
        )
    return roads, schools
