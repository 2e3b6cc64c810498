"""``/cities``: the cities this deployment serves."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from api.auth import requires
from api.deps import CityDep, SessionDep
from api.response_models import GeoJSONResponse, Outline
from api.schemas import CityList, CityPublic
from geo.cities import city_outline_geojson, list_cities

router = APIRouter(prefix="/cities", tags=["cities"])
GEOJSON = "application/geo+json"


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


@router.get("", response_model=CityList, **requires("cities.read"), summary="List cities")
def get_cities(session: SessionDep, request: Request) -> CityList:
    """Every city of this deployment, by name."""
    base = _base(request)
    return CityList(cities=[CityPublic.of(c, base) for c in list_cities(session)])


@router.get("/{city}", response_model=CityPublic, **requires("cities.read"), summary="One city")
def get_one_city(city: CityDep, request: Request) -> CityPublic:
    """A city's extent, default view and links; 404 problem+json for an unknown slug."""
    return CityPublic.of(city, _base(request))


@router.get(
    "/{city}/outline",
    **requires("cities.read"),
    summary="City outline as GeoJSON",
    response_class=GeoJSONResponse,
    response_model=Outline,
)
def get_outline(city: CityDep, session: SessionDep) -> Response:
    """The kota boundary (or the bbox while no boundary is loaded) as a FeatureCollection."""
    return Response(city_outline_geojson(session, city), media_type=GEOJSON)
