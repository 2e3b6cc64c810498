"""Public lists of requests: the transparency list of aid proposals, a citizen's own list.

As Sabakota publishes it: the organisation, kind, kelurahan, amounts and stage of every
proposal. Organisations are public, people are not: no names of chair or secretary, no
contact, no tracking code, no id.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.accounts import Principal, authorize
from geo.cities import CityInfo
from geo.errors import InvalidInputError
from geo.requests.catalogue import status_label
from geo.requests.codes import normalise_code
from geo.requests.types import TYPES, RequestNotFoundError
from geo.requests.windows import WIB

MAX_PAGE = 100
AID = "bantuan"

# the filters of both queries (a NULL parameter does not filter); every value is bound
_PAGE = text(
    """
    SELECT r.attrs->>'organisation' AS organisation, r.attrs->>'kind' AS kind,
      r.attrs->>'organisation_kind' AS organisation_kind, r.status,
      (r.attrs->>'amount_requested_idr')::bigint AS amount_requested_idr,
      k.name AS kelurahan, kc.name AS kecamatan,
      to_char(r.created_at AT TIME ZONE 'Asia/Jakarta', 'YYYY-MM') AS submitted_month,
      (SELECT (e.fields->>'approved_amount_idr')::bigint FROM request_event e
        WHERE e.city_id = r.city_id AND e.request_id = r.id AND e.transition = 'tetapkan'
        AND e.fields ? 'approved_amount_idr' ORDER BY e.id DESC LIMIT 1) AS amount_approved_idr
    FROM (
      SELECT r.city_id, r.id, r.attrs, r.status, r.created_at, r.kelurahan_code,
        r.kecamatan_code
      FROM service_request r
      WHERE r.city_id = :c AND r.type = :type
        AND (CAST(:kind AS text) IS NULL OR r.attrs->>'kind' = :kind)
        AND (CAST(:status AS text) IS NULL OR r.status = :status)
        AND (CAST(:kel AS text) IS NULL OR r.kelurahan_code = :kel)
        AND (CAST(:y0 AS timestamptz) IS NULL OR (r.created_at >= :y0 AND r.created_at < :y1))
      ORDER BY r.created_at DESC, r.id DESC LIMIT :limit OFFSET :offset) r
    LEFT JOIN admin_area k ON k.city_id = r.city_id AND k.level = 'kelurahan'
      AND k.code = r.kelurahan_code
    LEFT JOIN admin_area kc ON kc.city_id = r.city_id AND kc.level = 'kecamatan'
      AND kc.code = r.kecamatan_code
    ORDER BY r.created_at DESC, r.id DESC
    """
)
_TOTAL = text(
    """
    SELECT count(*) AS n,
      coalesce(sum((r.attrs->>'amount_requested_idr')::bigint), 0) AS requested,
      coalesce(sum((SELECT (e.fields->>'approved_amount_idr')::bigint FROM request_event e
        WHERE e.city_id = r.city_id AND e.request_id = r.id AND e.transition = 'tetapkan'
        AND e.fields ? 'approved_amount_idr' ORDER BY e.id DESC LIMIT 1)), 0) AS approved
    FROM service_request r
    WHERE r.city_id = :c AND r.type = :type
      AND (CAST(:kind AS text) IS NULL OR r.attrs->>'kind' = :kind)
      AND (CAST(:status AS text) IS NULL OR r.status = :status)
      AND (CAST(:kel AS text) IS NULL OR r.kelurahan_code = :kel)
      AND (CAST(:y0 AS timestamptz) IS NULL OR (r.created_at >= :y0 AND r.created_at < :y1))
    """
)


class ProposalPublic(BaseModel):
    """One proposal of the transparency list (organisations are public, people are not)."""

    organisation: str
    kind: str
    organisation_kind: str | None
    kelurahan: str | None
    kecamatan: str | None
    amount_requested_idr: int | None
    amount_approved_idr: int | None
    status: str
    status_label: str
    submitted_month: str


class ProposalPage(BaseModel):
    """A page of the transparency list; how many proposals match in all and their sums."""

    items: list[ProposalPublic]
    total: int
    # the sums over every matching proposal (not only this page); unknown amounts add nothing
    total_requested_idr: int
    total_approved_idr: int
    limit: int
    offset: int


class OwnRequest(BaseModel):
    """One of the requests a logged-in citizen submitted."""

    code: str
    type: str
    title: str
    status: str
    status_label: str
    kelurahan: str | None
    created_at: datetime
    updated_at: datetime


def list_proposals(
    session: Session,
    principal: Principal,
    city: CityInfo,
    *,
    kind: str | None = None,
    status: str | None = None,
    kelurahan: str | None = None,
    year: int | None = None,
    limit: int = 50,
    offset: int = 0,
) -> ProposalPage:
    """The public list of aid proposals of a city, newest first.

    Args:
        session: The database session.
        principal: Who reads (anyone).
        city: The city.
        kind: ``hibah`` or ``bansos``.
        status: A status of the aid workflow (``ditetapkan``).
        kelurahan: A kelurahan code.
        year: The year of submission (in the city's time, WIB).
        limit: Page size (1..100).
        offset: Rows to skip.

    Raises:
        InvalidInputError: An unknown kind or status, a year outside 2000..2100, a bad page.
    """
    authorize(principal, "requests.proposals", city_id=city.id)
    aid = TYPES[AID]
    errors = []
    if kind is not None and kind not in aid.kinds:
        errors.append({"field": "kind", "in": "query", "message": f"one of {', '.join(aid.kinds)}"})
    if status is not None and status not in aid.workflow.states:
        errors.append({"field": "status", "in": "query", "message": "not a status of the type"})
    if year is not None and not 2000 <= year <= 2100:
        errors.append({"field": "year", "in": "query", "message": "a year in 2000..2100"})
    if not 1 <= limit <= MAX_PAGE or not 0 <= offset <= 10_000_000:
        errors.append({"field": "limit", "in": "query", "message": f"limit 1..{MAX_PAGE}"})
    if errors:
        raise InvalidInputError(
            f"invalid value for: {', '.join(e['field'] for e in errors)}", errors
        )
    params: dict[str, Any] = {
        "c": city.id,
        "type": AID,
        "kind": kind,
        "status": status,
        "kel": kelurahan,
        "y0": datetime(year, 1, 1, tzinfo=WIB) if year else None,
        "y1": datetime(year + 1, 1, 1, tzinfo=WIB) if year else None,
    }
    sums = session.execute(_TOTAL, params).one()
    rows = session.execute(_PAGE, params | {"limit": limit, "offset": offset}).all()
    items = [
        ProposalPublic(
            organisation=r.organisation or "",
            kind=r.kind or "",
            organisation_kind=r.organisation_kind,
            kelurahan=r.kelurahan,
            kecamatan=r.kecamatan,
            amount_requested_idr=r.amount_requested_idr,
            amount_approved_idr=r.amount_approved_idr,
            status=r.status,
            status_label=status_label(AID, r.status),
            submitted_month=r.submitted_month,
        )
        for r in rows
    ]
    return ProposalPage(
        items=items,
        total=sums.n,
        total_requested_idr=int(sums.requested),
        total_approved_idr=int(sums.approved),
        limit=limit,
        offset=offset,
    )


def own_requests(session: Session, principal: Principal, *, limit: int = 200) -> list[OwnRequest]:
    """The requests the logged-in principal submitted, newest first (every city).

    Raises:
        AuthenticationRequiredError: Anonymous.
        PermissionDeniedError: A role the matrix does not allow.
    """
    authorize(principal, "requests.own")
    if principal.user_id is None:  # the command line submits nothing of its own
        return []
    rows = session.execute(
        text(
            "SELECT r.code, r.type, r.title, r.status, r.created_at, r.updated_at,"
            " k.name AS kelurahan FROM service_request r"
            " LEFT JOIN admin_area k ON k.city_id = r.city_id AND k.level = 'kelurahan'"
            "  AND k.code = r.kelurahan_code"
            " WHERE r.city_id = ANY(ARRAY(SELECT id FROM city)) AND r.submitted_by = :u"
            " ORDER BY r.created_at DESC, r.id DESC LIMIT :limit"
        ),
        {"u": principal.user_id, "limit": limit},
    ).all()
    return [
        OwnRequest(
            code=r.code,
            type=r.type,
            title=r.title,
            status=r.status,
            status_label=status_label(r.type, r.status),
            kelurahan=r.kelurahan,
            created_at=r.created_at,
            updated_at=r.updated_at,
        )
        for r in rows
    ]


def own_request_of_code(session: Session, principal: Principal, code: str) -> tuple[int, int, str]:
    """``(city_id, request_id, type)`` of the request with tracking ``code`` that the
    logged-in principal submitted (e.g. to show the applicant its stored permit check).

    Raises:
        AuthenticationRequiredError: Anonymous.
        PermissionDeniedError: A role the matrix does not allow.
        RequestNotFoundError: No such code, or a request someone else submitted (the same
            answer, so a code of another's request tells nothing).
    """
    authorize(principal, "requests.own")
    canonical = normalise_code(code)
    if canonical is None or principal.user_id is None:
        raise RequestNotFoundError(f"you submitted no request {code!r}")
    row = session.execute(
        text(
            "SELECT city_id, id, type FROM service_request WHERE code = :code AND submitted_by = :u"
        ),
        {"code": canonical, "u": principal.user_id},
    ).first()
    if row is None:
        raise RequestNotFoundError(f"you submitted no request {code!r}")
    return int(row.city_id), int(row.id), str(row.type)
