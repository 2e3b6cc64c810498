"""Angkot trip planning: ``GET /cities/{city}/trips?from=lon,lat&to=lon,lat``."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Query, Response
from sqlalchemy.orm import Session

from api.auth import requires
from api.deps import CityDep, SessionDep, SettingsDep
from api.response_models_city import TripAnswer
from api.routers.citizens import PlannerDep
from api.routers.planning import DemandRecorderDep
from api.settings import Settings
from geo.analysis import note_search
from geo.cities import CityInfo
from geo.errors import InvalidInputError
from geo.places import area_point
from geo.points import ensure_in_city, parse_lonlat
from geo.transit.clock import city_timezone
from geo.transit.plan import PlannerOptions, plan

router = APIRouter(prefix="/cities/{city}", tags=["citizens"])
JSON = "application/json"
AREA_PREFIX = "area:"
MIN_YEAR, MAX_YEAR = 2000, 2100  # a trip's start (and its arrival) stays a valid datetime
END_HELP = "lon,lat, or area:<code> for a kecamatan/kelurahan (a point on its surface)"


def _ends(session: Session, city: CityInfo, values: dict[str, str]) -> dict[str, dict[str, Any]]:
    """The trip's ends: points, or areas standing for the point on their surface; every end is
    read before any is checked against the city."""
    ends: dict[str, dict[str, Any]] = {}
    for field, value in values.items():
        area = None
        if value.startswith(AREA_PREFIX):
            area = area_point(session, city, value[len(AREA_PREFIX) :].strip())
            lon, lat = area["point"]
        else:
            lon, lat = parse_lonlat(value, field)
        ends[field] = {"point": [lon, lat], "area": area}
    for field, end in ends.items():
        lon, lat = end["point"]
        ensure_in_city(session, city, lon, lat, field)
    return ends


def _options(
    settings: Settings, max_walk_m: int | None, max_transfers: int | None
) -> PlannerOptions:
    return PlannerOptions(
        walk_speed_kmh=settings.walk_speed_kmh,
        transfer_penalty_s=settings.transfer_penalty_s,
        max_walk_m=settings.max_walk_m if max_walk_m is None else max_walk_m,
        max_transfer_walk_m=settings.max_transfer_walk_m,
        max_transfers=settings.max_transfers if max_transfers is None else max_transfers,
        alt_min_walk_saved_m=settings.alt_min_walk_saved_m,
        alt_max_extra_s=settings.alt_max_extra_s,
        alt_max_extra_transfers=settings.alt_max_extra_transfers,
        same_place_m=settings.same_place_m,
    )


def _area_hint(result: dict[str, Any], ends: dict[str, dict[str, Any]]) -> None:
    # an area end with no angkot near its point: say the area stands for one point in it
    if result["itineraries"] or result["kind"] == "same_place":
        return
    for end in ends.values():
        if end["area"]:
            name = end["area"]["name"]
            result["reason"] += f"; {name} diwakili satu titik di dalamnya, pilih titik lain"
            result["reason_en"] += f"; {name} stands for one point inside it, pick another point"
            return


@router.get(
    "/trips",
    **requires("trips.plan"),
    summary="Plan an angkot trip (hail-and-ride)",
    response_model=TripAnswer,
)
def get_trips(
    *,
    city: CityDep,
    session: SessionDep,
    settings: SettingsDep,
    planner: PlannerDep,
    demand: DemandRecorderDep,
    origin: Annotated[str, Query(alias="from", max_length=64, description=END_HELP)],
    destination: Annotated[str, Query(alias="to", max_length=64, description=END_HELP)],
    max_walk_m: Annotated[int | None, Query(ge=0, le=5000)] = None,
    max_transfers: Annotated[int | None, Query(ge=0, le=5)] = None,
    depart: Annotated[
        datetime | None,
        Query(description="ISO 8601 start time (default now; without an offset: city time)"),
    ] = None,
) -> Response:
    """Up to three itineraries (fastest, fewest transfers, least walking) with walk/ride legs.

    Alternatives are offered only when better than the fastest on their own criterion by the
    margins of the settings (`TPO_ALT_MIN_WALK_SAVED_M`, `TPO_ALT_MAX_EXTRA_S`,
    `TPO_ALT_MAX_EXTRA_TRANSFERS`). Each itinerary has `kind` (`transit`, or `walk_only` when
    walking all the way is the answer), `wait_s` (waits at the stops, also on each ride leg),
    `depart_at` and `arrive_at` (ISO 8601 in the city's time zone, from `depart`); each leg has
    `depart_at`/`arrive_at`, each ride leg `vehicle` (`angkot`, `bus` or `brt`, also
    `route.mode`). The answer's `from`/`to` give the points planned (an `area:<code>` end
    stands for a point on the area's surface).

    No itinerary gives 200 with `itineraries: []` and a `reason` (Bahasa Indonesia) and
    `reason_en`; the same start and end give `kind: "same_place"` and no itinerary; points
    outside the city give 422.
    """
    ends = _ends(session, city, {"from": origin, "to": destination})
    tz = city_timezone(city.center[0])
    if depart is not None and not MIN_YEAR <= depart.year <= MAX_YEAR:
        raise InvalidInputError(
            f"depart must be a time in the years {MIN_YEAR}-{MAX_YEAR}",
            [{"field": "depart", "in": "query", "message": "year out of range"}],
        )
    start_at = datetime.now(tz) if depart is None else depart
    start_at = start_at.replace(tzinfo=tz) if start_at.tzinfo is None else start_at.astimezone(tz)
    start, end = tuple(ends["from"]["point"]), tuple(ends["to"]["point"])
    networks = planner.get(session, city)
    result = plan(
        networks.graph,
        networks.transit,
        (start[0], start[1]),
        (end[0], end[1]),
        _options(settings, max_walk_m, max_transfers),
        depart=start_at.replace(microsecond=0),
    )
    _area_hint(result, ends)
    result.update(ends)
    if result["kind"] != "same_place":
        note_search(
            demand,
            session,
            city,
            origin=(start[0], start[1]),
            destination=(end[0], end[1]),
            result=result,
        )
    return Response(orjson.dumps(result), media_type=JSON)
