"""The inspectorate's e-audit over HTTP: sites, audits and their steps, the inspectors to name
in a surat tugas, visits; with the findings and photos routers (``audits_findings``,
``audits_photos``) under the same router. Thin doors over geo/audits.

Entirely restricted: every operation names an ``audits.*`` action; the office's staff reach only
their own OPD's findings (``audits.findings``, ``audits.respond``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query, Response

from api.auth import PrincipalDep, requires
from api.deps import CityDep, SessionDep
from api.response_models import GeoJSONResponse
from api.routers import audits_findings, audits_photos
from api.routers.audits_common import (
    NO_STORE,
    NOT_FOUND,
    STEP_CLOSED,
    Code,
    Id,
    Year,
    private_body,
    today,
)
from api.routers.requests import parse_if_match, version_etag
from geo.audits import (
    AuditCreate,
    AuditPublic,
    AuditSummary,
    CreatedPublic,
    InspectorPublic,
    OpdRow,
    SiteCollection,
    SiteCreate,
    SiteFeature,
    SiteFilter,
    StepCreate,
    StepPublic,
    VisitCreate,
    VisitPublic,
    audit_detail,
    create_audit,
    create_site,
    list_audits,
    list_inspectors,
    list_sites,
    opd_table,
    record_visit,
    site_feature,
    take_step,
)

router = APIRouter(tags=["audits (inspectorate)"])


@router.get(
    "/cities/{city}/audit-sites",
    response_model=SiteCollection,
    summary="Audit sites as GeoJSON, with their audit status and open findings (filters)",
    response_class=GeoJSONResponse,
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
    return private_body(collection, "application/geo+json")


@router.post(
    "/cities/{city}/audit-sites",
    status_code=201,
    response_model=CreatedPublic,
    summary="Enter an audit site on the map (a point or a polygon)",
    responses={422: {"description": "a bad field or place (field errors)"}},
    **requires("audits.edit"),
)
def post_site(
    body: SiteCreate, *, city: CityDep, session: SessionDep, principal: PrincipalDep
) -> CreatedPublic:
    """Kelurahan and kecamatan are found by spatial join; the answer is the new site's id."""
    return CreatedPublic(id=create_site(session, principal, city, body))


@router.get(
    "/cities/{city}/audit-sites/{site_id}",
    response_model=SiteFeature,
    summary="One audit site as a GeoJSON Feature, with its audits",
    response_class=GeoJSONResponse,
    responses=NOT_FOUND,
    **requires("audits.read"),
)
def get_site(
    *, city: CityDep, session: SessionDep, principal: PrincipalDep, site_id: Id
) -> Response:
    """The site's geometry (point or area) and properties; ``properties.audits`` lists its
    audits (id, basis, title, status, lha_date)."""
    return private_body(site_feature(session, principal, city, site_id), "application/geo+json")


@router.get(
    "/cities/{city}/audit-inspectors",
    response_model=list[InspectorPublic],
    summary="The city's active inspectors (role inspektur), to name in a surat tugas",
    **requires("audits.inspectors"),
)
def get_inspectors(
    *, city: CityDep, session: SessionDep, principal: PrincipalDep, response: Response
) -> list[InspectorPublic]:
    """By display name; the ids go into the ``terbitkan_surat_tugas`` step's ``inspectors``."""
    response.headers["Cache-Control"] = NO_STORE
    return list_inspectors(session, principal, city)


@router.get(
    "/cities/{city}/audits",
    response_model=list[AuditSummary],
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
    return private_body(
        list_audits(session, principal, city, status=status, opd=opd, fiscal_year=fiscal_year)
    )


@router.post(
    "/cities/{city}/audits",
    status_code=201,
    response_model=CreatedPublic,
    summary="Plan an audit of a site (PKPT or on request)",
    responses={**NOT_FOUND, 422: {"description": "bad fields"}},
    **requires("audits.edit"),
)
def post_audit(
    body: AuditCreate,
    *,
    city: CityDep,
    session: SessionDep,
    principal: PrincipalDep,
    response: Response,
) -> CreatedPublic:
    """The audit starts at ``direncanakan``; its ETag is ``"v1"``."""
    audit_id = create_audit(session, principal, city, body)
    response.headers["ETag"] = version_etag(1)
    return CreatedPublic(id=audit_id)


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
    return opd_table(session, principal, city, today=today(), fiscal_year=fiscal_year)


@router.get(
    "/cities/{city}/audits/{audit_id}",
    response_model=AuditPublic,
    summary="One audit: site, inspectors, findings with their clocks, visits, history, photos",
    responses=NOT_FOUND,
    **requires("audits.read"),
)
def get_audit(
    *, city: CityDep, session: SessionDep, principal: PrincipalDep, response: Response, audit_id: Id
) -> AuditPublic:
    """``transitions`` lists the steps the caller may take now; the ETag is the version."""
    detail = audit_detail(session, principal, city, audit_id, today=today())
    response.headers["ETag"] = version_etag(detail.version)
    response.headers["Cache-Control"] = NO_STORE
    return detail


@router.post(
    "/cities/{city}/audits/{audit_id}/steps",
    response_model=StepPublic,
    summary="Take a step of the audit (If-Match: the audit's ETag)",
    responses={
        **NOT_FOUND,
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
) -> StepPublic:
    """The surat tugas needs its number, date and inspectors (``/audit-inspectors``); the LHA
    its number and date."""
    audit = take_step(
        session, principal, city, audit_id, body, expected_version=parse_if_match(if_match)
    )
    response.headers["ETag"] = version_etag(audit.version)
    return StepPublic(id=audit.id, status=audit.status, version=audit.version)


@router.post(
    "/cities/{city}/audits/{audit_id}/visits",
    status_code=201,
    response_model=VisitPublic,
    summary="Record a field visit (from a phone: the position is optional)",
    responses={**NOT_FOUND, **STEP_CLOSED, 422: {"description": "bad position or time"}},
    **requires("audits.edit"),
)
def post_visit(
    body: VisitCreate, *, city: CityDep, session: SessionDep, principal: PrincipalDep, audit_id: Id
) -> VisitPublic:
    """The answer carries the distance in metres from the position to the site (0 inside)."""
    return record_visit(session, principal, city, audit_id, body)


router.include_router(audits_photos.router)
router.include_router(audits_findings.router)
