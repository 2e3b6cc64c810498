"""Built walking graphs and angkot networks per city, rebuilt when a layer revision changes."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.cities import CityInfo
from geo.transit.build import DEFAULT_SPACING_M, TransitNetwork, build_transit_network
from geo.transit.route_index import RouteIndex, build_route_index
from geo.transit.walking import WalkingGraph, build_walking_graph

ROUTES_LAYER = "angkot_routes"
ROADS_LAYER = "roads"

_REVISIONS = text(
    "SELECT layer, revision FROM layer_revision"
    " WHERE city_id = :city AND layer IN ('angkot_routes', 'roads')"
)


@dataclass(frozen=True)
class Networks:
    """The walking graph and the angkot network of one city at given revisions."""

    graph: WalkingGraph
    transit: TransitNetwork
    routes_revision: int
    roads_revision: int
    build_s: float


def read_revisions(session: Session, city_id: int) -> tuple[int, int]:
    """``(routes revision, roads revision)`` of a city; 0 for a layer never written."""
    revs = {row.layer: int(row.revision) for row in session.execute(_REVISIONS, {"city": city_id})}
    return revs.get(ROUTES_LAYER, 0), revs.get(ROADS_LAYER, 0)


class PlannerCache:
    """Networks per (city_id, routes revision, roads revision), one entry per city.

    ``get`` reads the revisions (bumped by triggers in every writing transaction) and rebuilds
    when they changed, so a route edit is plannable on the next request without a restart. A
    roads change rebuilds the walking graph too; a routes change reuses it.
    """

    def __init__(
        self, *, spacing_m: float = DEFAULT_SPACING_M, max_transfer_walk_m: float = 400.0
    ) -> None:
        self.spacing_m = spacing_m
        self.max_transfer_walk_m = max_transfer_walk_m
        self._graphs: dict[int, tuple[int, WalkingGraph]] = {}
        self._route_index: dict[int, tuple[int, RouteIndex]] = {}
        self._entries: dict[int, Networks] = {}
        self._locks: dict[int, threading.Lock] = {}
        self._guard = threading.Lock()
        self.builds = 0

    def _lock(self, city_id: int) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(city_id, threading.Lock())

    def _graph(self, session: Session, city: CityInfo, roads_rev: int) -> WalkingGraph:
        # callers hold the city's lock
        cached = self._graphs.get(city.id)
        if cached and cached[0] == roads_rev:
            return cached[1]
        graph = build_walking_graph(session, city.id, city.utm_srid)
        self._graphs[city.id] = (roads_rev, graph)
        return graph

    def walking_graph(self, session: Session, city: CityInfo) -> WalkingGraph:
        """The city's walking graph at the roads revision visible to ``session``."""
        roads_rev = read_revisions(session, city.id)[1]
        cached = self._graphs.get(city.id)
        if cached and cached[0] == roads_rev:
            return cached[1]
        with self._lock(city.id):
            return self._graph(session, city, roads_rev)

    def cached_route_index(self, city_id: int, routes_revision: int) -> RouteIndex | None:
        """The city's route index if it was built at ``routes_revision`` (no database work:
        the lean ``routes/near`` door reads the revision itself); None otherwise."""
        cached = self._route_index.get(city_id)
        return cached[1] if cached and cached[0] == routes_revision else None

    def route_index(self, session: Session, city: CityInfo) -> RouteIndex:
        """The city's active routes in memory at the routes revision visible to ``session``."""
        routes_rev = read_revisions(session, city.id)[0]
        cached = self._route_index.get(city.id)
        if cached and cached[0] == routes_rev:
            return cached[1]
        index = build_route_index(session, city)
        self._route_index[city.id] = (routes_rev, index)
        return index

    def get(self, session: Session, city: CityInfo) -> Networks:
        """The city's networks at the revisions visible to ``session`` (built when needed).

        Args:
            session: Open session (read only).
            city: The city.

        Returns:
            The current networks.
        """
        revs = read_revisions(session, city.id)
        entry = self._entries.get(city.id)
        if entry and (entry.routes_revision, entry.roads_revision) == revs:
            return entry
        with self._lock(city.id):
            entry = self._entries.get(city.id)
            if entry and (entry.routes_revision, entry.roads_revision) == revs:
                return entry
            started = time.perf_counter()
            graph = self._graph(session, city, revs[1])
            transit = build_transit_network(
                session,
                city.id,
                graph,
                spacing_m=self.spacing_m,
                max_transfer_walk_m=self.max_transfer_walk_m,
            )
            entry = Networks(graph, transit, revs[0], revs[1], time.perf_counter() - started)
            self._entries[city.id] = entry
            self.builds += 1
            return entry

    def clear(self) -> None:
        """Forget every built network."""
        with self._guard:
            self._entries.clear()
            self._graphs.clear()
            self._route_index.clear()
