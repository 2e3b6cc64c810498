"""Route snapping for the editor: ``POST /cities/{city}/routes/snap``."""

from __future__ import annotations

from typing import Annotated

import orjson
from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from api.auth import requires
from api.deps import CityDep, DriveGraphsDep, SessionDep
from api.problems import PROBLEM_JSON, problem_body
from api.response_models_staff import SnappedRoute
from geo.editing import snap_route
from geo.errors import SnapUnreachableError

router = APIRouter(prefix="/cities/{city}", tags=["editor"])
JSON = "application/json"

Lon = Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False)]
Lat = Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False)]


class SnapIn(BaseModel):
    """Waypoints to snap; segment ``i`` runs from waypoint ``i`` to ``i + 1``."""

    model_config = ConfigDict(extra="forbid")

    waypoints: list[tuple[Lon, Lat]] = Field(
        min_length=2, max_length=100, description="[lon, lat] pairs, 2 to 100"
    )
    free: list[Annotated[int, Field(ge=0, le=98)]] = Field(
        default_factory=list,
        max_length=99,
        description="indices of the segments kept as straight lines (manual segments)",
    )


@router.post(
    "/routes/snap",
    **requires("routes.edit"),
    summary="Snap route waypoints to the drive network (one-way streets respected)",
    response_model=SnappedRoute,
    responses={
        422: {"description": "bad waypoints, or `snap-unreachable` naming the waypoints"},
    },
)
def post_snap(
    body: SnapIn,
    *,
    request: Request,
    city: CityDep,
    session: SessionDep,
    graphs: DriveGraphsDep,
) -> Response:
    """The road-following path through the waypoints: shortest drives between consecutive
    waypoints over the city's roads (one-way streets only in their direction), free segments
    straight.

    Answers `{"geometry": LineString, "length_m", "streets": [...], "segments": [{"from",
    "to", "length_m", "free"}], "snapped": [[lon, lat], ...]}`. A waypoint farther than 150 m
    from a road, or one that cannot be driven to from the one before, gives 422
    `snap-unreachable` with `unreachable: [{"index", "code", "reason", "reason_en"}]`.
    """
    try:
        route = snap_route(session, city, body.waypoints, body.free, cache=graphs)
    except SnapUnreachableError as exc:
        problem = problem_body(422, exc.detail, request.url.path, title=exc.title, code=exc.code)
        problem.update(exc.members())
        return Response(orjson.dumps(problem), status_code=422, media_type=PROBLEM_JSON)
    return Response(orjson.dumps(route.as_json()), media_type=JSON)
