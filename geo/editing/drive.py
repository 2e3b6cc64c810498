"""The directed drive network of a city from ``road_edge``, cached per roads revision."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import NDArray
from pyproj import Transformer
from scipy.sparse import csr_matrix
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.cities import CityInfo

# road classes no car (nor angkot) drives on (osmnx "highway" values, data/importers/osm.py)
NOT_DRIVABLE = ("footway", "path", "steps", "corridor", "bridleway", "pedestrian", "cycleway")
ROADS_LAYER = "roads"
_MIN_EDGE_M = 1e-3  # csgraph ignores zero weights; coincident nodes stay connected

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

_SELECT_EDGES = text(
    "SELECT u IS NOT NULL AND v IS NOT NULL, coalesce(u, 0), coalesce(v, 0), oneway, length_m,"
    " name, ST_AsBinary(geom), ST_AsBinary(t)"
    " FROM (SELECT id, u, v, oneway, name, length_m, geom, ST_Transform(geom, :srid) AS t"
    "       FROM road_edge WHERE city_id = :city"
    "       AND road_class <> ALL(CAST(:excluded AS text[]))) e ORDER BY id"
)
_ROADS_REVISION = text(
    "SELECT revision FROM layer_revision WHERE city_id = :city AND layer = :layer"
)


@dataclass
class DriveGraph:
    """Directed drive graph in the city's UTM zone.

    A one-way edge is an arc in its geometry's direction (``u`` -> ``v``) only, any other edge an
    arc each way. Edge arrays keep every drivable edge (loops too: waypoints may snap to them);
    ``matrix`` holds the shortest arc per ordered node pair, ``arc_of`` names its edge.
    """

    utm_srid: int
    node_count: int
    edge_a: IntArray  # node at the start of the geometry
    edge_b: IntArray  # node at its end
    edge_length_m: FloatArray
    edge_oneway: BoolArray
    edge_names: list[str | None]
    edge_lonlat: list[FloatArray]  # (k, 2) lon/lat vertices in geometry order
    edge_utm: list[FloatArray]  # the same vertices in UTM metres
    edge_cum_m: list[FloatArray]  # cumulative UTM length at each vertex (0 .. geometry length)
    matrix: csr_matrix  # directed: matrix[p, q] = metres of the shortest arc p -> q
    arc_of: dict[tuple[int, int], tuple[int, bool]]  # (p, q) -> (edge, travels forward)
    tree: shapely.STRtree | None  # over the UTM edge geometries
    to_utm: Transformer
    build_s: float = 0.0

    @property
    def edge_count(self) -> int:
        """Number of drivable edges."""
        return int(self.edge_a.size)

    def project(self, lonlat: FloatArray) -> FloatArray:
        """An (n, 2) lon/lat array to UTM metres."""
        x, y = self.to_utm.transform(lonlat[:, 0], lonlat[:, 1])
        return np.column_stack([np.asarray(x, dtype=float), np.asarray(y, dtype=float)])


def _node_ids(
    has: BoolArray, u: IntArray, v: IntArray, start: FloatArray, end: FloatArray
) -> tuple[IntArray, IntArray]:
    """Node index at the start and end of every edge.

    Edges with ``u``/``v`` (osmnx, the demo) use them; an edge without joins the node at its
    end point (rounded to 0.1 m) or creates one.
    """
    k = int(has.sum())
    _uniq, first, inverse = np.unique(
        np.concatenate([u[has], v[has]]), return_index=True, return_inverse=True
    )
    a = np.full(has.size, -1, dtype=np.int64)
    b = np.full(has.size, -1, dtype=np.int64)
    a[has], b[has] = inverse[:k], inverse[k:]
    if k == has.size:
        return a, b
    points = np.vstack([start[has], end[has]])[first] if k else np.zeros((0, 2))
    index = {(round(float(x), 1), round(float(y), 1)): i for i, (x, y) in enumerate(points)}
    count = len(points)
    for i in np.flatnonzero(~has).tolist():
        for out, point in ((a, start[i]), (b, end[i])):
            key = (round(float(point[0]), 1), round(float(point[1]), 1))
            found = index.get(key)
            if found is None:
                found = index[key] = count
                count += 1
            out[i] = found
    return a, b


def build_drive_graph(session: Session, city_id: int, utm_srid: int) -> DriveGraph:
    """Build the directed drive graph of a city from its road edges.

    Args:
        session: Open session (read only).
        city_id: The city.
        utm_srid: EPSG code of the city's UTM zone.

    Returns:
        The graph (with no edges when the city has no drivable roads).
    """
    started = time.perf_counter()
    rows = session.execute(
        _SELECT_EDGES, {"city": city_id, "srid": utm_srid, "excluded": list(NOT_DRIVABLE)}
    ).all()
    to_utm = Transformer.from_crs(4326, utm_srid, always_xy=True)
    if not rows:
        empty_i = np.zeros(0, dtype=np.int64)
        return DriveGraph(
            utm_srid, 0, empty_i, empty_i, np.zeros(0), np.zeros(0, dtype=bool), [], [], [], [],
            csr_matrix((0, 0)), {}, None, to_utm, time.perf_counter() - started,
        )  # fmt: skip
    has_ids, u, v, oneway_t, lengths, names, wkb, utm_wkb = zip(*rows, strict=True)
    lonlat_geoms = shapely.from_wkb([bytes(w) for w in wkb])
    utm_geoms = shapely.from_wkb([bytes(w) for w in utm_wkb])
    edge_utm = [shapely.get_coordinates(g) for g in utm_geoms]
    start = np.array([c[0] for c in edge_utm], dtype=float)
    end = np.array([c[-1] for c in edge_utm], dtype=float)
    a, b = _node_ids(
        np.array(has_ids, dtype=bool),
        np.array(u, dtype=np.int64),
        np.array(v, dtype=np.int64),
        start,
        end,
    )
    n = int(max(a.max(), b.max())) + 1
    length = np.maximum(np.array(lengths, dtype=float), _MIN_EDGE_M)
    oneway = np.array(oneway_t, dtype=bool)
    edges = np.arange(a.size, dtype=np.int64)
    two_way = ~oneway
    # arcs: every edge forward, two-way edges backward too; loops never help a path
    src = np.concatenate([a, b[two_way]])
    dst = np.concatenate([b, a[two_way]])
    arc_edge = np.concatenate([edges, edges[two_way]])
    arc_forward = np.concatenate([np.ones(a.size, bool), np.zeros(int(two_way.sum()), bool)])
    arc_len = length[arc_edge]
    order = np.lexsort((arc_len, dst, src))
    order = order[src[order] != dst[order]]
    first = np.ones(order.size, dtype=bool)
    first[1:] = (src[order][1:] != src[order][:-1]) | (dst[order][1:] != dst[order][:-1])
    keep = order[first]  # the shortest of parallel arcs
    matrix = csr_matrix((arc_len[keep], (src[keep], dst[keep])), shape=(n, n))
    arc_of = dict(
        zip(
            zip(src[keep].tolist(), dst[keep].tolist(), strict=True),
            zip(arc_edge[keep].tolist(), arc_forward[keep].tolist(), strict=True),
            strict=True,
        )
    )
    cum = [np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(c, axis=0).T))]) for c in edge_utm]
    return DriveGraph(
        utm_srid=utm_srid,
        node_count=n,
        edge_a=a,
        edge_b=b,
        edge_length_m=length,
        edge_oneway=oneway,
        edge_names=[str(x) if x else None for x in names],
        edge_lonlat=[shapely.get_coordinates(g) for g in lonlat_geoms],
        edge_utm=edge_utm,
        edge_cum_m=cum,
        matrix=matrix,
        arc_of=arc_of,
        tree=shapely.STRtree(utm_geoms),
        to_utm=to_utm,
        build_s=time.perf_counter() - started,
    )


def roads_revision(session: Session, city_id: int) -> int:
    """The city's roads layer revision (0 when never written)."""
    rev = session.execute(_ROADS_REVISION, {"city": city_id, "layer": ROADS_LAYER}).scalar()
    return int(rev or 0)


class DriveGraphCache:
    """Drive graphs per city at its roads revision, rebuilt when the revision changes.

    The revision is read on every ``get`` (a trigger bumps it in any transaction writing
    ``road_edge``), so a road import is snapped to on the next request without a restart.
    """

    def __init__(self) -> None:
        self._entries: dict[int, tuple[int, DriveGraph]] = {}
        self._locks: dict[int, threading.Lock] = {}
        self._guard = threading.Lock()
        self.builds = 0

    def get(self, session: Session, city: CityInfo) -> DriveGraph:
        """The city's drive graph at the roads revision visible to ``session``.

        Args:
            session: Open session (read only).
            city: The city.

        Returns:
            The graph, built on the first call for this revision.
        """
        rev = roads_revision(session, city.id)
        cached = self._entries.get(city.id)
        if cached and cached[0] == rev:
            return cached[1]
        with self._guard:
            lock = self._locks.setdefault(city.id, threading.Lock())
        with lock:
            cached = self._entries.get(city.id)
            if cached and cached[0] == rev:
                return cached[1]
            graph = build_drive_graph(session, city.id, city.utm_srid)
            self._entries[city.id] = (rev, graph)
            self.builds += 1
            return graph

    def clear(self) -> None:
        """Forget every built graph."""
        with self._guard:
            self._entries.clear()
