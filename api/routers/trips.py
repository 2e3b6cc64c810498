"""Angkot trip planning: ``GET /cities/{city}/trips?from=lon,lat&to=lon,lat``."""

from __future__ import annotations

from typing import Annotated

import orjson
from fastapi import APIRouter, Query, Response

from api.auth import requires
from api.deps import CityDep, SessionDep, SettingsDep
from api.routers.citizens import PlannerDep
from api.routers.planning import DemandRecorderDep
from geo.analysis import note_search
from geo.points import ensure_in_city, parse_lonlat
from geo.transit.plan import PlannerOptions, plan

router = APIRouter(prefix="/cities/{city}", tags=["citizens"])
JSON = "application/json"


@router.get(
    "/trips",
    **requires("trips.plan"),
    summary="Plan an angkot trip (hail-and-ride)",
    response_class=Response,
    responses={200: {"content": {JSON: {}}}},
)
def get_trips(
    *,
    city: CityDep,
    session: SessionDep,
    settings: SettingsDep,
    planner: PlannerDep,
    demand: DemandRecorderDep,
    origin: Annotated[str, Query(alias="from", max_length=64, description="lon,lat")],
    destination: Annotated[str, Query(alias="to", max_length=64, description="lon,lat")],
    max_walk_m: Annotated[int | None, Query(ge=0, le=5000)] = None,
    max_transfers: Annotated[int | None, Query(ge=0, le=5)] = None,
) -> Response:
    """Up to three itineraries (fastest, fewest transfers, least walking) with walk/ride legs.

    No itinerary gives 200 with `itineraries: []` and a `reason` (Bahasa Indonesia) and
    `reason_en`; points outside the city give 422.
    """
    start = parse_lonlat(origin, "from")
    end = parse_lonlat(destination, "to")
    ensure_in_city(session, city, *start, "from")
    ensure_in_city(session, city, *end, "to")
    options = PlannerOptions(
        walk_speed_kmh=settings.walk_speed_kmh,
        transfer_penalty_s=settings.transfer_penalty_s,
        max_walk_m=settings.max_walk_m if max_walk_m is None else max_walk_m,
        max_transfer_walk_m=settings.max_transfer_walk_m,
        max_transfers=settings.max_transfers if max_transfers is None else max_transfers,
    )
    networks = planner.get(session, city)
    result = plan(networks.graph, networks.transit, start, end, options)
    note_search(demand, session, city, origin=start, destination=end, result=result)
    return Response(orjson.dumps(result), media_type=JSON)
