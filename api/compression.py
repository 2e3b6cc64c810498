"""Response compression: brotli or gzip for text answers (JSON, GeoJSON, JS, CSS, HTML ...) and
vector tiles above ``MIN_BYTES`` when the client accepts it.

Pure ASGI, so a streamed items page stays streamed (compressed chunk by chunk). Every answer
that could be compressed says ``Vary: Accept-Encoding``. A compressed body is not the bytes a
strong ETag names, so its ETag is made weak (``W/"..."``); the 304 of a client that sends it
back is still right, since ``If-None-Match`` compares weakly (layers.revision.etag_matches).
JSON and GeoJSON answers with a strong ETag are left whole: those ETags name a version that
clients send back in ``If-Match`` (requests, routes), which compares strongly (RFC 9110
§13.1.1); they are small objects, and the big answers (layer pages) carry weak ETags anyway.
Partial answers (206, Range requests) and answers already encoded are left as they are: the
layer pages served from the response cache come compressed from there (``compress_body``, kept
beside the plain body), so a cache hit is not compressed again on every request.
"""

from __future__ import annotations

import gzip
import zlib
from typing import Protocol

import brotli
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MIN_BYTES = 1024
TEXT_TYPES = (
    "text/",
    "application/json",
    "application/geo+json",
    "application/problem+json",
    "application/schema+json",
    "application/javascript",
    "application/vnd.oai.openapi+json",
    "image/svg+xml",
    "application/vnd.mapbox-vector-tile",  # binary, but tags and repeated values: about half
)
BROTLI_QUALITY = 4  # fast enough for 2.6 MB pages; most of the gain of the top qualities
GZIP_LEVEL = 6


class _Encoder(Protocol):
    def compress(self, data: bytes) -> bytes: ...
    def finish(self) -> bytes: ...


class _Gzip:
    def __init__(self) -> None:
        self._z = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, 16 + zlib.MAX_WBITS)

    def compress(self, data: bytes) -> bytes:
        return self._z.compress(data)

    def finish(self) -> bytes:
        return self._z.flush()


class _Brotli:
    def __init__(self) -> None:
        self._b = brotli.Compressor(quality=BROTLI_QUALITY)

    def compress(self, data: bytes) -> bytes:
        return bytes(self._b.process(data))

    def finish(self) -> bytes:
        return bytes(self._b.finish())


def chosen_encoding(accept_encoding: str) -> str | None:
    """``br`` or ``gzip`` when ``Accept-Encoding`` allows it (``q=0`` refuses), else None."""
    offered: dict[str, float] = {}
    for part in accept_encoding.lower().split(","):
        name, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        offered[name.strip()] = quality
    for encoding in ("br", "gzip"):
        if offered.get(encoding, offered.get("*", 0.0)) > 0:
            return encoding
    return None


def compress_body(body: bytes, encoding: str) -> bytes:
    """``body`` compressed whole as this middleware would send it (``br`` or ``gzip``)."""
    encoder: _Encoder = _Brotli() if encoding == "br" else _Gzip()
    return encoder.compress(body) + encoder.finish()


def is_text(content_type: str) -> bool:
    """Whether answers of this media type are worth compressing."""
    return content_type.lower().startswith(TEXT_TYPES)


def decompress(body: bytes, encoding: str) -> bytes:
    """The bytes of a compressed body (for tests and tools)."""
    return brotli.decompress(body) if encoding == "br" else gzip.decompress(body)


class CompressionMiddleware:
    """Compress text answers over ``min_bytes`` with brotli or gzip."""

    def __init__(self, app: ASGIApp, *, min_bytes: int = MIN_BYTES) -> None:
        self.app = app
        self.min_bytes = min_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Headers(scope=scope)
        encoding = chosen_encoding(request.get("accept-encoding", ""))
        if "range" in request:
            encoding = None
        start: Message | None = None
        encoder: _Encoder | None = None

        async def compressing(message: Message) -> None:
            nonlocal start, encoder
            if message["type"] == "http.response.start":
                headers = MutableHeaders(raw=list(message.get("headers", [])))
                if not _varies(message["status"], headers):
                    await send(message)
                    return
                headers.add_vary_header("Accept-Encoding")  # any text answer may be compressed
                versioned = _versioned(headers)
                compress = encoding is not None and message["status"] == 200 and not versioned
                if encoding is not None and message["status"] in (200, 304) and not versioned:
                    _weaken(headers)
                start = {**message, "headers": headers.raw}
                if not compress:
                    await send(start)
                    start = None
                return
            if message["type"] != "http.response.body" or start is None:
                await send(message)
                return
            body: bytes = message.get("body", b"")
            more = message.get("more_body", False)
            if encoder is None:
                if not more and len(body) < self.min_bytes:
                    await send(start)  # small: as it is
                    start = None
                    await send(message)
                    return
                encoder = _Brotli() if encoding == "br" else _Gzip()
                headers = MutableHeaders(raw=start["headers"])
                headers["Content-Encoding"] = str(encoding)
                del headers["content-length"]
                if not more:
                    data = compress_body(body, str(encoding))
                    headers["Content-Length"] = str(len(data))
                    await send({**start, "headers": headers.raw})
                    await send({"type": "http.response.body", "body": data})
                    start = None
                    return
                await send({**start, "headers": headers.raw})
            data = encoder.compress(body)
            if not more:
                data += encoder.finish()
                start = None
            await send({"type": "http.response.body", "body": data, "more_body": more})

        await self.app(scope, receive, compressing)


def _varies(status: int, headers: MutableHeaders) -> bool:
    """Whether the answer depends on Accept-Encoding (a text answer, or a 304 of one)."""
    if status == 206 or "content-encoding" in headers:
        return False
    return status == 304 or is_text(headers.get("content-type", ""))


def _versioned(headers: MutableHeaders) -> bool:
    """A JSON or GeoJSON object with a strong ETag: a version for If-Match (a request, a
    route in the editor), never compressed."""
    etag = headers.get("etag")
    media = headers.get("content-type", "").split(";")[0].strip()
    json_media = media in {"application/json", "application/geo+json"}
    return bool(etag) and not str(etag).startswith("W/") and json_media


def _weaken(headers: MutableHeaders) -> None:
    etag = headers.get("etag")
    if etag and not etag.startswith("W/"):
        headers["ETag"] = f"W/{etag}"
