"""Audits of sites: created in the plan or on request, taken through their steps, visited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.accounts import Principal, allowed, authorize, record
from geo.audits.errors import AuditNotFoundError, AuditStepClosedError
from geo.audits.findings import audit_findings, open_findings_of
from geo.audits.schemas import (
    AuditCreate,
    AuditPublic,
    EventPublic,
    PhotoPublic,
    StepCreate,
    VisitCreate,
    VisitPublic,
)
from geo.audits.workflow import AUDIT_WORKFLOW, FOLLOWUP_DAYS
from geo.cities import CityInfo
from geo.errors import (
    InvalidInputError,
    PreconditionRequiredError,
    StaleVersionError,
)
from geo.points import check_lonlat, ensure_near_city
from geo.requests import IllegalTransitionError


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


def _check_inspectors(session: Session, city_id: int, ids: list[int]) -> None:
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
        _check_inspectors(session, city.id, list(dict.fromkeys(step.inspectors or [])))
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


def record_visit(
    session: Session, principal: Principal, city: CityInfo, audit_id: int, visit: VisitCreate
) -> VisitPublic:
    """Record a field visit (``audits.edit``) from the surat tugas to the notisi; the distance
    from the inspector's position to the site (0 inside an area) on the spheroid.

    Raises:
        AuditNotFoundError: No such audit.
        InvalidInputError: Only one of lon/lat, bad coordinates, far from the city, or a time
            in the future.
        AuditStepClosedError: The audit is not at surat_tugas, pemeriksaan or notisi (409).
    """
    authorize(principal, "audits.edit", city_id=city.id)
    audit = load_audit(session, city.id, audit_id)
    if audit.status not in ("surat_tugas", "pemeriksaan", "notisi"):
        raise AuditStepClosedError(
            f"visits are recorded during the fieldwork, not at '{audit.status}'",
            [{"field": "audit", "message": "not in fieldwork"}],
        )
    if (visit.lon is None) != (visit.lat is None):
        raise InvalidInputError(
            "give both lon and lat, or neither",
            [{"field": "lon" if visit.lon is None else "lat", "message": "missing"}],
        )
    if visit.lon is not None and visit.lat is not None:
        check_lonlat(visit.lon, visit.lat, "lon,lat")
        ensure_near_city(city, visit.lon, visit.lat)
    at = visit.visited_at or datetime.now(UTC)
    if at.tzinfo is None:
        raise InvalidInputError(
            "visited_at needs a time zone (e.g. +07:00)",
            [{"field": "visited_at", "message": "no time zone"}],
        )
    if (at - datetime.now(UTC)).total_seconds() > 600:
        raise InvalidInputError(
            "visited_at lies in the future", [{"field": "visited_at", "message": "future"}]
        )
    row = session.execute(
        text(
            "WITH p AS (SELECT CASE WHEN CAST(:lon AS double precision) IS NULL THEN NULL"
            " ELSE ST_SetSRID(ST_MakePoint(:lon, :lat), 4326) END AS pt)"
            " INSERT INTO audit_visit (city_id, audit_id, visited_at, inspector_id, inspector,"
            " position, accuracy_m, distance_m, note)"
            " SELECT :c, :a, :at, :uid, :actor, p.pt, :acc,"
            " ST_Distance(s.geom::geography, p.pt::geography), :note"
            " FROM p, audit_site s WHERE s.city_id = :c AND s.id = :site"
            " RETURNING id, visited_at, inspector, ST_X(position) AS lon, ST_Y(position) AS lat,"
            " accuracy_m, distance_m, note"
        ),
        {"lon": visit.lon, "lat": visit.lat, "c": city.id, "a": audit_id, "at": at}
        | {"uid": principal.user_id, "actor": principal.username, "acc": visit.accuracy_m}
        | {"note": visit.note, "site": audit.site_id},
    ).one()
    return VisitPublic(**row._mapping)


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
            "SELECT id, audit_id, visit_id, finding_id, filename, media_type, size_bytes"
            " FROM audit_photo WHERE city_id = :c AND audit_id = :id ORDER BY id"
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
