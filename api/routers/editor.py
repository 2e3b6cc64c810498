"""The route editor's HTTP API (Dishub planners and reviewers): routes, versions, drafts with
If-Match, restore, reverse, diff, publish and return. Thin doors over geo/editing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Query, Request, Response
from sqlalchemy.orm import Session

from api.auth import PrincipalDep, requires
from api.deps import CityDep, SessionDep
from api.editor_schemas import (
    INVALID,
    MISSING,
    STALE,
    IfMatch,
    PublishedOut,
    ReturnedOut,
    ReturnIn,
    RouteDiff,
    RouteDraftIn,
    RouteId,
    RouteList,
    SavedOut,
    Version,
    VersionList,
    parse_if_match,
)
from api.response_models import GeoJSONResponse
from api.response_models_staff import EditorRouteFeature
from geo.accounts import Principal
from geo.cities import CityInfo
from geo.editing import (
    Saved,
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
from geo.errors import RouteVersionStaleError

router = APIRouter(prefix="/cities/{city}/editor", tags=["route editor"])
GEOJSON = "application/geo+json"
NO_STORE = "private, no-store"


def _feature(feature: dict[str, Any], route_id: int, head: int) -> Response:
    return Response(
        orjson.dumps(feature),
        media_type=GEOJSON,
        headers={"ETag": etag(route_id, head), "Cache-Control": NO_STORE},
    )


@dataclass(frozen=True)
class Editor:
    """Who asks in which city, with the request's session."""

    session: Session
    principal: Principal
    city: CityInfo

    @property
    def who(self) -> tuple[Session, Principal, CityInfo]:
        """The first three arguments of every geo.editing operation."""
        return self.session, self.principal, self.city


def get_editor(city: CityDep, session: SessionDep, principal: PrincipalDep) -> Editor:
    """The request's :class:`Editor`."""
    return Editor(session, principal, city)


EditorDep = Annotated[Editor, Depends(get_editor)]


def _kept(request: Request, ed: Editor, response: Response, save: Callable[[], Saved]) -> Saved:
    """Run a save; answer its ETag. A stale save kept the edit as the caller's draft: it is
    committed before the 412 (with the new head's ETag) goes out."""
    try:
        saved = save()
    except RouteVersionStaleError as exc:
        ed.session.commit()
        if exc.head is not None:
            route_id = int(request.path_params["route_id"])
            request.state.answer_headers = {"ETag": etag(route_id, exc.head)}
        raise
    response.headers["ETag"] = etag(saved.id, saved.version)
    return saved


@router.get(
    "/routes",
    response_model=RouteList,
    summary="The routes with their published version and live drafts",
    **requires("routes.edit"),
)
def get_routes(
    *,
    ed: EditorDep,
    response: Response,
    q: Annotated[str | None, Query(max_length=100, description="code or name")] = None,
) -> dict[str, Any]:
    """Every route of the city (search by code or name)."""
    response.headers["Cache-Control"] = NO_STORE
    return {"routes": list_routes(*ed.who, q)}


@router.post(
    "/routes",
    status_code=201,
    response_model=SavedOut,
    summary="Draft a new route (version 1)",
    responses={409: {"description": "code and direction taken"}, 422: INVALID},
    **requires("routes.edit"),
)
def post_route(body: RouteDraftIn, *, ed: EditorDep, response: Response) -> Any:
    """A route from scratch; it gets its public row when a reviewer publishes it."""
    saved = new_route(*ed.who, body.geometry, body.properties.model_dump(), message=body.message)
    response.headers["ETag"] = etag(saved.id, saved.version)
    return saved


@router.get(
    "/routes/{route_id}",
    summary="The route's published version (else its newest) as a GeoJSON Feature",
    response_class=GeoJSONResponse,
    response_model=EditorRouteFeature,
    responses={200: {"description": "Feature, header ETag"}},
    **requires("routes.edit"),
)
def get_route(route_id: RouteId, *, ed: EditorDep) -> Response:
    """Geometry and properties (attributes, version, state, author, message, length_m)."""
    feature, head = get_version(*ed.who, route_id)
    return _feature(feature, route_id, head)


@router.get(
    "/routes/{route_id}/versions",
    response_model=VersionList,
    summary="The route's history, newest first",
    **requires("routes.edit"),
)
def get_versions(route_id: RouteId, *, ed: EditorDep, response: Response) -> dict[str, Any]:
    """Every version with its parent, state, author, message, time, length and note."""
    versions, head = list_versions(*ed.who, route_id)
    response.headers["ETag"] = etag(route_id, head)
    response.headers["Cache-Control"] = NO_STORE
    return {"versions": versions}


@router.get(
    "/routes/{route_id}/versions/{version}",
    summary="One version as a GeoJSON Feature",
    response_class=GeoJSONResponse,
    response_model=EditorRouteFeature,
    responses={200: {"description": "Feature, header ETag"}},
    **requires("routes.edit"),
)
def get_route_version(route_id: RouteId, version: Version, *, ed: EditorDep) -> Response:
    """Any version, whatever its state."""
    feature, head = get_version(*ed.who, route_id, version)
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
    ed: EditorDep,
    response: Response,
    if_match: IfMatch = None,
) -> Any:
    """A new version as the caller's draft. Stale: 412 naming who saved in between, and the
    edit kept as the caller's draft (`draft_version`)."""
    expected = parse_if_match(route_id, if_match)
    return _kept(
        request,
        ed,
        response,
        lambda: save_draft(
            *ed.who,
            route_id,
            geometry=body.geometry,
            properties=body.properties.model_dump(),
            message=body.message,
            expected_head=expected,
        ),
    )


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
    ed: EditorDep,
    response: Response,
    if_match: IfMatch = None,
) -> Any:
    """Restore = a new version with the old one's geometry and attributes."""
    expected = parse_if_match(route_id, if_match)
    return _kept(
        request,
        ed,
        response,
        lambda: restore_version(*ed.who, route_id, version, expected_head=expected),
    )


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
    ed: EditorDep,
    response: Response,
    if_match: IfMatch = None,
) -> Any:
    """The draft becomes the route's published version (angkot_route, layer revision)."""
    done = publish_version(
        *ed.who, route_id, version, expected_head=parse_if_match(route_id, if_match)
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
    ed: EditorDep,
    response: Response,
    if_match: IfMatch = None,
) -> Any:
    """State `returned` with the reviewer's note (If-Match optional)."""
    done = return_version(
        *ed.who, route_id, version, note=body.note, expected_head=parse_if_match(route_id, if_match)
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
def post_reverse(route_id: RouteId, *, ed: EditorDep, response: Response) -> Any:
    """The line reversed, origin and destination swapped, the other direction number."""
    saved = reverse_route(*ed.who, route_id)
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
    ed: EditorDep,
    response: Response,
    from_version: Annotated[int, Query(alias="from", ge=1, le=2**31 - 1)],
    to_version: Annotated[int, Query(alias="to", ge=1, le=2**31 - 1)],
) -> dict[str, Any]:
    """Attributes changed, length added/removed (m), the differing pieces (GeoJSON
    MultiLineStrings) and kelurahan (within 400 m) newly served or no longer served."""
    response.headers["Cache-Control"] = NO_STORE
    return diff_versions(*ed.who, route_id, from_number=from_version, to_number=to_version)
