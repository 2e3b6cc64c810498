"""Citizens' transport suggestions for Dishub's planners (the route editor draws them)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import orjson
from fastapi import APIRouter, Query, Response

from api.auth import PrincipalDep, requires
from api.deps import CityDep, SessionDep
from api.response_models import GeoJSONResponse
from api.response_models_staff import Suggestions
from geo.requests.suggestions import MAX_SUGGESTIONS, SuggestionFilter, list_suggestions

router = APIRouter(tags=["route editor"])


def _codes(value: str | None) -> tuple[str, ...]:
    return tuple(s.strip() for s in (value or "").split(",") if s.strip())


@router.get(
    "/cities/{city}/editor/suggestions",
    summary="Citizens' transport suggestions (saran_transport) as GeoJSON, no personal data",
    response_class=GeoJSONResponse,
    response_model=Suggestions,
    responses={
        422: {"description": "an unknown status or kind, or 'from' after 'to' (field errors)"},
    },
    **requires("routes.edit"),
)
def get_suggestions(
    *,
    city: CityDep,
    session: SessionDep,
    principal: PrincipalDep,
    status: Annotated[str | None, Query(max_length=200, description="comma list")] = None,
    kind: Annotated[str | None, Query(max_length=200, description="comma list")] = None,
    date_from: Annotated[date | None, Query(alias="from", description="YYYY-MM-DD")] = None,
    date_to: Annotated[date | None, Query(alias="to", description="YYYY-MM-DD, inclusive")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_SUGGESTIONS)] = MAX_SUGGESTIONS,
) -> Response:
    """Points and from -> to lines with their code, kind, note, status and day, newest first."""
    collection = list_suggestions(
        session,
        principal,
        city,
        SuggestionFilter(
            status=_codes(status),
            kind=_codes(kind),
            date_from=date_from,
            date_to=date_to,
            limit=limit,
        ),
    )
    return Response(
        orjson.dumps(collection),
        media_type="application/geo+json",
        headers={"Cache-Control": "private, no-store"},
    )
