"""OGC API Features items: query parsing, and GeoJSON built as text in PostgreSQL, as bytes."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Boolean, Float, Integer, String, bindparam, text
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import BindParameter
from sqlalchemy.types import TypeEngine

from geo.cities import BBox, validate_bbox
from geo.errors import InvalidInputError, NotFoundError
from layers.registry import LayerDef, Prop

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
# Query parameters with a meaning in OGC API Features (Parts 1-4) or OGC API Common.
HANDLED_PARAMS = frozenset({"bbox", "limit", "offset", "properties", "f", "crs", "bbox-crs"})
UNSUPPORTED_PARAMS = frozenset(
    {
        "datetime",
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
# numberMatched: counted exactly up to this many rows, estimated by the planner above it.
EXACT_COUNT_MAX = 100_000
# streamed pages: bytes of feature text per chunk (one row from PostgreSQL)
STREAM_CHUNK_BYTES = 256 * 1024
_INT64 = (-(2**63), 2**63 - 1)
_SQL_TYPES: dict[str, TypeEngine[Any]] = {
    "string": String(),
    "integer": Integer(),
    "number": Float(),
    "boolean": Boolean(),
}


@dataclass(frozen=True)
class ItemsQuery:
    """A validated ``/items`` request."""

    limit: int
    offset: int = 0
    bbox: BBox | None = None
    properties: tuple[Prop, ...] = ()
    filters: tuple[tuple[Prop, Any], ...] = ()


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
        if not _INT64[0] <= value <= _INT64[1]:
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
    """Parse ``minx,miny,maxx,maxy`` (lon/lat, CRS84).

    Raises:
        InvalidInputError: Not 4 finite numbers, min >= max, or outside lon/lat ranges.
    """
    parts = raw.split(",")
    if len(parts) != 4:
        raise InvalidInputError("bbox must be 4 numbers: minx,miny,maxx,maxy")
    try:
        minx, miny, maxx, maxy = (float(p) for p in parts)
    except ValueError as exc:
        raise InvalidInputError("bbox must be 4 numbers: minx,miny,maxx,maxy") from exc
    return validate_bbox((minx, miny, maxx, maxy))


def parse_items_query(layer: LayerDef, params: Sequence[tuple[str, str]]) -> ItemsQuery:
    """Validate the query string of an ``/items`` request.

    Unknown parameters are ignored (OGC API Features Part 1); reserved parameters this server
    does not implement (``filter``, ``sortby``, ``datetime`` ...) are refused.

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
            continue  # unknown parameters are ignored (OGC API Features /req/core/query-param)
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
    return ItemsQuery(limit, offset, bbox, selected, tuple(filters))


def _properties_sql(props: Sequence[Prop]) -> str:
    # Text concatenation of to_json() values: compact, and as fast as json_build_object.
    if not props:
        return "'{}'"
    members = " || ',' || ".join(
        f"""'"{p.name}":' || coalesce(to_json({p.sql})::text, 'null')""" for p in props
    )
    return f"'{{' || {members} || '}}'"


def feature_sql(layer: LayerDef, props: Sequence[Prop]) -> str:
    """SQL text expression (alias ``t``) of one GeoJSON Feature, lon/lat with 6 decimals."""
    return (
        f"""'{{"type":"Feature","id":' || t.{layer.id_column}"""
        f""" || ',"geometry":' || ST_AsGeoJSON(t.{layer.geom_column}, 6)"""
        f""" || ',"properties":' || {_properties_sql(props)} || '}}'"""
    )


def _where(
    layer: LayerDef, query: ItemsQuery
) -> tuple[str, dict[str, Any], list[BindParameter[Any]]]:
    clauses = ["t.city_id = :city_id", f"({layer.where})"]
    params: dict[str, Any] = {}
    binds: list[BindParameter[Any]] = []
    if query.bbox is not None:
        clauses.append(
            f"ST_Intersects(t.{layer.geom_column},"
            " ST_MakeEnvelope(:minx, :miny, :maxx, :maxy, 4326))"
        )
        params.update(zip(("minx", "miny", "maxx", "maxy"), query.bbox, strict=True))
    for i, (prop, value) in enumerate(query.filters):
        clauses.append(f"{prop.sql} = :f{i}")
        params[f"f{i}"] = value
        binds.append(bindparam(f"f{i}", type_=_SQL_TYPES[prop.type]))
    return " AND ".join(clauses), params, binds


class ItemsStream:
    """One page of features built by PostgreSQL as GeoJSON text, read in chunks of bytes.

    PostgreSQL builds each feature as text (``feature_sql``) and joins them into chunks of
    about ``STREAM_CHUNK_BYTES``; the chunks are read in binary (no hex round trip) one row at
    a time, so a page of any size never sits whole in this process. ``numberMatched`` rule,
    in the same statement: when the page is not full it is exact for free (offset +
    returned); otherwise the matching rows are counted up to ``EXACT_COUNT_MAX`` (exact), and
    above that the planner's estimate (``EXPLAIN``) is used, so big tables never get a slow
    full count.
    """

    def __init__(self, session: Session, city_id: int, layer: LayerDef, query: ItemsQuery):
        """Prepare the page query (nothing runs until ``chunks`` is iterated).

        Args:
            session: Open session (call ``begin_layer_read`` first in the transaction).
            city_id: The city.
            layer: The layer.
            query: Validated paging, bbox, property selection and filters.
        """
        self.session, self.layer, self.query = session, layer, query
        where, self.params, self.binds = _where(layer, query)
        table, idc = layer.table, layer.id_column
        feature = feature_sql(layer, query.properties)
        # Identifiers and fixed conditions come from the LayerDef (constants), values bound.
        self.matching = f"SELECT t.{idc} FROM {table} t WHERE {where}"  # noqa: S608
        if query.offset == 0:
            page = (
                f"SELECT t.{idc} AS fid, {feature} AS f FROM {table} t"  # noqa: S608
                f" WHERE {where} ORDER BY t.{idc} LIMIT :limit"
            )
        else:  # deep pages: build GeoJSON only for the rows kept, not for the skipped ones
            page = (
                f"SELECT t.{idc} AS fid, {feature} AS f"  # noqa: S608
                f" FROM ({self.matching} ORDER BY t.{idc} LIMIT :limit OFFSET :offset) ids"
                f" JOIN {table} t ON t.{idc} = ids.{idc}"
            )
        # chunk k holds the features whose text starts in bytes [k, k + 1) * :chunk_bytes
        sql = (
            f"WITH page AS MATERIALIZED ({page}),"  # noqa: S608
            " m AS (SELECT n, CASE WHEN n < :limit AND (n > 0 OR :offset = 0) THEN NULL"
            f"      ELSE (SELECT count(*) FROM ({self.matching} LIMIT :count_cap) c) END"
            "      AS counted FROM (SELECT count(*) AS n FROM page) pn),"
            " c AS (SELECT fid, f, (sum(octet_length(f) + 1) OVER (ORDER BY fid)"
            "                       - octet_length(f) - 1) / :chunk_bytes AS chunk FROM page)"
            " SELECT m.n, m.counted, convert_to(string_agg(c.f, ',' ORDER BY c.fid), 'UTF8')"
            " FROM c CROSS JOIN m GROUP BY c.chunk, m.n, m.counted ORDER BY c.chunk"
        )
        self.params.update(
            city_id=city_id,
            limit=query.limit,
            offset=query.offset,
            count_cap=EXACT_COUNT_MAX + 1,
            chunk_bytes=STREAM_CHUNK_BYTES,
        )
        self.sql = text(sql).bindparams(*self.binds)
        self.returned: int | None = None
        self.counted: int | None = None

    def chunks(self) -> Iterator[bytes]:
        """The comma-separated features, about ``STREAM_CHUNK_BYTES`` at a time."""
        compiled = self.sql.compile(dialect=self.session.get_bind().dialect)
        params = compiled.construct_params(self.params)
        raw = self.session.connection().connection.driver_connection  # psycopg.Connection
        if raw is None:
            raise RuntimeError("the session has no open database connection")
        n = 0
        with raw.cursor(binary=True) as cur:
            for n, self.counted, body in cur.stream(compiled.string, params):
                yield body if self.returned is None else b"," + body
                self.returned = n
        self.returned = n

    def page(self, features: bytes = b"") -> FeaturePage:
        """The counts of the page, once ``chunks`` is exhausted."""
        if self.returned is None:
            raise RuntimeError("ItemsStream.page() before the features were read")
        n, query = self.returned, self.query
        if n < query.limit and (n > 0 or query.offset == 0):
            return FeaturePage(features, n, query.offset + n, True)  # everything after offset
        params = {**self.params}
        matched = self.counted
        if matched is None:  # an empty page after the end: the statement returned no row
            count = text(f"SELECT count(*) FROM ({self.matching} LIMIT :count_cap) c")  # noqa: S608
            matched = int(self.session.execute(count.bindparams(*self.binds), params).scalar_one())
        exact = matched <= EXACT_COUNT_MAX
        if not exact:
            matched = max(_estimate_rows(self.session, self.matching, params, self.binds), matched)
        return FeaturePage(features, n, int(matched), exact)


def fetch_items(session: Session, city_id: int, layer: LayerDef, query: ItemsQuery) -> FeaturePage:
    """One page of features, built as GeoJSON text by PostgreSQL, joined in memory.

    Args:
        session: Open session (call ``begin_layer_read`` first in the transaction).
        city_id: The city.
        layer: The layer.
        query: Validated paging, bbox, property selection and filters.

    Returns:
        The page (see ``ItemsStream`` for the ``numberMatched`` rule).
    """
    stream = ItemsStream(session, city_id, layer, query)
    body = b"".join(stream.chunks())
    return stream.page(body)


def _estimate_rows(
    session: Session, sql: str, params: dict[str, Any], binds: list[BindParameter[Any]]
) -> int:
    plan = session.execute(
        text(f"EXPLAIN (FORMAT JSON) {sql}").bindparams(*binds), params
    ).scalar_one()
    return int(plan[0]["Plan"]["Plan Rows"])


def next_offset(query: ItemsQuery, page: FeaturePage) -> int | None:
    """Offset of the next page, or None on the last page."""
    end = query.offset + page.number_returned
    if page.number_returned < query.limit or (page.matched_exact and end >= page.number_matched):
        return None
    return end


def prev_offset(query: ItemsQuery) -> int | None:
    """Offset of the previous page, or None on the first page."""
    return max(0, query.offset - query.limit) if query.offset > 0 else None


def feature_collection(page: FeaturePage, links: list[dict[str, str]], timestamp: str) -> bytes:
    """The GeoJSON FeatureCollection: a small JSON head plus PostgreSQL's feature text."""
    head = orjson.dumps(
        {
            "type": "FeatureCollection",
            "numberMatched": page.number_matched,
            "numberReturned": page.number_returned,
            "timeStamp": timestamp,
            "links": links,
        }
    )
    return head[:-1] + b',"features":[' + page.features + b"]}"


def stream_feature_collection(
    stream: ItemsStream, links: Callable[[FeaturePage], list[dict[str, str]]], timestamp: str
) -> Iterator[bytes]:
    """The GeoJSON FeatureCollection as chunks: features first, then the members that depend
    on how many there were (``numberReturned``, ``numberMatched``, ``links``).

    Args:
        stream: The page's features.
        links: Builds the links from the page's counts (``next`` only when there is more).
        timestamp: ``timeStamp`` member (RFC 3339).
    """
    yield b'{"type":"FeatureCollection","features":['
    yield from stream.chunks()
    page = stream.page()
    tail = orjson.dumps(
        {
            "numberMatched": page.number_matched,
            "numberReturned": page.number_returned,
            "timeStamp": timestamp,
            "links": links(page),
        }
    )
    yield b"]," + tail[1:]


def fetch_item(
    session: Session, city_id: int, layer: LayerDef, fid: int, links: list[dict[str, str]]
) -> bytes:
    """One Feature as GeoJSON bytes (built in SQL) with ``links`` appended.

    Raises:
        NotFoundError: No feature ``fid`` in this layer of this city.
    """
    if not _INT64[0] <= fid <= _INT64[1]:
        raise NotFoundError(f"no feature {fid} in layer '{layer.id}'")
    feature = feature_sql(layer, layer.properties)
    sql = text(
        f"SELECT convert_to({feature}, 'UTF8') FROM {layer.table} t"  # noqa: S608
        f" WHERE t.city_id = :city_id AND ({layer.where}) AND t.{layer.id_column} = :fid"
    )
    body = session.execute(sql, {"city_id": city_id, "fid": fid}).scalar()
    if body is None:
        raise NotFoundError(f"no feature {fid} in layer '{layer.id}'")
    return bytes(body)[:-1] + b',"links":' + orjson.dumps(links) + b"}"
