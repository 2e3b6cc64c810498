"""Service requests over HTTP: submit (multipart: the request as JSON plus its documents), track
by code, take a workflow step with If-Match on the request's version."""

from __future__ import annotations

import re
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from api.auth import PrincipalDep, client_ip, requires
from api.deps import CityDep, SessionDep, SettingsDep
from api.response_models import documented
from api.response_models_city import Service
from api.routers.citizens import PlannerDep
from api.routers.transfers import planning_of
from geo.errors import InvalidInputError
from geo.requests.attachments import Upload, UploadStore
from geo.requests.catalogue import services
from geo.requests.hint import NearbyHint, nearby_hint
from geo.requests.proposals import MAX_PAGE, OwnRequest, ProposalPage, list_proposals, own_requests
from geo.requests.schemas import Receipt, RequestCreate, TrackPublic
from geo.requests.service import submit, transition
from geo.requests.tracking import track
from geo.requests.windows import today_in_city

router = APIRouter(tags=["requests"])
MAX_DOCUMENTS = 16


def version_etag(version: int) -> str:
    """The ETag of a request version (``"v3"``), what If-Match must repeat."""
    return f'"v{version}"'


async def read_submission(request: Request) -> tuple[RequestCreate, list[Upload]]:
    """The request and its documents from a JSON or multipart body (a dependency: async)."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind == "application/json":
        raw: Any = await request.body()
        files: list[Upload] = []
    elif kind == "multipart/form-data":
        form = await request.form(max_files=MAX_DOCUMENTS, max_fields=4)
        raw = form.get("request")
        if not isinstance(raw, str):
            raise InvalidInputError(
                "the form needs a 'request' field holding the request as JSON",
                [{"field": "request", "in": "body", "message": "missing"}],
            )
        files = []
        for slot, value in form.multi_items():
            if slot == "request":
                continue
            if isinstance(value, str) or not hasattr(value, "read"):
                raise InvalidInputError(
                    f"form field {slot[:40]!r} must be a file",
                    [{"field": f"documents.{slot[:40]}", "in": "body", "message": "not a file"}],
                )
            content = await value.read()
            files.append(Upload(slot[:64], value.filename or slot, content))
    else:
        raise InvalidInputError(
            "send the request as application/json or multipart/form-data",
            [{"field": "Content-Type", "in": "header", "message": "unsupported"}],
        )
    try:
        data = RequestCreate.model_validate(orjson.loads(raw))
    except orjson.JSONDecodeError:
        raise InvalidInputError(
            "the request is not valid JSON",
            [{"field": "request", "in": "body", "message": "invalid JSON"}],
        ) from None
    except ValidationError as exc:
        errors = [
            {
                "field": ".".join(str(p) for p in e["loc"]),
                "in": "body",
                "message": str(e["msg"]).removeprefix("Value error, "),
            }
            for e in exc.errors()
        ]
        fields = ", ".join(e["field"] for e in errors)
        raise InvalidInputError(f"invalid value for: {fields}", errors) from None
    return data, files


@router.post(
    "/cities/{city}/requests",
    status_code=201,
    response_model=Receipt,
    summary="Submit a request (anonymous or logged in)",
    responses={
        413: {"description": "a document (or the body) over the size limit"},
        415: {"description": "a document that is not a PDF, JPEG or PNG by its content"},
        422: {"description": "invalid request: type, attributes, place, missing documents"},
        429: {"description": "too many anonymous submissions from this address (Retry-After)"},
    },
    **requires(
        "requests.submit",
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {"schema": RequestCreate.model_json_schema()},
                    "multipart/form-data": {
                        "schema": {
                            "type": "object",
                            "required": ["request"],
                            "properties": {"request": {"type": "string"}},
                            "additionalProperties": {"type": "string", "format": "binary"},
                        }
                    },
                },
            }
        },
    ),
)
def post_request(
    submission: Annotated[tuple[RequestCreate, list[Upload]], Depends(read_submission)],
    *,
    request: Request,
    city: CityDep,
    session: SessionDep,
    principal: PrincipalDep,
    settings: SettingsDep,
    planner: PlannerDep,
    response: Response,
) -> Receipt:
    """The request as JSON (field ``request`` of a multipart form, or the whole JSON body) and
    one file per document slot (PDF, JPEG or PNG by content). Answers the tracking code."""
    data, files = submission
    store = UploadStore(settings.uploads_path)
    receipt = submit(
        session,
        principal,
        city,
        data,
        documents=files,
        store=store,
        max_file_bytes=settings.max_upload_bytes,
        ip=client_ip(request),
        anonymous_per_hour=settings.anonymous_submissions_per_hour,
        windows=settings.windows,
        planning=lambda: planning_of(planner, session, city, settings),
    )
    response.headers["ETag"] = version_etag(receipt.version)
    response.headers["Location"] = f"/track/{receipt.code}"
    return receipt


@router.get(
    "/track/{code}",
    response_model=TrackPublic,
    summary="Track a request by its code (public: no personal data)",
    responses={404: {"description": "no request with this code (or a mistyped code)"}},
    **requires("requests.track"),
)
def get_track(
    session: SessionDep,
    code: Annotated[str, Path(max_length=64, description="Tracking code, e.g. SBK-7K3M-...")],
) -> TrackPublic:
    """Type, kelurahan, status and the public timeline of a request."""
    return track(session, code)


_ETAG_RE = re.compile(r'^(?:W/)?"v(\d{1,9})"$')


def parse_if_match(value: str | None) -> int | None:
    """The version named by an ``If-Match`` header; None when absent.

    Raises:
        InvalidInputError: A header that is not one of our version ETags.
    """
    if value is None:
        return None
    match = _ETAG_RE.match(value.strip())
    if match is None:
        raise InvalidInputError(
            'If-Match must be the request\'s ETag, e.g. "v3"',
            [{"field": "If-Match", "in": "header", "message": "not a version ETag"}],
        )
    return int(match.group(1))


class TransitionIn(BaseModel):
    """One workflow step with the fields it needs."""

    model_config = ConfigDict(extra="forbid")

    transition: str = Field(max_length=64)
    public_note: str | None = Field(default=None, max_length=2000)
    internal_note: str | None = Field(default=None, max_length=2000)
    approved_amount_idr: int | None = Field(default=None, ge=1, le=100_000_000_000)
    berita_acara: str | None = Field(default=None, max_length=200)
    lpj: str | None = Field(default=None, max_length=200)


@router.post(
    "/cities/{city}/requests/{request_id}/transitions",
    response_model=Receipt,
    summary="Take a workflow step (If-Match: the request's ETag)",
    responses={
        404: {"description": "no such request, or not one this account handles"},
        409: {"description": "the step is not allowed now (the allowed ones are named)"},
        412: {"description": "the request changed since that version"},
        428: {"description": "If-Match is missing"},
    },
    **requires("requests.step"),
)
def post_transition(
    body: TransitionIn,
    *,
    city: CityDep,
    session: SessionDep,
    principal: PrincipalDep,
    request_id: Annotated[int, Path(ge=1, le=2**62)],
    response: Response,
    if_match: Annotated[str | None, Header(max_length=40)] = None,
) -> Receipt:
    """Staff of the handling OPD (or the submitter, for the submitter's steps) move a request."""
    receipt = transition(
        session,
        principal,
        city,
        request_id,
        name=body.transition,
        fields=body.model_dump(exclude_none=True, exclude={"transition"}),
        expected_version=parse_if_match(if_match),
    )
    response.headers["ETag"] = version_etag(receipt.version)
    return receipt


@router.get(
    "/cities/{city}/services",
    summary="The services a citizen may ask for: kinds, windows, documents, field limits",
    **documented(list[Service]),
    **requires("requests.services"),
)
def get_services(city: CityDep, settings: SettingsDep) -> list[dict[str, Any]]:
    """What the form is built from; the browser checks the same limits, the server judges."""
    return services(
        city.slug,
        windows=settings.windows,
        today=today_in_city(),
        max_file_bytes=settings.max_upload_bytes,
    )


@router.get(
    "/cities/{city}/requests/nearby",
    response_model=NearbyHint,
    summary="How many similar requests lie near a point (public: no codes, no people)",
    responses={422: {"description": "unknown type, bad coordinates, a point far away"}},
    **requires("requests.nearby"),
)
def get_nearby(
    *,
    city: CityDep,
    session: SessionDep,
    type: Annotated[str, Query(max_length=32, description="Request type, e.g. bantuan")],
    lon: Annotated[float, Query(ge=-180, le=180, description="Longitude (WGS 84)")],
    lat: Annotated[float, Query(ge=-90, le=90, description="Latitude (WGS 84)")],
    principal: PrincipalDep,
) -> NearbyHint:
    """Requests of ``type`` within its radius (default 100 m) over the last 90 days."""
    return nearby_hint(session, principal, city, type, lon=lon, lat=lat)


@router.get(
    "/cities/{city}/proposals",
    response_model=ProposalPage,
    summary="The public list of aid proposals: organisations, amounts, stage",
    responses={422: {"description": "an unknown kind or status, a bad year or page"}},
    **requires("requests.proposals"),
)
def get_proposals(
    *,
    city: CityDep,
    session: SessionDep,
    principal: PrincipalDep,
    kind: Annotated[str | None, Query(max_length=32)] = None,
    status: Annotated[str | None, Query(max_length=32)] = None,
    kelurahan: Annotated[str | None, Query(max_length=32, description="Kelurahan code")] = None,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> ProposalPage:
    """As Sabakota publishes them: organisation, kind, kelurahan, amounts requested and
    approved, status and month; never the people, their contact or the tracking code."""
    return list_proposals(
        session,
        principal,
        city,
        kind=kind,
        status=status,
        kelurahan=kelurahan,
        year=year,
        limit=limit,
        offset=offset,
    )


@router.get(
    "/me/requests",
    response_model=list[OwnRequest],
    summary="The requests the logged-in citizen submitted",
    responses={401: {"description": "not logged in"}, 403: {"description": "not a warga"}},
    **requires("requests.own"),
)
def get_my_requests(
    session: SessionDep, principal: PrincipalDep, response: Response
) -> list[OwnRequest]:
    """Newest first, with their tracking codes (the account's own, so private to it)."""
    response.headers["Cache-Control"] = "private, no-store"
    return own_requests(session, principal)
