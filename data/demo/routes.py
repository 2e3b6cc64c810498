"""Angkot routes along the demo roads: real codes and endpoint places where known."""

from __future__ import annotations

import hashlib
import itertools
from dataclasses import dataclass

import networkx as nx
import numpy as np
import shapely
from scipy.spatial import cKDTree
from shapely.geometry import LineString, MultiPolygon

from data.demo.facts import CityFacts
from data.demo.roads import RoadNetwork

# Demo-only services between real place names; they get DEMO-nn codes (no real code is known).
DEMO_ROUTES = (
    ("Pasar Anyar", "Cipondoh"),
    ("Pasar Anyar", "Kunciran"),
    ("Stasiun Tangerang", "Larangan"),
    ("Tangcity Mall", "Benda"),
    ("Karawaci", "Periuk"),
    ("Terminal Poris Plawad", "Kreo"),
    ("Batuceper", "Neglasari"),
    ("Cikokol", "Sudimara"),
    ("Terminal Cimone", "Karang Tengah"),
    ("Pasar Baru", "Petir"),
)
COLOURS = (
    "#1f78b4",
    "#e31a1c",
    "#33a02c",
    "#ff7f00",
    "#6a3d9a",
    "#b15928",
    "#a6cee3",
    "#fb9a99",
    "#b2df8a",
    "#fdbf6f",
    "#cab2d6",
    "#8dd3c7",
    "#d4b106",
    "#bebada",
    "#fb8072",
    "#80b1d3",
    "#f781bf",
    "#4daf4a",
    "#984ea3",
    "#00868b",
    "#8b0000",
    "#2f4f4f",
    "#ff1493",
    "#556b2f",
    "#000080",
)


@dataclass(frozen=True)
class RouteSpec:
    """What a route should connect."""

    code: str
    name: str
    origin: str
    destination: str
    via: str


@dataclass(frozen=True)
class Route:
    """One direction of a generated route; ``path`` lists (edge index, reversed?) pairs."""

    code: str
    name: str
    direction: int
    origin: str
    destination: str
    colour: str
    fare_idr: int
    headway_s: int
    speed_kmh: float
    path: tuple[tuple[int, bool], ...]
    length_m: float


def route_specs(facts: CityFacts) -> list[RouteSpec]:
    """Reported routes first (their codes when known), then the demo-only ones."""
    specs: list[RouteSpec] = []
    demo = 0
    for fact in facts.routes:
        code = fact.code
        if not code:
            demo += 1
            code = f"DEMO-{demo:02d}"
        elif fact.system == "Trans Tangerang":
            code = f"TT {code}"
        name = f"{fact.system}: {fact.origin} – {fact.destination}"
        specs.append(RouteSpec(code, name, fact.origin, fact.destination, fact.via))
    for origin, destination in DEMO_ROUTES:
        demo += 1
        name = f"Angkot demo: {origin} – {destination}"
        specs.append(RouteSpec(f"DEMO-{demo:02d}", name, origin, destination, ""))
    return specs


def _place_rng(place: str) -> np.random.Generator:
    digest = hashlib.sha256(place.encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "big"))


class _Locator:
    def __init__(self, network: RoadNetwork, facts: CityFacts, cells: dict[str, MultiPolygon]):
        self.network = network
        self.facts = facts
        self.cells = cells
        self.ids = np.array(sorted(network.graph.nodes))
        xy = np.array([network.nodes[int(i)] for i in self.ids])
        self.tree = cKDTree(xy)

    def nearest(self, xy: np.ndarray) -> int:
        _, k = self.tree.query(xy)
        return int(self.ids[int(k)])

    def place(self, name: str) -> np.ndarray:
        cell = self.cells[self.facts.places[name]]
        inner = cell.buffer(-100.0) if cell.buffer(-100.0).area > 0 else cell
        rng = _place_rng(name)
        minx, miny, maxx, maxy = inner.bounds
        while True:
            xy = rng.uniform((minx, miny), (maxx, maxy))
            if shapely.contains_xy(inner, xy[0], xy[1]):
                return xy

    def on_road(self, road_name: str, near: np.ndarray) -> int | None:
        best: tuple[float, int] | None = None
        for edge in self.network.edges:
            if edge.name == road_name and edge.u in self.network.graph:
                d = float(np.hypot(*(np.array(self.network.nodes[edge.u]) - near)))
                if best is None or d < best[0]:
                    best = (d, edge.u)
        return None if best is None else best[1]


def _despike(nodes: list[int]) -> list[int]:
    """Remove immediate back-and-forth (x, y, x) from a node sequence."""
    out: list[int] = []
    for n in nodes:
        if out and out[-1] == n:
            continue
        if len(out) >= 2 and out[-2] == n:
            out.pop()
            continue
        out.append(n)
    return out


def make_routes(
    network: RoadNetwork,
    facts: CityFacts,
    cells: dict[str, MultiPolygon],
    rng: np.random.Generator,
) -> list[Route]:
    """Both directions of every route, each following the roads by shortest paths.

    Args:
        network: The demo road network (UTM metres).
        facts: City facts (route endpoints, places).
        cells: Kelurahan code -> cell (UTM metres).
        rng: Seeded random stream.

    Returns:
        Two ``Route`` per spec (direction 0 and its exact reverse, direction 1).
    """
    locate = _Locator(network, facts, cells)
    graph = network.graph
    routes: list[Route] = []
    for k, spec in enumerate(route_specs(facts)):
        a, b = locate.place(spec.origin), locate.place(spec.destination)
        stops = [locate.nearest(a)]
        if spec.via in facts.places:
            stops.append(locate.nearest(locate.place(spec.via)))
        elif spec.via:
            on_road = locate.on_road(spec.via, (a + b) / 2)
            stops += [on_road] if on_road is not None else []
        else:
            d = b - a
            normal = np.array([-d[1], d[0]])
            for t in (1 / 3, 2 / 3)[: int(rng.integers(1, 3))]:
                stops.append(locate.nearest(a + t * d + rng.uniform(-0.12, 0.12) * normal))
        stops.append(locate.nearest(b))
        nodes: list[int] = [stops[0]]
        for s, t in itertools.pairwise(stops):
            nodes += nx.shortest_path(graph, s, t, weight="length_m")[1:]
        nodes = _despike(nodes)
        if len(nodes) < 2:  # pragma: no cover - endpoints lie in different places
            continue
        path = []
        for u, v in itertools.pairwise(nodes):
            e = int(graph[u][v]["edge"])
            path.append((e, network.edges[e].u != u))
        length_m = float(sum(network.edges[e].length_m for e, _ in path))
        fare = int(min(7000, 4000 + 500 * round(length_m / 3000)))
        headway = int(rng.integers(5, 16)) * 60
        speed = float(rng.integers(24, 41)) / 2
        colour = COLOURS[k % len(COLOURS)]
        back = tuple((e, not rev) for e, rev in reversed(path))
        for direction, (origin, destination, steps) in enumerate(
            ((spec.origin, spec.destination, tuple(path)), (spec.destination, spec.origin, back))
        ):
            routes.append(
                Route(
                    spec.code,
                    spec.name,
                    direction,
                    origin,
                    destination,
                    colour,
                    fare,
                    headway,
                    speed,
                    steps,
                    length_m,
                )
            )
    return routes


def route_line(path: tuple[tuple[int, bool], ...], edges: list[LineString]) -> LineString:
    """Join the (possibly reversed) edge geometries of a path into one line."""
    parts: list[np.ndarray] = []
    for e, rev in path:
        xy = shapely.get_coordinates(edges[e])
        xy = xy[::-1] if rev else xy
        parts.append(xy if not parts else xy[1:])
    return LineString(np.concatenate(parts))
