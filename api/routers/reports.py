"""Map reports per kelurahan and kecamatan: one self-contained HTML page (public or staff)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from api.auth import PrincipalDep, requires
from api.deps import CityDep, SessionDep
from api.response_models import html
from geo.analysis import area_report

router = APIRouter(prefix="/cities/{city}", tags=["reports"])
# a public report may be kept a little by shared caches; a staff one by nobody
PUBLIC_CACHE = "public, max-age=300"
PRIVATE_CACHE = "private, no-store"


@router.get(
    "/reports/{level}/{area_code}.html",
    **requires("reports.read"),
    summary="Printable map report of a kelurahan or kecamatan (one HTML file, works offline)",
    response_class=Response,
    responses={
        200: html("The report page"),
        404: {"description": "no kelurahan or kecamatan with this code in the city"},
        422: {"description": "the level is neither kelurahan nor kecamatan"},
    },
)
def get_report(
    *,
    city: CityDep,
    session: SessionDep,
    principal: PrincipalDep,
    level: Annotated[str, Path(max_length=16, description="`kelurahan` or `kecamatan`")],
    area_code: Annotated[
        str, Path(max_length=64, description="The area's Kemendagri code, e.g. `36.71.01`")
    ],
) -> Response:
    """Boundary, angkot routes, schools, route coverage (300/500 m) and requests by type and
    status. Anyone gets the public report (counts under 5 as "< 5", no request points);
    accounts allowed `requests.read` in the city get exact counts and the request points
    (answered `Cache-Control: private`)."""
    report = area_report(session, principal, city, level, area_code)
    # folium and branca (about 10 MB) load with the first report, not with the app
    from layers.reports import MEDIA_TYPE, content_security_policy, render_report, report_filename

    html = render_report(report)
    headers = {
        "Content-Security-Policy": content_security_policy(html) + "; frame-ancestors 'self'",
        "Cache-Control": PRIVATE_CACHE if report.restricted else PUBLIC_CACHE,
        "Vary": "Cookie, Authorization",
        "Content-Disposition": f'inline; filename="{report_filename(level, report.area.code)}"',
    }
    return Response(html, media_type=MEDIA_TYPE, headers=headers)
