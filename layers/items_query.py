"""OGC API Features items: the ``/items`` query string validated, pages and paging rules."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from geo.cities import BBox, validate_bbox
from geo.errors import InvalidInputError
from layers.registry import LayerDef, Prop
from layers.temporal import Interval, parse_datetime

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
# Query parameters with a meaning in OGC API Features (Parts 1-4) or OGC API Common.
HANDLED_PARAMS = frozenset(
    {"bbox", "datetime", "limit", "offset", "properties", "f", "crs", "bbox-crs"}
)
UNSUPPORTED_PARAMS = frozenset(
    {
        "filter",
        "filter-lang",
        "filter-crs",
        "sortby",
        "q",
        "ids",
        "resulttype",
        "skipgeometry",
    }
)
FORMATS = frozenset({"json", "geojson"})
INT64 = (-(2**63), 2**63 - 1)


@dataclass(frozen=True)
class ItemsQuery:
    """A validated ``/items`` request."""

    limit: int
    offset: int = 0
    bbox: BBox | None = None
    properties: tuple[Prop, ...] = ()
    filters: tuple[tuple[Prop, Any], ...] = ()
    # the ``datetime`` interval, on layers with a temporal property only
    interval: Interval | None = None


@dataclass(frozen=True)
class FeaturePage:
    """One page of features; ``features`` is the comma-joined GeoJSON text from PostgreSQL."""

    features: bytes
    number_returned: int
    number_matched: int
    matched_exact: bool


def _parse_value(prop: Prop, raw: str) -> Any:
    if "\x00" in raw:
        raise ValueError("no NUL characters")  # PostgreSQL text cannot hold them
    if prop.type == "integer":
        value = int(raw)
        if not INT64[0] <= value <= INT64[1]:
            raise ValueError("out of range")
        return value
    if prop.type == "number":
        number = float(raw)
        if not math.isfinite(number):
            raise ValueError("not finite")
        return number
    if prop.type == "boolean":
        lowered = raw.strip().lower()
        if lowered not in {"true", "false", "1", "0"}:
            raise ValueError("not a boolean")
        return lowered in {"true", "1"}
    if prop.enum and raw not in prop.enum:
        raise ValueError(f"one of {', '.join(prop.enum)}")
    return raw


def _parse_int(name: str, raw: str, low: int, high: int, errors: list[dict[str, str]]) -> int:
    try:
        value = int(raw)
    except ValueError:
        errors.append({"field": name, "in": "query", "message": "must be an integer"})
        return low
    if not low <= value <= high:
        errors.append({"field": name, "in": "query", "message": f"must be in {low}..{high}"})
    return value


def parse_bbox(raw: str) -> BBox:
    """Parse ``minx,miny,maxx,maxy`` or ``minx,miny,minz,maxx,maxy,maxz`` (lon/lat, CRS84).

    Heights of the 6-number form are ignored. A box whose ``minx`` is greater than its
    ``maxx`` crosses the antimeridian (OGC API Features Part 1, /req/core/fc-bbox-definition).

    Raises:
        InvalidInputError: Not 4 or 6 finite numbers, miny >= maxy, minx == maxx, or outside
            lon/lat ranges.
    """
    parts = raw.split(",")
    shape = "bbox must be 4 or 6 numbers: minx,miny,maxx,maxy or minx,miny,minz,maxx,maxy,maxz"
    if len(parts) not in (4, 6):
        raise InvalidInputError(shape)
    try:
        numbers = [float(p) for p in parts]
    except ValueError as exc:
        raise InvalidInputError(shape) from exc
    if len(numbers) == 6:
        if not all(math.isfinite(v) for v in numbers):
            raise InvalidInputError("bbox values must be finite numbers")
        numbers = [numbers[0], numbers[1], numbers[3], numbers[4]]
    minx, miny, maxx, maxy = numbers
    if minx > maxx:  # across the antimeridian: both halves must be valid boxes
        validate_bbox((minx, miny, 180.0, maxy))
        validate_bbox((-180.0, miny, maxx, maxy))
        return (minx, miny, maxx, maxy)
    return validate_bbox((minx, miny, maxx, maxy))


def parse_items_query(layer: LayerDef, params: Sequence[tuple[str, str]]) -> ItemsQuery:
    """Validate the query string of an ``/items`` request.

    Parameters that are neither standard nor a property are left to the HTTP layer (which
    refuses them, api/query_rules.py); reserved parameters this server does not implement
    (``filter``, ``sortby`` ...) are refused. ``datetime`` is validated on every layer and
    filters the layer's temporal property where it has one (layers.temporal).

    Args:
        layer: The layer asked for.
        params: Query parameters as (name, value) pairs, in request order.

    Returns:
        The validated query.

    Raises:
        InvalidInputError: With one entry per bad parameter in ``errors``.
    """
    errors: list[dict[str, str]] = []
    seen: dict[str, str] = {}
    for name, value in params:
        if name in seen:
            errors.append({"field": name, "in": "query", "message": "given more than once"})
        seen[name] = value
    limit = layer.default_limit
    if "limit" in seen:
        limit = _parse_int("limit", seen["limit"], 1, layer.max_limit, errors)
    offset = _parse_int("offset", seen["offset"], 0, 10**12, errors) if "offset" in seen else 0
    bbox = None
    if "bbox" in seen:
        try:
            bbox = parse_bbox(seen["bbox"])
        except InvalidInputError as exc:
            errors.append({"field": "bbox", "in": "query", "message": exc.detail})
    interval = None
    if "datetime" in seen:
        try:
            interval = parse_datetime(seen["datetime"])
        except InvalidInputError as exc:
            errors.append({"field": "datetime", "in": "query", "message": exc.detail})
        if layer.temporal is None:
            interval = None  # no time on this layer: every feature is in the result
    for name in ("crs", "bbox-crs"):
        if name in seen and seen[name].strip("<>") != CRS84:
            errors.append({"field": name, "in": "query", "message": f"only {CRS84} is supported"})
    if "f" in seen and seen["f"].lower() not in FORMATS:
        errors.append({"field": "f", "in": "query", "message": "only f=json is available"})
    selected = layer.properties
    if "properties" in seen:
        names = [n.strip() for n in seen["properties"].split(",") if n.strip()]
        unknown = [n for n in names if layer.prop(n) is None]
        if unknown:
            errors.append(
                {"field": "properties", "in": "query", "message": f"unknown: {', '.join(unknown)}"}
            )
        selected = tuple(p for p in layer.properties if p.name in names)
    filters: list[tuple[Prop, Any]] = []
    for name, raw in seen.items():
        if name.lower() in UNSUPPORTED_PARAMS:
            errors.append({"field": name, "in": "query", "message": "not supported by this server"})
            continue
        prop = layer.prop(name)
        if prop is None or name in HANDLED_PARAMS:
            continue  # neither a property nor a filter (refused by the HTTP layer)
        if not prop.filterable:
            errors.append({"field": name, "in": "query", "message": "cannot filter on this"})
            continue
        try:
            filters.append((prop, _parse_value(prop, raw)))
        except ValueError as exc:
            errors.append({"field": name, "in": "query", "message": f"must be {prop.type}: {exc}"})
    if errors:
        fields = ", ".join(sorted({e["field"] for e in errors}))
        raise InvalidInputError(f"invalid value for: {fields}", errors=errors)
    named = {prop.name for prop, _value in filters}
    # dimensions of aggregate layers not asked for: their "every value" rows
    filters += [(p, p.default) for p in layer.properties if p.default and p.name not in named]
    return ItemsQuery(limit, offset, bbox, selected, tuple(filters), interval)


def next_offset(query: ItemsQuery, page: FeaturePage) -> int | None:
    """Offset of the next page, or None on the last page."""
    end = query.offset + page.number_returned
    if page.number_returned < query.limit or (page.matched_exact and end >= page.number_matched):
        return None
    return end


def prev_offset(query: ItemsQuery) -> int | None:
    """Offset of the previous page, or None on the first page."""
    return max(0, query.offset - query.limit) if query.offset > 0 else None
