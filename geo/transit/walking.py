"""Walking graph of a city built from its ``road_edge`` rows (scipy csgraph, KD-tree snapping)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np
import shapely
from numpy.typing import NDArray
from pyproj import Transformer
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components, dijkstra
from scipy.spatial import cKDTree
from sqlalchemy import text
from sqlalchemy.orm import Session

# a point farther than this from the network walks in a straight line x DETOUR_FACTOR
SNAP_LIMIT_M = 250.0
DETOUR_FACTOR = 1.3
_MIN_EDGE_M = 1e-3  # csgraph ignores zero weights; coincident nodes stay connected
_BATCH = 256  # sources per many-source Dijkstra call (memory: batch x nodes floats)

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]
Coords = list[tuple[float, float]]

_SELECT_EDGES = text(
    "SELECT u IS NOT NULL AND v IS NOT NULL, coalesce(u, 0), coalesce(v, 0), length_m, name,"
    " ST_X(ST_StartPoint(t)), ST_Y(ST_StartPoint(t)), ST_X(ST_EndPoint(t)), ST_Y(ST_EndPoint(t)),"
    " ST_AsBinary(geom), CASE WHEN name IS NOT NULL THEN ST_AsBinary(t) END"
    " FROM (SELECT id, u, v, name, length_m, geom, ST_Transform(geom, :srid) AS t"
    "       FROM road_edge WHERE city_id = :city) e ORDER BY id"
)


@dataclass
class WalkPath:
    """A walk between two points: length, lon/lat geometry and the streets it uses."""

    distance_m: float
    coords: Coords
    street_names: list[str]
    on_network: bool


@dataclass
class WalkingGraph:
    """Undirected walking graph in the city's UTM zone (pedestrians ignore ``oneway``)."""

    utm_srid: int
    node_xy: FloatArray  # (n, 2) UTM metres
    matrix: csr_matrix  # symmetric (both directions stored), minimum length per node pair
    edge_of: dict[tuple[int, int], int]  # (lo, hi) node pair -> index into the edge arrays
    edge_geoms: NDArray[np.object_]  # lon/lat LineStrings
    edge_forward: NDArray[np.bool_]  # the geometry runs from node lo to node hi
    edge_names: list[str | None]
    to_utm: Transformer
    to_lonlat: Transformer
    tree: cKDTree | None = field(default=None)
    tree_nodes: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    street_tree: shapely.STRtree | None = field(default=None)
    street_tree_names: list[str] = field(default_factory=list)
    # limit -> source node -> (nodes within the limit, their distances): filled on demand, so a
    # route edit only walks from the road nodes it did not use before
    near_cache: dict[float, dict[int, tuple[IntArray, FloatArray]]] = field(default_factory=dict)

    @property
    def node_count(self) -> int:
        """Number of nodes."""
        return int(self.node_xy.shape[0])

    def project(self, lon: FloatArray, lat: FloatArray) -> FloatArray:
        """Lon/lat arrays to an (n, 2) array of UTM metres."""
        x, y = self.to_utm.transform(lon, lat)
        return np.column_stack([np.asarray(x, dtype=float), np.asarray(y, dtype=float)])

    def snap(self, xy: FloatArray) -> tuple[IntArray, FloatArray]:
        """Nearest node of each UTM point and its distance; node -1 when off the network.

        Args:
            xy: (n, 2) UTM coordinates.

        Returns:
            Node indices (-1 where the point is farther than ``SNAP_LIMIT_M`` or there is no
            network) and straight-line distances to those nodes in metres.
        """
        n = xy.shape[0]
        if self.tree is None or n == 0:
            return np.full(n, -1, dtype=np.int64), np.full(n, np.inf)
        dist, idx = self.tree.query(xy, k=1)
        nodes = np.where(dist <= SNAP_LIMIT_M, self.tree_nodes[idx], -1).astype(np.int64)
        return nodes, np.asarray(dist, dtype=float)

    def street_names(self, xy: FloatArray, max_m: float = 150.0) -> list[str | None]:
        """Name of the nearest named street of each UTM point (None beyond ``max_m``)."""
        out: list[str | None] = [None] * xy.shape[0]
        if self.street_tree is None or xy.shape[0] == 0:
            return out
        hits = self.street_tree.query_nearest(shapely.points(xy), max_distance=max_m)
        for point_i, street_i in zip(hits[0].tolist(), hits[1].tolist(), strict=True):
            if out[point_i] is None:
                out[point_i] = self.street_tree_names[street_i]
        return out

    def distances_from(self, node: int, limit_m: float) -> FloatArray:
        """Network distance from ``node`` to every node (inf beyond ``limit_m``)."""
        if node < 0:
            return np.full(self.node_count, np.inf)
        out = dijkstra(self.matrix, directed=True, indices=node, limit=limit_m)
        return np.asarray(out, dtype=float)

    def nodes_within(
        self, sources: IntArray, limit_m: float
    ) -> tuple[IntArray, IntArray, FloatArray]:
        """Every node within ``limit_m`` of each source node along the network.

        Results per source node are cached on the graph (per limit), so later calls only run
        Dijkstra from sources not seen before.

        Args:
            sources: Node indices (>= 0).
            limit_m: Longest walk.

        Returns:
            ``(position in sources, node, metres)`` for every node reached, the source itself
            included (0 m).
        """
        cache = self.near_cache.setdefault(float(limit_m), {})
        missing = np.array(
            sorted({int(s) for s in sources.tolist()} - cache.keys()), dtype=np.int64
        )
        for start in range(0, missing.size, _BATCH):
            batch = missing[start : start + _BATCH]
            rows = dijkstra(self.matrix, directed=True, indices=batch, limit=limit_m)
            row, node = np.nonzero(np.isfinite(rows))
            metres = rows[row, node]
            cuts = np.searchsorted(row, np.arange(1, batch.size))
            for source, nodes_s, metres_s in zip(
                batch.tolist(), np.split(node, cuts), np.split(metres, cuts), strict=True
            ):
                cache[source] = (nodes_s.astype(np.int64), metres_s)
        parts = [cache[int(s)] for s in sources.tolist()]
        counts = np.array([p[0].size for p in parts], dtype=np.int64)
        position = np.repeat(np.arange(sources.size, dtype=np.int64), counts)
        if not parts:
            return position, np.zeros(0, dtype=np.int64), np.zeros(0)
        return (
            position,
            np.concatenate([p[0] for p in parts]),
            np.concatenate([p[1] for p in parts]),
        )

    def walk_distances(
        self, origin_xy: FloatArray, targets_xy: FloatArray, limit_m: float
    ) -> FloatArray:
        """Walking distances from one point to many, with the straight-line fallback.

        Args:
            origin_xy: (2,) UTM point.
            targets_xy: (n, 2) UTM points.
            limit_m: Walks longer than this may come back as inf.

        Returns:
            Metres per target: network distance (snap + path + snap), or the straight line x
            ``DETOUR_FACTOR`` when either end is off the network or the network does not join
            them; inf beyond ``limit_m``.
        """
        straight = np.hypot(targets_xy[:, 0] - origin_xy[0], targets_xy[:, 1] - origin_xy[1])
        out: FloatArray = np.asarray(straight * DETOUR_FACTOR, dtype=float)
        (o_node,), (o_snap,) = self.snap(origin_xy.reshape(1, 2))
        t_nodes, t_snap = self.snap(targets_xy)
        on = t_nodes >= 0
        if o_node >= 0 and on.any():
            net = self.distances_from(int(o_node), max(limit_m - o_snap, 0.0))
            out[on] = o_snap + net[t_nodes[on]] + t_snap[on]
        out[out > limit_m] = np.inf
        return out

    def path(
        self, a_lonlat: tuple[float, float], b_lonlat: tuple[float, float], limit_m: float = np.inf
    ) -> WalkPath:
        """The walk from ``a`` to ``b`` along the network, or a straight line off it.

        Args:
            a_lonlat: Start point (lon, lat).
            b_lonlat: End point (lon, lat).
            limit_m: Search no farther (a known upper bound makes it faster).

        Returns:
            The walk with its length, geometry (lon/lat) and the names of the streets used.
        """
        xy = self.project(
            np.array([a_lonlat[0], b_lonlat[0]]), np.array([a_lonlat[1], b_lonlat[1]])
        )
        straight = float(np.hypot(*(xy[1] - xy[0])))
        nodes, snaps = self.snap(xy)
        line: Coords = [a_lonlat, b_lonlat]
        if nodes[0] < 0 or nodes[1] < 0:
            return WalkPath(straight * DETOUR_FACTOR, line, [], on_network=False)
        a, b = int(nodes[0]), int(nodes[1])
        dist, pred = dijkstra(
            self.matrix, directed=True, indices=a, return_predecessors=True, limit=limit_m
        )
        if not np.isfinite(dist[b]):
            return WalkPath(straight * DETOUR_FACTOR, line, [], on_network=False)
        chain = [b]
        while chain[-1] != a:
            chain.append(int(pred[chain[-1]]))
        chain.reverse()
        coords: Coords = [a_lonlat]
        names: list[str] = []
        for p, q in itertools.pairwise(chain):
            e = self.edge_of[(p, q) if p < q else (q, p)]
            pts = shapely.get_coordinates(self.edge_geoms[e])
            if (p < q) != bool(self.edge_forward[e]):
                pts = pts[::-1]
            coords.extend((float(x), float(y)) for x, y in pts)
            name = self.edge_names[e]
            if name and (not names or names[-1] != name):
                names.append(name)
        coords.append(b_lonlat)
        total = float(snaps[0] + dist[b] + snaps[1])
        return WalkPath(total, _dedupe(coords), names, on_network=True)


def _dedupe(coords: Coords) -> Coords:
    out: Coords = []
    for c in coords:
        if not out or abs(out[-1][0] - c[0]) > 1e-10 or abs(out[-1][1] - c[1]) > 1e-10:
            out.append(c)
    if len(out) == 1:
        out.append(out[0])
    return out


def _node_ids(
    has: NDArray[np.bool_], u: IntArray, v: IntArray, start: FloatArray, end: FloatArray
) -> tuple[IntArray, IntArray, FloatArray]:
    """End nodes (a, b) of every edge and the nodes' UTM positions."""
    k = int(has.sum())
    ids = np.concatenate([u[has], v[has]])
    _uniq, first, inverse = np.unique(ids, return_index=True, return_inverse=True)
    positions = np.vstack([start[has], end[has]])[first] if k else np.zeros((0, 2))
    a = np.full(has.size, -1, dtype=np.int64)
    b = np.full(has.size, -1, dtype=np.int64)
    a[has], b[has] = inverse[:k], inverse[k:]
    if k == has.size:
        return a, b, positions
    # edges without ids join the node at their end point (rounded to 0.1 m) or create one
    xy = [(float(x), float(y)) for x, y in positions]
    index = {(round(x, 1), round(y, 1)): i for i, (x, y) in enumerate(xy)}
    for i in np.flatnonzero(~has).tolist():
        for out, point in ((a, start[i]), (b, end[i])):
            key = (round(float(point[0]), 1), round(float(point[1]), 1))
            found = index.get(key)
            if found is None:
                found = index[key] = len(xy)
                xy.append((float(point[0]), float(point[1])))
            out[i] = found
    return a, b, np.array(xy, dtype=float).reshape(-1, 2)


def build_walking_graph(session: Session, city_id: int, utm_srid: int) -> WalkingGraph:
    """Build the walking graph of a city from its road edges.

    Nodes are the edges' ``u``/``v`` when both are set (osmnx); edges without them join the node
    at their end points (rounded to 0.1 m) or create one. Parallel edges keep the shortest length.

    Args:
        session: Open session.
        city_id: The city.
        utm_srid: EPSG code of the city's UTM zone.

    Returns:
        The graph (possibly with no nodes when the city has no roads).
    """
    rows = session.execute(_SELECT_EDGES, {"city": city_id, "srid": utm_srid}).all()
    to_utm = Transformer.from_crs(4326, utm_srid, always_xy=True)
    to_lonlat = Transformer.from_crs(utm_srid, 4326, always_xy=True)
    if not rows:
        return WalkingGraph(
            utm_srid,
            np.zeros((0, 2)),
            csr_matrix((0, 0)),
            {},
            np.zeros(0, dtype=object),
            np.zeros(0, dtype=bool),
            [],
            to_utm,
            to_lonlat,
        )
    has_ids, u, v, lengths, names_t, x0, y0, x1, y1, wkb, named_wkb = zip(*rows, strict=True)
    start = np.column_stack([np.array(x0, dtype=float), np.array(y0, dtype=float)])
    end = np.column_stack([np.array(x1, dtype=float), np.array(y1, dtype=float)])
    has = np.array(has_ids, dtype=bool)
    a, b, node_xy = _node_ids(
        has, np.array(u, dtype=np.int64), np.array(v, dtype=np.int64), start, end
    )
    length = np.maximum(np.array(lengths, dtype=float), _MIN_EDGE_M)
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    order = np.lexsort((length, hi, lo))
    order = order[lo[order] != hi[order]]  # drop loops
    first = np.ones(order.size, dtype=bool)
    first[1:] = (lo[order][1:] != lo[order][:-1]) | (hi[order][1:] != hi[order][:-1])
    keep = order[first]  # the shortest of parallel edges
    n = node_xy.shape[0]
    k_lo, k_hi, k_len = lo[keep], hi[keep], length[keep]
    matrix = csr_matrix(
        (
            np.concatenate([k_len, k_len]),
            (np.concatenate([k_lo, k_hi]), np.concatenate([k_hi, k_lo])),
        ),
        shape=(n, n),
    )
    edge_of = dict(
        zip(zip(k_lo.tolist(), k_hi.tolist(), strict=True), range(keep.size), strict=True)
    )
    geoms = shapely.from_wkb([bytes(wkb[i]) for i in keep.tolist()])
    names: list[str | None] = list(names_t)
    # snap only to the largest connected component, so a snapped point is always reachable
    _count, labels = connected_components(matrix, directed=False)
    main = np.flatnonzero(labels == np.bincount(labels).argmax())
    named = [str(name) for name in names if name]
    named_geoms = (
        shapely.from_wkb([bytes(g) for g in named_wkb if g is not None]) if named else None
    )
    return WalkingGraph(
        utm_srid,
        node_xy,
        matrix,
        edge_of,
        geoms,
        a[keep] == k_lo,
        [names[i] for i in keep.tolist()],
        to_utm,
        to_lonlat,
        cKDTree(node_xy[main]),
        main,
        shapely.STRtree(named_geoms) if named_geoms is not None else None,
        named,
    )
