"""Permits (#15): the spatial pre-check of a parcel — a draft that writes nothing, the stored
checks of an application and staff's re-run — and the form's list of uses."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from api.auth import PrincipalDep, requires
from api.deps import CityDep, SessionDep
from api.response_models import documented
from api.response_models_staff import CheckResult, StoredCheck, UsesAndZones
from geo.accounts import Principal, authorize
from geo.cities import CityInfo
from geo.permits import (
    Building,
    PermitCheckNotFoundError,
    check_parcel,
    check_use,
    parcel_from_geojson,
    run_and_store,
    run_check,
    stored_checks,
    uses_and_zones,
)
from geo.requests.detail import visible_request_type
from geo.requests.proposals import own_request_of_code

router = APIRouter(tags=["permits"])
MAX_AREA_M2 = 10_000_000.0


class DraftCheckIn(BaseModel):
    """A parcel and what the applicant means to build on it."""

    model_config = ConfigDict(extra="forbid")

    geometry: dict[str, Any] = Field(description="GeoJSON Polygon or MultiPolygon (EPSG:4326)")
    use: str = Field(min_length=1, max_length=200, description="An activity of GET .../uses")
    declared_area_m2: float = Field(gt=0, le=MAX_AREA_M2)
    floors: int = Field(ge=1, le=200)
    footprint_m2: float = Field(gt=0, le=MAX_AREA_M2)
    green_m2: float | None = Field(default=None, ge=0, le=MAX_AREA_M2)


RequestId = Annotated[int, Path(ge=1, le=2**62, description="The application's id")]


@router.post(
    "/cities/{city}/permits/check",
    summary="Pre-check a parcel for an intended use (a draft: writes nothing)",
    response_model=None,
    responses={
        200: {"model": CheckResult},
        422: {
            "description": "bad geometry (parcel-*), a parcel outside the city or the limits,"
            " an unknown use (permit-use-unknown)"
        },
    },
    **requires("permits.precheck"),
)
def post_draft_check(body: DraftCheckIn, city: CityDep, session: SessionDep) -> dict[str, Any]:
    """The CheckResult of the parcel: verdict, summary (Bahasa, English), each check with its
    figures and the GeoJSON that explains it. Indicative only. The parcel goes through the
    intake first (repaired when ``make_valid`` keeps its area within 1 %: ``parcel.repaired``
    and ``parcel.repair_note`` say so)."""
    parcel = parcel_from_geojson(body.geometry)
    check_parcel(session, city.id, parcel)
    check_use(session, city.id, body.use)
    result = run_check(
        session,
        city.id,
        parcel,
        body.use,
        body.declared_area_m2,
        Building(body.floors, body.footprint_m2, body.green_m2),
    ).as_json()
    result["parcel"] |= {"repaired": parcel.repaired, "repair_note": parcel.repair_note}
    return result


@router.get(
    "/cities/{city}/permits/uses",
    summary="The intended uses (the city's ITBX activities) and zones the form offers",
    **documented(UsesAndZones),
    **requires("permits.precheck"),
)
def get_uses(city: CityDep, session: SessionDep) -> dict[str, list[dict[str, str]]]:
    """``{"uses": [{"activity"}], "zones": [{"code", "name"}]}``."""
    return uses_and_zones(session, city.id)


def _latest(session: Session, city_id: int, request_id: int) -> dict[str, Any]:
    checks = stored_checks(session, city_id, request_id)
    if not checks:
        raise PermitCheckNotFoundError(f"application {request_id} has no check")
    latest = checks[0]
    result: dict[str, Any] = dict(latest["result"])
    return result | {
        "version": latest["version"],
        "ran_at": latest["ran_at"].isoformat(),
        "layer_revisions": latest["layer_revisions"],
        "versions": [
            {
                "version": c["version"],
                "ran_at": c["ran_at"].isoformat(),
                "verdict": c["verdict"],
                "layer_revisions": c["layer_revisions"],
            }
            for c in checks
        ],
    }


def _permit_of(session: Session, principal: Principal, city: CityInfo, request_id: int) -> None:
    if visible_request_type(session, principal, city, request_id) != "izin":
        raise PermitCheckNotFoundError(f"request {request_id} is not a permit application")


@router.get(
    "/cities/{city}/permits/{request_id}/check",
    summary="The latest stored pre-check of an application, and its versions",
    response_model=None,
    responses={
        200: {"model": StoredCheck},
        404: {"description": "no such application (or not yours to see), or no check"},
    },
    **requires("requests.read"),
)
def get_check(
    request_id: RequestId, city: CityDep, session: SessionDep, principal: PrincipalDep
) -> dict[str, Any]:
    """The newest CheckResult with ``version``, ``ran_at``, ``layer_revisions`` and the list of
    ``versions`` (newest first)."""
    _permit_of(session, principal, city, request_id)
    return _latest(session, city.id, request_id)


@router.get(
    "/me/requests/{code}/permit-check",
    summary="The stored pre-check of a permit application, for the citizen who submitted it",
    response_model=None,
    responses={
        200: {"model": StoredCheck},
        404: {"description": "no application of yours with this code, or no check"},
    },
    **requires("requests.own"),
)
def get_own_check(
    code: Annotated[str, Path(max_length=64, description="Tracking code, e.g. IZN-7K3M-...")],
    session: SessionDep,
    principal: PrincipalDep,
    response: Response,
) -> dict[str, Any]:
    """What staff see of the check (the latest version, its date and the layer revisions it
    ran on, and the list of versions), to the applicant's own account only."""
    city_id, request_id, kind = own_request_of_code(session, principal, code)
    if kind != "izin":
        raise PermitCheckNotFoundError(f"{code} is not a permit application")
    response.headers["Cache-Control"] = "private, no-store"
    return _latest(session, city_id, request_id)


@router.post(
    "/cities/{city}/permits/{request_id}/check",
    status_code=201,
    summary="Re-run an application's pre-check on today's layers and keep it (next version)",
    response_model=None,
    responses={
        201: {"model": StoredCheck},
        404: {"description": "no such application (or not one you handle)"},
    },
    **requires("permits.check"),
)
def post_check(
    request_id: RequestId, city: CityDep, session: SessionDep, principal: PrincipalDep
) -> dict[str, Any]:
    """The new CheckResult with its ``version`` (as GET answers it afterwards)."""
    authorize(principal, "requests.read", city_id=city.id)
    _permit_of(session, principal, city, request_id)
    run_and_store(session, principal, city.id, request_id)
    return _latest(session, city.id, request_id)
