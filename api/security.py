"""Security headers on every response: a Content-Security-Policy without inline script, and more."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.settings import Settings

# The policy of every page and response: our own files only, no inline script or style
# (styles set from JS through element.style are CSSOM and allowed), no plugins, no framing.
STRICT_DIRECTIVES: dict[str, tuple[str, ...]] = {
    "default-src": ("'self'",),
    "script-src": ("'self'",),
    "style-src": ("'self'",),
    "img-src": ("'self'", "data:", "blob:"),
    "connect-src": ("'self'",),
    "worker-src": ("'self'", "blob:"),
    "font-src": ("'self'",),
    "object-src": ("'none'",),
    "base-uri": ("'self'",),
    "form-action": ("'self'",),
    "frame-ancestors": ("'none'",),
}

# FastAPI's /docs (Swagger UI) and /redoc load their scripts, styles and fonts from CDNs and
# start with an inline script, so the strict policy would leave them blank. Until they are
# served from our own files (a separate issue), these pages get a policy that lets them run:
# the CDNs, and inline script and style. They render no data from the database into HTML.
DOCS_CDN = "https://cdn.jsdelivr.net"
DOCS_DIRECTIVES: dict[str, tuple[str, ...]] = {
    **STRICT_DIRECTIVES,
    "script-src": ("'self'", "'unsafe-inline'", DOCS_CDN),
    "style-src": ("'self'", "'unsafe-inline'", DOCS_CDN, "https://fonts.googleapis.com"),
    "img-src": ("'self'", "data:", "blob:", DOCS_CDN, "https://fastapi.tiangolo.com"),
    "font-src": ("'self'", "https://fonts.gstatic.com"),
}
DOCS_PATHS = ("/docs", "/docs/oauth2-redirect", "/redoc")

OTHER_HEADERS: dict[str, str] = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
}

# <script type="importmap">...</script>: JSON, not code, but CSP governs it as inline script
_IMPORT_MAP = re.compile(
    r"<script\s+type\s*=\s*[\"']?importmap[\"']?\s*>(.*?)</script\s*>", re.IGNORECASE | re.DOTALL
)
_HOST = re.compile(r"^(\*\.)?[a-z0-9-]+(\.[a-z0-9-]+)*(:\d{1,5})?$")
_PLACEHOLDER = re.compile(r"\{[^{}]*\}")


def content_security_policy(directives: Mapping[str, Iterable[str]]) -> str:
    """The header value of ``directives`` (``"default-src 'self'; ..."``)."""
    return "; ".join(f"{name} {' '.join(sources)}" for name, sources in directives.items())


def basemap_source(url: str | None) -> str | None:
    """The CSP source (scheme and host) of an XYZ tile URL template, or None for our own origin.

    A ``{s}`` subdomain placeholder becomes a wildcard: ``https://{s}.tile.example.org/{z}/{x}/
    {y}.png`` gives ``https://*.tile.example.org``.

    Raises:
        ValueError: The URL is not http(s), or its host cannot be written as a CSP source.
    """
    if not url:
        return None
    parts = urlsplit(url.strip())
    if not parts.scheme and not parts.netloc:
        return None  # a path on this server
    if parts.scheme not in {"http", "https"} or not parts.netloc or "@" in parts.netloc:
        raise ValueError(f"basemap_url must be an http(s) tile URL template, not {url!r}")
    first, _, rest = parts.netloc.lower().partition(".")
    if _PLACEHOLDER.search(first):
        first = "*"
    host = f"{first}.{rest}" if rest else first
    wildcard_too_wide = first == "*" and "." not in rest  # *.org
    if _PLACEHOLDER.search(host) or not _HOST.match(host) or wildcard_too_wide:
        raise ValueError(f"basemap_url has a host that no CSP source can name: {url!r}")
    return f"{parts.scheme}://{host}"


def import_map_hashes(html: str) -> tuple[str, ...]:
    """CSP hash sources (``'sha256-...'``) of the inline import maps of an HTML page.

    Browsers load import maps only inline, so the page's map is allowed by its hash; no
    other inline script is.
    """
    out = []
    for match in _IMPORT_MAP.finditer(html):
        digest = hashlib.sha256(match.group(1).encode("utf-8")).digest()
        out.append(f"'sha256-{base64.b64encode(digest).decode('ascii')}'")
    return tuple(out)


def page_directives(settings: Settings) -> dict[str, tuple[str, ...]]:
    """The strict directives for this deployment: the web map's import map, the basemap host."""
    directives = dict(STRICT_DIRECTIVES)
    index = Path(settings.web_dir) / "index.html"
    if index.is_file():
        directives["script-src"] += import_map_hashes(index.read_text(encoding="utf-8"))
    source = basemap_source(settings.basemap_url)
    if source:
        directives["img-src"] += (source,)
    return directives


def baseline_headers() -> dict[str, str]:
    """The headers for responses sent outside the middleware (the last-resort 500 handler)."""
    return {"Content-Security-Policy": content_security_policy(STRICT_DIRECTIVES), **OTHER_HEADERS}


def _raw(headers: Mapping[str, str]) -> list[tuple[bytes, bytes]]:
    return [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]


class SecurityHeadersMiddleware:
    """Add the CSP and the other security headers to every HTTP response that lacks them.

    Pure ASGI (it only touches ``http.response.start``), so streamed bodies stay streamed.
    """

    def __init__(
        self, app: ASGIApp, *, settings: Settings, docs_paths: Iterable[str | None] = DOCS_PATHS
    ) -> None:
        self.app = app
        policy = content_security_policy(page_directives(settings))
        self.headers = _raw({"Content-Security-Policy": policy, **OTHER_HEADERS})
        docs = content_security_policy(DOCS_DIRECTIVES)
        self.docs_headers = _raw({"Content-Security-Policy": docs, **OTHER_HEADERS})
        self.docs_paths = frozenset(p for p in docs_paths if p)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = self.docs_headers if scope.get("path") in self.docs_paths else self.headers

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [(name, value) for name, value in extra if name not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
