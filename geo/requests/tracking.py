"""The public view of a request by its tracking code (``track``): type, place, status and the
timeline of public notes, for anyone holding the code."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.requests.codes import normalise_code
from geo.requests.schemas import TrackEvent, TrackPublic
from geo.requests.types import TYPES, RequestNotFoundError

# the public place of types that show one attribute instead of the kelurahan (school transfers:
# the target school's name); fixed fragments built from the type table, no input
_TRACK_PLACE = (
    "CASE r.type"
    + "".join(
        f" WHEN '{k.name}' THEN r.attrs->>'{k.track_place_field}'"
        for k in TYPES.values()
        if k.track_place_field
    )
    + " END"
    if any(k.track_place_field for k in TYPES.values())
    else "NULL"
)


def track(session: Session, code: str) -> TrackPublic:
    """The public view of a request by its tracking code: type, place, status, public notes.

    Raises:
        RequestNotFoundError: A malformed code, a wrong check character, or no such request.
    """
    canonical = normalise_code(code)
    if canonical is None:
        raise RequestNotFoundError("no request with this code (check the code you typed)")
    # one statement: the request, its place names and its timeline (three ordered arrays)
    row = session.execute(
        text(
            "SELECT r.code, r.type, r.status, r.created_at,"  # noqa: S608 - fixed fragments; values bound
            f" k.name AS kelurahan, kc.name AS kecamatan, {_TRACK_PLACE} AS place,"
            " e.ats, e.statuses, e.notes"
            " FROM service_request r"
            " LEFT JOIN admin_area k ON k.city_id = r.city_id AND k.level = 'kelurahan'"
            "  AND k.code = r.kelurahan_code"
            " LEFT JOIN admin_area kc ON kc.city_id = r.city_id AND kc.level = 'kecamatan'"
            "  AND kc.code = r.kecamatan_code"
            " CROSS JOIN LATERAL (SELECT array_agg(ev.at ORDER BY ev.id) AS ats,"
            "  array_agg(ev.to_status ORDER BY ev.id) AS statuses,"
            "  array_agg(ev.public_note ORDER BY ev.id) AS notes"
            "  FROM request_event ev WHERE ev.city_id = r.city_id AND ev.request_id = r.id) e"
            # one index probe per city: the unique key leads with city_id (DESIGN §8)
            " WHERE r.city_id = ANY(ARRAY(SELECT id FROM city)) AND r.code = :code"
        ),
        {"code": canonical},
    ).first()
    if row is None:
        raise RequestNotFoundError("no request with this code (check the code you typed)")
    events = zip(row.ats or [], row.statuses or [], row.notes or [], strict=True)
    by_place = TYPES[row.type].track_place_field is not None if row.type in TYPES else False
    return TrackPublic(
        code=row.code,
        type=row.type,
        status=row.status,
        kelurahan=None if by_place else row.kelurahan,
        kecamatan=None if by_place else row.kecamatan,
        school=row.place,
        created_at=row.created_at,
        timeline=[TrackEvent(at=at, status=status, note=note) for at, status, note in events],
    )
