"""Citizens' API: angkot routes near a point, route details, nearby schools, place search."""

from __future__ import annotations

from typing import Annotated

import orjson
from fastapi import APIRouter, Depends, Path, Query, Request, Response

from api.auth import requires
from api.deps import CityDep, SessionDep, SettingsDep, open_layer_read
from api.response_models import GeoJSONResponse
from api.response_models_city import NearSchools, PlaceAt, RouteDetail, RoutesNear, SearchAnswer
from geo.cities import get_city
from geo.places import MAX_NEAREST, MAX_RADIUS_M, place_at, schools_nearest
from geo.places import schools_within as find_schools_within
from geo.places.search import MAX_QUERY, MAX_RESULTS, MIN_QUERY, search_places
from geo.transit import route_detail, routes_near
from geo.transit.cache import ROUTES_LAYER, PlannerCache

router = APIRouter(prefix="/cities/{city}", tags=["citizens"])
GEOJSON = "application/geo+json"
JSON = "application/json"

Lon = Annotated[float, Query(ge=-180, le=180, description="Longitude (WGS 84)")]
Lat = Annotated[float, Query(ge=-90, le=90, description="Latitude (WGS 84)")]
Level = Annotated[
    str | None,
    Query(max_length=8, description="SD, SMP, SMA, SMK, SLB, or madrasah MI, MTs, MA; any case"),
]
Status = Annotated[str | None, Query(max_length=8, description="negeri or swasta; any case")]


def get_planner(request: Request) -> PlannerCache:
    """The app's cache of walking graphs and angkot networks."""
    cache: PlannerCache = request.app.state.planner
    return cache


PlannerDep = Annotated[PlannerCache, Depends(get_planner)]


@router.get(
    "/routes/near",
    **requires("routes.read"),
    summary="Angkot routes near a point",
    response_class=GeoJSONResponse,
    response_model=RoutesNear,
)
async def get_routes_near(
    *,
    request: Request,
    city: Annotated[str, Path(description="City slug, e.g. `tangerang`", max_length=64)],
    lon: Lon,
    lat: Lat,
    radius_m: Annotated[float, Query(ge=1, le=5000)] = 400,
) -> Response:
    """Routes within `radius_m`, nearest first, each with `distance_m` and `nearest_point`.

    A point more than 50 km outside the city gives 422."""
    # the lean path (as the items): the city and the routes revision in one autocommit
    # statement, the answer from the route index in memory; a worker thread and an ORM
    # session only to build the index (first request, or after a route edit)
    planner: PlannerCache = request.app.state.planner
    read = open_layer_read(request)
    try:
        city_id, revision = await read.begin(city, ROUTES_LAYER)
        index = planner.cached_route_index(city_id, revision)
        if index is None:
            index = await read.with_session(
                lambda session: planner.route_index(session, get_city(session, city))
            )
    finally:
        await read.close()
    return Response(routes_near(index, index.city, lon, lat, radius_m), media_type=GEOJSON)


@router.get(
    "/routes/{route_id}",
    **requires("routes.read"),
    summary="One angkot route with kelurahan and schools along it",
    response_class=GeoJSONResponse,
    response_model=RouteDetail,
)
def get_route(
    city: CityDep, session: SessionDep, route_id: Annotated[int, Path(ge=1, le=2**31 - 1)]
) -> Response:
    """Length, direction, fare, headway, the kelurahan passed and the schools within 300 m."""
    return Response(route_detail(session, city, route_id), media_type=GEOJSON)


@router.get(
    "/schools/nearest",
    **requires("schools.read"),
    summary="Schools nearest to a point",
    response_class=GeoJSONResponse,
    response_model=NearSchools,
)
def get_schools_nearest(
    *,
    city: CityDep,
    session: SessionDep,
    settings: SettingsDep,
    planner: PlannerDep,
    lon: Lon,
    lat: Lat,
    limit: Annotated[int, Query(ge=1, le=MAX_NEAREST)] = 10,
    level: Level = None,
    status: Status = None,
) -> Response:
    """Ordered by geodesic distance (PPDB zonasi), with walking distance and time by road.

    A point outside the city gives 422 (`point-outside-city`, as for trips); an unknown
    `level` or `status` gives 422."""
    graph = planner.walking_graph(session, city)
    body = schools_nearest(
        session,
        city,
        graph,
        lon,
        lat,
        limit=limit,
        level=level,
        status=status,
        walk_speed_kmh=settings.walk_speed_kmh,
    )
    return Response(body, media_type=GEOJSON)


@router.get(
    "/schools/within",
    **requires("schools.read"),
    summary="Schools within a radius (zoning) of a point",
    response_class=GeoJSONResponse,
    response_model=NearSchools,
)
def get_schools_within(
    *,
    city: CityDep,
    session: SessionDep,
    settings: SettingsDep,
    planner: PlannerDep,
    lon: Lon,
    lat: Lat,
    radius_m: Annotated[float, Query(ge=1, le=MAX_RADIUS_M)],
    level: Level = None,
    status: Status = None,
) -> Response:
    """Every school within `radius_m` (geodesic), nearest first, same fields as nearest.

    A point more than 50 km outside the city gives 422."""
    graph = planner.walking_graph(session, city)
    body = find_schools_within(
        session,
        city,
        graph,
        lon,
        lat,
        radius_m=radius_m,
        level=level,
        status=status,
        walk_speed_kmh=settings.walk_speed_kmh,
    )
    return Response(body, media_type=GEOJSON)


@router.get(
    "/search",
    **requires("places.search"),
    summary="Search places by name (typo-tolerant)",
    response_model=SearchAnswer,
)
def get_search(
    *,
    city: CityDep,
    session: SessionDep,
    q: Annotated[str, Query(min_length=MIN_QUERY, max_length=MAX_QUERY)],
    limit: Annotated[int, Query(ge=1, le=MAX_RESULTS)] = 10,
) -> Response:
    """Kelurahan, kecamatan, schools, roads, route endpoints and routes, best match first."""
    return Response(orjson.dumps(search_places(session, city, q, limit=limit)), media_type=JSON)


@router.get(
    "/places/at",
    **requires("places.search"),
    summary="Name a point: nearest street, kelurahan and kecamatan",
    response_model=PlaceAt,
)
def get_place_at(*, city: CityDep, session: SessionDep, lon: Lon, lat: Lat) -> Response:
    """What a tapped point is called: `street` (the nearest named road within 500 m, with
    `distance_m`), `kelurahan` and `kecamatan` (`code`, `name`) holding it, and `label`
    ("Jalan Merdeka, Kelurahan Sukasari"). A point outside the city gives 422."""
    return Response(orjson.dumps(place_at(session, city, lon, lat)), media_type=JSON)
