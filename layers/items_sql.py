"""OGC API Features items as SQL: each feature built as GeoJSON text, a page in one statement."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from geo.accounts import RowScope
from layers.access import scope_params, scope_sql
from layers.items_query import INT64, FeaturePage, ItemsQuery
from layers.registry import LayerDef, Prop

# numberMatched: counted exactly up to this many rows, estimated by the planner above it.
EXACT_COUNT_MAX = 100_000
# streamed pages: bytes of feature text per chunk (one row from PostgreSQL)
STREAM_CHUNK_BYTES = 256 * 1024


def _properties_sql(props: Sequence[Prop]) -> str:
    # Text concatenation of to_json() values: compact, and as fast as json_build_object.
    if not props:
        return "'{}'"
    members = " || ',' || ".join(
        f"""'"{p.name}":' || coalesce(to_json({p.sql})::text, 'null')""" for p in props
    )
    return f"'{{' || {members} || '}}'"


def geometry_sql(layer: LayerDef) -> str:
    """SQL text expression (alias ``t``) of a feature's GeoJSON geometry, 6 decimals.

    Layers with a stored GeoJSON column (``LayerDef.geojson_column``, kept by PostgreSQL in the
    writing transaction) read that text; the others build it with ``ST_AsGeoJSON``.
    """
    if layer.geojson_column:
        return f"t.{layer.geojson_column}"
    return f"ST_AsGeoJSON(t.{layer.geom_column}, 6)"


def feature_sql(layer: LayerDef, props: Sequence[Prop]) -> str:
    """SQL text expression (alias ``t``) of one GeoJSON Feature, lon/lat with 6 decimals.

    The small parts before and after the geometry are joined first: each ``||`` copies its
    whole left side, so a 10 KB route geometry is copied twice per feature, not ten times.
    """
    return (
        f"""('{{"type":"Feature","id":' || t.{layer.id_column} || ',"geometry":')"""
        f" || coalesce({geometry_sql(layer)}, 'null')"
        f""" || (',"properties":' || {_properties_sql(props)} || '}}')"""
    )


def _psycopg(fragment: str) -> str:
    """A fragment of our own SQL (LayerDef) inside psycopg's ``%(name)s`` format."""
    return fragment.replace("%", "%%")


def _where(
    layer: LayerDef, query: ItemsQuery, scope: RowScope | None
) -> tuple[str, dict[str, Any]]:
    clauses = ["t.city_id = %(city_id)s", f"({_psycopg(layer.where)})"]
    params: dict[str, Any] = scope_params(layer, scope)
    if layer.row_scope is not None:
        clauses.append(scope_sql(layer, "psycopg"))
    if query.bbox is not None:
        geom = f"t.{layer.geom_column}"
        box = "ST_MakeEnvelope(%(minx)s, %(miny)s, %(maxx)s, %(maxy)s, 4326)"
        if query.bbox[0] > query.bbox[2]:  # across the antimeridian: the two halves
            east = "ST_MakeEnvelope(%(minx)s, %(miny)s, 180, %(maxy)s, 4326)"
            west = "ST_MakeEnvelope(-180, %(miny)s, %(maxx)s, %(maxy)s, 4326)"
            clauses.append(f"(ST_Intersects({geom}, {east}) OR ST_Intersects({geom}, {west}))")
        else:
            clauses.append(f"ST_Intersects({geom}, {box})")
        params.update(zip(("minx", "miny", "maxx", "maxy"), query.bbox, strict=True))
    for i, (prop, value) in enumerate(query.filters):
        clauses.append(f"{_psycopg(prop.sql)} = %(f{i})s")
        params[f"f{i}"] = value
    temporal = layer.prop(layer.temporal) if layer.temporal else None
    if query.interval is not None and temporal is not None:
        column = _psycopg(temporal.sql)
        if query.interval.start is not None:
            clauses.append(f"{column} >= %(dt_start)s")
            params["dt_start"] = query.interval.start
        if query.interval.end is not None:
            clauses.append(f"{column} <= %(dt_end)s")
            params["dt_end"] = query.interval.end
    return " AND ".join(clauses), params


class ItemsStatement:
    """One page of features as one statement (psycopg format), and the page's counts.

    PostgreSQL builds each feature as text (``feature_sql``) and joins them into chunks of
    about ``chunk_bytes``; each row is ``(returned, counted, chunk)``. ``numberMatched`` rule,
    in the same statement: when the page is not full it is exact for free (offset +
    returned); otherwise the matching rows are counted up to ``exact_count_max`` (exact), and
    above that the planner's estimate (``EXPLAIN``, ``explain_sql``) is used, so big tables
    never get a slow full count. This class does no I/O: the sync (``layers.features``) and
    async (``layers.items_async``) readers run its statements and feed it the rows.
    """

    def __init__(
        self,
        city_id: int,
        layer: LayerDef,
        query: ItemsQuery,
        *,
        exact_count_max: int | None = None,
        chunk_bytes: int | None = None,
        scope: RowScope | None = None,
    ) -> None:
        """Build the statements of one page.

        Args:
            city_id: The city.
            layer: The layer.
            query: Validated paging, bbox, property selection and filters.
            exact_count_max: Count exactly up to this many matches (``EXACT_COUNT_MAX``).
            chunk_bytes: Bytes of feature text per row (``STREAM_CHUNK_BYTES``).
            scope: The rows the reader may see (required by restricted layers).

        Raises:
            ValueError: A restricted layer without ``scope``.
        """
        if exact_count_max is None:
            exact_count_max = EXACT_COUNT_MAX
        self.layer, self.query, self.exact_count_max = layer, query, exact_count_max
        where, self.params = _where(layer, query, scope)
        table, idc = layer.table, layer.id_column
        feature = _psycopg(feature_sql(layer, query.properties))
        # Identifiers and fixed conditions come from the LayerDef (constants), values bound.
        matching = f"SELECT t.{idc} FROM {table} t WHERE {where}"  # noqa: S608
        if query.offset == 0:
            page = (
                f"SELECT t.{idc} AS fid, {feature} AS f FROM {table} t"  # noqa: S608
                f" WHERE {where} ORDER BY t.{idc} LIMIT %(limit)s"
            )
        else:  # deep pages: build GeoJSON only for the rows kept, not for the skipped ones
            page = (
                f"SELECT t.{idc} AS fid, {feature} AS f"  # noqa: S608
                f" FROM ({matching} ORDER BY t.{idc} LIMIT %(limit)s OFFSET %(offset)s) ids"
                # the key is (city_id, id): the join names the city, so it walks the key
                f" JOIN {table} t ON t.city_id = %(city_id)s AND t.{idc} = ids.{idc}"
            )
        count = f"SELECT count(*) FROM ({matching} LIMIT %(count_cap)s) c"  # noqa: S608
        # chunk k holds the features whose text starts in bytes [k, k + 1) * chunk_bytes
        self.sql = (
            f"WITH page AS MATERIALIZED ({page}),"  # noqa: S608
            " m AS (SELECT n, CASE WHEN n < %(limit)s AND (n > 0 OR %(offset)s = 0) THEN NULL"
            f"      ELSE ({count}) END AS counted FROM (SELECT count(*) AS n FROM page) pn),"
            " c AS (SELECT fid, f, (sum(octet_length(f) + 1) OVER (ORDER BY fid)"
            "                       - octet_length(f) - 1) / %(chunk_bytes)s AS chunk FROM page)"
            " SELECT m.n, m.counted, convert_to(string_agg(c.f, ',' ORDER BY c.fid), 'UTF8')"
            " FROM c CROSS JOIN m GROUP BY c.chunk, m.n, m.counted ORDER BY c.chunk"
        )
        self.count_sql = count
        self.explain_sql = f"EXPLAIN (FORMAT JSON) {matching}"
        self.params.update(
            city_id=city_id,
            limit=query.limit,
            offset=query.offset,
            count_cap=exact_count_max + 1,
            chunk_bytes=STREAM_CHUNK_BYTES if chunk_bytes is None else chunk_bytes,
        )
        self.returned: int | None = None
        self.counted: int | None = None

    def take(self, row: Sequence[Any]) -> bytes:
        """The features of one row of ``sql`` (a comma before every chunk but the first)."""
        n, counted, body = row
        first = self.returned is None
        self.returned, self.counted = int(n), None if counted is None else int(counted)
        return bytes(body) if first else b"," + bytes(body)

    def finish(self) -> None:
        """Mark the rows as all read (a page after the end has none)."""
        if self.returned is None:
            self.returned = 0

    def exact_page(self, features: bytes = b"") -> FeaturePage | None:
        """The page when its counts need no other statement, else None.

        Raises:
            RuntimeError: The rows were not read yet.
        """
        n, query = self.returned, self.query
        if n is None:
            raise RuntimeError("the page's counts are asked for before its features were read")
        if n < query.limit and (n > 0 or query.offset == 0):
            return FeaturePage(features, n, query.offset + n, True)  # everything after offset
        return None

    def needs_count(self) -> bool:
        """Whether ``count_sql`` must run (an empty page after the end returns no row)."""
        return self.counted is None

    def needs_estimate(self, counted: int) -> bool:
        """Whether the planner's estimate (``explain_sql``) replaces an over-the-cap count."""
        return counted > self.exact_count_max

    def page(self, counted: int, plan: Any = None, features: bytes = b"") -> FeaturePage:
        """The page of a full (or past-the-end) page from its count, and the ``EXPLAIN`` JSON
        when ``needs_estimate``."""
        returned = self.returned or 0
        if counted <= self.exact_count_max or plan is None:
            return FeaturePage(features, returned, counted, counted <= self.exact_count_max)
        estimate = int(plan[0]["Plan"]["Plan Rows"])
        return FeaturePage(features, returned, max(estimate, counted), False)


def item_statement(
    layer: LayerDef, city_id: int, fid: int, scope: RowScope | None = None
) -> tuple[str, dict[str, Any]] | None:
    """The statement of one feature as GeoJSON bytes, or None when ``fid`` cannot exist.

    Raises:
        ValueError: A restricted layer without ``scope``.
    """
    params = {"city_id": city_id, "fid": fid, **scope_params(layer, scope)}
    if not INT64[0] <= fid <= INT64[1]:
        return None
    feature = _psycopg(feature_sql(layer, layer.properties))
    sql = (
        f"SELECT convert_to({feature}, 'UTF8') FROM {layer.table} t"  # noqa: S608
        f" WHERE t.city_id = %(city_id)s AND ({_psycopg(layer.where)})"
        f" AND {scope_sql(layer, 'psycopg')} AND t.{layer.id_column} = %(fid)s"
    )
    return sql, params
