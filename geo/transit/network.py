"""The hail-and-ride network in memory: routes, boarding points in route order, transfer stops."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import shapely
from scipy.spatial import cKDTree
from shapely.geometry import LineString

from geo.transit.modes import Mode, route_mode
from geo.transit.walking import Coords, FloatArray, IntArray, WalkingGraph

DEFAULT_SPACING_M = 75.0
UTM_SLACK = 1.01  # straight UTM distance <= 1.01 x walking distance (UTM scale factor margin)
HUGE = 1e9  # "unreachable" cost


@dataclass(frozen=True)
class Route:
    """One direction of an angkot route as the planner sees it."""

    id: int
    code: str
    name: str
    direction: int
    origin: str | None
    destination: str | None
    colour: str
    fare_idr: int
    headway_s: int
    speed_kmh: float
    line_utm: LineString
    length_m: float
    geojson: str = ""  # the stored lon/lat geometry as GeoJSON (6 decimals)

    @property
    def mode(self) -> Mode:
        """The vehicle: ``angkot``, ``bus`` or ``brt`` (geo.transit.modes)."""
        return route_mode(self.code, self.name)

    @property
    def speed_ms(self) -> float:
        """Riding speed in metres per second."""
        return self.speed_kmh / 3.6

    @cached_property
    def vertices(self) -> FloatArray:
        """The route's vertices in UTM, in travel order."""
        return np.asarray(shapely.get_coordinates(self.line_utm), dtype=float)

    @cached_property
    def vertex_offsets_m(self) -> FloatArray:
        """Distance of each vertex along the route."""
        steps = np.hypot(*np.diff(self.vertices, axis=0).T)
        return np.concatenate([[0.0], np.cumsum(steps)])


@dataclass(frozen=True)
class Stops:
    """Road nodes where candidates snap, with the walks between them (the transfer layer)."""

    node: IntArray  # walking-graph node of each stop
    cand_stop: IntArray  # stop of each candidate (-1 off the network)
    order: IntArray  # candidates on the network, grouped by stop
    order_stop: IntArray  # their stop, route and snap (in that order)
    order_route: IntArray
    order_snap_m: FloatArray
    bounds: IntArray  # start of each stop's group in ``order`` (len stops + 1)
    min_snap_m: FloatArray  # shortest snap of each stop's candidates
    walk_src: IntArray  # footpaths between stops (self loops included), grouped by target
    walk_dst: IntArray
    walk_m: FloatArray


@dataclass
class TransitNetwork:
    """Candidate boarding/alighting points of every route, in route order, and how to transfer.

    Candidates are stored flat: route after route, each route's points in its direction of
    travel, so ``cand_route`` is non-decreasing and a ride goes from index ``i`` to ``j > i``
    of the same route. Transfers are not stored pairwise: each candidate on the walking network
    belongs to the stop (road node) it snaps to, stops know the stops within the transfer walk
    (``stops``), and ``geo.transfers.relax_transfers`` joins them per query. Candidates off the
    network keep explicit transfer walks (``transfer_*``).
    """

    routes: list[Route]
    spacing_m: float
    max_transfer_walk_m: float
    cand_route: IntArray
    cand_offset_m: FloatArray  # distance along the route from its start
    cand_ride_s: FloatArray  # riding time from the route's start
    cand_wait_s: FloatArray  # expected wait when boarding (half the route's headway)
    cand_xy: FloatArray  # UTM
    cand_node: IntArray  # nearest walking-graph node (-1 off the network)
    cand_snap_m: FloatArray  # distance to that node
    route_start: IntArray  # first candidate index of each route (len routes + 1)
    stops: Stops
    transfer_src: IntArray  # explicit transfers (an end off the walking network)
    transfer_dst: IntArray
    transfer_walk_m: FloatArray
    tree: cKDTree | None

    @property
    def size(self) -> int:
        """Number of candidate points."""
        return int(self.cand_route.shape[0])

    @property
    def footpath_count(self) -> int:
        """Number of walks between stops (self loops included)."""
        return int(self.stops.walk_m.shape[0])

    def ride_coords(self, graph: WalkingGraph, board: int, alight: int) -> Coords:
        """Lon/lat sub-line of the route from candidate ``board`` to ``alight`` (travel order)."""
        route = self.routes[int(self.cand_route[board])]
        offsets = route.vertex_offsets_m
        lo = np.searchsorted(offsets, self.cand_offset_m[board], side="right")
        hi = np.searchsorted(offsets, self.cand_offset_m[alight], side="left")
        xy = np.vstack([self.cand_xy[board], route.vertices[lo:hi], self.cand_xy[alight]])
        lon, lat = graph.to_lonlat.transform(xy[:, 0], xy[:, 1])
        return [(float(a), float(b)) for a, b in zip(lon, lat, strict=True)]

    def lonlat(self, graph: WalkingGraph, index: int) -> tuple[float, float]:
        """Lon/lat of one candidate point."""
        lon, lat = graph.to_lonlat.transform(self.cand_xy[index, 0], self.cand_xy[index, 1])
        return (float(lon), float(lat))

    def street_names(self, graph: WalkingGraph, indices: list[int]) -> dict[int, str | None]:
        """Nearest named street of some candidates (looked up only for the legs shown)."""
        names = graph.street_names(self.cand_xy[np.array(indices, dtype=np.int64)].reshape(-1, 2))
        return dict(zip(indices, names, strict=True))
