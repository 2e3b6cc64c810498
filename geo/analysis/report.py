"""One kelurahan or kecamatan report: the public one for anyone, the full one for staff."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from geo.accounts import Principal, RowScope, allowed, record
from geo.analysis.areas import (
    check_level,
    find_area,
    kelurahan_of,
    roads_in,
    route_coverage,
    routes_in,
    schools_in,
)
from geo.analysis.demand import counts_by_kelurahan, counts_by_type_status, request_points
from geo.analysis.results import AreaReport, Count, RequestCount, SubArea
from geo.cities import CityInfo
from geo.requests import TYPE_LIMITED_ROLES, layer_scope, public_count

# the action whose holders get the full counts and the request points
RESTRICTED_ACTION = "requests.read"


def _kecamatan_of(level: str, code: str, parent_code: str | None) -> str | None:
    return code if level == "kecamatan" else parent_code


def _area_readers(principal: Principal) -> Principal:
    """``principal`` without the grants limited to some request types (Dishub's roles read
    suggestions only, and a report's counts and points are of every type)."""
    return replace(
        principal, grants=tuple(g for g in principal.grants if g.role not in TYPE_LIMITED_ROLES)
    )


def sees_requests(principal: Principal, city: CityInfo, kecamatan: str | None) -> bool:
    """Whether ``principal`` gets the full report (``requests.read`` in that city/kecamatan,
    by a grant not limited to some request types)."""
    reader = _area_readers(principal)
    return allowed(reader, RESTRICTED_ACTION, city_id=city.id, kecamatan=kecamatan)


def area_report(
    session: Session, principal: Principal, city: CityInfo, level: str, code: str
) -> AreaReport:
    """The report of kelurahan or kecamatan ``code``: boundary, routes, schools, coverage,
    requests.

    Callers allowed ``requests.read`` in the city (and the area's kecamatan) get exact counts
    of the requests they may read (their OPD's, those of the types their OPD takes steps of,
    their kecamatan's: the rows the requests layer shows them) and the requests as points;
    the read is written to the audit log. Everyone else gets every request counted with cells
    under 5 as ``"< 5"`` (``geo.requests.public_count``) and no points.

    Args:
        session: The database session.
        principal: The caller.
        city: The city.
        level: ``kelurahan`` or ``kecamatan``.
        code: The area's Kemendagri code, e.g. ``36.71.01``.

    Returns:
        The report's facts (``restricted`` tells which kind).

    Raises:
        InvalidInputError: ``level`` is neither kelurahan nor kecamatan.
        AreaNotFoundError: The city has no such area.
    """
    check_level(level)
    area = find_area(session, city, level, code)
    restricted = sees_requests(principal, city, _kecamatan_of(level, area.code, area.parent_code))
    # the rows of the restricted requests layer (geo.requests.layer_scope): the map and the
    # report of one person count the same requests
    scope = (
        layer_scope(_area_readers(principal), RESTRICTED_ACTION, city.id)
        if restricted
        else RowScope()
    )

    def shown(n: int) -> Count:
        return n if restricted else public_count(n)

    cells = counts_by_type_status(session, city, level, area.code, scope)
    kelurahan: list[SubArea] = []
    if level == "kecamatan":
        by_kelurahan = counts_by_kelurahan(session, city, area.code, scope)
        kelurahan = [
            SubArea(
                code=k, name=name, area_km2=km2, geojson=gj, requests=shown(by_kelurahan.get(k, 0))
            )
            for k, name, km2, gj in kelurahan_of(session, city, area.code)
        ]
    points = request_points(session, city, level, area.code, scope) if restricted else []
    report = AreaReport(
        city_slug=city.slug,
        city_name=city.name,
        area=area,
        restricted=restricted,
        generated_at=datetime.now(UTC),
        routes=routes_in(session, city, area),
        schools=schools_in(session, city, area),
        coverage=route_coverage(session, city, area),
        requests=[RequestCount(t, s, shown(n)) for t, s, n in cells],
        requests_total=shown(sum(n for _, _, n in cells)),
        kelurahan=kelurahan,
        request_points=points,
        roads_geojson=roads_in(session, city, area),
    )
    if restricted:
        record(
            session,
            principal,
            "reports.read",
            city_id=city.id,
            object_type="admin_area",
            object_id=f"{level}:{area.code}",
            detail={"restricted": True, "scope": scope.key, "request_points": len(points)},
        )
    return report
