"""The transit wing: the angkot network, the walking graph, trip search and the route index."""

from geo.transit.build import Route, build_transit_network, load_routes
from geo.transit.cache import Networks, PlannerCache
from geo.transit.network import DEFAULT_SPACING_M, TransitNetwork
from geo.transit.plan import fastest_trip, plan
from geo.transit.route_index import RouteIndex, build_route_index, route_detail, routes_near
from geo.transit.search import PlannerOptions
from geo.transit.settings import PlannerSettings
from geo.transit.walking import WalkingGraph, build_walking_graph

__all__ = [
    "DEFAULT_SPACING_M",
    "Networks",
    "PlannerCache",
    "PlannerOptions",
    "PlannerSettings",
    "Route",
    "RouteIndex",
    "TransitNetwork",
    "WalkingGraph",
    "build_route_index",
    "build_transit_network",
    "build_walking_graph",
    "fastest_trip",
    "load_routes",
    "plan",
    "route_detail",
    "routes_near",
]
