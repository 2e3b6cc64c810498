"""The places wing: place search (areas, schools, routes, streets) and schools near a point."""

from geo.places.at import area_point, place_at
from geo.places.nearby import MAX_NEAREST, MAX_RADIUS_M, schools_nearest, schools_within
from geo.places.search import MAX_QUERY, MAX_RESULTS, MIN_QUERY, search_places, split_glued

__all__ = [
    "MAX_NEAREST",
    "MAX_QUERY",
    "MAX_RADIUS_M",
    "MAX_RESULTS",
    "MIN_QUERY",
    "area_point",
    "place_at",
    "schools_nearest",
    "schools_within",
    "search_places",
    "split_glued",
]
