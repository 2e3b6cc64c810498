"""Loading many requests at once with their history (demo data, migrations, benchmarks).

Each row is checked as ``submit`` checks a request (type, attributes, contact, private part,
place) and its history against the type's workflow; then chunks go in as one
``INSERT ... SELECT FROM unnest(...)`` per table, the kelurahan found by the same spatial join as
``submit``, set-based. One audit entry covers the whole load.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any

import orjson
import shapely
from pydantic import BaseModel, ValidationError
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from geo.accounts import Principal, authorize, record
from geo.cities import CityInfo
from geo.errors import InvalidGeometryError, InvalidInputError
from geo.requests.codes import new_code, normalise_code
from geo.requests.place import CITY_MARGIN_M, parse_geometry
from geo.requests.schemas import Contact
from geo.requests.types import TYPES, RequestType
from geo.requests.workflow import Transition

CHUNK = 5_000
_NOTES = ("public_note", "internal_note")


@dataclass(frozen=True, kw_only=True)
class BulkEvent:
    """One step of a loaded request's history.

    Attributes:
        transition: The workflow transition taken; None for the first event (the submission).
        from_status: The status before (None for the first event).
        to_status: The status after.
        at: When (timezone-aware).
        actor: Who took it, as the history shows it (a username).
        fields: The step's fields (``public_note``, ``internal_note``, ``approved_amount_idr``...).
    """

    transition: str | None
    from_status: str | None
    to_status: str
    at: datetime
    actor: str
    fields: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class BulkRequest:
    """One request to load, with its whole history.

    Attributes:
        type: A type of ``TYPES`` (``bantuan``).
        geometry: A shapely Point/(Multi)Polygon or its WKT, lon/lat.
        attrs: The type's attributes (validated by its schema).
        contact: The contact (validated as ``Contact``).
        private: The type's private part (validated by its schema).
        created_at: When it was submitted (timezone-aware).
        events: The history in order; the first is the submission, each next one a legal
            transition from the status before it.
        status: The current status: the last event's ``to_status``.
        code: Its tracking code (valid, with the type's prefix); None: a new one is made.
        demo: Generated demo data.
        priority: The request's priority.
    """

    type: str
    geometry: shapely.Geometry | str
    attrs: Mapping[str, Any]
    contact: Mapping[str, Any]
    private: Mapping[str, Any] = field(default_factory=dict)
    created_at: datetime
    events: Sequence[BulkEvent]
    status: str
    code: str | None = None
    demo: bool = False
    priority: int = 0


@dataclass(frozen=True)
class _Ready:
    """A checked row, as the INSERTs take it."""

    kind: RequestType
    code: str
    geom: shapely.Geometry
    title: str
    attrs: dict[str, Any]
    contact: Contact
    private: dict[str, Any]
    row: BulkRequest


def _invalid(index: int, part: str, message: str) -> InvalidInputError:
    return InvalidInputError(
        f"row {index}: {part}: {message}", [{"field": f"rows[{index}].{part}", "message": message}]
    )


def _model(model: type[BaseModel], data: Mapping[str, Any], index: int, part: str) -> BaseModel:
    try:
        return model.model_validate(dict(data))
    except ValidationError as exc:
        errors = [
            {
                "field": ".".join([f"rows[{index}]", part, *(str(p) for p in e["loc"])]),
                "message": str(e["msg"]),
            }
            for e in exc.errors()
        ]
        shown = ", ".join(e["field"] for e in errors)
        raise InvalidInputError(f"row {index}: invalid value for: {shown}", errors) from None


def _geometries(rows: Sequence[BulkRequest], offset: int) -> list[shapely.Geometry]:
    """The checked places of a chunk (WKT parsed at once), as ``submit`` checks them."""
    raw: list[Any] = [r.geometry for r in rows]
    texts = [n for n, g in enumerate(raw) if isinstance(g, str)]
    if texts:
        parsed = shapely.from_wkt([raw[n] for n in texts], on_invalid="ignore")
        for n, geom in zip(texts, parsed, strict=True):
            raw[n] = geom
    return [_geometry(geom, offset + n) for n, geom in enumerate(raw)]


def _geometry(geom: Any, index: int) -> shapely.Geometry:
    if not isinstance(geom, shapely.Geometry):
        raise InvalidGeometryError(
            f"row {index}: the place is not a geometry (or not valid WKT)",
            [{"field": f"rows[{index}].geometry", "message": "unreadable"}],
        )
    if isinstance(geom, shapely.Point) and not geom.is_empty:  # the common case, quickly
        x, y = geom.x, geom.y
        if math.isfinite(x) and math.isfinite(y) and -180 <= x <= 180 and -90 <= y <= 90:
            return geom
    try:
        return parse_geometry(shapely.geometry.mapping(geom))
    except InvalidGeometryError as exc:
        raise InvalidGeometryError(
            f"row {index}: {exc.detail}",
            [{"field": f"rows[{index}].geometry", "message": exc.detail}],
        ) from None


@cache
def _steps(kind: str) -> dict[str, Transition]:
    return {t.name: t for t in TYPES[kind].workflow.transitions}


def _check_events(kind: RequestType, row: BulkRequest, index: int) -> None:
    """The history must be the workflow's: submission first, then legal steps in time order."""
    flow = kind.workflow
    if not row.events:
        raise _invalid(index, "events", "a request needs at least its submission event")
    first = row.events[0]
    if first.transition is not None or first.from_status is not None:
        raise _invalid(index, "events[0]", "the first event is the submission (no transition)")
    if first.to_status != flow.initial:
        raise _invalid(index, "events[0]", f"a request starts in '{flow.initial}'")
    if first.at < row.created_at:
        raise _invalid(index, "events[0].at", "before the request was created")
    status, when = first.to_status, first.at
    for n, event in enumerate(row.events[1:], start=1):
        part = f"events[{n}]"
        if event.at < when:
            raise _invalid(index, f"{part}.at", "events must be in time order")
        if event.transition is None or event.from_status != status:
            raise _invalid(index, part, f"must be a transition from '{status}'")
        step = _steps(kind.name).get(event.transition)
        if step is None or status not in step.sources:
            allowed = sorted(t.name for t in _steps(kind.name).values() if status in t.sources)
            raise _invalid(
                index,
                part,
                f"'{event.transition[:64]}' cannot be taken from '{status}';"
                f" allowed: {', '.join(allowed) or 'none'}",
            )
        missing = [f for f in step.requires if event.fields.get(f) in (None, "")]
        if missing:
            raise _invalid(index, part, f"'{step.name}' needs: {', '.join(missing)}")
        if event.to_status != step.target:
            raise _invalid(
                index, f"{part}.to_status", f"'{event.transition}' leads to {step.target}"
            )
        status, when = step.target, event.at
    if row.status != status:
        raise _invalid(index, "status", f"the history ends in '{status}'")


def _prepare(
    row: BulkRequest, geom: shapely.Geometry, index: int, seen: set[str], computed: _Compute
) -> _Ready:
    kind = TYPES.get(row.type)
    if kind is None:
        raise _invalid(index, "type", f"unknown request type {row.type[:32]!r}")
    attrs = _model(kind.attrs, row.attrs, index, "attrs").model_dump(mode="json")
    contact = _model(Contact, row.contact, index, "contact")
    assert isinstance(contact, Contact)
    private = _model(kind.private, row.private, index, "private") if kind.private else None
    private_json = private.model_dump(mode="json") if private else {}
    _check_events(kind, row, index)
    if computed is not None and kind.prepare is not None:
        attrs, private_json, geom = computed(kind, attrs, private_json, geom)
    if row.code is None:
        code = new_code(kind.prefix)
    elif normalise_code(row.code) != row.code or not row.code.startswith(kind.prefix + "-"):
        raise _invalid(index, "code", f"not a valid {kind.prefix} tracking code")
    else:
        code = row.code
    if code in seen:
        raise _invalid(index, "code", "repeated in this load")
    seen.add(code)
    return _Ready(
        kind=kind,
        code=code,
        geom=geom,
        title=str(attrs.get(kind.title_field, kind.name))[:200],
        attrs=attrs,
        contact=contact,
        private=private_json,
        row=row,
    )


# what submit computes for a type with ``prepare`` (the figures of a school transfer): the
# attributes, private part and place as stored
_Compute = (
    Callable[
        [RequestType, dict[str, Any], dict[str, Any], shapely.Geometry],
        tuple[dict[str, Any], dict[str, Any], shapely.Geometry],
    ]
    | None
)


def _computing(session: Session, city: CityInfo, planning: Any | None) -> _Compute:
    if planning is None:
        return None

    def compute(
        kind: RequestType, attrs: dict[str, Any], private: dict[str, Any], geom: shapely.Geometry
    ) -> tuple[dict[str, Any], dict[str, Any], shapely.Geometry]:
        assert kind.prepare is not None
        ready = kind.prepare(session, city, attrs, private, geom, planning=planning)
        return ready.attrs, ready.private, shapely.from_wkt(ready.wkt)

    return compute


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


def _write(session: Session, city: CityInfo, ready: list[_Ready], offset: int) -> None:
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
    computed = _computing(session, city, planning)
    try:
        with session.begin_nested():
            for chunk in _chunks(rows, chunk_size):
                geoms = _geometries(chunk, loaded)
                ready = [
                    _prepare(row, geom, loaded + n, seen, computed)
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
