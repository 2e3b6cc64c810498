"""The naive baseline (KIRI's approach) in its own process: networkx over 100 m-densified routes.

``python -m bench.citizens.baseline <db url> <requests.json> <results.json>``

Per city: every route direction becomes points every 100 m joined by ride edges; each point gets
walking links to the nearest point of every other route within the transfer radius; the origin
and destination link to the points within the walking limit. The cost is distance only
(metres, riding and walking alike) and each query is one ``networkx`` Dijkstra whose path is
built into an itinerary document like ours (walk/ride legs, distances, lon/lat LineStrings,
JSON). Schools: the same K nearest as ours, walking distances from ``networkx`` over the road
graph bounded as ours bounds its walk. Timed in process, without HTTP.
"""

from __future__ import annotations

import itertools
import json
import resource
import sys
import time
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import psycopg
import shapely
from pyproj import Transformer
from scipy.spatial import cKDTree

STEP_M = 100.0
TRANSFER_M = 400.0
ACCESS_M = 1000.0
SRID = 32748
SCHOOLS_K = 10  # the limit the bench asks ours for
_TO_UTM = Transformer.from_crs(4326, SRID, always_xy=True)
_TO_LONLAT = Transformer.from_crs(SRID, 4326, always_xy=True)


def _routes(conn: psycopg.Connection[Any], city_id: int) -> list[np.ndarray]:
    rows = conn.execute(
        "SELECT ST_AsBinary(ST_Transform(geom, %s)) FROM angkot_route"
        " WHERE city_id = %s AND active ORDER BY id",
        (SRID, city_id),
    ).fetchall()
    out = []
    for (wkb,) in rows:
        line = shapely.from_wkb(bytes(wkb))
        at = np.append(np.arange(0.0, line.length, STEP_M), line.length)
        out.append(shapely.get_coordinates(shapely.line_interpolate_point(line, at)))
    return out


def build_route_graph(conn: psycopg.Connection[Any], city_id: int) -> tuple[Any, Any, Any]:
    """(graph, KD-tree of points, route index of each point) from the city's active routes."""
    routes = _routes(conn, city_id)
    graph = nx.DiGraph()
    xy = np.vstack(routes)
    owner = np.concatenate([np.full(len(r), i) for i, r in enumerate(routes)])
    start = 0
    for pts in routes:
        for k in range(len(pts) - 1):
            d = float(np.hypot(*(pts[k + 1] - pts[k])))
            graph.add_edge(start + k, start + k + 1, weight=d)
        start += len(pts)
    tree = cKDTree(xy)
    for i, near in enumerate(tree.query_ball_point(xy, TRANSFER_M)):
        if not near:
            continue
        near_a = np.array(near)
        near_a = near_a[owner[near_a] != owner[i]]
        if near_a.size == 0:
            continue
        d = np.hypot(*(xy[near_a] - xy[i]).T)
        order = np.lexsort((d, owner[near_a]))
        first = np.ones(order.size, dtype=bool)
        first[1:] = owner[near_a][order][1:] != owner[near_a][order][:-1]
        for j, dj in zip(near_a[order][first].tolist(), d[order][first].tolist(), strict=True):
            graph.add_edge(i, j, weight=dj)  # the nearest point of every other route
    return graph, tree, owner


def _legs(path: list[Any], xy: np.ndarray, owner: np.ndarray, o: Any, d: Any) -> list[Any]:
    """The path as legs like ours' itinerary: walk, ride (one per route), walk between
    routes, walk; each with its distance and a lon/lat LineString."""
    points = [np.asarray(o), *(xy[n] for n in path[1:-1]), np.asarray(d)]
    kinds = ["walk"]  # the kind of each step between two points of the path
    for a, b in itertools.pairwise(path[1:-1]):
        kinds.append("ride" if owner[a] == owner[b] else "walk")
    kinds.append("walk")
    legs: list[Any] = []
    for k, kind in enumerate(kinds):
        route = int(owner[path[k + 1]]) if kind == "ride" else None
        if not legs or legs[-1]["mode"] != kind or legs[-1]["route"] != route:
            legs.append({"mode": kind, "route": route, "distance_m": 0.0, "at": [k]})
        legs[-1]["at"].append(k + 1)
        legs[-1]["distance_m"] += float(np.hypot(*(points[k + 1] - points[k])))
    for leg in legs:
        lon, lat = _TO_LONLAT.transform(*np.array([points[i] for i in leg.pop("at")]).T)
        coords = np.round(np.column_stack([lon, lat]), 6).tolist()
        leg["geometry"] = {"type": "LineString", "coordinates": coords}
        leg["distance_m"] = round(leg["distance_m"], 1)
    return legs


def plan_naive(
    graph: Any, tree: Any, owner: np.ndarray, o: np.ndarray, d: np.ndarray
) -> bytes | None:
    """Distance-only best path from o to d, as an itinerary JSON document (None when none)."""
    xy = tree.data
    graph.add_node("O")
    graph.add_node("D")
    try:
        for j in tree.query_ball_point(o, ACCESS_M):
            graph.add_edge("O", j, weight=float(np.hypot(*(xy[j] - o))))
        for j in tree.query_ball_point(d, ACCESS_M):
            graph.add_edge(j, "D", weight=float(np.hypot(*(xy[j] - d))))
        try:
            length, path = nx.single_source_dijkstra(graph, "O", "D", weight="weight")
        except nx.NetworkXNoPath:
            return None
    finally:
        graph.remove_node("O")
        graph.remove_node("D")
    legs = _legs(path, xy, owner, o, d)
    doc = {"itineraries": [{"distance_m": round(float(length), 1), "legs": legs}]}
    return json.dumps(doc).encode()


def _road_graph(conn: psycopg.Connection[Any], city_id: int) -> tuple[Any, Any, np.ndarray]:
    rows = conn.execute(
        "SELECT u, v, length_m, ST_X(ST_Transform(ST_StartPoint(geom), %s)),"
        " ST_Y(ST_Transform(ST_StartPoint(geom), %s)), ST_X(ST_Transform(ST_EndPoint(geom), %s)),"
        " ST_Y(ST_Transform(ST_EndPoint(geom), %s)) FROM road_edge"
        " WHERE city_id = %s AND u IS NOT NULL AND v IS NOT NULL",
        (SRID, SRID, SRID, SRID, city_id),
    ).fetchall()
    graph = nx.Graph()
    pos: dict[int, tuple[float, float]] = {}
    for u, v, length, x0, y0, x1, y1 in rows:
        graph.add_edge(int(u), int(v), weight=float(length))
        pos[int(u)], pos[int(v)] = (x0, y0), (x1, y1)
    nodes = np.array(list(pos))
    return graph, cKDTree(np.array([pos[n] for n in nodes.tolist()])), nodes


def _schools_naive(
    conn: psycopg.Connection[Any], city_id: int, road: tuple[Any, Any, np.ndarray], lonlat: Any
) -> int:
    graph, tree, nodes = road
    # as ours (geo/places/nearby.py): the K nearest, walked no further than 3 x the farthest
    # straight-line distance + 2 km
    rows = conn.execute(
        "SELECT ST_X(ST_Transform(geom, %s)), ST_Y(ST_Transform(geom, %s)) FROM school"
        " WHERE city_id = %s ORDER BY geom <-> ST_SetSRID(ST_MakePoint(%s, %s), 4326) LIMIT %s",
        (SRID, SRID, city_id, lonlat[0], lonlat[1], SCHOOLS_K),
    ).fetchall()
    o = np.array(_TO_UTM.transform(*lonlat))
    source = int(nodes[tree.query(o)[1]])
    farthest = max((float(np.hypot(x - o[0], y - o[1])) for x, y in rows), default=0.0)
    cutoff = farthest * 3 + 2_000
    lengths = nx.single_source_dijkstra_path_length(graph, source, cutoff, weight="weight")
    found = 0
    for x, y in rows:
        found += int(nodes[tree.query((x, y))[1]]) in lengths
    return found


def _ms(t0: float) -> float:
    return (time.perf_counter() - t0) * 1000


def run(db_url: str, requests: dict[str, Any]) -> dict[str, Any]:
    """Build each city's baseline graph and time the same requests as ours."""
    out: dict[str, Any] = {}
    with psycopg.connect(db_url) as conn:
        for slug, req in requests.items():
            city_id = int(
                conn.execute("SELECT id FROM city WHERE slug = %s", (slug,)).fetchone()[0]
            )
            t0 = time.perf_counter()
            graph, tree, owner = build_route_graph(conn, city_id)
            build_ms = _ms(t0)
            trips, found = [], []
            for o, d in req["od_pairs"]:
                ou, du = np.array(_TO_UTM.transform(*o)), np.array(_TO_UTM.transform(*d))
                t0 = time.perf_counter()
                found.append(plan_naive(graph, tree, owner, ou, du) is not None)
                trips.append(_ms(t0))
            result = {
                "build_ms": build_ms,
                "nodes": graph.number_of_nodes(),
                "edges": graph.number_of_edges(),
                "trips_ms": trips,
                "trips_found": found,
            }
            if req.get("schools"):
                road = _road_graph(conn, city_id)
                schools = []
                for point in req["points"]:
                    t0 = time.perf_counter()
                    _schools_naive(conn, city_id, road, point)
                    schools.append(_ms(t0))
                result["schools_ms"] = schools
                del road
            out[slug] = result
            del graph, tree
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def main(argv: list[str]) -> int:
    """Entry point of the subprocess."""
    db_url, requests_path, results_path = argv
    requests = json.loads(Path(requests_path).read_text())
    Path(results_path).write_text(json.dumps(run(db_url, requests)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
