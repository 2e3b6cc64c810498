"""The inspectorate's e-audit over HTTP: sites, audits and their steps, visits, findings, the
office's answers and follow-ups, photos, the per-OPD table. Thin doors over geo/audits.

Entirely restricted: every operation names an ``audits.*`` action; the office's staff reach only
their own OPD's findings (``audits.findings``, ``audits.respond``)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import orjson
from fastapi import APIRouter, Header, Path, Query, Request, Response
from fastapi.responses import FileResponse

from api.auth import PrincipalDep, requires
from api.deps import CityDep, SessionDep, SettingsDep
from api.routers.requests import parse_if_match, version_etag
from geo.audits import (
    AssessmentCreate,
    AuditCreate,
    AuditNotFoundError,
    AuditPublic,
    FindingCreate,
    FindingPublic,
    FindingUpdate,
    FollowupCreate,
    OpdRow,
    PhotoPublic,
    ResponseCreate,
    SiteCreate,
    SiteFilter,
    StepCreate,
    VisitCreate,
    VisitPublic,
    add_finding,
    add_photo,
    assess,
    audit_detail,
    create_audit,
    create_site,
    finding_detail,
    follow_up,
    list_audits,
    list_findings,
    list_sites,
    opd_table,
    photo_of,
    record_visit,
    respond,
    site_feature,
    take_step,
    update_finding,
)
from geo.errors import InvalidInputError
from geo.requests import Upload, UploadStore

router = APIRouter(tags=["audits (inspectorate)"])
NO_STORE = "private, no-store"
WIB = ZoneInfo("Asia/Jakarta")
Id = Annotated[int, Path(ge=1, le=2**62)]
Code = Annotated[str | None, Query(max_length=32)]
Year = Annotated[int | None, Query(ge=2000, le=2100)]
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._\- ]+")
_NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "no such record in this city"}}
_STEP_CLOSED: dict[int | str, dict[str, Any]] = {
    409: {"description": "not at the step this write belongs to"}
}


def _today() -> Any:
    return datetime.now(WIB).date()


def _json(body: Any, status: int = 200) -> Response:
    return Response(
        orjson.dumps(body),
        status_code=status,
        media_type="application/json",
        headers={"Cache-Control": NO_STORE},
    )


@router.get(
    "/cities/{city}/audit-sites",
    summary="Audit sites as GeoJSON, with their audit status and open findings (filters)",
    response_class=Response,
    responses={200: {"content": {"application/geo+json": {}}}},
    **requires("audits.read"),
)
def get_sites(
    *,
    city: CityDep,
    session: SessionDep,
    principal: PrincipalDep,
    opd: Code = None,
    fiscal_year: Year = None,
    kecamatan: Code = None,
    status: Code = None,
    severity: Code = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 5000,
) -> Response:
    """Properties: OPD, activity, budget, contract, progress, kelurahan/kecamatan, the latest
    audit's status, open findings with their worst severity, potential loss, overdue, colour."""
    collection = list_sites(
        session,
        principal,
        city,
        SiteFilter(
            opd=opd,
            fiscal_year=fiscal_year,
            kecamatan=kecamatan,
            status=status,
            severity=severity,
            limit=limit,
        ),
    )
    return Response(
        orjson.dumps(collection),
        media_type="application/geo+json",
        headers={"Cache-Control": NO_STORE},
    )


@router.post(
    "/cities/{city}/audit-sites",
    status_code=201,
    summary="Enter an audit site on the map (a point or a polygon)",
    responses={422: {"description": "a bad field or place (field errors)"}},
    **requires("audits.edit"),
)
def post_site(
    body: SiteCreate, *, city: CityDep, session: SessionDep, principal: PrincipalDep
) -> dict[str, int]:
    """Kelurahan and kecamatan are found by spatial join; the answer is the new site's id."""
    return {"id": create_site(session, principal, city, body)}


@router.get(
    "/cities/{city}/audit-sites/{site_id}",
    summary="One audit site as a GeoJSON Feature, with its audits",
    response_class=Response,
    responses={200: {"content": {"application/geo+json": {}}}, **_NOT_FOUND},
    **requires("audits.read"),
)
def get_site(
    *, city: CityDep, session: SessionDep, principal: PrincipalDep, site_id: Id
) -> Response:
    """The site's geometry (point or area) and properties; ``properties.audits`` lists its
    audits (id, basis, title, status, lha_date)."""
    feature = site_feature(session, principal, city, site_id)
    return Response(
        orjson.dumps(feature),
        media_type="application/geo+json",
        headers={"Cache-Control": NO_STORE},
    )


@router.get(
    "/cities/{city}/audits",
    summary="The city's audits, newest first (filters: status, OPD, fiscal year)",
    **requires("audits.read"),
)
def get_audits(
    *,
    city: CityDep,
    session: SessionDep,
    principal: PrincipalDep,
    status: Code = None,
    opd: Code = None,
    fiscal_year: Year = None,
) -> Response:
    """Each: id, site_id, activity, opd_code, fiscal_year, basis, title, status,
    surat_tugas_no, lha_date, followup_due, version, findings (count)."""
    return _json(
        list_audits(session, principal, city, status=status, opd=opd, fiscal_year=fiscal_year)
    )


@router.post(
    "/cities/{city}/audits",
    status_code=201,
    summary="Plan an audit of a site (PKPT or on request)",
    responses={**_NOT_FOUND, 422: {"description": "bad fields"}},
    **requires("audits.edit"),
)
def post_audit(
    body: AuditCreate,
    *,
    city: CityDep,
    session: SessionDep,
    principal: PrincipalDep,
    response: Response,
) -> dict[str, int]:
    """The audit starts at ``direncanakan``; its ETag is ``"v1"``."""
    audit_id = create_audit(session, principal, city, body)
    response.headers["ETag"] = version_etag(1)
    return {"id": audit_id}


@router.get(
    "/cities/{city}/audits/by-opd",
    response_model=list[OpdRow],
    summary="Per OPD: sites, audits, findings, open ones, total potential loss, past 60 days",
    **requires("audits.read"),
)
def get_by_opd(
    *,
    city: CityDep,
    session: SessionDep,
    principal: PrincipalDep,
    response: Response,
    fiscal_year: Year = None,
) -> list[OpdRow]:
    """Sites and audits counted by the site's OPD, findings by the OPD that owns them."""
    response.headers["Cache-Control"] = NO_STORE
    return opd_table(session, principal, city, today=_today(), fiscal_year=fiscal_year)


@router.get(
    "/cities/{city}/audits/{audit_id}",
    response_model=AuditPublic,
    summary="One audit: site, inspectors, findings with their clocks, visits, history, photos",
    responses=_NOT_FOUND,
    **requires("audits.read"),
)
def get_audit(
    *, city: CityDep, session: SessionDep, principal: PrincipalDep, response: Response, audit_id: Id
) -> AuditPublic:
    """``transitions`` lists the steps the caller may take now; the ETag is the version."""
    detail = audit_detail(session, principal, city, audit_id, today=_today())
    response.headers["ETag"] = version_etag(detail.version)
    response.headers["Cache-Control"] = NO_STORE
    return detail


@router.post(
    "/cities/{city}/audits/{audit_id}/steps",
    summary="Take a step of the audit (If-Match: the audit's ETag)",
    responses={
        **_NOT_FOUND,
        409: {"description": "the step is not allowed now (the allowed ones are named)"},
        412: {"description": "the audit changed since that version"},
        428: {"description": "If-Match is missing"},
    },
    **requires("audits.edit"),
)
def post_step(
    body: StepCreate,
    *,
    city: CityDep,
    session: SessionDep,
    principal: PrincipalDep,
    response: Response,
    audit_id: Id,
    if_match: Annotated[str | None, Header(max_length=40)] = None,
) -> dict[str, Any]:
    """The surat tugas needs its number, date and inspectors; the LHA its number and date."""
    audit = take_step(
        session, principal, city, audit_id, body, expected_version=parse_if_match(if_match)
    )
    response.headers["ETag"] = version_etag(audit.version)
    return {"id": audit.id, "status": audit.status, "version": audit.version}


@router.post(
    "/cities/{city}/audits/{audit_id}/visits",
    status_code=201,
    response_model=VisitPublic,
    summary="Record a field visit (from a phone: the position is optional)",
    responses={**_NOT_FOUND, **_STEP_CLOSED, 422: {"description": "bad position or time"}},
    **requires("audits.edit"),
)
def post_visit(
    body: VisitCreate, *, city: CityDep, session: SessionDep, principal: PrincipalDep, audit_id: Id
) -> VisitPublic:
    """The answer carries the distance in metres from the position to the site (0 inside)."""
    return record_visit(session, principal, city, audit_id, body)


@router.post(
    "/cities/{city}/audits/{audit_id}/findings",
    status_code=201,
    summary="Add a finding (during the fieldwork or the notisi)",
    responses={**_NOT_FOUND, **_STEP_CLOSED, 422: {"description": "bad fields"}},
    **requires("audits.edit"),
)
def post_finding(
    body: FindingCreate,
    *,
    city: CityDep,
    session: SessionDep,
    principal: PrincipalDep,
    audit_id: Id,
) -> dict[str, int]:
    """The finding is owned by ``opd_code``, whose staff answer it in the notisi."""
    return {"id": add_finding(session, principal, city, audit_id, body)}


@router.post(
    "/cities/{city}/audits/{audit_id}/photos",
    status_code=201,
    response_model=PhotoPublic,
    summary="Attach a photo (JPEG/PNG) to the audit, a visit or a finding (multipart)",
    responses={
        **_NOT_FOUND,
        413: {"description": "too large"},
        422: {"description": "not a photo"},
    },
    **requires("audits.edit"),
)
async def post_photo(
    request: Request,
    *,
    city: CityDep,
    session: SessionDep,
    principal: PrincipalDep,
    settings: SettingsDep,
    audit_id: Id,
) -> PhotoPublic:
    """Form fields: ``photo`` (the file), optional ``visit_id`` or ``finding_id``."""
    upload, ids = await _read_photo(request)
    return add_photo(
        session,
        principal,
        city,
        upload,
        audit_id=audit_id,
        store=UploadStore(settings.uploads_path),
        max_bytes=settings.max_upload_bytes,
        visit_id=ids.get("visit_id"),
        finding_id=ids.get("finding_id"),
    )


async def _read_photo(request: Request) -> tuple[Upload, dict[str, int]]:
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "multipart/form-data":
        raise InvalidInputError(
            "send the photo as multipart/form-data",
            [{"field": "Content-Type", "in": "header", "message": "unsupported"}],
        )
    form = await request.form(max_files=1, max_fields=3)
    photo = form.get("photo")
    if photo is None or isinstance(photo, str):
        raise InvalidInputError(
            "the form needs a file field 'photo'",
            [{"field": "photo", "in": "body", "message": "missing"}],
        )
    ids: dict[str, int] = {}
    for name in ("visit_id", "finding_id"):
        value = form.get(name)
        if value is None or value == "":
            continue
        if not isinstance(value, str) or not value.isdigit() or not 1 <= int(value) <= 2**62:
            raise InvalidInputError(
                f"{name} must be a positive whole number",
                [{"field": name, "in": "body", "message": "not an id"}],
            )
        ids[name] = int(value)
    content = await photo.read()
    return Upload("photo", photo.filename or "foto", content), ids


@router.get(
    "/cities/{city}/audit-photos/{photo_id}",
    response_class=FileResponse,
    summary="A photo's bytes",
    responses={200: {"content": {"image/jpeg": {}, "image/png": {}}}, **_NOT_FOUND},
    **requires("audits.read"),
)
def get_photo(
    *,
    city: CityDep,
    session: SessionDep,
    principal: PrincipalDep,
    settings: SettingsDep,
    photo_id: Id,
) -> FileResponse:
    """Served with its sniffed media type, never cached by shared caches."""
    meta, sha = photo_of(session, principal, city, photo_id)
    path = UploadStore(settings.uploads_path).path(sha)
    if not path.is_file():
        raise AuditNotFoundError(f"the stored file of photo {photo_id} is missing")
    name = _UNSAFE_NAME.sub("_", meta.filename).strip() or "foto"
    return FileResponse(
        path,
        media_type=meta.media_type,
        headers={
            "Content-Disposition": f'inline; filename="{name[:200]}"',
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": NO_STORE,
        },
    )


@router.get(
    "/cities/{city}/audit-findings",
    response_model=list[FindingPublic],
    summary="Findings with their 60-day clocks (the office: its own OPD's, from the notisi on)",
    responses={403: {"description": "office staff asking for another OPD"}},
    **requires("audits.findings"),
)
def get_findings(
    *,
    city: CityDep,
    session: SessionDep,
    principal: PrincipalDep,
    response: Response,
    opd: Code = None,
    overdue: bool | None = None,
    open: bool = False,
) -> list[FindingPublic]:
    """``overdue=true``: open findings past 60 days from their LHA date."""
    response.headers["Cache-Control"] = NO_STORE
    return list_findings(
        session, principal, city, today=_today(), opd=opd, overdue=overdue, open_only=open
    )


@router.get(
    "/cities/{city}/audit-findings/{finding_id}",
    response_model=FindingPublic,
    summary="One finding with its clock, the office's answers and follow-ups",
    responses={**_NOT_FOUND, 403: {"description": "staff of another OPD"}},
    **requires("audits.findings"),
)
def get_finding(
    *,
    city: CityDep,
    session: SessionDep,
    principal: PrincipalDep,
    response: Response,
    finding_id: Id,
) -> FindingPublic:
    """Due date = LHA date + 60 days; ``days_left`` negative once past it."""
    response.headers["Cache-Control"] = NO_STORE
    return finding_detail(session, principal, city, finding_id, today=_today())


@router.patch(
    "/cities/{city}/audit-findings/{finding_id}",
    status_code=204,
    summary="Change a finding before the LHA (the inspectorate only)",
    responses={**_NOT_FOUND, **_STEP_CLOSED},
    **requires("audits.edit"),
)
def patch_finding(
    body: FindingUpdate,
    *,
    city: CityDep,
    session: SessionDep,
    principal: PrincipalDep,
    finding_id: Id,
) -> Response:
    """The office never edits a finding: it answers (``/responses``) and follows up."""
    update_finding(session, principal, city, finding_id, body)
    return Response(status_code=204)


@router.post(
    "/cities/{city}/audit-findings/{finding_id}/responses",
    status_code=201,
    summary="The office answers a finding in the notisi step",
    responses={**_NOT_FOUND, **_STEP_CLOSED, 403: {"description": "staff of another OPD"}},
    **requires("audits.respond"),
)
def post_response(
    body: ResponseCreate,
    *,
    city: CityDep,
    session: SessionDep,
    principal: PrincipalDep,
    finding_id: Id,
) -> dict[str, int]:
    """Appended to the finding's answers; the finding itself is unchanged."""
    return {"id": respond(session, principal, city, finding_id, body)}


@router.post(
    "/cities/{city}/audit-findings/{finding_id}/follow-ups",
    status_code=201,
    summary="The office enters its follow-up of a finding (after the LHA)",
    responses={**_NOT_FOUND, **_STEP_CLOSED, 403: {"description": "staff of another OPD"}},
    **requires("audits.respond"),
)
def post_follow_up(
    body: FollowupCreate,
    *,
    city: CityDep,
    session: SessionDep,
    principal: PrincipalDep,
    finding_id: Id,
) -> dict[str, int]:
    """The inspectorate then assesses it (``/assessment``)."""
    return {"id": follow_up(session, principal, city, finding_id, body)}


@router.post(
    "/cities/{city}/audit-findings/{finding_id}/assessment",
    status_code=201,
    summary="The inspectorate sets a finding's follow-up status",
    responses={**_NOT_FOUND, **_STEP_CLOSED},
    **requires("audits.edit"),
)
def post_assessment(
    body: AssessmentCreate,
    *,
    city: CityDep,
    session: SessionDep,
    principal: PrincipalDep,
    finding_id: Id,
) -> dict[str, int]:
    """sesuai / belum_sesuai / belum_ditindaklanjuti / tidak_dapat_ditindaklanjuti."""
    return {"id": assess(session, principal, city, finding_id, body)}
