"""The analysis wing: area reports (routes, schools, route coverage, requests by kelurahan)."""

from geo.analysis.areas import (
    NEAREST_ROUTE_MAX_M,
    check_level,
    find_area,
    route_coverage,
    routes_in,
    schools_in,
)
from geo.analysis.demand import MAX_POINTS
from geo.analysis.report import RESTRICTED_ACTION, area_report, sees_requests
from geo.analysis.results import (
    COVERAGE_RADII_M,
    LEVELS,
    Area,
    AreaReport,
    Count,
    Coverage,
    RequestCount,
    RequestPoint,
    RouteInArea,
    SchoolInArea,
    SubArea,
)

__all__ = [
    "COVERAGE_RADII_M",
    "LEVELS",
    "MAX_POINTS",
    "NEAREST_ROUTE_MAX_M",
    "RESTRICTED_ACTION",
    "Area",
    "AreaReport",
    "Count",
    "Coverage",
    "RequestCount",
    "RequestPoint",
    "RouteInArea",
    "SchoolInArea",
    "SubArea",
    "area_report",
    "check_level",
    "find_area",
    "route_coverage",
    "routes_in",
    "schools_in",
    "sees_requests",
]
