"""The OPD staff side of requests over HTTP: the table, the choropleth by kelurahan, one request,
its private data (audit-logged) and its documents. Thin doors over geo/requests/queries.py."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Literal

import orjson
from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import FileResponse

from api.auth import PrincipalDep, client_ip, requires
from api.deps import CityDep, SessionDep, SettingsDep
from api.response_models import GeoJSONResponse, binary
from api.response_models_staff import RequestsByKelurahan
from api.routers.requests import version_etag
from geo.requests.aggregates import by_kelurahan
from geo.requests.attachments import UploadStore
from geo.requests.catalogue import staff_facets
from geo.requests.detail import DocumentNotFoundError, document_of, read_private, request_detail
from geo.requests.queries import DEFAULT_SORT, MAX_LIMIT, MAX_OFFSET, RequestFilter, list_requests
from geo.requests.schemas import StaffFacets, StaffPrivate, StaffRequestDetail, StaffRequestPage

router = APIRouter(tags=["requests (staff)"])
NO_STORE = "private, no-store"
RequestId = Annotated[int, Path(ge=1, le=2**62)]
Code = Annotated[str | None, Query(max_length=32)]
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._\- ]+")


def _statuses(value: str | None) -> tuple[str, ...]:
    return tuple(s.strip() for s in (value or "").split(",") if s.strip())


@router.get(
    "/cities/{city}/requests",
    response_model=StaffRequestPage,
    summary="The staff table: requests this account handles, filtered, sorted, paged",
    responses={422: {"description": "a bad filter, sort or paging value (field errors)"}},
    **requires("requests.read"),
)
def get_requests(
    *,
    city: CityDep,
    session: SessionDep,
    principal: PrincipalDep,
    response: Response,
    type: Annotated[str | None, Query(max_length=32)] = None,
    status: Annotated[str | None, Query(max_length=400, description="comma list")] = None,
    kelurahan: Code = None,
    kecamatan: Code = None,
    opd: Code = None,
    date_from: Annotated[date | None, Query(alias="from", description="YYYY-MM-DD")] = None,
    date_to: Annotated[date | None, Query(alias="to", description="YYYY-MM-DD, inclusive")] = None,
    q: Annotated[str | None, Query(max_length=100, description="code or title")] = None,
    overdue: bool | None = None,
    sort: Annotated[str, Query(max_length=32)] = DEFAULT_SORT,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> StaffRequestPage:
    """Rows carry place names, the step's age and due date, overdue, the point, the version."""
    response.headers["Cache-Control"] = NO_STORE
    return list_requests(
        session,
        principal,
        city,
        RequestFilter(
            type=type,
            status=_statuses(status),
            kelurahan=kelurahan,
            kecamatan=kecamatan,
            opd=opd,
            date_from=date_from,
            date_to=date_to,
            q=q or None,
            overdue=overdue,
            sort=sort,
            limit=limit,
            offset=offset,
        ),
    )


@router.get(
    "/cities/{city}/requests/facets",
    response_model=StaffFacets,
    summary="What the staff filters offer: request types with their states, the city's OPDs",
    **requires("requests.read"),
)
def get_facets(
    *, city: CityDep, session: SessionDep, principal: PrincipalDep, response: Response
) -> StaffFacets:
    """Types in the core's order with their states in workflow order; OPDs by code."""
    response.headers["Cache-Control"] = NO_STORE
    return staff_facets(session, principal, city)


@router.get(
    "/cities/{city}/requests/by-kelurahan",
    summary="Requests counted per kelurahan (GeoJSON of every kelurahan, with classes)",
    response_class=GeoJSONResponse,
    response_model=RequestsByKelurahan,
    responses={
        422: {"description": "a bad filter, measure or k (field errors)"},
    },
    **requires("requests.read"),
)
def get_by_kelurahan(
    *,
    city: CityDep,
    session: SessionDep,
    principal: PrincipalDep,
    type: Annotated[str | None, Query(max_length=32)] = None,
    status: Annotated[str | None, Query(max_length=400, description="comma list")] = None,
    opd: Code = None,
    date_from: Annotated[date | None, Query(alias="from", description="YYYY-MM-DD")] = None,
    date_to: Annotated[date | None, Query(alias="to", description="YYYY-MM-DD, inclusive")] = None,
    measure: Literal["count", "per_km2"] = "count",
    k: Annotated[int, Query(ge=3, le=9, description="number of classes")] = 5,
) -> Response:
    """Counts per kelurahan and status (the principal's requests only), area, per km², and
    class breaks of the chosen measure (mapclassify)."""
    collection = by_kelurahan(
        session,
        principal,
        city,
        RequestFilter(
            type=type, status=_statuses(status), opd=opd, date_from=date_from, date_to=date_to
        ),
        measure=measure,
        k=k,
    )
    return Response(
        orjson.dumps(collection),
        media_type="application/geo+json",
        headers={"Cache-Control": NO_STORE},
    )


@router.get(
    "/cities/{city}/requests/{request_id}",
    response_model=StaffRequestDetail,
    summary="One request for its staff: fields, documents, timeline, steps open to this account",
    responses={404: {"description": "no such request, or not one this account handles"}},
    **requires("requests.read"),
)
def get_request(
    *,
    city: CityDep,
    session: SessionDep,
    principal: PrincipalDep,
    request_id: RequestId,
    response: Response,
) -> StaffRequestDetail:
    """ETag is the request's version (what If-Match of a transition repeats)."""
    detail = request_detail(session, principal, city, request_id)
    base = f"/cities/{city.slug}/requests/{request_id}/documents/"
    for doc in detail.documents:
        doc.url = f"{base}{doc.id}"
    response.headers["ETag"] = version_etag(detail.version)
    response.headers["Cache-Control"] = NO_STORE
    return detail


@router.get(
    "/cities/{city}/requests/{request_id}/private",
    response_model=StaffPrivate,
    summary="The personal data of a request (NIK masked; every read audit-logged)",
    responses={404: {"description": "no such request, or not one this account handles"}},
    **requires("requests.read_personal"),
)
def get_request_private(
    *,
    request: Request,
    city: CityDep,
    session: SessionDep,
    principal: PrincipalDep,
    request_id: RequestId,
    response: Response,
) -> StaffPrivate:
    """Contact and the type's private part; the read is written to the audit log."""
    response.headers["Cache-Control"] = "no-store"
    return read_private(session, principal, city, request_id, ip=client_ip(request))


@router.get(
    "/cities/{city}/requests/{request_id}/documents/{document_id}",
    response_class=FileResponse,
    summary="A document of a request (as an attachment; audit-logged)",
    responses={
        200: binary("application/pdf", "image/jpeg", "image/png", description="The document"),
        404: {"description": "no such request or document, or not one this account handles"},
    },
    **requires("requests.read"),
)
def get_request_document(
    *,
    request: Request,
    city: CityDep,
    session: SessionDep,
    principal: PrincipalDep,
    settings: SettingsDep,
    request_id: RequestId,
    document_id: Annotated[int, Path(ge=1, le=2**62)],
) -> FileResponse:
    """The stored bytes with their sniffed media type, never rendered inline."""
    doc = document_of(session, principal, city, request_id, document_id, ip=client_ip(request))
    path = UploadStore(settings.uploads_path).path(doc.sha256)
    if not path.is_file():
        raise DocumentNotFoundError(f"the stored file of document {document_id} is missing")
    name = _UNSAFE_NAME.sub("_", doc.filename).strip() or "dokumen"
    return FileResponse(
        path,
        media_type=doc.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{name[:200]}"',
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": NO_STORE,
        },
    )
