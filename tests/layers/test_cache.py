"""The items response cache: LRU by size, revisions, partial bodies, disabled at 0."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from layers.cache import ResponseCache


def _key(
    rev: int = 1, url: str = "u", city: int = 1, layer: str = "schools", scope: str = ""
) -> tuple:
    return (city, layer, rev, scope, url)


def test_get_put_and_stats() -> None:
    cache = ResponseCache(1000)
    assert cache.enabled
    assert cache.get(_key()) is None
    assert cache.put(_key(), b"abc")
    assert cache.get(_key()) == b"abc"
    stats = cache.stats()
    assert (stats.entries, stats.size_bytes, stats.hits, stats.misses) == (1, 3, 1, 1)


def test_least_recently_used_go_first_when_full() -> None:
    cache = ResponseCache(100, max_entry_bytes=100)
    for name in ("a", "b", "c"):
        cache.put(_key(url=name), name.encode() * 40)
    assert cache.stats().size_bytes <= 100
    assert cache.get(_key(url="a")) is None  # the oldest went
    assert cache.get(_key(url="c")) == b"c" * 40
    cache.get(_key(url="b"))  # b is now the most recent
    cache.put(_key(url="d"), b"d" * 40)
    assert cache.get(_key(url="c")) is None
    assert cache.get(_key(url="b")) is not None


def test_big_bodies_are_not_kept() -> None:
    cache = ResponseCache(1000)  # entries up to a quarter
    assert not cache.put(_key(), b"x" * 251)
    assert cache.put(_key(), b"x" * 250)


def test_a_newer_revision_drops_the_older_ones() -> None:
    cache = ResponseCache(10_000)
    cache.put(_key(1, "a"), b"old a")
    cache.put(_key(1, "b"), b"old b")
    cache.put(_key(1, "a", layer="roads"), b"roads")
    cache.put(_key(1, "a", city=2), b"other city")
    cache.put(_key(2, "a"), b"new a")
    assert cache.get(_key(1, "a")) is None
    assert cache.get(_key(1, "b")) is None
    assert cache.get(_key(2, "a")) == b"new a"
    assert cache.get(_key(1, "a", layer="roads")) == b"roads"
    assert cache.get(_key(1, "a", city=2)) == b"other city"
    # a slow request that read the old revision does not bring it back
    assert not cache.put(_key(1, "b"), b"old b")
    assert cache.get(_key(1, "b")) is None


def test_disabled_at_zero() -> None:
    cache = ResponseCache(0)
    assert not cache.enabled
    assert not cache.put(_key(), b"abc")
    assert cache.get(_key()) is None
    assert _drain(cache.filling(_key(), _chunks(b"a", b"b"))) == [b"a", b"b"]
    assert cache.stats().entries == 0


async def _chunks(*chunks: bytes) -> AsyncIterator[bytes]:
    for chunk in chunks:
        yield chunk


def _drain(stream: AsyncIterator[bytes]) -> list[bytes]:
    async def collect() -> list[bytes]:
        return [chunk async for chunk in stream]

    return asyncio.run(collect())


def test_filling_stores_whole_bodies_only() -> None:
    cache = ResponseCache(1000)
    assert _drain(cache.filling(_key(url="whole"), _chunks(b"ab", b"cd"))) == [b"ab", b"cd"]
    assert cache.get(_key(url="whole")) == b"abcd"

    async def failing() -> AsyncIterator[bytes]:
        yield b"ab"
        raise RuntimeError("the database went away")

    with pytest.raises(RuntimeError):
        _drain(cache.filling(_key(url="failed"), failing()))
    assert cache.get(_key(url="failed")) is None

    async def stop_early() -> None:
        stopped = cache.filling(_key(url="stopped"), _chunks(b"ab", b"cd"))
        assert await anext(stopped) == b"ab"
        await stopped.aclose()  # the client went away

    asyncio.run(stop_early())
    assert cache.get(_key(url="stopped")) is None
    big = [b"x" * 200, b"y" * 200]  # over a quarter of 1000
    assert _drain(cache.filling(_key(url="big"), _chunks(*big))) == big
    assert cache.get(_key(url="big")) is None


def test_clear() -> None:
    cache = ResponseCache(1000)
    cache.put(_key(), b"abc")
    cache.clear()
    assert cache.get(_key()) is None
    assert cache.stats().size_bytes == 0


def test_scopes_are_apart() -> None:
    """Readers of a restricted layer in other scopes never share an entry (same URL)."""
    cache = ResponseCache(1000)
    cache.put(_key(scope="sKESRA"), b"kesra page")
    assert cache.get(_key(scope="sDISHUB")) is None
    assert cache.get(_key()) is None
    cache.put(_key(scope="sDISHUB"), b"dishub page")
    assert cache.get(_key(scope="sKESRA")) == b"kesra page"
    assert cache.get(_key(scope="sDISHUB")) == b"dishub page"
    cache.put(_key(rev=2, scope="sKESRA"), b"new")  # a new revision drops every scope's old
    assert cache.get(_key(scope="sDISHUB")) is None
