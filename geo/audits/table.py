"""The inspectorate's table per OPD: sites, audits, findings, open ones, total potential loss
and those past their 60 days."""

from __future__ import annotations

from datetime import date

from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.accounts import Principal, authorize
from geo.audits.findings import CLOSED_LIST
from geo.audits.schemas import OpdRow
from geo.audits.workflow import FOLLOWUP_DAYS
from geo.cities import CityInfo


def opd_table(
    session: Session,
    principal: Principal,
    city: CityInfo,
    *,
    today: date,
    fiscal_year: int | None = None,
) -> list[OpdRow]:
    """Per OPD: its sites and audits, the findings it owns (open ones), their total potential
    loss and those past their 60 days (``audits.read``), by OPD code."""
    authorize(principal, "audits.read", city_id=city.id)
    rows = session.execute(
        text(
            """
            WITH s AS (
                SELECT s.opd_code, count(DISTINCT s.id) AS sites, count(a.id) AS audits
                FROM audit_site s
                LEFT JOIN audit a ON a.city_id = s.city_id AND a.site_id = s.id
                WHERE s.city_id = :c AND (CAST(:fy AS integer) IS NULL OR s.fiscal_year = :fy)
                GROUP BY s.opd_code),
            f AS (
                SELECT f.opd_code, count(*) AS findings,
                       count(*) FILTER (WHERE NOT f.followup_status = ANY(:closed)) AS open,
                       coalesce(sum(f.potential_loss_idr), 0) AS loss,
                       count(*) FILTER (WHERE NOT f.followup_status = ANY(:closed)
                           AND a.lha_date IS NOT NULL
                           AND a.lha_date + :days < CAST(:today AS date)) AS overdue
                FROM audit_finding f
                JOIN audit a ON a.city_id = f.city_id AND a.id = f.audit_id
                JOIN audit_site s ON s.city_id = a.city_id AND s.id = a.site_id
                WHERE f.city_id = :c AND (CAST(:fy AS integer) IS NULL OR s.fiscal_year = :fy)
                GROUP BY f.opd_code)
            SELECT coalesce(s.opd_code, f.opd_code) AS opd_code, o.name AS opd_name,
                   coalesce(s.sites, 0) AS sites, coalesce(s.audits, 0) AS audits,
                   coalesce(f.findings, 0) AS findings, coalesce(f.open, 0) AS open_findings,
                   coalesce(f.loss, 0) AS potential_loss_idr,
                   coalesce(f.overdue, 0) AS overdue_findings
            FROM s FULL JOIN f ON f.opd_code = s.opd_code
            LEFT JOIN opd o ON o.city_id = :c AND o.code = coalesce(s.opd_code, f.opd_code)
            ORDER BY 1
            """
        ),
        {"c": city.id, "fy": fiscal_year, "closed": CLOSED_LIST, "days": FOLLOWUP_DAYS}
        | {"today": today},
    ).mappings()
    return [OpdRow(**r) for r in rows]
