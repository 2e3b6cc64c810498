"""The route editor's HTTP API (Dishub planners and reviewers): routes, versions, drafts with
If-Match, restore, reverse, diff, publish and return. Thin doors over geo/editing."""

from __future__ import annotations

import re
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Header, Path, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from api.auth import PrincipalDep, requires
from api.deps import CityDep, SessionDep
from geo.editing import (
    diff_versions,
    etag,
    get_version,
    list_routes,
    list_versions,
    new_route,
    publish_version,
    restore_version,
    return_version,
    reverse_route,
    save_draft,
)
from geo.errors import InvalidInputError, RouteVersionStaleError

router = APIRouter(prefix="/cities/{city}/editor", tags=["route editor"])
GEOJSON = "application/geo+json"
NO_STORE = "private, no-store"
RouteId = Annotated[int, Path(ge=1, le=2**31 - 1)]
Version = Annotated[int, Path(ge=1, le=2**31 - 1)]
IfMatch = Annotated[str | None, Header(max_length=40, description='The route\'s ETag, "r12v3"')]
_ETAG_RE = re.compile(r'^(?:W/)?"r(\d{1,10})v(\d{1,10})"$')
STALE = {"description": "someone saved the route since the If-Match version (who, when)"}
MISSING = {"description": "If-Match is missing"}
INVALID = {"description": "the route fails validation (`route-invalid`, an `errors` list)"}


def parse_if_match(route_id: int, value: str | None) -> int | None:
    """The head version named by ``If-Match: "r12v3"``; None when absent.

    Raises:
        InvalidInputError: Not a route version ETag, or one of another route.
    """
    if value is None:
        return None
    match = _ETAG_RE.match(value.strip())
    if match is None or int(match.group(1)) != route_id:
        raise InvalidInputError(
            f'If-Match must be the route\'s ETag, e.g. "r{route_id}v3"',
            [{"field": "If-Match", "in": "header", "message": "not this route's version ETag"}],
        )
    return int(match.group(2))


class RouteProperties(BaseModel):
    """The attributes of a route version (ranges are checked on save: `route-invalid`)."""

    model_config = ConfigDict(extra="ignore")

    code: str = Field(max_length=64)
    name: str = Field(max_length=400)
    direction: int = 0
    origin: str | None = Field(default=None, max_length=400)
    destination: str | None = Field(default=None, max_length=400)
    colour: str = Field(default="#1f78b4", max_length=16)
    fare_idr: int = 5000
    headway_s: int = 600
    speed_kmh: float = 15.0
    active: bool = True
    circular: bool = False


class RouteDraftIn(BaseModel):
    """A save: the line, the attributes and a message."""

    model_config = ConfigDict(extra="ignore")

    geometry: dict[str, Any] = Field(description="GeoJSON LineString, lon/lat")
    properties: RouteProperties
    message: str | None = Field(default=None, max_length=2000)


class ReturnIn(BaseModel):
    """A reviewer's note sending a draft back."""

    model_config = ConfigDict(extra="forbid")

    note: str = Field(max_length=2000)


class Warning(BaseModel):
    """A validation warning (saved anyway)."""

    code: str
    message: str
    at: list[float] | None = None
    geometry: dict[str, Any] | None = None


class SavedOut(BaseModel):
    """A saved draft: the route id, the new version (the head) and warnings."""

    id: int
    version: int
    warnings: list[Warning] = []


class PublishedOut(BaseModel):
    """A published version."""

    id: int
    published_version: int


class ReturnedOut(BaseModel):
    """A returned draft."""

    id: int
    version: int
    state: str


class DraftInfo(BaseModel):
    """A live draft of a route."""

    version: int
    author: str | None
    saved_at: str | None
    state: str


class RouteSummary(BaseModel):
    """A route of the editor's list."""

    id: int
    code: str
    name: str
    direction: int
    colour: str
    active: bool
    published_version: int | None
    length_m: float
    drafts: list[DraftInfo]


class RouteList(BaseModel):
    """The editor's routes."""

    routes: list[RouteSummary]


class VersionInfo(BaseModel):
    """One version of a route's history."""

    version: int
    parent: int | None
    state: str
    author: str | None
    message: str | None
    saved_at: str | None
    length_m: float
    note: str | None


class VersionList(BaseModel):
    """A route's history, newest first."""

    versions: list[VersionInfo]


class RouteDiff(BaseModel):
    """What changed between two versions."""

    model_config = ConfigDict(populate_by_name=True)

    from_: int = Field(alias="from")
    to: int
    attributes: dict[str, list[Any]]
    length_from_m: float
    length_to_m: float
    length_added_m: float
    length_removed_m: float
    added: dict[str, Any] | None
    removed: dict[str, Any] | None
    kelurahan_added: list[dict[str, str]]
    kelurahan_removed: list[dict[str, str]]


def _feature(feature: dict[str, Any], route_id: int, head: int) -> Response:
    return Response(
        orjson.dumps(feature),
        media_type=GEOJSON,
        headers={"ETag": etag(route_id, head), "Cache-Control": NO_STORE},
    )


def _keep_stale_draft(request: Request, session: SessionDep, exc: RouteVersionStaleError) -> None:
    """A stale save kept the edit as the caller's draft: commit it before answering 412."""
    session.commit()
    if exc.head is not None:
        route_id = int(request.path_params["route_id"])
        request.state.answer_headers = {"ETag": etag(route_id, exc.head)}


@router.get(
    "/routes",
    response_model=RouteList,
    summary="The routes with their published version and live drafts",
    **requires("routes.edit"),
)
def get_routes(
    *,
    city: CityDep,
    session: SessionDep,
    principal: PrincipalDep,
    response: Response,
    q: Annotated[str | None, Query(max_length=100, description="code or name")] = None,
) -> dict[str, Any]:
    """Every route of the city (search by code or name)."""
    response.headers["Cache-Control"] = NO_STORE
    return {"routes": list_routes(session, principal, city, q)}


@router.post(
    "/routes",
    status_code=201,
    response_model=SavedOut,
    summary="Draft a new route (version 1)",
    responses={409: {"description": "code and direction taken"}, 422: INVALID},
    **requires("routes.edit"),
)
def post_route(
    body: RouteDraftIn,
    *,
    city: CityDep,
    session: SessionDep,
    principal: PrincipalDep,
    response: Response,
) -> Any:
    """A route from scratch; it gets its public row when a reviewer publishes it."""
    saved = new_route(
        session,
        principal,
        city,
        body.geometry,
        body.properties.model_dump(),
        message=body.message,
    )
    response.headers["ETag"] = etag(saved.id, saved.version)
    return saved


@router.get(
    "/routes/{route_id}",
    summary="The route's published version (else its newest) as a GeoJSON Feature",
    response_class=Response,
    responses={200: {"content": {GEOJSON: {}}, "description": "Feature, header ETag"}},
    **requires("routes.edit"),
)
def get_route(
    route_id: RouteId, *, city: CityDep, session: SessionDep, principal: PrincipalDep
) -> Response:
    """Geometry and properties (attributes, version, state, author, message, length_m)."""
    feature, head = get_version(session, principal, city, route_id)
    return _feature(feature, route_id, head)


@router.get(
    "/routes/{route_id}/versions",
    response_model=VersionList,
    summary="The route's history, newest first",
    **requires("routes.edit"),
)
def get_versions(
    route_id: RouteId,
    *,
    city: CityDep,
    session: SessionDep,
    principal: PrincipalDep,
    response: Response,
) -> dict[str, Any]:
    """Every version with its parent, state, author, message, time, length and note."""
    versions, head = list_versions(session, principal, city, route_id)
    response.headers["ETag"] = etag(route_id, head)
    response.headers["Cache-Control"] = NO_STORE
    return {"versions": versions}


@router.get(
    "/routes/{route_id}/versions/{version}",
    summary="One version as a GeoJSON Feature",
    response_class=Response,
    responses={200: {"content": {GEOJSON: {}}, "description": "Feature, header ETag"}},
    **requires("routes.edit"),
)
def get_route_version(
    route_id: RouteId,
    version: Version,
    *,
    city: CityDep,
    session: SessionDep,
    principal: PrincipalDep,
) -> Response:
    """Any version, whatever its state."""
    feature, head = get_version(session, principal, city, route_id, version)
    return _feature(feature, route_id, head)


@router.post(
    "/routes/{route_id}/versions",
    status_code=201,
    response_model=SavedOut,
    summary="Save a draft (If-Match: the route's ETag)",
    responses={409: {"description": "code taken"}, 412: STALE, 422: INVALID, 428: MISSING},
    **requires("routes.edit"),
)
def post_version(
    route_id: RouteId,
    body: RouteDraftIn,
    *,
    request: Request,
    city: CityDep,
    session: SessionDep,
    principal: PrincipalDep,
    response: Response,
    if_match: IfMatch = None,
) -> Any:
    """A new version as the caller's draft. Stale: 412 naming who saved in between, and the
    edit kept as the caller's draft (`draft_version`)."""
    try:
        saved = save_draft(
            session,
            principal,
            city,
            route_id,
            geometry=body.geometry,
            properties=body.properties.model_dump(),
            message=body.message,
            expected_head=parse_if_match(route_id, if_match),
        )
    except RouteVersionStaleError as exc:
        _keep_stale_draft(request, session, exc)
        raise
    response.headers["ETag"] = etag(route_id, saved.version)
    return saved


@router.post(
    "/routes/{route_id}/versions/{version}/restore",
    status_code=201,
    response_model=SavedOut,
    summary="A new draft equal to an old version (If-Match)",
    responses={412: STALE, 422: INVALID, 428: MISSING},
    **requires("routes.edit"),
)
def post_restore(
    route_id: RouteId,
    version: Version,
    *,
    request: Request,
    city: CityDep,
    session: SessionDep,
    principal: PrincipalDep,
    response: Response,
    if_match: IfMatch = None,
) -> Any:
    """Restore = a new version with the old one's geometry and attributes."""
    try:
        saved = restore_version(
            session,
            principal,
            city,
            route_id,
            version,
            expected_head=parse_if_match(route_id, if_match),
        )
    except RouteVersionStaleError as exc:
        _keep_stale_draft(request, session, exc)
        raise
    response.headers["ETag"] = etag(route_id, saved.version)
    return saved


@router.post(
    "/routes/{route_id}/versions/{version}/publish",
    response_model=PublishedOut,
    summary="Publish a draft: citizens and the trip planner use it (If-Match)",
    responses={
        409: {"description": "not a draft, or code taken"},
        412: STALE,
        422: INVALID,
        428: MISSING,
    },
    **requires("routes.publish"),
)
def post_publish(
    route_id: RouteId,
    version: Version,
    *,
    city: CityDep,
    session: SessionDep,
    principal: PrincipalDep,
    response: Response,
    if_match: IfMatch = None,
) -> Any:
    """The draft becomes the route's published version (angkot_route, layer revision)."""
    done = publish_version(
        session,
        principal,
        city,
        route_id,
        version,
        expected_head=parse_if_match(route_id, if_match),
    )
    response.headers["ETag"] = etag(route_id, done.head)
    return {"id": done.id, "published_version": done.published_version}


@router.post(
    "/routes/{route_id}/versions/{version}/return",
    response_model=ReturnedOut,
    summary="Send a draft back to its author with a note",
    responses={409: {"description": "not a draft"}, 412: STALE},
    **requires("routes.review"),
)
def post_return(
    route_id: RouteId,
    version: Version,
    body: ReturnIn,
    *,
    city: CityDep,
    session: SessionDep,
    principal: PrincipalDep,
    response: Response,
    if_match: IfMatch = None,
) -> Any:
    """State `returned` with the reviewer's note (If-Match optional)."""
    done = return_version(
        session,
        principal,
        city,
        route_id,
        version,
        note=body.note,
        expected_head=parse_if_match(route_id, if_match),
    )
    response.headers["ETag"] = etag(route_id, done.head)
    return {"id": done.id, "version": done.published_version, "state": "returned"}


@router.post(
    "/routes/{route_id}/reverse",
    status_code=201,
    response_model=SavedOut,
    summary="Draft the other direction of a route (a new route)",
    responses={409: {"description": "the other direction exists"}, 422: INVALID},
    **requires("routes.edit"),
)
def post_reverse(
    route_id: RouteId,
    *,
    city: CityDep,
    session: SessionDep,
    principal: PrincipalDep,
    response: Response,
) -> Any:
    """The line reversed, origin and destination swapped, the other direction number."""
    saved = reverse_route(session, principal, city, route_id)
    response.headers["ETag"] = etag(saved.id, saved.version)
    return saved


@router.get(
    "/routes/{route_id}/diff",
    response_model=RouteDiff,
    response_model_by_alias=True,
    summary="What changed between two versions",
    **requires("routes.edit"),
)
def get_diff(
    route_id: RouteId,
    *,
    city: CityDep,
    session: SessionDep,
    principal: PrincipalDep,
    response: Response,
    from_version: Annotated[int, Query(alias="from", ge=1, le=2**31 - 1)],
    to_version: Annotated[int, Query(alias="to", ge=1, le=2**31 - 1)],
) -> dict[str, Any]:
    """Attributes changed, length added/removed (m), the differing pieces (GeoJSON
    MultiLineStrings) and kelurahan (within 400 m) newly served or no longer served."""
    response.headers["Cache-Control"] = NO_STORE
    return diff_versions(
        session, principal, city, route_id, from_number=from_version, to_number=to_version
    )
