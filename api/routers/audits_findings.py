"""Findings of e-audits over HTTP: the inspectorate adds, changes and assesses them; the
audited office reads its own (from the notisi on), answers them and enters its follow-up, but
never edits one."""

from __future__ import annotations

from fastapi import APIRouter, Response

from api.auth import PrincipalDep, requires
from api.deps import CityDep, SessionDep
from api.routers.audits_common import NO_STORE, NOT_FOUND, OTHER_OPD, STEP_CLOSED, Code, Id, today
from geo.audits import (
    AssessmentCreate,
    CreatedPublic,
    FindingCreate,
    FindingPublic,
    FindingUpdate,
    FollowupCreate,
    ResponseCreate,
    add_finding,
    assess,
    finding_detail,
    follow_up,
    list_findings,
    respond,
    update_finding,
)

router = APIRouter(tags=["audits (inspectorate)"])


@router.post(
    "/cities/{city}/audits/{audit_id}/findings",
    status_code=201,
    response_model=CreatedPublic,
    summary="Add a finding (during the fieldwork or the notisi)",
    responses={**NOT_FOUND, **STEP_CLOSED, 422: {"description": "bad fields"}},
    **requires("audits.edit"),
)
def post_finding(
    body: FindingCreate,
    *,
    city: CityDep,
    session: SessionDep,
    principal: PrincipalDep,
    audit_id: Id,
) -> CreatedPublic:
    """The finding is owned by ``opd_code``, whose staff answer it in the notisi."""
    return CreatedPublic(id=add_finding(session, principal, city, audit_id, body))


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
        session, principal, city, today=today(), opd=opd, overdue=overdue, open_only=open
    )


@router.get(
    "/cities/{city}/audit-findings/{finding_id}",
    response_model=FindingPublic,
    summary="One finding with its clock, the office's answers and follow-ups",
    responses={**NOT_FOUND, **OTHER_OPD},
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
    return finding_detail(session, principal, city, finding_id, today=today())


@router.patch(
    "/cities/{city}/audit-findings/{finding_id}",
    status_code=204,
    response_model=None,
    summary="Change a finding before the LHA (the inspectorate only)",
    responses={**NOT_FOUND, **STEP_CLOSED},
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
    response_model=CreatedPublic,
    summary="The office answers a finding in the notisi step",
    responses={**NOT_FOUND, **STEP_CLOSED, **OTHER_OPD},
    **requires("audits.respond"),
)
def post_response(
    body: ResponseCreate,
    *,
    city: CityDep,
    session: SessionDep,
    principal: PrincipalDep,
    finding_id: Id,
) -> CreatedPublic:
    """Appended to the finding's answers; the finding itself is unchanged."""
    return CreatedPublic(id=respond(session, principal, city, finding_id, body))


@router.post(
    "/cities/{city}/audit-findings/{finding_id}/follow-ups",
    status_code=201,
    response_model=CreatedPublic,
    summary="The office enters its follow-up of a finding (after the LHA)",
    responses={**NOT_FOUND, **STEP_CLOSED, **OTHER_OPD},
    **requires("audits.respond"),
)
def post_follow_up(
    body: FollowupCreate,
    *,
    city: CityDep,
    session: SessionDep,
    principal: PrincipalDep,
    finding_id: Id,
) -> CreatedPublic:
    """The inspectorate then assesses it (``/assessment``)."""
    return CreatedPublic(id=follow_up(session, principal, city, finding_id, body))


@router.post(
    "/cities/{city}/audit-findings/{finding_id}/assessment",
    status_code=201,
    response_model=CreatedPublic,
    summary="The inspectorate sets a finding's follow-up status",
    responses={**NOT_FOUND, **STEP_CLOSED},
    **requires("audits.edit"),
)
def post_assessment(
    body: AssessmentCreate,
    *,
    city: CityDep,
    session: SessionDep,
    principal: PrincipalDep,
    finding_id: Id,
) -> CreatedPublic:
    """sesuai / belum_sesuai / belum_ditindaklanjuti / tidak_dapat_ditindaklanjuti."""
    return CreatedPublic(id=assess(session, principal, city, finding_id, body))
