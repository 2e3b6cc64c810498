"""School transfers: the public preview of a target school and its nearest alternatives, with
the figures of ``geo.requests.transfer_figures`` (no personal data is read or kept)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from geo.cities import CityInfo
from geo.errors import InvalidInputError
from geo.models import SCHOOL_LEVELS, SCHOOL_STATUSES
from geo.points import ensure_in_city
from geo.requests.transfer import CITY_LEVELS, LevelMismatchError, check_governed
from geo.requests.transfer_figures import Planning, find_school, nearest_schools, school_figures


def check_preview_filters(level: str, status: str | None) -> None:
    """Refuse an unknown level or status, and levels the city does not govern.

    Raises:
        InvalidInputError: Unknown level or status.
        LevelNotGovernedError: SMA, SMK, SLB.
    """
    if level not in SCHOOL_LEVELS:
        raise InvalidInputError(
            f"level must be one of {', '.join(CITY_LEVELS)}",
            [{"field": "level", "in": "query", "message": "unknown level"}],
        )
    check_governed(level, "level")
    if status is not None and status not in SCHOOL_STATUSES:
        raise InvalidInputError(
            f"status must be one of {', '.join(SCHOOL_STATUSES)}",
            [{"field": "status", "in": "query", "message": "unknown status"}],
        )


def alternatives(
    session: Session,
    city: CityInfo,
    planning: Planning,
    *,
    lon: float,
    lat: float,
    level: str,
    status: str | None = None,
    target: str | None = None,
) -> dict[str, Any]:
    """The 5 schools of ``level`` (and ``status``) nearest a home with their figures, and the
    figures of the chosen target (public: no personal data is read or kept).

    Raises:
        PointOutsideCityError: The home lies outside the city.
        InvalidInputError: Bad level or status.
        LevelNotGovernedError: SMA, SMK, SLB.
        UnknownSchoolError: An unknown target NPSN.
        LevelMismatchError: A target of another level.
    """
    check_preview_filters(level, status)
    ensure_in_city(session, city, lon, lat, "lon,lat")
    home = (lon, lat)
    chosen = None
    if target is not None:
        school = find_school(session, city.id, target, "target")
        check_governed(school.level, "target")
        if school.level != level:
            raise LevelMismatchError(
                f"the target school is {school.level}, not {level}",
                [{"field": "target", "in": "query", "message": "level differs"}],
            )
        chosen = school
    near = nearest_schools(session, city.id, home, level, status)
    figures = school_figures(
        session, city.id, planning, home, [*near, *([chosen] if chosen else [])]
    )
    return {
        "level": level,
        "status": status,
        "target": figures[-1] if chosen else None,
        "alternatives": figures[: len(near)],
        "notice": None,
    }
