"""OGC API Features items over a Session, and the FeatureCollection around PostgreSQL's bytes.

Query parsing lives in ``layers.items_query``, the SQL in ``layers.items_sql`` and the async
read path (a psycopg pool, no ORM) in ``layers.items_async``; their public names are
re-exported here.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson
import psycopg
from sqlalchemy.orm import Session

from geo.accounts import RowScope
from geo.errors import FeatureNotFoundError
from layers.items_query import (
    CRS84,
    FORMATS,
    HANDLED_PARAMS,
    UNSUPPORTED_PARAMS,
    FeaturePage,
    ItemsQuery,
    next_offset,
    parse_bbox,
    parse_items_query,
    prev_offset,
)
from layers.items_sql import (
    EXACT_COUNT_MAX,
    STREAM_CHUNK_BYTES,
    ItemsStatement,
    feature_sql,
    geometry_sql,
    item_statement,
)
from layers.registry import LayerDef

__all__ = [
    "CRS84",
    "EXACT_COUNT_MAX",
    "FORMATS",
    "HANDLED_PARAMS",
    "STREAM_CHUNK_BYTES",
    "UNSUPPORTED_PARAMS",
    "FeaturePage",
    "ItemsQuery",
    "ItemsStream",
    "feature_collection",
    "feature_sql",
    "fetch_item",
    "fetch_items",
    "geometry_sql",
    "next_offset",
    "parse_bbox",
    "parse_items_query",
    "prev_offset",
]


def _driver(session: Session) -> psycopg.Connection[Any]:
    raw = session.connection().connection.driver_connection
    if not isinstance(raw, psycopg.Connection):
        raise RuntimeError("the session has no open psycopg connection")
    return raw


class ItemsStream:
    """One page of features built by PostgreSQL as GeoJSON text, read in chunks of bytes.

    The statement (``layers.items_sql.ItemsStatement``) joins the features into chunks of
    about ``STREAM_CHUNK_BYTES``, read in binary one row at a time over the session's own
    connection (so in its transaction), so a page of any size never sits whole in this
    process.
    """

    def __init__(
        self,
        session: Session,
        city_id: int,
        layer: LayerDef,
        query: ItemsQuery,
        scope: RowScope | None = None,
    ):
        """Prepare the page query (nothing runs until ``chunks`` is iterated).

        Args:
            session: Open session (call ``begin_layer_read`` first in the transaction).
            city_id: The city.
            layer: The layer.
            query: Validated paging, bbox, property selection and filters.
            scope: The rows the reader may see (required by restricted layers).
        """
        self.session = session
        self.statement = ItemsStatement(
            city_id,
            layer,
            query,
            exact_count_max=EXACT_COUNT_MAX,
            chunk_bytes=STREAM_CHUNK_BYTES,
            scope=scope,
        )

    @classmethod
    def of(cls, session: Session, statement: ItemsStatement) -> ItemsStream:
        """The stream of an already built statement (the async path's session reader)."""
        stream = cls.__new__(cls)
        stream.session, stream.statement = session, statement
        return stream

    def chunks(self) -> Iterator[bytes]:
        """The comma-separated features, about ``STREAM_CHUNK_BYTES`` at a time."""
        st = self.statement
        with _driver(self.session).cursor(binary=True) as cur:
            for row in cur.stream(st.sql, st.params):
                yield st.take(row)
        st.finish()

    def page(self, features: bytes = b"") -> FeaturePage:
        """The counts of the page, once ``chunks`` is exhausted."""
        st = self.statement
        if st.returned is None:
            raise RuntimeError("ItemsStream.page() before the features were read")
        exact = st.exact_page(features)
        if exact is not None:
            return exact
        conn = _driver(self.session)
        counted = st.counted
        if counted is None:  # an empty page after the end: the statement returned no row
            row = conn.execute(st.count_sql, st.params).fetchone()
            counted = int(row[0]) if row else 0
        plan = None
        if st.needs_estimate(counted):
            row = conn.execute(st.explain_sql, st.params).fetchone()
            plan = row[0] if row else None
        return st.page(counted, plan, features)


def fetch_items(
    session: Session,
    city_id: int,
    layer: LayerDef,
    query: ItemsQuery,
    scope: RowScope | None = None,
) -> FeaturePage:
    """One page of features, built as GeoJSON text by PostgreSQL, joined in memory.

    Args:
        session: Open session (call ``begin_layer_read`` first in the transaction).
        city_id: The city.
        layer: The layer.
        query: Validated paging, bbox, property selection and filters.
        scope: The rows the reader may see (required by restricted layers).

    Returns:
        The page (see ``ItemsStatement`` for the ``numberMatched`` rule).
    """
    stream = ItemsStream(session, city_id, layer, query, scope)
    body = b"".join(stream.chunks())
    return stream.page(body)


def collection_tail(page: FeaturePage, links: list[dict[str, str]], timestamp: str) -> bytes:
    """The members of a FeatureCollection that come after its features, as ``,"k":v...}``."""
    tail = orjson.dumps(
        {
            "numberMatched": page.number_matched,
            "numberReturned": page.number_returned,
            "timeStamp": timestamp,
            "links": links,
        }
    )
    return b"]," + tail[1:]


# the start of every FeatureCollection body (features first, then the counts and links)
COLLECTION_START = b'{"type":"FeatureCollection","features":['


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


def fetch_item(
    session: Session,
    city_id: int,
    layer: LayerDef,
    fid: int,
    links: list[dict[str, str]],
    *,
    scope: RowScope | None = None,
) -> bytes:
    """One Feature as GeoJSON bytes (built in SQL) with ``links`` appended.

    Args:
        session: Open session (call ``begin_layer_read`` first in the transaction).
        city_id: The city.
        layer: The layer.
        fid: The feature id.
        links: Links of the feature document.
        scope: The rows the reader may see (required by restricted layers); a feature out
            of the scope is not found, like one that does not exist.

    Raises:
        FeatureNotFoundError: No feature ``fid`` in this layer of this city (or the scope).
    """
    statement = item_statement(layer, city_id, fid, scope)
    row = None
    if statement is not None:
        with _driver(session).cursor(binary=True) as cur:
            row = cur.execute(*statement).fetchone()
    if row is None or row[0] is None:
        raise FeatureNotFoundError(f"no feature {fid} in layer '{layer.id}'")
    return bytes(row[0])[:-1] + b',"links":' + orjson.dumps(links) + b"}"
