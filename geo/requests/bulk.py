"""Loading many requests at once with their history (demo data, migrations, benchmarks).

Each row is checked as ``submit`` checks a request (type, attributes, contact, private part,
place) and its history against the type's workflow; then chunks go in as one
``INSERT ... SELECT FROM unnest(...)`` per table, the kelurahan found by the same spatial join as
``submit``, set-based. One audit entry covers the whole load. The rows and their checks are
``bulk_rows``; this module writes them.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterable, Iterator
from typing import Any

import orjson
import shapely
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from geo.accounts import Principal, authorize, record
from geo.cities import CityInfo
from geo.errors import InvalidGeometryError, InvalidInputError
from geo.requests.bulk_rows import BulkEvent, BulkRequest, Ready, computing, geometries, prepare_row
from geo.requests.place import CITY_MARGIN_M

CHUNK = 5_000
_NOTES = ("public_note", "internal_note")


_IDS = text(
    "SELECT nextval(pg_get_serial_sequence('service_request', 'id')) FROM generate_series(1, :n)"
)
# the same answer as submit's PLACE_SQL: outside = farther than the margin from the kota (or,
# without a kota, off the city's bbox)
_OUTSIDE = text(
    """
    WITH g AS (
        SELECT t.ord, ST_SetSRID(ST_GeomFromWKB(decode(t.wkb, 'hex')), 4326) AS geom
        FROM unnest(CAST(:wkb AS text[])) WITH ORDINALITY AS t(wkb, ord)),
    kota AS (SELECT geom FROM admin_area WHERE city_id = :c AND level = 'kota')
    SELECT g.ord - 1 AS i FROM g
    WHERE NOT (
        (NOT EXISTS (SELECT 1 FROM kota)
         AND ST_Intersects(ST_MakeEnvelope(:minx, :miny, :maxx, :maxy, 4326), g.geom))
        OR EXISTS (SELECT 1 FROM kota WHERE ST_Covers(kota.geom, g.geom)
                   OR ST_DWithin(kota.geom::geography, g.geom::geography, :margin)))
    ORDER BY g.ord LIMIT 10
    """
)
# PLACE_SQL's order (covering first, then nearest, then the lower code) in two index probes: the
# lowest code among the kelurahan covering the point; else the nearest (then the lower code)
_REQUESTS = text(
    """
    INSERT INTO service_request (city_id, id, type, code, status, geom, kelurahan_code,
        kecamatan_code, opd_code, title, attrs, priority, version, demo, created_at, updated_at,
        status_changed_at)
    SELECT :c, t.id, t.type, t.code, t.status, g.geom, k.code, k.parent_code, t.opd, t.title,
        t.attrs, t.priority, t.version, t.demo, t.created_at, t.changed_at, t.changed_at
    FROM json_to_recordset(CAST(:rows AS json)) AS t(id bigint, type text, code text,
        status text, wkb text, opd text, title text, attrs jsonb, priority smallint,
        version int, demo boolean, created_at timestamptz, changed_at timestamptz)
    CROSS JOIN LATERAL (
        SELECT ST_SetSRID(ST_GeomFromWKB(decode(t.wkb, 'hex')), 4326) AS geom) g
    CROSS JOIN LATERAL (SELECT ST_PointOnSurface(g.geom) AS pt) p
    CROSS JOIN LATERAL (SELECT COALESCE(
        (SELECT a.code FROM admin_area a
         WHERE a.city_id = :c AND a.level = 'kelurahan' AND ST_Covers(a.geom, p.pt)
         ORDER BY a.code LIMIT 1),
        (SELECT a.code FROM admin_area a
         WHERE a.city_id = :c AND a.level = 'kelurahan'
         ORDER BY a.geom <-> p.pt, a.code LIMIT 1)) AS code) kel
    LEFT JOIN admin_area k ON k.city_id = :c AND k.level = 'kelurahan' AND k.code = kel.code
    """
)
# rows travel as one JSON document per chunk (orjson in Python, json_to_recordset in SQL):
# far cheaper than quoting a dozen text arrays
_PRIVATE = text(
    "INSERT INTO request_private (city_id, request_id, name, nik, phone, email, address, extra)"
    " SELECT :c, t.* FROM json_to_recordset(CAST(:rows AS json)) AS t(id bigint, name text,"
    " nik text, phone text, email text, address text, extra jsonb)"
)
_EVENTS = text(
    "INSERT INTO request_event (city_id, request_id, at, actor, transition, from_status,"
    " to_status, public_note, internal_note, fields)"
    " SELECT :c, t.* FROM json_to_recordset(CAST(:rows AS json)) AS t(id bigint, at timestamptz,"
    " actor text, transition text, from_status text, to_status text, public_note text,"
    " internal_note text, fields jsonb)"
)


def _chunks(rows: Iterable[BulkRequest], size: int) -> Iterator[list[BulkRequest]]:
    it = iter(rows)
    while chunk := list(itertools.islice(it, size)):
        yield chunk


def _write(session: Session, city: CityInfo, ready: list[Ready], offset: int) -> None:
    minx, miny, maxx, maxy = city.bbox
    wkbs = [str(w) for w in shapely.to_wkb([r.geom for r in ready], hex=True)]
    outside = (
        session.execute(
            _OUTSIDE,
            {"wkb": wkbs, "c": city.id, "margin": CITY_MARGIN_M}
            | {"minx": minx, "miny": miny, "maxx": maxx, "maxy": maxy},
        )
        .scalars()
        .all()
    )
    if outside:
        shown = ", ".join(str(offset + i) for i in outside)
        raise InvalidGeometryError(
            f"rows outside {city.name}: {shown}",
            [
                {"field": f"rows[{offset + i}].geometry", "message": "outside the city"}
                for i in outside
            ],
        )
    ids = [int(i) for i in session.execute(_IDS, {"n": len(ready)}).scalars()]
    requests = [
        {
            "id": rid,
            "type": r.kind.name,
            "code": r.code,
            "status": r.row.status,
            "wkb": wkb,
            "opd": r.kind.opd,
            "title": r.title,
            "attrs": r.attrs,
            "priority": r.row.priority,
            "version": len(r.row.events),
            "demo": r.row.demo,
            "created_at": r.row.created_at,
            "changed_at": r.row.events[-1].at,
        }
        for rid, r, wkb in zip(ids, ready, wkbs, strict=True)
    ]
    session.execute(_REQUESTS, {"c": city.id, "rows": _json(requests)})
    private = [
        {
            "id": rid,
            "name": r.contact.name,
            "nik": r.contact.nik,
            "phone": r.contact.phone,
            "email": r.contact.email,
            "address": r.contact.address,
            "extra": r.private,
        }
        for rid, r in zip(ids, ready, strict=True)
    ]
    session.execute(_PRIVATE, {"c": city.id, "rows": _json(private)})
    events = [
        {
            "id": rid,
            "at": e.at,
            "actor": e.actor[:64],
            "transition": e.transition,
            "from_status": e.from_status,
            "to_status": e.to_status,
            "public_note": e.fields.get("public_note"),
            "internal_note": e.fields.get("internal_note"),
            "fields": {k: v for k, v in e.fields.items() if k not in _NOTES},
        }
        for rid, r in zip(ids, ready, strict=True)
        for e in r.row.events
    ]
    session.execute(_EVENTS, {"c": city.id, "rows": _json(events)})


def _json(rows: list[dict[str, Any]]) -> str:
    try:
        return orjson.dumps(rows).decode()
    except TypeError as exc:  # a field value JSON cannot carry
        raise InvalidInputError(
            f"a value cannot be stored: {exc}", [{"field": "rows", "message": "not JSON"}]
        ) from None


def bulk_load(
    session: Session,
    principal: Principal,
    city: CityInfo,
    rows: Iterable[BulkRequest],
    *,
    chunk_size: int = CHUNK,
    planning: Any | None = None,
) -> int:
    """Load many requests with their histories at once; all or nothing; one audit entry.

    Each row is checked as ``submit`` checks a request, and its events against the type's
    workflow (the submission, then legal transitions with their required fields, in time
    order). Kelurahan, kecamatan and OPD are assigned as ``submit`` assigns them; the version is
    the number of events, ``status_changed_at`` the last event's time. ``rows`` may be a
    generator: it is read and written ``chunk_size`` rows at a time (a million rows take
    minutes), all inside one savepoint, so a bad row anywhere leaves nothing written.

    Args:
        session: The database session (not committed here).
        principal: Who loads (a deployment administrator: ``cities.manage``).
        city: The city the requests belong to.
        rows: The requests.
        chunk_size: Rows per INSERT.
        planning: The city's networks (``geo.requests.transfer.Planning``): given, the rows of
            types that compute on submission (school transfers: the figures, the target school
            as the place) go through the type's ``prepare`` as ``submit`` does; their errors
            (an unknown NPSN, a level mismatch) stop the load.

    Returns:
        The number of requests loaded.

    Raises:
        PermissionDeniedError: The principal may not manage cities.
        InvalidInputError: A bad row (naming its index and field): unknown type, invalid
            attributes, contact or private part, an illegal history, a bad or repeated code.
        InvalidGeometryError: A bad place, or one outside the city (+ 500 m).
    """
    authorize(principal, "cities.manage", city_id=city.id)
    loaded = 0
    by_status: Counter[str] = Counter()
    demo = 0
    seen: set[str] = set()
    computed = computing(session, city, planning)
    try:
        with session.begin_nested():
            for chunk in _chunks(rows, chunk_size):
                geoms = geometries(chunk, loaded)
                ready = [
                    prepare_row(row, geom, loaded + n, seen, computed)
                    for n, (row, geom) in enumerate(zip(chunk, geoms, strict=True))
                ]
                _write(session, city, ready, loaded)
                loaded += len(ready)
                by_status.update(f"{r.kind.name}:{r.row.status}" for r in ready)
                demo += sum(r.row.demo for r in ready)
            record(
                session,
                principal,
                "requests.bulk_load",
                city_id=city.id,
                object_type="service_request",
                detail={
                    "count": loaded,
                    "demo": demo,
                    "by_status": dict(sorted(by_status.items())),
                },
            )
    except IntegrityError as exc:
        if "uq_service_request_city_id_code" not in str(exc.orig):
            raise
        raise InvalidInputError(
            "a tracking code of this load exists already in the city",
            [{"field": "rows.code", "message": "exists already"}],
        ) from None
    return loaded


__all__ = ["BulkEvent", "BulkRequest", "bulk_load"]
