"""Audits of sites: created in the plan or on request, read one by one or as a list (their
steps are in ``steps``, their visits in ``visits``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import orjson
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.accounts import Principal, allowed, authorize, record
from geo.audits.errors import AuditNotFoundError
from geo.audits.findings import audit_findings
from geo.audits.schemas import (
    AuditCreate,
    AuditPublic,
    EventPublic,
    PhotoPublic,
    VisitPublic,
)
from geo.audits.workflow import AUDIT_WORKFLOW, FOLLOWUP_DAYS
from geo.cities import CityInfo


@dataclass(frozen=True)
class AuditRow:
    """What the commands need of one audit."""

    id: int
    site_id: int
    status: str
    version: int
    lha_date: date | None
    surat_tugas_date: date | None


def load_audit(session: Session, city_id: int, audit_id: int, *, lock: bool = False) -> AuditRow:
    """One audit of a city (locked for update when asked).

    Raises:
        AuditNotFoundError: No such audit.
    """
    row = session.execute(
        text(
            "SELECT id, site_id, status, version, lha_date, surat_tugas_date FROM audit"  # noqa: S608 - fixed
            " WHERE city_id = :c AND id = :id" + (" FOR UPDATE" if lock else "")
        ),
        {"c": city_id, "id": audit_id},
    ).first()
    if row is None:
        raise AuditNotFoundError(f"no audit {audit_id}")
    return AuditRow(*row)


def insert_audit(
    session: Session, city_id: int, audit: AuditCreate, *, status: str, demo: bool
) -> int:
    """Write an audit row (no checks beyond the database's); its id."""
    audit_id: int = session.execute(
        text(
            "INSERT INTO audit (city_id, site_id, basis, title, status, demo)"
            " VALUES (:c, :site, :basis, :title, :status, :demo) RETURNING id"
        ),
        {"c": city_id, "site": audit.site_id, "basis": audit.basis, "title": audit.title}
        | {"status": status, "demo": demo},
    ).scalar_one()
    return audit_id


def create_audit(session: Session, principal: Principal, city: CityInfo, audit: AuditCreate) -> int:
    """Plan an audit of a site (``audits.edit``): status ``direncanakan``, one event.

    Raises:
        AuditNotFoundError: No such site in the city.
    """
    authorize(principal, "audits.edit", city_id=city.id)
    exists = session.execute(
        text("SELECT 1 FROM audit_site WHERE city_id = :c AND id = :id"),
        {"c": city.id, "id": audit.site_id},
    ).first()
    if exists is None:
        raise AuditNotFoundError(f"no audit site {audit.site_id}")
    audit_id = insert_audit(session, city.id, audit, status=AUDIT_WORKFLOW.initial, demo=False)
    write_event(
        session,
        principal,
        city.id,
        audit_id,
        transition=None,
        from_status=None,
        to_status=AUDIT_WORKFLOW.initial,
    )
    record(
        session,
        principal,
        "audits.create",
        city_id=city.id,
        object_type="audit",
        object_id=audit_id,
        after={"site_id": audit.site_id, "basis": audit.basis},
    )
    return audit_id


def write_event(
    session: Session,
    principal: Principal,
    city_id: int,
    audit_id: int,
    *,
    transition: str | None,
    from_status: str | None,
    to_status: str,
    note: str | None = None,
    fields: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> None:
    """Append one event to an audit's history (``at``: now unless given, for loads)."""
    session.execute(
        text(
            "INSERT INTO audit_event (city_id, audit_id, actor_id, actor, transition,"
            " from_status, to_status, note, fields, at) VALUES (:c, :a, :uid, :actor, :t, :f, :to,"
            " :note, CAST(:fields AS jsonb), coalesce(CAST(:at AS timestamptz), now()))"
        ),
        {"c": city_id, "a": audit_id, "uid": principal.user_id, "actor": principal.username}
        | {"t": transition, "f": from_status, "to": to_status, "note": note}
        | {"fields": orjson.dumps(fields or {}).decode(), "at": at},
    )


def audit_detail(
    session: Session, principal: Principal, city: CityInfo, audit_id: int, *, today: date
) -> AuditPublic:
    """One audit with its site, inspectors, findings (with their clocks), visits, history,
    photos and the steps the caller may take (``audits.read``).

    Raises:
        AuditNotFoundError: No such audit.
    """
    authorize(principal, "audits.read", city_id=city.id)
    head = (
        session.execute(
            text(
                "SELECT a.*, s.activity, s.opd_code AS site_opd_code FROM audit a"
                " JOIN audit_site s ON s.city_id = a.city_id AND s.id = a.site_id"
                " WHERE a.city_id = :c AND a.id = :id"
            ),
            {"c": city.id, "id": audit_id},
        )
        .mappings()
        .first()
    )
    if head is None:
        raise AuditNotFoundError(f"no audit {audit_id}")
    p = {"c": city.id, "id": audit_id}
    inspectors = session.execute(
        text(
            "SELECT u.display_name FROM audit_inspector i JOIN app_user u ON u.id = i.user_id"
            " WHERE i.city_id = :c AND i.audit_id = :id ORDER BY u.display_name"
        ),
        p,
    ).scalars()
    visits = session.execute(
        text(
            "SELECT id, visited_at, inspector, ST_X(position) AS lon, ST_Y(position) AS lat,"
            " accuracy_m, distance_m, note FROM audit_visit WHERE city_id = :c AND audit_id = :id"
            " ORDER BY visited_at, id"
        ),
        p,
    ).mappings()
    events = session.execute(
        text(
            "SELECT at, actor, transition, from_status, to_status, note FROM audit_event"
            " WHERE city_id = :c AND audit_id = :id ORDER BY id"
        ),
        p,
    ).mappings()
    photos = session.execute(
        text(
            "SELECT id, audit_id, visit_id, finding_id, followup_id, filename, media_type,"
            " size_bytes FROM audit_photo WHERE city_id = :c AND audit_id = :id ORDER BY id"
        ),
        p,
    ).mappings()
    steps = AUDIT_WORKFLOW.available(head["status"], principal.roles())
    if not allowed(principal, "audits.edit", city_id=city.id):
        steps = []
    return AuditPublic(
        id=head["id"],
        site_id=head["site_id"],
        activity=head["activity"],
        site_opd_code=head["site_opd_code"],
        basis=head["basis"],
        title=head["title"],
        status=head["status"],
        status_label=AUDIT_WORKFLOW.state_labels.get(head["status"], head["status"]),
        surat_tugas_no=head["surat_tugas_no"],
        surat_tugas_date=head["surat_tugas_date"],
        inspectors=list(inspectors),
        lha_no=head["lha_no"],
        lha_date=head["lha_date"],
        version=head["version"],
        transitions=[
            {"name": t.name, "label": AUDIT_WORKFLOW.transition_labels.get(t.name, t.name)}
            for t in steps
        ],
        findings=audit_findings(session, city.id, audit_id, today=today),
        visits=[VisitPublic(**v) for v in visits],
        events=[EventPublic(**e) for e in events],
        photos=[PhotoPublic(**ph) for ph in photos],
    )


def list_audits(
    session: Session,
    principal: Principal,
    city: CityInfo,
    *,
    status: str | None = None,
    opd: str | None = None,
    fiscal_year: int | None = None,
    limit: int = 500,
) -> list[dict[str, Any]]:
    """The city's audits (``audits.read``), newest first, with their site and finding counts."""
    authorize(principal, "audits.read", city_id=city.id)
    rows = session.execute(
        text(
            "SELECT a.id, a.site_id, s.activity, s.opd_code, s.fiscal_year, a.basis, a.title,"
            " a.status, a.surat_tugas_no, a.lha_date, a.version,"
            " (SELECT count(*) FROM audit_finding f WHERE f.city_id = a.city_id"
            "  AND f.audit_id = a.id) AS findings"
            " FROM audit a JOIN audit_site s ON s.city_id = a.city_id AND s.id = a.site_id"
            " WHERE a.city_id = :c AND (CAST(:st AS text) IS NULL OR a.status = :st)"
            " AND (CAST(:opd AS text) IS NULL OR s.opd_code = :opd)"
            " AND (CAST(:fy AS integer) IS NULL OR s.fiscal_year = :fy)"
            " ORDER BY a.id DESC LIMIT :lim"
        ),
        {"c": city.id, "st": status, "opd": opd, "fy": fiscal_year, "lim": limit},
    ).mappings()
    out = []
    for r in rows:
        item = dict(r)
        lha = item["lha_date"]
        item["lha_date"] = lha.isoformat() if lha else None
        item["followup_due"] = (
            date.fromordinal(lha.toordinal() + FOLLOWUP_DAYS).isoformat() if lha else None
        )
        out.append(item)
    return out
