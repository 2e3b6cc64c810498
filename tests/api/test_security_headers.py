"""Security headers on every response: the Content-Security-Policy and its helpers, nosniff,
no framing, the referrer policy; the looser policy of /docs and /redoc."""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from starlette.applications import Starlette
from starlette.responses import StreamingResponse
from starlette.routing import Route

from api.app import create_app
from api.security import (
    DOCS_DIRECTIVES,
    STRICT_DIRECTIVES,
    SecurityHeadersMiddleware,
    basemap_source,
    content_security_policy,
    import_map_hashes,
)
from api.settings import Settings
from geo.store import PROJECT_ROOT
from tests.layers.sample import insert_sample_city

WANTED = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:;"
    " connect-src 'self'; worker-src 'self' blob:; font-src 'self'; object-src 'none';"
    " base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
OTHERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "strict-origin-when-cross-origin",
    "x-frame-options": "DENY",
}


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def index_policy() -> str:
    """The strict policy plus the hash of web/index.html's import map, as the map needs."""
    (hash_,) = import_map_hashes((PROJECT_ROOT / "web" / "index.html").read_text())
    return WANTED.replace("script-src 'self'", f"script-src 'self' {hash_}")


def assert_secured(response: Any, policy: str | None = None) -> None:
    assert response.headers["content-security-policy"] == (policy or index_policy())
    for name, value in OTHERS.items():
        assert response.headers[name] == value, name


# -- the pure parts --------------------------------------------------------------------------
def test_strict_policy_is_the_wanted_one() -> None:
    assert content_security_policy(STRICT_DIRECTIVES) == WANTED
    assert "'unsafe-inline'" not in WANTED
    assert "'unsafe-eval'" not in WANTED


@pytest.mark.parametrize(
    ("url", "source"),
    [
        (None, None),
        ("", None),
        ("/tiles/{z}/{x}/{y}.png", None),
        ("https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png", "https://*.tile.openstreetmap.org"),
        ("https://tiles.example.org:8443/{z}/{x}/{y}.png", "https://tiles.example.org:8443"),
        ("http://Tiles.Example.org/{z}/{x}/{y}.png?key=1;x", "http://tiles.example.org"),
    ],
)
def test_basemap_source(url: str | None, source: str | None) -> None:
    assert basemap_source(url) == source


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "ftp://tiles.example.org/{z}/{x}/{y}.png",
        "https://x.org;script-src *",
        "https://x.org 'unsafe-inline'/{z}",
        "https://{s}.org/{z}/{x}/{y}.png",
        "https://tiles.{s}.example.org/{z}/{x}/{y}.png",
        "https://user@tiles.example.org/{z}/{x}/{y}.png",
        "https:///{z}/{x}/{y}.png",
    ],
)
def test_basemap_urls_no_csp_source_can_name_are_refused(url: str) -> None:
    with pytest.raises(ValueError, match="basemap_url"):
        basemap_source(url)


def test_import_map_hashes_only_hash_import_maps() -> None:
    body = '\n  { "imports": { "leaflet": "/vendor/leaflet/leaflet-src.esm.js" } }\n  '
    page = (
        f'<script type="importmap">{body}</script>'
        "<script>alert(1)</script><script type=module src=/js/main.js></script>"
    )
    assert import_map_hashes(page) == (_sha256(body),)
    assert import_map_hashes("<script>alert(1)</script>") == ()


def test_docs_policy_is_loose_only_where_swagger_needs_it() -> None:
    docs = content_security_policy(DOCS_DIRECTIVES)
    assert "https://cdn.jsdelivr.net" in docs
    for directive in ("object-src 'none'", "frame-ancestors 'none'", "base-uri 'self'"):
        assert directive in docs


def test_streamed_bodies_stay_streamed() -> None:
    async def chunks() -> Any:
        for i in range(3):
            yield f"part {i};".encode()

    async def stream(_request: Any) -> StreamingResponse:
        return StreamingResponse(chunks(), media_type="text/plain")

    settings = Settings(web_dir=Path("/nonexistent"), _env_file=None)
    app = SecurityHeadersMiddleware(Starlette(routes=[Route("/", stream)]), settings=settings)
    with TestClient(app).stream("GET", "/") as r:
        parts = list(r.iter_bytes())
        assert_secured(r, WANTED)  # no web/index.html: no import-map hash
        assert "content-length" not in r.headers
    assert b"".join(parts) == b"part 0;part 1;part 2;"


# -- on the application ------------------------------------------------------------------------
@pytest.mark.postgis
def test_headers_on_page_json_static_and_problems(client: Any, db: Session) -> None:
    insert_sample_city(db, "headers-test")
    page = client.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert_secured(page)
    cities = client.get("/cities")
    assert cities.headers["content-type"] == "application/json"
    assert_secured(cities)
    for path in ("/js/main.js", "/css/app.css", "/vendor/leaflet/leaflet.css", "/openapi.json"):
        r = client.get(path)
        assert r.status_code == 200, path
        assert_secured(r)
    missing = client.get("/nothing-here")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    assert_secured(missing)
    invalid = client.get("/cities/headers-test/collections/schools/items?limit=x")
    assert invalid.status_code == 400  # an OGC path: the standard says 400
    assert_secured(invalid)
    too_big = client.post("/cities", content=b"x", headers={"content-length": "999999999"})
    assert too_big.status_code == 413
    assert_secured(too_big)


@pytest.mark.postgis
def test_headers_on_streamed_items_and_304(
    client: Any, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    from api.routers import ogc as ogc_router

    insert_sample_city(db, "headers-test")
    monkeypatch.setattr(ogc_router, "INLINE_BYTES", 1_000)
    url = "/cities/headers-test/collections/schools/items?limit=20"
    r = client.get(url)
    assert r.status_code == 200
    assert "content-length" not in r.headers  # streamed
    assert_secured(r)
    again = client.get(url, headers={"If-None-Match": r.headers["etag"]})
    assert again.status_code == 304
    assert_secured(again)


@pytest.mark.postgis
def test_unhandled_errors_carry_the_headers(settings: Settings) -> None:
    app = create_app(settings)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("boom")

    with TestClient(app, raise_server_exceptions=False) as test_client:
        r = test_client.get("/boom")
    assert r.status_code == 500
    assert r.headers["content-type"] == "application/problem+json"
    assert_secured(r, WANTED)


@pytest.mark.postgis
def test_basemap_host_joins_img_src(settings: Settings) -> None:
    tiles = "https://{s}.tile.example.org/{z}/{x}/{y}.png"
    app = create_app(settings.model_copy(update={"basemap_url": tiles}))
    with TestClient(app) as test_client:
        r = test_client.get("/")
    policy = index_policy().replace(
        "img-src 'self' data: blob:", "img-src 'self' data: blob: https://*.tile.example.org"
    )
    assert_secured(r, policy)


@pytest.mark.postgis
@pytest.mark.parametrize("path", ["/docs", "/redoc", "/docs/oauth2-redirect"])
def test_docs_pages_get_the_policy_that_lets_them_run(client: Any, path: str) -> None:
    r = client.get(path)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert_secured(r, content_security_policy(DOCS_DIRECTIVES))
    # every origin the page loads from (scripts, styles, icons) is named in its policy;
    # /docs loads none (Swagger UI is served from our own files, api/docs.py)
    origins = set(re.findall(r'(?:src|href)="(https://[^/"]+)', r.text))
    assert bool(origins) == (path == "/redoc")
    for origin in origins:
        assert origin in r.headers["content-security-policy"], origin


def test_a_basemap_no_csp_source_can_name_stops_the_start() -> None:
    settings = Settings(
        database_url="postgresql://nobody@127.0.0.1:1/none",
        basemap_url="https://x.org;script-src *",
        _env_file=None,
    )
    with pytest.raises(ValueError, match="basemap_url"), TestClient(create_app(settings)):
        pass
