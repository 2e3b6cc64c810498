"""Findings of audits: written and changed by inspectors (until the LHA), read by the
inspectorate and, from the notisi on, by the office that owns them, with their 60-day clock."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.accounts import Principal, allowed, authorize, record
from geo.audits.errors import AuditNotFoundError, AuditStepClosedError
from geo.audits.schemas import (
    EntryPublic,
    FindingCreate,
    FindingPublic,
    FindingUpdate,
    PhotoPublic,
)
from geo.audits.workflow import CLOSED, FINDINGS_OPEN, FOLLOWUP_DAYS, SHOWN_TO_OFFICE
from geo.cities import CityInfo
from geo.errors import InvalidInputError

CLOSED_LIST = sorted(CLOSED)
_SHOWN = sorted(SHOWN_TO_OFFICE)
_FINDING = """
SELECT f.id, f.audit_id, a.site_id, s.activity, a.status AS audit_status, f.opd_code,
       f.category, f.severity, f.potential_loss_idr, f.description, f.recommendation,
       f.followup_status, a.lha_date, f.version
FROM audit_finding f
JOIN audit a ON a.city_id = f.city_id AND a.id = f.audit_id
JOIN audit_site s ON s.city_id = a.city_id AND s.id = a.site_id
"""


def clock(lha_date: date | None, status: str, today: date) -> tuple[date | None, int | None, bool]:
    """The follow-up clock of a finding: (due date, days left, overdue).

    Due ``FOLLOWUP_DAYS`` (60) days after the LHA date; overdue when today is past the due
    date and the finding is still open (not sesuai nor tidak_dapat_ditindaklanjuti). Before
    the LHA there is no clock.
    """
    if lha_date is None:
        return None, None, False
    due = lha_date + timedelta(days=FOLLOWUP_DAYS)
    return due, (due - today).days, today > due and status not in CLOSED


def _public(row: Any, today: date, entries: bool, session: Session, city_id: int) -> FindingPublic:
    due, left, overdue = clock(row["lha_date"], row["followup_status"], today)
    out = FindingPublic(**row, due_date=due, days_left=left, overdue=overdue)
    if entries:
        p = {"c": city_id, "f": row["id"]}
        out.responses = [
            EntryPublic(**r)
            for r in session.execute(
                text(
                    "SELECT id, at, actor, 'opd' AS side, NULL AS status, body AS text"
                    " FROM finding_response WHERE city_id = :c AND finding_id = :f ORDER BY id"
                ),
                p,
            ).mappings()
        ]
        out.followups = [
            EntryPublic(**r)
            for r in session.execute(
                text(
                    "SELECT id, at, actor, side, status, note AS text FROM finding_followup"
                    " WHERE city_id = :c AND finding_id = :f ORDER BY id"
                ),
                p,
            ).mappings()
        ]
        out.photos = [
            PhotoPublic(**r)
            for r in session.execute(
                text(
                    "SELECT id, audit_id, visit_id, finding_id, followup_id, filename, media_type,"
                    " size_bytes FROM audit_photo WHERE city_id = :c AND finding_id = :f"
                    " ORDER BY id"
                ),
                p,
            ).mappings()
        ]
    return out


def audit_findings(
    session: Session, city_id: int, audit_id: int, *, today: date
) -> list[FindingPublic]:
    """The findings of one audit with their clocks, responses and follow-ups (no checks)."""
    rows = session.execute(
        text(_FINDING + " WHERE f.city_id = :c AND f.audit_id = :a ORDER BY f.id"),
        {"c": city_id, "a": audit_id},
    ).mappings()
    return [_public(r, today, True, session, city_id) for r in rows]


def open_findings_of(session: Session, city_id: int, audit_id: int) -> int:
    """How many findings of an audit are still open."""
    n: int = session.execute(
        text(
            "SELECT count(*) FROM audit_finding WHERE city_id = :c AND audit_id = :a"
            " AND NOT followup_status = ANY(:closed)"
        ),
        {"c": city_id, "a": audit_id, "closed": CLOSED_LIST},
    ).scalar_one()
    return n


def finding_row(session: Session, city_id: int, finding_id: int, *, lock: bool = False) -> Any:
    row = (
        session.execute(
            text(
                _FINDING
                + " WHERE f.city_id = :c AND f.id = :id"
                + (" FOR UPDATE OF f" if lock else "")
            ),
            {"c": city_id, "id": finding_id},
        )
        .mappings()
        .first()
    )
    if row is None:
        raise AuditNotFoundError(f"no audit finding {finding_id}")
    return row


def office_may_read(principal: Principal, city: CityInfo, row: Any, action: str) -> None:
    """The office's check: its own OPD (403 otherwise), and only from the notisi on."""
    authorize(principal, action, city_id=city.id, opd=row["opd_code"])
    if row["audit_status"] not in SHOWN_TO_OFFICE:
        raise AuditNotFoundError(f"no audit finding {row['id']}")


def _known_opd(session: Session, city_id: int, code: str) -> None:
    known = session.execute(
        text("SELECT 1 FROM opd WHERE city_id = :c AND code = :code"), {"c": city_id, "code": code}
    ).first()
    if known is None:
        raise InvalidInputError(
            f"no OPD '{code}' in this city", [{"field": "opd_code", "message": "unknown OPD"}]
        )


def add_finding(
    session: Session, principal: Principal, city: CityInfo, audit_id: int, finding: FindingCreate
) -> int:
    """Add a finding to an audit in its fieldwork or notisi (``audits.edit``).

    Raises:
        AuditNotFoundError: No such audit.
        AuditStepClosedError: The audit is not at pemeriksaan or notisi (409).
        InvalidInputError: An unknown OPD.
    """
    authorize(principal, "audits.edit", city_id=city.id)
    status = session.execute(
        text("SELECT status FROM audit WHERE city_id = :c AND id = :id FOR UPDATE"),
        {"c": city.id, "id": audit_id},
    ).scalar()
    if status is None:
        raise AuditNotFoundError(f"no audit {audit_id}")
    if status not in FINDINGS_OPEN:
        raise AuditStepClosedError(
            f"findings are written during the fieldwork or the notisi, not at '{status}'",
            [{"field": "audit", "message": f"status {status}"}],
        )
    _known_opd(session, city.id, finding.opd_code)
    finding_id = insert_finding(session, city.id, audit_id, finding, created_by=principal.user_id)
    record(
        session,
        principal,
        "audits.finding_create",
        city_id=city.id,
        object_type="audit_finding",
        object_id=finding_id,
        after={"audit_id": audit_id, "opd_code": finding.opd_code, "severity": finding.severity},
    )
    return finding_id


def insert_finding(
    session: Session,
    city_id: int,
    audit_id: int,
    finding: FindingCreate,
    *,
    created_by: int | None,
    followup_status: str = "belum_ditindaklanjuti",
) -> int:
    """Write a finding row (no checks beyond the database's); its id."""
    finding_id: int = session.execute(
        text(
            "INSERT INTO audit_finding (city_id, audit_id, opd_code, category, severity,"
            " potential_loss_idr, description, recommendation, followup_status, created_by)"
            " VALUES (:c, :a, :opd_code, :category, :severity, :potential_loss_idr,"
            " :description, :recommendation, :fs, :by) RETURNING id"
        ),
        finding.model_dump()
        | {"c": city_id, "a": audit_id, "fs": followup_status}
        | {"by": created_by},
    ).scalar_one()
    return finding_id


def update_finding(
    session: Session, principal: Principal, city: CityInfo, finding_id: int, change: FindingUpdate
) -> None:
    """Change a finding before the LHA (``audits.edit``: the inspectorate only).

    Raises:
        AuditNotFoundError: No such finding.
        AuditStepClosedError: The LHA is out (409).
        InvalidInputError: Nothing to change.
    """
    authorize(principal, "audits.edit", city_id=city.id)
    row = finding_row(session, city.id, finding_id, lock=True)
    if row["audit_status"] not in FINDINGS_OPEN:
        raise AuditStepClosedError(
            f"a finding is fixed once the LHA is out (audit at '{row['audit_status']}')",
            [{"field": "finding", "message": "after the LHA"}],
        )
    values = change.model_dump(exclude_none=True)
    if not values:
        raise InvalidInputError("nothing to change", [{"field": "body", "message": "empty"}])
    assignments = ", ".join(f"{column} = :{column}" for column in values)  # schema field names
    session.execute(
        text(
            "UPDATE audit_finding SET "  # noqa: S608 - schema field names
            + assignments
            + ", version = version + 1, updated_at = now() WHERE city_id = :c AND id = :id"
        ),
        values | {"c": city.id, "id": finding_id},
    )
    record(
        session,
        principal,
        "audits.finding_update",
        city_id=city.id,
        object_type="audit_finding",
        object_id=finding_id,
        before={k: row[k] for k in values},
        after=values,
    )


def finding_detail(
    session: Session, principal: Principal, city: CityInfo, finding_id: int, *, today: date
) -> FindingPublic:
    """One finding with its clock, responses and follow-ups: the inspectorate
    (``audits.read``), or staff of the office that owns it once the notisi is sent.

    Raises:
        AuditNotFoundError: No such finding (or not yet sent to the office).
        PermissionDeniedError: Staff of another OPD (403).
    """
    authorize(principal, "audits.findings", city_id=city.id)
    row = finding_row(session, city.id, finding_id)
    if not allowed(principal, "audits.read", city_id=city.id):
        office_may_read(principal, city, row, "audits.findings")
    return _public(row, today, True, session, city.id)


def list_findings(
    session: Session,
    principal: Principal,
    city: CityInfo,
    *,
    today: date,
    opd: str | None = None,
    overdue: bool | None = None,
    open_only: bool = False,
    limit: int = 500,
) -> list[FindingPublic]:
    """Findings with their clocks: the inspectorate's all (``opd`` filters), the office's
    its own OPD's, once sent to it (another ``opd`` is a 403); ``overdue`` lists those open
    past their 60 days.

    Raises:
        PermissionDeniedError: Office staff asking for another OPD.
    """
    authorize(principal, "audits.findings", city_id=city.id)
    office: list[str] | None = None
    shown: list[str] | None = None
    if not allowed(principal, "audits.read", city_id=city.id):
        if opd is not None:
            authorize(principal, "audits.findings", city_id=city.id, opd=opd)
        codes = [g.opd for g in principal.grants if g.role == "opd_staff" and g.opd]
        unlimited = any(g.opd is None for g in principal.grants if g.role == "opd_staff")
        office = None if unlimited else codes
        shown = _SHOWN
    rows = session.execute(
        text(
            _FINDING + " WHERE f.city_id = :c"
            " AND (CAST(:opd AS text) IS NULL OR f.opd_code = :opd)"
            " AND (CAST(:office AS text[]) IS NULL OR f.opd_code = ANY(:office))"
            " AND (CAST(:shown AS text[]) IS NULL OR a.status = ANY(:shown))"
            " AND (NOT :open OR NOT f.followup_status = ANY(:closed))"
            " AND (CAST(:overdue AS boolean) IS NULL OR (a.lha_date IS NOT NULL"
            "  AND NOT f.followup_status = ANY(:closed)"
            "  AND a.lha_date + :days < CAST(:today AS date)) = :overdue)"
            " ORDER BY a.lha_date NULLS LAST, f.id LIMIT :lim"
        ),
        {"c": city.id, "opd": opd, "office": office, "shown": shown, "open": open_only}
        | {"closed": CLOSED_LIST, "overdue": overdue, "days": FOLLOWUP_DAYS, "today": today}
        | {"lim": limit},
    ).mappings()
    return [_public(r, today, False, session, city.id) for r in rows]
