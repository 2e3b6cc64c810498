"""Loading whole audits at once (the demo city, migrations from another system): a site with
its audit at any step, its history, visits, findings, answers and follow-ups."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.accounts import Principal, authorize
from geo.audits.audits import insert_audit, write_event
from geo.audits.findings import insert_finding
from geo.audits.schemas import AuditCreate, FindingCreate, SiteCreate
from geo.audits.sites import insert_site
from geo.audits.workflow import AUDIT_WORKFLOW
from geo.cities import CityInfo
from geo.errors import InvalidInputError


@dataclass(frozen=True)
class BulkFinding:
    """A finding with the office's answers and the follow-up entries (side, status, note)."""

    finding: FindingCreate
    followup_status: str = "belum_ditindaklanjuti"
    responses: tuple[str, ...] = ()
    followups: tuple[tuple[str, str | None, str], ...] = ()


@dataclass(frozen=True)
class BulkVisit:
    """A visit: when, where the inspector stood (or not), a note."""

    at: datetime
    lon: float | None
    lat: float | None
    note: str | None = None


@dataclass(frozen=True)
class BulkAudit:
    """An audit at ``status``, reached through the workflow's steps on ``step_dates``."""

    basis: str
    title: str
    status: str
    step_dates: Sequence[datetime]
    surat_tugas_no: str | None = None
    surat_tugas_date: date | None = None
    lha_no: str | None = None
    lha_date: date | None = None
    visits: tuple[BulkVisit, ...] = ()
    findings: tuple[BulkFinding, ...] = ()


@dataclass(frozen=True)
class BulkSite:
    """A site and its audits."""

    site: SiteCreate
    audits: tuple[BulkAudit, ...] = field(default_factory=tuple)


def bulk_load_audits(
    session: Session, principal: Principal, city: CityInfo, sites: Sequence[BulkSite], *, demo: bool
) -> tuple[int, int, int]:
    """Write sites with their audits (``audits.edit``); histories follow the workflow's
    transitions in order, one event per step at its date.

    Returns:
        How many sites, audits and findings were written.

    Raises:
        InvalidInputError: A status that is not a state, or fewer step dates than steps.
        InvalidGeometryError: A site outside the city.
    """
    authorize(principal, "audits.edit", city_id=city.id)
    path = [AUDIT_WORKFLOW.initial, *(t.target for t in AUDIT_WORKFLOW.transitions)]
    names = [t.name for t in AUDIT_WORKFLOW.transitions]
    counts = [0, 0, 0]
    for bulk in sites:
        site_id = insert_site(session, city, bulk.site, created_by=principal.user_id, demo=demo)
        counts[0] += 1
        for audit in bulk.audits:
            if audit.status not in path:
                raise InvalidInputError(f"no audit state {audit.status!r}")
            reached = path.index(audit.status)
            if len(audit.step_dates) < reached + 1:
                raise InvalidInputError(f"{audit.title}: {reached + 1} step dates needed")
            audit_id = insert_audit(
                session,
                city.id,
                AuditCreate(site_id=site_id, basis=audit.basis, title=audit.title),
                status=audit.status,
                demo=demo,
            )
            counts[1] += 1
            session.execute(
                text(
                    "UPDATE audit SET surat_tugas_no = :stn, surat_tugas_date = :std,"
                    " lha_no = :ln, lha_date = :ld, version = :v, created_at = :at,"
                    " status_changed_at = :changed WHERE city_id = :c AND id = :id"
                ),
                {"stn": audit.surat_tugas_no, "std": audit.surat_tugas_date}
                | {"ln": audit.lha_no, "ld": audit.lha_date, "v": reached + 1}
                | {"at": audit.step_dates[0], "changed": audit.step_dates[reached]}
                | {"c": city.id, "id": audit_id},
            )
            for i in range(reached + 1):
                write_event(
                    session,
                    principal,
                    city.id,
                    audit_id,
                    transition=names[i - 1] if i else None,
                    from_status=path[i - 1] if i else None,
                    to_status=path[i],
                    at=audit.step_dates[i],
                )
            for visit in audit.visits:
                session.execute(
                    text(
                        "WITH p AS (SELECT CASE WHEN CAST(:lon AS double precision) IS NULL"
                        " THEN NULL ELSE ST_SetSRID(ST_MakePoint(:lon, :lat), 4326) END AS pt)"
                        " INSERT INTO audit_visit (city_id, audit_id, visited_at, inspector_id,"
                        " inspector, position, distance_m, note) SELECT :c, :a, :at, :uid,"
                        " :actor, p.pt, ST_Distance(s.geom::geography, p.pt::geography), :note"
                        " FROM p, audit_site s WHERE s.city_id = :c AND s.id = :site"
                    ),
                    {"lon": visit.lon, "lat": visit.lat, "c": city.id, "a": audit_id}
                    | {"at": visit.at, "uid": principal.user_id, "actor": principal.username}
                    | {"note": visit.note, "site": site_id},
                )
            for item in audit.findings:
                finding_id = insert_finding(
                    session,
                    city.id,
                    audit_id,
                    item.finding,
                    created_by=principal.user_id,
                    followup_status=item.followup_status,
                )
                counts[2] += 1
                for body in item.responses:
                    session.execute(
                        text(
                            "INSERT INTO finding_response (city_id, finding_id, actor_id, actor,"
                            " opd_code, body) VALUES (:c, :f, NULL, :actor, :opd, :body)"
                        ),
                        {"c": city.id, "f": finding_id, "actor": f"opd:{item.finding.opd_code}"}
                        | {"opd": item.finding.opd_code, "body": body},
                    )
                for side, status, note in item.followups:
                    session.execute(
                        text(
                            "INSERT INTO finding_followup (city_id, finding_id, actor_id, actor,"
                            " side, status, note) VALUES (:c, :f, NULL, :actor, :side, :st, :n)"
                        ),
                        {"c": city.id, "f": finding_id, "actor": principal.username}
                        | {"side": side, "st": status, "n": note},
                    )
    return counts[0], counts[1], counts[2]
