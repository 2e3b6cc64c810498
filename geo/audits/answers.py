"""The office's side of a finding: its answers in the notisi step and its follow-up after the
LHA (it never changes the finding itself), and the inspectorate's assessment of that follow-up."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.accounts import Principal, authorize, record
from geo.audits.errors import AuditStepClosedError
from geo.audits.findings import finding_row, office_may_read
from geo.audits.schemas import AssessmentCreate, FollowupCreate, ResponseCreate
from geo.audits.workflow import FOLLOW_UP_STATES
from geo.cities import CityInfo


def respond(
    session: Session, principal: Principal, city: CityInfo, finding_id: int, body: ResponseCreate
) -> int:
    """The office answers a finding in the notisi step (``audits.respond``, its own OPD); the
    finding itself is never changed by this.

    Raises:
        AuditNotFoundError: No such finding (or not yet sent).
        PermissionDeniedError: Staff of another OPD.
        AuditStepClosedError: The audit is not at the notisi (409).
    """
    authorize(principal, "audits.respond", city_id=city.id)
    row = finding_row(session, city.id, finding_id)
    office_may_read(principal, city, row, "audits.respond")
    if row["audit_status"] != "notisi":
        raise AuditStepClosedError(
            f"answers are given in the notisi step; the audit is at '{row['audit_status']}'",
            [{"field": "audit", "message": "not at notisi"}],
        )
    response_id: int = session.execute(
        text(
            "INSERT INTO finding_response (city_id, finding_id, actor_id, actor, opd_code, body)"
            " VALUES (:c, :f, :uid, :actor, :opd, :body) RETURNING id"
        ),
        {"c": city.id, "f": finding_id, "uid": principal.user_id, "actor": principal.username}
        | {"opd": row["opd_code"], "body": body.text},
    ).scalar_one()
    record(
        session,
        principal,
        "audits.respond",
        city_id=city.id,
        object_type="audit_finding",
        object_id=finding_id,
    )
    return response_id


def _followup(
    session: Session,
    principal: Principal,
    city: CityInfo,
    row: Any,
    *,
    side: str,
    status: str | None,
    note: str,
) -> int:
    if row["audit_status"] not in FOLLOW_UP_STATES:
        raise AuditStepClosedError(
            f"follow-ups come after the LHA; the audit is at '{row['audit_status']}'",
            [{"field": "audit", "message": "not after the LHA"}],
        )
    entry_id: int = session.execute(
        text(
            "INSERT INTO finding_followup (city_id, finding_id, actor_id, actor, side, status,"
            " note) VALUES (:c, :f, :uid, :actor, :side, :status, :note) RETURNING id"
        ),
        {"c": city.id, "f": row["id"], "uid": principal.user_id, "actor": principal.username}
        | {"side": side, "status": status, "note": note},
    ).scalar_one()
    if status is not None:
        session.execute(
            text(
                "UPDATE audit_finding SET followup_status = :s, updated_at = now(),"
                " version = version + 1 WHERE city_id = :c AND id = :f"
            ),
            {"s": status, "c": city.id, "f": row["id"]},
        )
    record(
        session,
        principal,
        f"audits.followup_{side}",
        city_id=city.id,
        object_type="audit_finding",
        object_id=row["id"],
        after={"status": status} if status else None,
    )
    return entry_id


def follow_up(
    session: Session, principal: Principal, city: CityInfo, finding_id: int, body: FollowupCreate
) -> int:
    """The office enters its follow-up of a finding after the LHA (``audits.respond``).

    Raises:
        AuditNotFoundError, PermissionDeniedError, AuditStepClosedError: As :func:`respond`.
    """
    authorize(principal, "audits.respond", city_id=city.id)
    row = finding_row(session, city.id, finding_id, lock=True)
    office_may_read(principal, city, row, "audits.respond")
    return _followup(session, principal, city, row, side="opd", status=None, note=body.note)


def assess(
    session: Session, principal: Principal, city: CityInfo, finding_id: int, body: AssessmentCreate
) -> int:
    """The inspectorate assesses a finding's follow-up and sets its status (``audits.edit``).

    Raises:
        AuditNotFoundError: No such finding.
        AuditStepClosedError: Not after the LHA (409).
    """
    authorize(principal, "audits.edit", city_id=city.id)
    row = finding_row(session, city.id, finding_id, lock=True)
    return _followup(
        session, principal, city, row, side="inspektorat", status=body.status, note=body.note
    )
