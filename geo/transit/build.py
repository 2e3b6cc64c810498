"""Building the hail-and-ride angkot network from the database: sample, snap, join by stops."""

from __future__ import annotations

import math

import numpy as np
import shapely
from scipy.spatial import cKDTree
from shapely.geometry import LineString
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.transit.network import (
    DEFAULT_SPACING_M,
    HUGE,
    UTM_SLACK,
    Route,
    Stops,
    TransitNetwork,
)
from geo.transit.walking import DETOUR_FACTOR, FloatArray, IntArray, WalkingGraph

__all__ = [
    "DEFAULT_SPACING_M",
    "HUGE",
    "UTM_SLACK",
    "Route",
    "TransitNetwork",
    "build_transit_network",
    "load_routes",
]

_SELECT_ROUTES = text(
    "SELECT id, code, name, direction, origin, destination, colour, fare_idr, headway_s,"
    " speed_kmh, ST_AsBinary(ST_Transform(geom, :srid)) AS wkb_utm,"
    " ST_AsGeoJSON(geom, 6) AS geojson"
    " FROM angkot_route WHERE city_id = :city AND active ORDER BY code, direction, id"
)


def load_routes(session: Session, city_id: int, utm_srid: int) -> list[Route]:
    """The city's active route directions, lines in UTM, ordered by code and direction."""
    rows = session.execute(_SELECT_ROUTES, {"city": city_id, "srid": utm_srid}).all()
    routes = []
    for row in rows:
        line = shapely.from_wkb(bytes(row.wkb_utm))
        if not isinstance(line, LineString) or line.length <= 0:
            continue
        routes.append(
            Route(
                id=row.id,
                code=row.code,
                name=row.name,
                direction=row.direction,
                origin=row.origin,
                destination=row.destination,
                colour=row.colour,
                fare_idr=row.fare_idr,
                headway_s=row.headway_s,
                speed_kmh=row.speed_kmh,
                line_utm=line,
                length_m=float(line.length),
                geojson=row.geojson,
            )
        )
    return routes


def _sample(routes: list[Route], spacing_m: float) -> tuple[IntArray, FloatArray, FloatArray]:
    owner: list[IntArray] = []
    offsets: list[FloatArray] = []
    points: list[FloatArray] = []
    for r, route in enumerate(routes):
        n = max(2, math.ceil(route.length_m / spacing_m) + 1)
        at = np.linspace(0.0, route.length_m, n)
        owner.append(np.full(n, r, dtype=np.int64))
        offsets.append(at)
        points.append(shapely.get_coordinates(shapely.line_interpolate_point(route.line_utm, at)))
    if not routes:
        return np.zeros(0, dtype=np.int64), np.zeros(0), np.zeros((0, 2))
    return np.concatenate(owner), np.concatenate(offsets), np.vstack(points)


def _local_minima(
    cand_route: IntArray, src: IntArray, dst: IntArray, walk: FloatArray
) -> tuple[IntArray, IntArray, FloatArray]:
    """Keep, per alighting point and other route, the boarding points where the walk is a local
    minimum along that route (the nearest pass, and each further pass of a looping route)."""
    order = np.lexsort((dst, src))
    src, dst, walk = src[order], dst[order], walk[order]
    n = src.size
    same_prev = np.zeros(n, dtype=bool)
    same_prev[1:] = (
        (src[1:] == src[:-1])
        & (dst[1:] == dst[:-1] + 1)
        & (cand_route[dst[1:]] == cand_route[dst[:-1]])
    )
    same_next = np.zeros(n, dtype=bool)
    same_next[:-1] = same_prev[1:]
    lower_than_prev = np.ones(n, dtype=bool)
    lower_than_prev[1:] = walk[1:] < walk[:-1]
    not_above_next = np.ones(n, dtype=bool)
    not_above_next[:-1] = walk[:-1] <= walk[1:]
    local_min = (~same_prev | lower_than_prev) & (~same_next | not_above_next)
    return src[local_min], dst[local_min], walk[local_min]


def _off_network_transfers(
    cand_route: IntArray, xy: FloatArray, off: IntArray, max_walk_m: float
) -> tuple[IntArray, IntArray, FloatArray]:
    """Directed transfers that start or end at a point off the walking network.

    Such walks are the straight line x ``DETOUR_FACTOR`` (as ``WalkingGraph.walk_distances``);
    transfers between two points on the network go through the stops instead.
    """
    empty = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0))
    if off.size == 0 or xy.shape[0] < 2 or max_walk_m <= 0:
        return empty
    radius = max_walk_m / DETOUR_FACTOR
    found = cKDTree(xy[off]).sparse_distance_matrix(cKDTree(xy), radius, output_type="ndarray")
    a, b = off[found["i"].astype(np.int64)], found["j"].astype(np.int64)
    walk = np.asarray(found["v"], dtype=float) * DETOUR_FACTOR
    keep = (cand_route[a] != cand_route[b]) & (walk <= max_walk_m)
    a, b, walk = a[keep], b[keep], walk[keep]
    src, dst = np.concatenate([a, b]), np.concatenate([b, a])
    both = np.concatenate([walk, walk])
    _, first = np.unique(src * xy.shape[0] + dst, return_index=True)  # both ends off: twice
    if first.size == 0:
        return empty
    return _local_minima(cand_route, src[first], dst[first], both[first])


def _stops(
    graph: WalkingGraph, cand_route: IntArray, nodes: IntArray, snaps: FloatArray, max_walk_m: float
) -> Stops:
    on = np.flatnonzero(nodes >= 0)
    stop_node, inverse = np.unique(nodes[on], return_inverse=True)
    cand_stop = np.full(nodes.size, -1, dtype=np.int64)
    cand_stop[on] = inverse
    order = on[np.argsort(inverse, kind="stable")]
    count = stop_node.size
    bounds = np.searchsorted(cand_stop[order], np.arange(count + 1)).astype(np.int64)
    min_snap = np.minimum.reduceat(snaps[order], bounds[:-1]) if count else np.zeros(0)
    # footpaths: every stop within max_walk_m of another along the network (cached per node)
    pos, node, metres = graph.nodes_within(stop_node, max(max_walk_m, 0.0))
    stop_of_node = np.full(graph.node_count, -1, dtype=np.int64)
    stop_of_node[stop_node] = np.arange(count)
    dst = stop_of_node[node]
    keep = np.flatnonzero(dst >= 0)
    src, dst, metres = pos[keep], dst[keep], metres[keep]
    # a walk no pair of candidates of the two stops can use within the limit is dropped
    usable = metres + min_snap[src] + min_snap[dst] <= max_walk_m + 1e-9
    src, dst, metres = src[usable], dst[usable], metres[usable]
    by_dst = np.lexsort((metres, src, dst))
    return Stops(
        node=stop_node,
        cand_stop=cand_stop,
        order=order,
        order_stop=cand_stop[order],
        order_route=cand_route[order],
        order_snap_m=snaps[order],
        bounds=bounds,
        min_snap_m=min_snap,
        walk_src=src[by_dst],
        walk_dst=dst[by_dst],
        walk_m=metres[by_dst],
    )


def build_transit_network(
    session: Session,
    city_id: int,
    graph: WalkingGraph,
    *,
    spacing_m: float = DEFAULT_SPACING_M,
    max_transfer_walk_m: float = 400.0,
) -> TransitNetwork:
    """Build the hail-and-ride network of a city's active routes.

    Args:
        session: Open session.
        city_id: The city.
        graph: The city's walking graph (stops are its nodes; walks between them are cached on
            it, so a rebuild after a route edit only walks from new stops).
        spacing_m: Distance between candidate boarding points along a route.
        max_transfer_walk_m: Longest walk between two routes.

    Returns:
        The network; empty when the city has no active route.
    """
    routes = load_routes(session, city_id, graph.utm_srid)
    cand_route, offsets, xy = _sample(routes, spacing_m)
    speeds = np.array([r.speed_ms for r in routes], dtype=float)
    ride_s = offsets / speeds[cand_route] if routes else np.zeros(0)
    route_start = np.searchsorted(cand_route, np.arange(len(routes) + 1)).astype(np.int64)
    nodes, snaps = graph.snap(xy)
    src, dst, walk = _off_network_transfers(
        cand_route, xy, np.flatnonzero(nodes < 0), max_transfer_walk_m
    )
    return TransitNetwork(
        routes=routes,
        spacing_m=spacing_m,
        max_transfer_walk_m=max_transfer_walk_m,
        cand_route=cand_route,
        cand_offset_m=offsets,
        cand_ride_s=ride_s,
        cand_wait_s=np.array([r.headway_s / 2.0 for r in routes], dtype=float)[cand_route],
        cand_xy=xy,
        cand_node=nodes,
        cand_snap_m=snaps,
        route_start=route_start,
        stops=_stops(graph, cand_route, nodes, snaps, max_transfer_walk_m),
        transfer_src=src,
        transfer_dst=dst,
        transfer_walk_m=walk,
        tree=cKDTree(xy) if xy.shape[0] else None,
    )
