"""HEAD and OPTIONS on GET routes, CORS by audience, and response compression (issue #11)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy.orm import Session

from api.compression import chosen_encoding, decompress
from api.settings import Settings
from tests.api.test_service import assert_problem
from tests.layers.sample import SampleCity, insert_sample_city

pytestmark = pytest.mark.postgis
CITY = "/cities/http-test"
ITEMS = f"{CITY}/collections/schools/items"
RESTRICTED = f"{CITY}/collections/requests/items"  # staff only: 401 for anonymous callers
FRIEND = "https://peta.kota-lain.example"


@pytest.fixture
def sample(db: Session) -> SampleCity:
    return insert_sample_city(db, "http-test")


@pytest.fixture
def cors_client(settings: Settings, db: Session) -> Iterator[Any]:
    from fastapi.testclient import TestClient

    from api.app import create_app
    from tests.conftest import use_session

    app = create_app(settings.model_copy(update={"cors_origins": FRIEND}))
    with TestClient(use_session(app, db)) as test_client:
        yield test_client


def test_head_is_get_without_body(client: Any, sample: SampleCity) -> None:
    for url in (ITEMS, f"{CITY}/collections", "/health", f"{CITY}/collections/schools/tiles"):
        got = client.get(url, headers={"Accept-Encoding": "identity"})
        head = client.head(url, headers={"Accept-Encoding": "identity"})
        assert head.status_code == got.status_code == 200, url
        assert head.content == b""
        assert head.headers["content-type"] == got.headers["content-type"]
        assert head.headers.get("etag") == got.headers.get("etag")


def test_options_names_the_methods(client: Any, sample: SampleCity) -> None:
    r = client.options(ITEMS)
    assert r.status_code == 204
    assert set(r.headers["allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}
    assert_problem(client.options(f"{CITY}/nothing/here"), 404)


def test_public_answers_are_readable_from_any_origin(client: Any, sample: SampleCity) -> None:
    r = client.get(ITEMS, headers={"Origin": "https://geonetwork.example"})
    assert r.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in r.headers
    assert "ETag" in r.headers["access-control-expose-headers"]
    pre = client.options(
        ITEMS,
        headers={"Origin": "https://geonetwork.example", "Access-Control-Request-Method": "GET"},
    )
    assert pre.status_code == 204
    assert pre.headers["access-control-allow-origin"] == "*"


def test_private_answers_only_to_configured_origins(cors_client: Any, sample: SampleCity) -> None:
    stranger = cors_client.get(RESTRICTED, headers={"Origin": "https://evil.example"})
    assert stranger.status_code == 401
    assert "access-control-allow-origin" not in stranger.headers
    pre = cors_client.options(
        RESTRICTED,
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert "access-control-allow-origin" not in pre.headers
    friend = cors_client.get(RESTRICTED, headers={"Origin": FRIEND})
    assert friend.headers["access-control-allow-origin"] == FRIEND
    assert friend.headers["access-control-allow-credentials"] == "true"
    assert "Origin" in friend.headers["vary"]
    assert len(friend.headers.get_list("vary")) == 1  # one Vary header, the names joined


@pytest.mark.parametrize("encoding", ["br", "gzip"])
def test_big_text_answers_are_compressed(client: Any, sample: SampleCity, encoding: str) -> None:
    plain = client.get(ITEMS, headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert len(plain.content) > 1024
    r = client.get(ITEMS, headers={"Accept-Encoding": encoding})
    # httpx decodes bodies: read the raw bytes to see what went over the wire
    assert r.headers["content-encoding"] == encoding
    assert "Accept-Encoding" in r.headers["vary"]
    assert json.loads(r.content)["numberReturned"] == plain.json()["numberReturned"]
    raw = client.build_request("GET", ITEMS, headers={"Accept-Encoding": encoding})
    sent = client.send(raw, stream=True)
    wire = b"".join(sent.iter_raw())
    assert len(wire) < len(plain.content) / 2
    assert json.loads(decompress(wire, encoding))["features"] == plain.json()["features"]


@pytest.mark.parametrize("encoding", ["br", "gzip"])
def test_a_cached_page_is_compressed_once(client: Any, sample: SampleCity, encoding: str) -> None:
    # a cache hit is sent compressed from the cache (kept beside the plain body), not
    # compressed again on every request
    url = f"{ITEMS}?limit=50"
    plain = client.get(url, headers={"Accept-Encoding": "identity"})
    assert plain.headers["x-layer-cache"] == "miss"
    assert len(plain.content) > 1024
    cache = client.app.state.layer_cache
    stored = cache.stats().entries
    wires = []
    for _ in range(2):
        sent = client.send(
            client.build_request("GET", url, headers={"Accept-Encoding": encoding}), stream=True
        )
        wires.append(b"".join(sent.iter_raw()))
        assert sent.headers["x-layer-cache"] == "hit"
        assert sent.headers["content-encoding"] == encoding
        assert sent.headers["vary"] == "Accept-Encoding"
        assert sent.headers["etag"] == plain.headers["etag"]
        assert sent.headers["content-length"] == str(len(wires[-1]))
        assert cache.stats().entries == stored + 1  # the compressed body, kept once
    assert wires[0] == wires[1]
    assert decompress(wires[0], encoding) == plain.content
    assert len(wires[0]) < len(plain.content) / 2
    again = client.get(url, headers={"Accept-Encoding": "identity"})
    assert again.headers["x-layer-cache"] == "hit"
    assert "content-encoding" not in again.headers
    assert again.content == plain.content


def test_compressed_etag_is_weak_and_revalidates(client: Any, sample: SampleCity) -> None:
    r = client.get(ITEMS, headers={"Accept-Encoding": "br"})
    etag = r.headers["etag"]
    assert etag.startswith('W/"')
    again = client.get(ITEMS, headers={"Accept-Encoding": "br", "If-None-Match": etag})
    assert again.status_code == 304
    assert again.headers["etag"] == etag


def test_small_answers_are_sent_as_they_are(client: Any, sample: SampleCity) -> None:
    r = client.get(f"{CITY}/conformance", headers={"Accept-Encoding": "br, gzip"})
    assert len(r.content) < 1024
    assert "content-encoding" not in r.headers


def test_accept_encoding_parsing() -> None:
    assert chosen_encoding("gzip, deflate, br") == "br"
    assert chosen_encoding("gzip") == "gzip"
    assert chosen_encoding("br;q=0, gzip;q=0.5") == "gzip"
    assert chosen_encoding("identity") is None
    assert chosen_encoding("") is None
    assert chosen_encoding("*") == "br"


@pytest.mark.parametrize(("range_", "status"), [("bytes=abc", 400), ("bytes=999999999-", 416)])
def test_static_range_errors_are_problems(client: Any, range_: str, status: int) -> None:
    body = assert_problem(client.get("/js/main.js", headers={"Range": range_}), status)
    assert body["detail"]


def test_a_version_etag_stays_strong_for_if_match(client: Any, sample: SampleCity) -> None:
    """An answer whose strong ETag is a version (sent back in If-Match, which compares
    strongly) is never compressed or weakened, whatever the client accepts."""
    from starlette.responses import JSONResponse

    from api.compression import CompressionMiddleware

    async def app(scope: Any, receive: Any, send: Any) -> None:
        body = {"text": "x" * 5000}
        await JSONResponse(body, headers={"ETag": '"v7"'})(scope, receive, send)

    from fastapi.testclient import TestClient

    direct = TestClient(CompressionMiddleware(app))  # no lifespan: a bare ASGI app
    answer = direct.get("/", headers={"Accept-Encoding": "br, gzip"})
    assert answer.headers["etag"] == '"v7"'
    assert "content-encoding" not in answer.headers
