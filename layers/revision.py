"""Layer revisions (bumped by triggers in the writing transaction) and the ETags made of them."""

from __future__ import annotations

import hashlib

from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.cities import is_valid_slug
from geo.errors import CityNotFoundError

# One round trip: read the revision and tune the planner for this transaction only.
# force_custom_plan: psycopg prepares a statement after 5 runs; a generic plan ignores the
# bbox and page size of each request. Parallel workers only slow down these small queries.
_BEGIN_READ = text(
    "SELECT set_config('plan_cache_mode', 'force_custom_plan', true),"
    " set_config('max_parallel_workers_per_gather', :workers, true),"
    " coalesce((SELECT revision FROM layer_revision"
    "           WHERE city_id = :city_id AND layer = :layer), 0)"
)
# The same for a city named by its slug: resolves the city in the same round trip.
_BEGIN_CITY_READ = text(
    "SELECT c.id, set_config('plan_cache_mode', 'force_custom_plan', true),"
    " set_config('max_parallel_workers_per_gather', :workers, true),"
    " coalesce((SELECT revision FROM layer_revision lr"
    "           WHERE lr.city_id = c.id AND lr.layer = :layer), 0)"
    " FROM city c WHERE c.slug = :slug"
)
# bump when the layout of the metadata documents changes, so caches drop their old copies
DOCUMENT_VERSION = 1
_REVISIONS = text("SELECT layer, revision FROM layer_revision WHERE city_id = :city_id")


def begin_layer_read(session: Session, city_id: int, layer: str, *, parallel: bool = False) -> int:
    """Prepare the transaction for a layer read and return the layer's revision.

    Sets ``plan_cache_mode = force_custom_plan`` and (unless ``parallel``)
    ``max_parallel_workers_per_gather = 0`` for the current transaction only.

    Args:
        session: Open session (its transaction is used).
        city_id: The city.
        layer: Layer id (the ``layer_revision.layer`` key).
        parallel: Keep parallel query (big aggregations such as low-zoom tiles).

    Returns:
        The revision, 0 when the layer was never written.
    """
    workers = "2" if parallel else "0"
    row = session.execute(
        _BEGIN_READ, {"workers": workers, "city_id": city_id, "layer": layer}
    ).one()
    return int(row[2])


def begin_city_layer_read(
    session: Session, slug: str, layer: str, *, parallel: bool = False
) -> tuple[int, int]:
    """``begin_layer_read`` for the city called ``slug``, in one round trip.

    Args:
        session: Open session (its transaction is used).
        slug: City slug from the URL.
        layer: Layer id (the ``layer_revision.layer`` key).
        parallel: Keep parallel query (big aggregations).

    Returns:
        The city id and the layer's revision (0 when never written).

    Raises:
        CityNotFoundError: No city with this slug.
    """
    if not is_valid_slug(slug):
        raise CityNotFoundError(f"no city '{slug[:64]}'")
    workers = "2" if parallel else "0"
    row = session.execute(
        _BEGIN_CITY_READ, {"workers": workers, "slug": slug, "layer": layer}
    ).first()
    if row is None:
        raise CityNotFoundError(f"no city '{slug}'")
    return int(row[0]), int(row[3])


def layer_revision(session: Session, city_id: int, layer: str) -> int:
    """The current revision of one layer of a city (0 when never written)."""
    return dict(layer_revisions(session, city_id)).get(layer, 0)


def layer_revisions(session: Session, city_id: int) -> dict[str, int]:
    """Revisions of every written layer of a city, by layer id."""
    rows = session.execute(_REVISIONS, {"city_id": city_id})
    return {str(layer): int(rev) for layer, rev in rows}


def layer_etag(city_id: int, layer: str, revision: int, scope_key: str = "") -> str:
    """The weak ETag of a layer representation: ``W/"{city_id}-{layer}-{revision}"``, and
    ``-{scope_key}`` for restricted layers (``LayerAccess.key``): readers of other scopes
    get other rows, so never the same tag."""
    tail = f"-{scope_key}" if scope_key else ""
    return f'W/"{city_id}-{layer}-{revision}{tail}"'


def document_etag(city_id: int, name: str, revisions: dict[str, int], context: str = "") -> str:
    """A weak ETag for metadata documents (collections, TileJSON).

    They also show city facts that no layer revision covers (extent, centre, name), so those
    go into ``context`` together with the revisions of every layer described.

    Args:
        city_id: The city.
        name: Document name (a layer id, or ``all`` for ``/collections``).
        revisions: Revision of each layer described, by layer id.
        context: Anything else the document shows.
    """
    key = ";".join(f"{layer}={rev}" for layer, rev in sorted(revisions.items()))
    digest = hashlib.sha1(
        f"{DOCUMENT_VERSION}|{key}|{context}".encode(), usedforsecurity=False
    ).hexdigest()[:16]
    return f'W/"{city_id}-{name}-{digest}"'


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """Whether an ``If-None-Match`` header value matches ``etag`` (weak comparison, RFC 9110).

    Args:
        if_none_match: The header value (``*``, or a comma-separated list of entity tags).
        etag: Our current entity tag.

    Returns:
        True when the client's copy is current and a 304 is due.
    """
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    ours = etag.removeprefix("W/")
    return any(tag.strip().removeprefix("W/") == ours for tag in if_none_match.split(","))
