"""Planners' signals in the route editor: route coverage by kelurahan and unmet trip demand."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from api.auth import requires
from api.deps import CityDep, SessionDep
from api.layer_http import layer_cache
from api.response_models import GeoJSONResponse
from api.response_models_staff import Coverage, CoveragePreview, DemandServed, DesireLines
from geo.analysis import (
    COVERAGE_RADIUS_M,
    CityCoverage,
    DemandRecorder,
    check_window,
    city_coverage,
    coverage_preview,
    desire_lines,
    line_wkt,
    searches_served,
)
from layers.revision import layer_revision

router = APIRouter(prefix="/cities/{city}/editor", tags=["editor"])
JSON = "application/json"
GEOJSON = "application/geo+json"
PRIVATE = "private, no-store"


def get_demand_recorder(request: Request) -> DemandRecorder:
    """The process's recorder of unmet trip searches (``app.state.demand_recorder``)."""
    recorder: DemandRecorder = request.app.state.demand_recorder
    return recorder


DemandRecorderDep = Annotated[DemandRecorder, Depends(get_demand_recorder)]
DateFrom = Annotated[date | None, Query(alias="from", description="YYYY-MM-DD (city time)")]
DateTo = Annotated[date | None, Query(alias="to", description="YYYY-MM-DD, inclusive")]


class CoveragePreviewBody(BaseModel):
    """A candidate route line and the published route it would replace."""

    model_config = ConfigDict(extra="forbid")
    geometry: dict[str, Any] = Field(description="GeoJSON LineString, lon/lat")
    replaces: int | None = Field(default=None, ge=1, le=2**31 - 1)


class DemandServedBody(BaseModel):
    """A candidate route line and the window of searches it is measured against."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    geometry: dict[str, Any] = Field(description="GeoJSON LineString, lon/lat")
    date_from: date | None = Field(default=None, alias="from")
    date_to: date | None = Field(default=None, alias="to")


def _json(body: Any, media_type: str = JSON) -> Response:
    return Response(orjson.dumps(body), media_type=media_type, headers={"Cache-Control": PRIVATE})


def _area(code: str, name: str) -> dict[str, str]:
    return {"code": code, "name": name}


@router.get(
    "/coverage",
    **requires("routes.edit"),
    summary="Route coverage per kelurahan (share within 400 m of a published route)",
    response_model=Coverage,
)
def get_coverage(*, request: Request, city: CityDep, session: SessionDep) -> Response:
    """The city's and each kelurahan's area, covered area and share, and the routes serving
    it (active published routes, 400 m buffer in the city's UTM zone).

    Kept in the layer cache under the revision of ``route_coverage`` (bumped by every route
    or kelurahan write), so only the first read after a publish measures the city again.
    """
    cache = layer_cache(request)
    key = (
        city.id,
        "route_coverage",
        layer_revision(session, city.id, "route_coverage"),
        "editor",
        "/editor/coverage",
    )
    body = cache.get(key)
    if body is None:
        body = orjson.dumps(_coverage_body(city_coverage(session, city)))
        cache.put(key, body)
    return Response(body, media_type=JSON, headers={"Cache-Control": PRIVATE})


def _coverage_body(cov: CityCoverage) -> dict[str, Any]:
    return {
        "radius_m": COVERAGE_RADIUS_M,
        "city": {
            "area_km2": round(cov.area_km2, 4),
            "covered_km2": round(cov.covered_km2, 4),
            "share": round(cov.share, 4),
        },
        "kelurahan": [
            {
                "code": k.code,
                "name": k.name,
                "kecamatan": k.kecamatan,
                "kecamatan_code": k.kecamatan_code,
                "area_km2": round(k.area_km2, 4),
                "covered_km2": round(k.covered_km2, 4),
                "share": round(k.share, 4),
                "routes": k.routes,
            }
            for k in cov.kelurahan
        ],
    }


@router.post(
    "/coverage/preview",
    **requires("routes.edit"),
    summary="The coverage change a draft route would make",
    response_model=CoveragePreview,
)
def post_coverage_preview(
    *, city: CityDep, session: SessionDep, body: CoveragePreviewBody
) -> Response:
    """Kelurahan newly served / no longer served, covered km² and city share change, if the
    candidate line were published (instead of route ``replaces``)."""
    line = line_wkt(body.geometry, city)
    change = coverage_preview(session, city, line, body.replaces)
    return _json(
        {
            "kelurahan_added": [_area(*k) for k in change.kelurahan_added],
            "kelurahan_removed": [_area(*k) for k in change.kelurahan_removed],
            "covered_km2_change": round(change.covered_km2_change, 4),
            "share_change": round(change.share_change, 4),
        }
    )


@router.get(
    "/demand",
    **requires("routes.edit"),
    summary="Unmet trip demand as desire lines between 500 m cells (pairs under 5 left out)",
    response_class=GeoJSONResponse,
    response_model=DesireLines,
)
def get_demand(
    *, city: CityDep, session: SessionDep, date_from: DateFrom = None, date_to: DateTo = None
) -> Response:
    """Searches without an itinerary, or whose least walking one walks over 1 km, counted by
    origin and destination cell; default window: the last 30 days; at most a year."""
    start, end = check_window(date_from, date_to)
    return _json(desire_lines(session, city, start, end), GEOJSON)


@router.post(
    "/demand/served",
    **requires("routes.edit"),
    summary="How many counted searches a candidate line would serve",
    response_model=DemandServed,
)
def post_demand_served(*, city: CityDep, session: SessionDep, body: DemandServedBody) -> Response:
    """The searches of the pairs shown whose two cell centres lie within 400 m of the line."""
    start, end = check_window(body.date_from, body.date_to)
    line = line_wkt(body.geometry, city)
    searches, pairs = searches_served(session, city, line, start, end)
    return _json(
        {
            "searches_served": searches,
            "pairs_served": pairs,
            "from": start.isoformat(),
            "to": end.isoformat(),
        }
    )
