"""Field visits of an audit, recorded from a phone: the time, the inspector's position when
given, and its distance from the site on the spheroid."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.accounts import Principal, authorize
from geo.audits.audits import load_audit
from geo.audits.errors import AuditStepClosedError
from geo.audits.schemas import VisitCreate, VisitPublic
from geo.cities import CityInfo
from geo.errors import InvalidInputError
from geo.points import check_lonlat, ensure_near_city


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
