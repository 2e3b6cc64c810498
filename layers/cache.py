"""A bounded in-process cache of layer responses (bytes), keyed by layer revision, LRU by size."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass

# what identifies a response: city id, layer id, layer revision, the reader's scope
# (``LayerAccess.key``: "" for public layers, a digest of the row scope for restricted ones,
# so one reader's page is never served to another scope) and the request URL (its links
# embed the URL, so two spellings of one query are two entries)
CacheKey = tuple[int, str, int, str, str]


def variant_key(key: CacheKey, encoding: str) -> CacheKey:
    """The key of the body under ``key`` compressed with ``encoding`` (``br``, ``gzip``): the
    same city, layer, revision and scope (so a write drops it with the plain body), and the
    URL with ``#encoding`` (a fragment, which no request URL carries)."""
    city_id, layer, revision, scope, url = key
    return (city_id, layer, revision, scope, f"{url}#{encoding}")


@dataclass(frozen=True)
class CacheStats:
    """Counters of a ``ResponseCache``."""

    entries: int
    size_bytes: int
    max_bytes: int
    hits: int
    misses: int


class ResponseCache:
    """Response bodies of layer requests, at most ``max_bytes`` in total (least recently used
    out first); thread-safe.

    Keys carry the layer revision, which a write bumps in its own transaction, so a cached
    body is never served after a write: the next request reads the new revision, misses, and
    storing its body drops every entry of older revisions of that city's layer.
    """

    def __init__(self, max_bytes: int, max_entry_bytes: int | None = None) -> None:
        """Create an empty cache.

        Args:
            max_bytes: Total size of the bodies kept; 0 disables the cache.
            max_entry_bytes: Largest body kept (default: a quarter of ``max_bytes``).
        """
        self.max_bytes = max(0, max_bytes)
        self.max_entry_bytes = (
            self.max_bytes // 4 if max_entry_bytes is None else min(max_entry_bytes, max_bytes)
        )
        self._entries: OrderedDict[CacheKey, bytes] = OrderedDict()
        self._latest: dict[tuple[int, str], int] = {}
        self._size = 0
        self._hits = 0
        self._misses = 0
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        """False when the cache was sized 0 (``TPO_LAYER_CACHE_MB=0``)."""
        return self.max_bytes > 0

    def get(self, key: CacheKey) -> bytes | None:
        """The cached body for ``key`` (marking it recently used), or None."""
        if not self.enabled:
            return None
        with self._lock:
            body = self._entries.get(key)
            if body is None:
                self._misses += 1
                return None
            self._entries.move_to_end(key)
            self._hits += 1
            return body

    def put(self, key: CacheKey, body: bytes) -> bool:
        """Keep ``body`` under ``key``; returns False when it is not kept.

        Bodies over ``max_entry_bytes``, and bodies of a revision older than one already
        stored for the same city and layer, are not kept.
        """
        if not self.enabled or len(body) > self.max_entry_bytes:
            return False
        city_id, layer, revision, _scope, _url = key
        with self._lock:
            latest = self._latest.get((city_id, layer))
            if latest is not None and revision < latest:
                return False
            if latest is not None and revision > latest:
                self._drop_older(city_id, layer, revision)
            self._latest[(city_id, layer)] = revision
            old = self._entries.pop(key, None)
            if old is not None:
                self._size -= len(old)
            self._entries[key] = body
            self._size += len(body)
            while self._size > self.max_bytes:
                _key, dropped = self._entries.popitem(last=False)
                self._size -= len(dropped)
            return True

    def _drop_older(self, city_id: int, layer: str, revision: int) -> None:
        stale = [k for k in self._entries if k[:2] == (city_id, layer) and k[2] < revision]
        for k in stale:
            self._size -= len(self._entries.pop(k))

    async def filling(self, key: CacheKey, chunks: AsyncIterable[bytes]) -> AsyncIterator[bytes]:
        """Pass ``chunks`` through, and store their concatenation once they all went by.

        Nothing is stored when the iteration stops early (client gone, error) or the body
        grows over ``max_entry_bytes`` (then the chunks are no longer kept either).
        """
        kept: list[bytes] | None = [] if self.enabled else None
        size = 0
        async for chunk in chunks:
            if kept is not None:
                size += len(chunk)
                if size > self.max_entry_bytes:
                    kept = None
                else:
                    kept.append(chunk)
            yield chunk
        if kept is not None:
            self.put(key, b"".join(kept))

    def clear(self) -> None:
        """Drop every entry."""
        with self._lock:
            self._entries.clear()
            self._latest.clear()
            self._size = 0

    def stats(self) -> CacheStats:
        """Current size and hit/miss counters."""
        with self._lock:
            return CacheStats(
                len(self._entries), self._size, self.max_bytes, self._hits, self._misses
            )
