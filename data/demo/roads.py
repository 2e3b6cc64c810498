"""A noded, connected demo road network: named arterials, kelurahan boundary roads, local grids."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import networkx as nx
import numpy as np
import shapely
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import Delaunay
from shapely.geometry import LineString, MultiPolygon, Polygon

from data.demo.common import Array

# Real road names of Kota Tangerang (facts); the demo puts them on generated corridors.
ARTERIAL_NAMES = (
    "Jl. Daan Mogot",
    "Jl. MH Thamrin",
    "Jl. Jend. Sudirman",
    "Jl. Imam Bonjol",
    "Jl. Gatot Subroto",
    "Jl. KH Hasyim Ashari",
    "Jl. Raden Saleh",
    "Jl. HOS Cokroaminoto",
    "Jl. Ciledug Raya",
    "Jl. Perintis Kemerdekaan",
    "Jl. Benteng Betawi",
    "Jl. Husein Sastranegara",
    "Jl. Marsekal Suryadarma",
    "Jl. Otto Iskandardinata",
    "Jl. Veteran",
    "Jl. Teuku Umar",
    "Jl. KS Tubun",
    "Jl. Aria Santika",
)
CLASS_RANK = {"primary": 0, "secondary": 1, "tertiary": 2, "residential": 3}
ONE_WAY_STREETS = 4  # "Jl. {kelurahan} Raya" streets made one-way, eastward and westward in turn
OVERSHOOT_M = 3.0  # local streets reach this far past their kelurahan, then get noded
DANGLE_M = 12.0  # dead ends shorter than this are overshoot stubs and are removed


@dataclass(frozen=True)
class Road:
    """A source road before noding."""

    geom: LineString
    name: str
    road_class: str


@dataclass(frozen=True)
class RoadEdge:
    """One noded edge in UTM metres between integer nodes ``u`` and ``v``."""

    u: int
    v: int
    name: str
    road_class: str
    length_m: float
    geom: LineString
    oneway: bool = False  # drivable only from u to v (the geometry's direction)


@dataclass(frozen=True)
class RoadNetwork:
    """Edges, node coordinates (UTM) and the undirected walking graph (weight ``length_m``)."""

    edges: tuple[RoadEdge, ...]
    nodes: dict[int, tuple[float, float]]
    graph: nx.Graph


def _wiggle(a: Array, b: Array, rng: np.random.Generator, bend: float, n: int = 12) -> LineString:
    """A gently curved line from ``a`` to ``b`` (bend: sideways offset as a share of length)."""
    t = np.linspace(0.0, 1.0, n)
    d = b - a
    length = float(np.hypot(*d))
    normal = np.array([-d[1], d[0]]) / max(length, 1e-9)
    offset = bend * length * np.sin(np.pi * t) + rng.normal(0.0, 0.004 * length, n) * np.sin(
        np.pi * t
    )
    xy = a + np.outer(t, d) + np.outer(offset, normal)
    return LineString(xy)


def _pair(a: object, b: object) -> tuple[int, int]:
    i, j = int(a), int(b)  # type: ignore[call-overload]
    return (i, j) if i < j else (j, i)


def _corridors(points: Array) -> list[list[tuple[int, int]]]:
    """Delaunay edges kept by length, chained into straight-ish corridors (longest first)."""
    tri = Delaunay(points)
    pairs = {_pair(s[i], s[(i + 1) % 3]) for s in tri.simplices for i in range(3)}
    lengths = {p: float(np.linalg.norm(points[p[0]] - points[p[1]])) for p in pairs}
    limit = float(np.percentile(list(lengths.values()), 70))
    keep = {p for p, length in lengths.items() if length <= limit}
    mst = nx.minimum_spanning_tree(
        nx.Graph([(a, b, {"w": lengths[(a, b)]}) for a, b in pairs]), weight="w"
    )
    keep |= {_pair(a, b) for a, b in mst.edges()}
    left = sorted(keep, key=lambda p: (-lengths[p], p))
    corridors: list[list[tuple[int, int]]] = []
    while left:
        chain = [left.pop(0)]
        for end in (1, 0):
            while True:
                a, b = chain[-1] if end == 1 else (chain[0][1], chain[0][0])
                direction = points[b] - points[a]
                best, best_cos = None, np.cos(np.radians(35))
                for p in left:
                    if b in p:
                        c = p[1] if p[0] == b else p[0]
                        nxt = points[c] - points[b]
                        cos = float(
                            direction @ nxt / np.linalg.norm(direction) / np.linalg.norm(nxt)
                        )
                        if cos > best_cos:
                            best, best_cos = p, cos
                if best is None:
                    break
                left.remove(best)
                c = best[1] if best[0] == b else best[0]
                if end == 1:
                    chain.append((b, c))
                else:
                    chain.insert(0, (c, b))
        corridors.append(chain)
    return corridors


def _arterials(centres: Array, rng: np.random.Generator) -> list[Road]:
    roads: list[Road] = []
    for k, chain in enumerate(_corridors(centres)):
        name = ARTERIAL_NAMES[k % len(ARTERIAL_NAMES)]
        road_class = "primary" if k < 6 else "secondary"
        for a, b in chain:
            bend = float(rng.uniform(-0.06, 0.06))
            roads.append(Road(_wiggle(centres[a], centres[b], rng, bend), name, road_class))
    return roads


def _boundary_roads(cells: list[MultiPolygon], names: list[str], outline: Polygon) -> list[Road]:
    tree = shapely.STRtree(np.array(cells, dtype=object))
    rim = outline.boundary.buffer(0.5)
    roads: list[Road] = []
    for i, j in zip(*tree.query(np.array(cells, dtype=object), predicate="touches"), strict=True):
        if i >= j:
            continue
        shared = shapely.line_merge(shapely.intersection(cells[i].boundary, cells[j].boundary))
        shared = shapely.difference(shared, rim)
        for part in shapely.get_parts(shared):
            if isinstance(part, LineString) and part.length > 1.0:
                roads.append(Road(part, f"Jl. Lingkar {names[min(i, j)]}", "tertiary"))
    return roads


def _grid(cell: MultiPolygon, name: str, rng: np.random.Generator) -> list[Road]:
    """Slightly rotated, jittered local streets across one kelurahan."""
    angle = float(rng.uniform(-np.pi / 6, np.pi / 6))
    spacing = rng.uniform(150.0, 300.0, 2)
    cx, cy = cell.centroid.x, cell.centroid.y
    rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    corners = shapely.get_coordinates(cell.envelope) - (cx, cy)
    half = float(np.abs(corners).max()) * 1.5
    area = cell.buffer(OVERSHOOT_M)
    roads: list[Road] = []
    for family in (0, 1):
        offsets = np.arange(-half, half, spacing[family]) + rng.uniform(0, spacing[family])
        along = np.arange(-half, half + 100.0, 100.0)
        named: list[LineString] = []
        for off in offsets:
            jitter = rng.normal(0.0, 6.0, len(along))
            local = np.column_stack([along, off + jitter + rng.normal(0.0, 12.0)])
            if family == 1:
                local = local[:, ::-1]
            xy = local @ rot.T + (cx, cy)
            for part in shapely.get_parts(shapely.intersection(LineString(xy), area)):
                if isinstance(part, LineString) and part.length > 20.0:
                    named.append(part)
        if not named:
            continue
        middle = int(np.argmax([p.length for p in named]))
        for k, part in enumerate(named):
            if k == middle:
                label = f"Jl. {name} Raya" if family == 0 else f"Jl. Raya {name}"
                roads.append(Road(part, label, "tertiary"))
            else:
                roads.append(Road(part, f"Gg. {name} {k + 1 - (k > middle)}", "residential"))
    return roads


def _node(roads: list[Road], outline: Polygon) -> list[tuple[LineString, str, str]]:
    """Clip to the outline, node every crossing, give each piece its best source's name/class."""
    geoms = shapely.intersection(np.array([r.geom for r in roads], dtype=object), outline)
    noded = shapely.get_parts(shapely.line_merge(shapely.union_all(geoms)))
    noded = shapely.get_parts(shapely.union_all(noded))  # split again at merged crossings
    pieces = [g for g in noded if isinstance(g, LineString) and g.length > 0]
    mids = shapely.line_interpolate_point(np.array(pieces, dtype=object), 0.5, normalized=True)
    tree = shapely.STRtree(geoms)
    near_piece, near_road = tree.query(mids, predicate="dwithin", distance=0.05)
    best: dict[int, int] = {}
    for p, r in zip(near_piece, near_road, strict=True):
        rank = (CLASS_RANK[roads[r].road_class], r)
        if p not in best or rank < (CLASS_RANK[roads[best[p]].road_class], best[p]):
            best[int(p)] = int(r)
    out = []
    for p, piece in enumerate(pieces):
        r = best.get(p)
        if r is None:  # pragma: no cover - every piece lies on a source road
            r = int(tree.query_nearest(mids[p])[0])
        out.append((piece, roads[r].name, roads[r].road_class))
    return out


def _end_keys(lines: list[LineString]) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """Node keys (millimetres) of the first and last vertex of each line."""
    arr = np.array(lines, dtype=object)
    first = np.rint(shapely.get_coordinates(shapely.get_point(arr, 0)) * 1000).astype(np.int64)
    last = np.rint(shapely.get_coordinates(shapely.get_point(arr, -1)) * 1000).astype(np.int64)
    return [((a, b), (c, d)) for (a, b), (c, d) in zip(first.tolist(), last.tolist(), strict=True)]


def _keep(pieces: list[tuple[LineString, str, str]]) -> list[int]:
    """Pieces left after removing overshoot stubs, within the largest connected component."""
    keys = _end_keys([line for line, _, _ in pieces])
    degree: Counter[tuple[int, int]] = Counter(k for pair in keys for k in pair)
    alive = [True] * len(pieces)
    changed = True
    while changed:  # drop short dead ends, repeatedly (a stub may hide behind a stub)
        changed = False
        for k, (a, b) in enumerate(keys):
            if alive[k] and pieces[k][0].length < DANGLE_M and (degree[a] == 1 or degree[b] == 1):
                alive[k] = False
                degree[a] -= 1
                degree[b] -= 1
                changed = True
    index = {key: i for i, key in enumerate(sorted({k for pair in keys for k in pair}))}
    live = [k for k in range(len(pieces)) if alive[k]]
    rows = np.array([index[keys[k][0]] for k in live])
    cols = np.array([index[keys[k][1]] for k in live])
    adjacency = coo_matrix((np.ones(len(live)), (rows, cols)), shape=(len(index), len(index)))
    _, label = connected_components(adjacency, directed=False)
    biggest = np.bincount(label[rows]).argmax()
    return [k for k, r in zip(live, rows, strict=True) if label[r] == biggest]


def build_roads(
    outline: Polygon,
    cells: list[MultiPolygon],
    names: list[str],
    centres: Array,
    rng: np.random.Generator,
) -> RoadNetwork:
    """Generate the road network of the demo city.

    Args:
        outline: City outline (UTM metres).
        cells: Kelurahan cells (UTM metres), in the order of ``names``.
        names: Kelurahan names.
        centres: Kecamatan centres (UTM metres) joined by named arterials.
        rng: Seeded random stream.

    Returns:
        A noded network whose largest connected component is kept; edges only meet at their
        end nodes.
    """
    roads = _arterials(centres, rng)
    roads += _boundary_roads(cells, names, outline)
    for cell, name in zip(cells, names, strict=True):
        roads += _grid(cell, name, rng)
    pieces = _node(roads, outline)
    kept = _keep(pieces)
    ends = _end_keys([pieces[k][0] for k in kept])
    ids = {key: i + 1 for i, key in enumerate(sorted({k for pair in ends for k in pair}))}
    nodes: dict[int, tuple[float, float]] = {}
    edges: list[RoadEdge] = []
    walk = nx.Graph()
    for k, (a, b) in zip(kept, ends, strict=True):
        line, name, road_class = pieces[k]
        xy = shapely.get_coordinates(line)
        u, v = ids[a], ids[b]
        # snap both ends to one canonical coordinate per node
        nodes.setdefault(u, (float(xy[0][0]), float(xy[0][1])))
        nodes.setdefault(v, (float(xy[-1][0]), float(xy[-1][1])))
        xy[0], xy[-1] = nodes[u], nodes[v]
        edge = RoadEdge(u, v, name, road_class, float(line.length), LineString(xy))
        if not walk.has_edge(u, v) or walk[u][v]["length_m"] > edge.length_m:
            walk.add_edge(u, v, length_m=edge.length_m, edge=len(edges))
        edges.append(edge)
    return RoadNetwork(edges=tuple(edges), nodes=nodes, graph=walk)


def _strongly_connected(edges: list[RoadEdge]) -> bool:
    ids = sorted({n for e in edges for n in (e.u, e.v)})
    index = {n: i for i, n in enumerate(ids)}
    src = [index[e.u] for e in edges] + [index[e.v] for e in edges if not e.oneway]
    dst = [index[e.v] for e in edges] + [index[e.u] for e in edges if not e.oneway]
    matrix = csr_matrix((np.ones(len(src)), (src, dst)), shape=(len(ids), len(ids)))
    count, _ = connected_components(matrix, directed=True, connection="strong")
    return bool(count == 1)


def with_one_way_streets(network: RoadNetwork, kelurahan: list[str], used: set[int]) -> RoadNetwork:
    """Make a few whole "Jl. {kelurahan} Raya" streets one-way, so the drive network has some.

    Candidates are every 13th kelurahan's street; a street is taken when no angkot route uses any
    of its edges (demo routes run both ways) and every node stays reachable from every other
    by car. The first runs eastward, the next westward, and so on: an edge whose geometry runs
    the other way is reversed (its ``u``/``v`` swapped).

    Args:
        network: The noded network.
        kelurahan: Kelurahan names (street names come from them).
        used: Indices of the edges angkot routes use.

    Returns:
        The network with ``ONE_WAY_STREETS`` streets (or fewer) one-way; edge indices unchanged.
    """
    edges = list(network.edges)
    taken = 0
    for name in kelurahan[::13]:
        street = f"Jl. {name} Raya"
        members = [i for i, e in enumerate(edges) if e.name == street]
        if not members or used.intersection(members):
            continue
        eastward = taken % 2 == 0
        trial = list(edges)
        for i in members:
            e = trial[i]
            xy = shapely.get_coordinates(e.geom)
            if (xy[-1][0] > xy[0][0]) != eastward:
                e = RoadEdge(e.v, e.u, e.name, e.road_class, e.length_m, LineString(xy[::-1]))
            trial[i] = RoadEdge(e.u, e.v, e.name, e.road_class, e.length_m, e.geom, oneway=True)
        if not _strongly_connected(trial):
            continue
        edges = trial
        taken += 1
        if taken == ONE_WAY_STREETS:
            break
    return RoadNetwork(edges=tuple(edges), nodes=network.nodes, graph=network.graph)
