"""School transfers (pindah sekolah): the figures of a target school and its nearest alternatives.

``GET /cities/{city}/transfers/alternatives?lon&lat&level[&status][&target=NPSN]``: public, no
personal data is read or kept; the parent's form calls it before submitting.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from sqlalchemy.orm import Session

from api.auth import requires
from api.deps import CityDep, SessionDep, SettingsDep
from api.response_models_city import TransferAlternatives
from api.routers.citizens import Lat, Lon, PlannerDep
from api.settings import Settings
from geo.cities import CityInfo
from geo.requests.transfer_alternatives import alternatives
from geo.requests.transfer_figures import Planning
from geo.transit import PlannerCache, PlannerOptions

router = APIRouter(prefix="/cities/{city}", tags=["requests"])


def planning_of(
    planner: PlannerCache, session: Session, city: CityInfo, settings: Settings
) -> Planning:
    """The city's walking graph and angkot network with the deployment's planner options."""
    networks = planner.get(session, city)
    return Planning(
        graph=networks.graph,
        transit=networks.transit,
        options=PlannerOptions(
            walk_speed_kmh=settings.walk_speed_kmh,
            transfer_penalty_s=settings.transfer_penalty_s,
            max_walk_m=settings.max_walk_m,
            max_transfer_walk_m=settings.max_transfer_walk_m,
            max_transfers=settings.max_transfers,
        ),
    )


@router.get(
    "/transfers/alternatives",
    **requires("transfers.preview"),
    summary="School transfer: the target's figures and the 5 nearest schools of the level",
    response_model=None,
    responses={
        200: {"model": TransferAlternatives},
        422: {"description": "bad point or level; SMA/SMK/SLB: the province handles it"},
    },
)
def get_alternatives(
    *,
    city: CityDep,
    session: SessionDep,
    settings: SettingsDep,
    planner: PlannerDep,
    lon: Lon,
    lat: Lat,
    level: Annotated[str, Query(max_length=8, description="SD or SMP")],
    status: Annotated[str | None, Query(max_length=8, description="negeri or swasta")] = None,
    target: Annotated[str | None, Query(max_length=16, description="NPSN of the target")] = None,
) -> dict[str, Any]:
    """Per school: geodesic distance from the home, walk over the roads, the fastest angkot trip
    (fare, transfers), rank among the schools of the level nearest the home, remaining capacity
    (null: not known), and the same in one Bahasa sentence. A level of the province (SMA, SMK,
    SLB) gives 422 ``level-not-governed`` naming Dindikbud Provinsi Banten and its address."""
    return alternatives(
        session,
        city,
        planning_of(planner, session, city, settings),
        lon=lon,
        lat=lat,
        level=level,
        status=status,
        target=target,
    )
