"""Citizens' transport suggestions as Dishub's planners see them: a GeoJSON layer, no people."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import orjson
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.accounts import Principal, authorize
from geo.cities import CityInfo
from geo.errors import InvalidInputError
from geo.requests.deadlines import CITY_TZ, day_start
from geo.requests.saran import SARAN, SARAN_KINDS, SARAN_WORKFLOW

# the planners' map: the route editor's action (Dishub planners, reviewers, admins)
ACTION = "routes.edit"
MAX_SUGGESTIONS = 5_000


@dataclass(frozen=True)
class SuggestionFilter:
    """Which suggestions to list: statuses, kinds, created from/to (days in the city, inclusive)."""

    status: tuple[str, ...] = ()
    kind: tuple[str, ...] = ()
    date_from: date | None = None
    date_to: date | None = None
    limit: int = MAX_SUGGESTIONS


def _check(f: SuggestionFilter) -> None:
    errors = []
    if [s for s in f.status if s not in SARAN_WORKFLOW.states]:
        known = ", ".join(SARAN_WORKFLOW.states)
        errors.append({"field": "status", "in": "query", "message": f"one of {known}"})
    if [k for k in f.kind if k not in SARAN_KINDS]:
        errors.append(
            {"field": "kind", "in": "query", "message": f"one of {', '.join(SARAN_KINDS)}"}
        )
    if f.date_from and f.date_to and f.date_from > f.date_to:
        errors.append({"field": "from", "in": "query", "message": "after 'to'"})
    if not 1 <= f.limit <= MAX_SUGGESTIONS:
        errors.append({"field": "limit", "in": "query", "message": f"1 to {MAX_SUGGESTIONS}"})
    if errors:
        raise InvalidInputError(
            "invalid value for: " + ", ".join(e["field"] for e in errors), errors
        )


_SQL = text(
    """
    SELECT r.id, r.code, r.status, r.version, r.kelurahan_code, k.name AS kelurahan,
           r.attrs->>'kind' AS kind, r.attrs->>'note' AS note,
           CAST((r.created_at AT TIME ZONE :tz) AS date) AS created_on,
           ST_AsGeoJSON(r.geom, 6) AS geometry
    FROM service_request r
    LEFT JOIN admin_area k ON k.city_id = r.city_id AND k.level = 'kelurahan'
      AND k.code = r.kelurahan_code
    WHERE r.city_id = :c AND r.type = :type
      AND (CAST(:status AS text[]) IS NULL OR r.status = ANY(CAST(:status AS text[])))
      AND (CAST(:kind AS text[]) IS NULL OR r.attrs->>'kind' = ANY(CAST(:kind AS text[])))
      AND (CAST(:from_at AS timestamptz) IS NULL OR r.created_at >= :from_at)
      AND (CAST(:to_at AS timestamptz) IS NULL OR r.created_at < :to_at)
    ORDER BY r.created_at DESC, r.id DESC
    LIMIT :limit
    """
)


def list_suggestions(
    session: Session, principal: Principal, city: CityInfo, f: SuggestionFilter
) -> dict[str, Any]:
    """The city's transport suggestions as a GeoJSON FeatureCollection, newest first.

    No personal data: the contact stays in ``request_private``. Feature ``id`` is the
    request's id (its steps go through ``POST /requests/{id}/transitions`` with If-Match
    ``"v{version}"``).

    Returns:
        ``{"type": "FeatureCollection", "features": [{"type": "Feature", "id": 7,
        "geometry": Point|LineString, "properties": {code, kind, kind_label, note, status,
        status_label, created_on (YYYY-MM-DD), kelurahan_code, kelurahan, version}}],
        "numberReturned": n, "truncated": bool}``; ``truncated`` when more than ``limit`` match.

    Raises:
        AuthenticationRequiredError, PermissionDeniedError: Not a planner of this city.
        InvalidInputError: An unknown status or kind, ``from`` after ``to``, a bad limit.
    """
    authorize(principal, ACTION, city_id=city.id)
    _check(f)
    rows = session.execute(
        _SQL,
        {
            "c": city.id,
            "type": SARAN,
            "tz": CITY_TZ,
            "status": list(f.status) or None,
            "kind": list(f.kind) or None,
            "from_at": day_start(f.date_from) if f.date_from else None,
            "to_at": day_start(f.date_to + timedelta(days=1)) if f.date_to else None,
            "limit": f.limit + 1,
        },
    ).all()
    labels = SARAN_WORKFLOW.state_labels
    features = [
        {
            "type": "Feature",
            "id": r.id,
            "geometry": orjson.Fragment(r.geometry),
            "properties": {
                "code": r.code,
                "kind": r.kind,
                "kind_label": SARAN_KINDS.get(r.kind or "", r.kind),
                "note": r.note,
                "status": r.status,
                "status_label": labels.get(r.status, r.status),
                "created_on": r.created_on.isoformat(),
                "kelurahan_code": r.kelurahan_code,
                "kelurahan": r.kelurahan,
                "version": r.version,
            },
        }
        for r in rows[: f.limit]
    ]
    return {
        "type": "FeatureCollection",
        "features": features,
        "numberReturned": len(features),
        "truncated": len(rows) > f.limit,
    }
