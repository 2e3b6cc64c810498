"""The rows of a bulk load (``BulkRequest`` with its ``BulkEvent`` history) and their checks:
each row as ``submit`` checks a request (type, attributes, contact, private part, place, code)
and its history against the type's workflow. ``bulk.bulk_load`` writes what passes."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any

import shapely
from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from geo.cities import CityInfo
from geo.errors import InvalidGeometryError, InvalidInputError
from geo.requests.codes import new_code, normalise_code
from geo.requests.place import parse_geometry
from geo.requests.schemas import Contact
from geo.requests.types import TYPES, RequestType
from geo.requests.workflow import Transition


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
class Ready:
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


def geometries(rows: Sequence[BulkRequest], offset: int) -> list[shapely.Geometry]:
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


def prepare_row(
    row: BulkRequest, geom: shapely.Geometry, index: int, seen: set[str], computed: Compute
) -> Ready:
    """Check row ``index`` as ``submit`` checks a request (type, attributes, contact, private
    part, history, code unique in the load via ``seen``) and compute its figures if asked."""
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
    return Ready(
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
Compute = (
    Callable[
        [RequestType, dict[str, Any], dict[str, Any], shapely.Geometry],
        tuple[dict[str, Any], dict[str, Any], shapely.Geometry],
    ]
    | None
)


def computing(session: Session, city: CityInfo, planning: Any | None) -> Compute:
    """The type's ``prepare`` over the city's networks, or None without ``planning``."""
    if planning is None:
        return None

    def compute(
        kind: RequestType, attrs: dict[str, Any], private: dict[str, Any], geom: shapely.Geometry
    ) -> tuple[dict[str, Any], dict[str, Any], shapely.Geometry]:
        assert kind.prepare is not None
        ready = kind.prepare(session, city, attrs, private, geom, planning=planning)
        return ready.attrs, ready.private, shapely.from_wkt(ready.wkt)

    return compute
