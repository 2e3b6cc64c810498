"""Audit sites: created on the map or imported, read as GeoJSON with their audit state."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.accounts import Principal, authorize, record
from geo.audits.errors import AuditNotFoundError
from geo.audits.schemas import SiteCreate
from geo.cities import CityInfo
from geo.errors import InvalidGeometryError
from geo.requests import CITY_MARGIN_M, PLACE_SQL, parse_geometry

MAX_SITES = 5_000


@dataclass(frozen=True)
class SiteFilter:
    """Filters of the site list: OPD, fiscal year, kecamatan, latest audit status, severity."""

    opd: str | None = None
    fiscal_year: int | None = None
    kecamatan: str | None = None
    status: str | None = None
    severity: str | None = None
    limit: int = MAX_SITES


def insert_site(
    session: Session, city: CityInfo, site: SiteCreate, *, created_by: int | None, demo: bool
) -> int:
    """Write one site (geometry checked, kelurahan and kecamatan by spatial join); its id.

    Raises:
        InvalidGeometryError: Not a Point/Polygon/MultiPolygon, invalid, or outside the city.
    """
    geom = parse_geometry(site.geometry)
    minx, miny, maxx, maxy = city.bbox
    row = session.execute(
        PLACE_SQL,
        {"wkt": geom.wkt, "c": city.id, "margin": CITY_MARGIN_M}
        | {"minx": minx, "miny": miny, "maxx": maxx, "maxy": maxy},
    ).one()
    if not row.inside:
        raise InvalidGeometryError(
            f"the site lies outside {city.name}",
            [{"field": "geometry", "message": "outside the city"}],
        )
    values = site.model_dump(exclude={"geometry"})
    site_id: int = session.execute(
        text(
            "INSERT INTO audit_site (city_id, geom, opd_code, activity, budget_idr, fiscal_year,"
            " contractor, contract_value_idr, progress_pct, kelurahan_code, kecamatan_code,"
            " demo, created_by) VALUES (:c, ST_GeomFromText(:wkt, 4326), :opd_code, :activity,"
            " :budget_idr, :fiscal_year, :contractor, :contract_value_idr, :progress_pct, :kel,"
            " :kec, :demo, :by) RETURNING id"
        ),
        values
        | {"c": city.id, "wkt": geom.wkt, "kel": row.code, "kec": row.parent_code}
        | {"demo": demo, "by": created_by},
    ).scalar_one()
    return site_id


def create_site(session: Session, principal: Principal, city: CityInfo, site: SiteCreate) -> int:
    """Create an audit site on the map (``audits.edit``); written to the audit log.

    Returns:
        The new site's id.

    Raises:
        AuthenticationRequiredError, PermissionDeniedError: Not the inspectorate of the city.
        InvalidGeometryError: A bad or outside place.
    """
    authorize(principal, "audits.edit", city_id=city.id)
    site_id = insert_site(session, city, site, created_by=principal.user_id, demo=False)
    record(
        session,
        principal,
        "audits.site_create",
        city_id=city.id,
        object_type="audit_site",
        object_id=site_id,
        after={"opd_code": site.opd_code, "fiscal_year": site.fiscal_year},
    )
    return site_id


_FEATURE = """
SELECT json_build_object(
    'type', 'Feature', 'id', s.id,
    'geometry', ST_AsGeoJSON(s.geom, 7)::json,
    'properties', json_build_object(
        'opd_code', s.opd_code, 'activity', s.activity, 'budget_idr', s.budget_idr,
        'fiscal_year', s.fiscal_year, 'contractor', s.contractor,
        'contract_value_idr', s.contract_value_idr, 'progress_pct', s.progress_pct,
        'kelurahan_code', s.kelurahan_code, 'kecamatan_code', s.kecamatan_code,
        'kelurahan_name', kel.name, 'kecamatan_name', kec.name,
        'audit_status', l.audit_status, 'open_findings', l.open_findings,
        'worst_severity', l.worst_severity, 'potential_loss_idr', l.potential_loss_idr,
        'overdue_findings', l.overdue_findings, 'colour', l.colour, 'demo', s.demo))
FROM audit_site s
JOIN audit_site_layer l ON l.city_id = s.city_id AND l.id = s.id
LEFT JOIN admin_area kel
  ON kel.city_id = s.city_id AND kel.level = 'kelurahan' AND kel.code = s.kelurahan_code
LEFT JOIN admin_area kec
  ON kec.city_id = s.city_id AND kec.level = 'kecamatan' AND kec.code = s.kecamatan_code
"""


def list_sites(
    session: Session, principal: Principal, city: CityInfo, where: SiteFilter
) -> dict[str, Any]:
    """The city's audit sites as a GeoJSON FeatureCollection (``audits.read``), filtered.

    Properties: opd_code, activity, budget_idr, fiscal_year, contractor, contract_value_idr,
    progress_pct, kelurahan/kecamatan code and name, audit_status (latest audit, or
    ``belum_diaudit``), open_findings, worst_severity, potential_loss_idr, overdue_findings,
    colour.
    """
    authorize(principal, "audits.read", city_id=city.id)
    rows = session.execute(
        text(
            "SELECT coalesce(json_agg(f.j), '[]'::json) FROM ("  # noqa: S608 - fixed fragments
            + _FEATURE
            + " WHERE s.city_id = :c"
            " AND (CAST(:opd AS text) IS NULL OR s.opd_code = :opd)"
            " AND (CAST(:fy AS integer) IS NULL OR s.fiscal_year = :fy)"
            " AND (CAST(:kec AS text) IS NULL OR s.kecamatan_code = :kec)"
            " AND (CAST(:st AS text) IS NULL OR l.audit_status = :st)"
            " AND (CAST(:sev AS text) IS NULL OR l.worst_severity = :sev)"
            " ORDER BY s.id LIMIT :lim) AS f(j)"
        ),
        {
            "c": city.id,
            "opd": where.opd,
            "fy": where.fiscal_year,
            "kec": where.kecamatan,
            "st": where.status,
            "sev": where.severity,
            "lim": where.limit,
        },
    ).scalar_one()
    features = list(rows)
    return {"type": "FeatureCollection", "features": features}


def site_feature(
    session: Session, principal: Principal, city: CityInfo, site_id: int
) -> dict[str, Any]:
    """One site as a GeoJSON Feature, with the ids and statuses of its audits.

    Raises:
        AuditNotFoundError: No such site in the city.
    """
    authorize(principal, "audits.read", city_id=city.id)
    feature = session.execute(
        text(_FEATURE + " WHERE s.city_id = :c AND s.id = :id"), {"c": city.id, "id": site_id}
    ).scalar()
    if feature is None:
        raise AuditNotFoundError(f"no audit site {site_id}")
    audits = session.execute(
        text(
            "SELECT id, basis, title, status, lha_date FROM audit WHERE city_id = :c"
            " AND site_id = :id ORDER BY id"
        ),
        {"c": city.id, "id": site_id},
    ).mappings()
    out: dict[str, Any] = dict(feature)
    out["properties"]["audits"] = [
        {**a, "lha_date": a["lha_date"].isoformat() if a["lha_date"] else None} for a in audits
    ]
    return out


def site_opd(session: Session, city_id: int, site_id: int) -> str:
    """The OPD of a site.

    Raises:
        AuditNotFoundError: No such site.
    """
    opd = session.execute(
        text("SELECT opd_code FROM audit_site WHERE city_id = :c AND id = :id"),
        {"c": city_id, "id": site_id},
    ).scalar()
    if opd is None:
        raise AuditNotFoundError(f"no audit site {site_id}")
    return str(opd)
