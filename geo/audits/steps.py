"""The steps of an audit: the surat tugas naming the city's inspectors, the fieldwork, the
notisi, the LHA (from which the 60-day follow-up clock runs), monitoring and closing."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.accounts import Principal, authorize, record
from geo.audits.audits import AuditRow, load_audit, write_event
from geo.audits.findings import open_findings_of
from geo.audits.schemas import InspectorPublic, StepCreate
from geo.audits.workflow import AUDIT_WORKFLOW
from geo.cities import CityInfo
from geo.errors import InvalidInputError, PreconditionRequiredError, StaleVersionError
from geo.requests import IllegalTransitionError


def check_inspectors(session: Session, city_id: int, ids: list[int]) -> None:
    found = set(
        session.execute(
            text(
                "SELECT DISTINCT u.id FROM app_user u JOIN user_role r ON r.user_id = u.id"
                " WHERE u.id = ANY(:ids) AND u.city_id = :c AND u.active"
                " AND r.role = 'inspektur'"
            ),
            {"ids": ids, "c": city_id},
        ).scalars()
    )
    missing = [i for i in ids if i not in found]
    if not ids or missing:
        raise InvalidInputError(
            "the surat tugas must name active inspectors (role inspektur) of the city",
            [{"field": "inspectors", "message": f"not inspectors of the city: {missing}"}],
        )


def take_step(
    session: Session,
    principal: Principal,
    city: CityInfo,
    audit_id: int,
    step: StepCreate,
    *,
    expected_version: int | None,
) -> AuditRow:
    """Take one workflow step of an audit (``audits.edit``), guarded by its version.

    ``terbitkan_surat_tugas`` needs the number, date and inspectors; ``terbitkan_lha`` the
    LHA number and date (from which the 60-day follow-up clock runs, not before the surat
    tugas); ``selesai`` needs every finding closed (sesuai / tidak_dapat_ditindaklanjuti).

    Raises:
        AuditNotFoundError: No such audit.
        PreconditionRequiredError: No ``expected_version`` (428).
        StaleVersionError: The audit changed since ``expected_version`` (412).
        IllegalTransitionError: Not from this status (409, names the allowed ones).
        TransitionFieldsError, InvalidInputError: A missing or bad field (422).
    """
    authorize(principal, "audits.edit", city_id=city.id)
    audit = load_audit(session, city.id, audit_id, lock=True)
    if expected_version is None:
        raise PreconditionRequiredError(
            "send If-Match with the audit's ETag (its version) to take a step",
            [{"field": "If-Match", "in": "header", "message": "missing"}],
        )
    if audit.version != expected_version:
        raise StaleVersionError(
            f"the audit is at version {audit.version}, not {expected_version}",
            [{"field": "If-Match", "in": "header", "message": "stale version"}],
        )
    fields = step.model_dump(exclude={"transition", "note"}, exclude_none=True)
    taken = AUDIT_WORKFLOW.take(audit.status, step.transition, principal.roles(), fields)
    sets: dict[str, Any] = {}
    if taken.name == "terbitkan_surat_tugas":
        check_inspectors(session, city.id, list(dict.fromkeys(step.inspectors or [])))
        sets = {"surat_tugas_no": step.surat_tugas_no, "surat_tugas_date": step.surat_tugas_date}
    if taken.name == "terbitkan_lha":
        assert step.lha_date is not None
        if audit.surat_tugas_date and step.lha_date < audit.surat_tugas_date:
            raise InvalidInputError(
                "the LHA cannot be dated before the surat tugas",
                [{"field": "lha_date", "message": "before the surat tugas date"}],
            )
        if step.lha_date > datetime.now(UTC).date() + timedelta(days=1):
            raise InvalidInputError(
                "the LHA cannot be dated in the future",
                [{"field": "lha_date", "message": "in the future"}],
            )
        sets = {"lha_no": step.lha_no, "lha_date": step.lha_date}
    if taken.name == "selesai" and open_findings_of(session, city.id, audit_id):
        raise IllegalTransitionError(
            "every finding must be followed up (sesuai or tidak dapat ditindaklanjuti)"
            " before the audit is closed",
            [],
        )
    assignments = "".join(f", {column} = :{column}" for column in sets)  # fixed column names
    session.execute(
        text(
            "UPDATE audit SET status = :to, version = version + 1, status_changed_at = now()"  # noqa: S608 - fixed names
            + assignments
            + " WHERE city_id = :c AND id = :id"
        ),
        {"to": taken.target, "c": city.id, "id": audit_id} | sets,
    )
    if taken.name == "terbitkan_surat_tugas":
        for user_id in dict.fromkeys(step.inspectors or []):
            session.execute(
                text(
                    "INSERT INTO audit_inspector (city_id, audit_id, user_id)"
                    " VALUES (:c, :a, :u) ON CONFLICT DO NOTHING"
                ),
                {"c": city.id, "a": audit_id, "u": user_id},
            )
    event_fields = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in fields.items()}
    write_event(
        session,
        principal,
        city.id,
        audit_id,
        transition=taken.name,
        from_status=audit.status,
        to_status=taken.target,
        note=step.note,
        fields=event_fields,
    )
    record(
        session,
        principal,
        "audits.step",
        city_id=city.id,
        object_type="audit",
        object_id=audit_id,
        before={"status": audit.status},
        after={"status": taken.target},
    )
    return load_audit(session, city.id, audit_id)


def list_inspectors(
    session: Session, principal: Principal, city: CityInfo
) -> list[InspectorPublic]:
    """The city's active inspectors (role ``inspektur``) by display name: whom a surat tugas
    may name (``audits.inspectors``)."""
    authorize(principal, "audits.inspectors", city_id=city.id)
    rows = session.execute(
        text(
            "SELECT DISTINCT u.id, u.username, u.display_name FROM app_user u"
            " JOIN user_role r ON r.user_id = u.id"
            " WHERE u.city_id = :c AND u.active AND r.role = 'inspektur'"
            " ORDER BY u.display_name, u.id"
        ),
        {"c": city.id},
    ).mappings()
    return [InspectorPublic(**r) for r in rows]
