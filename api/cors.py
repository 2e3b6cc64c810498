"""HEAD and OPTIONS on every GET route, and CORS: public answers to any origin, the rest to
the origins of ``TPO_CORS_ORIGINS`` only.

A public answer (one without ``Cache-Control: private``: public layers, tiles, the OGC
documents) gets ``Access-Control-Allow-Origin: *`` and no credentials, so GeoNetwork-UI or
another city's web map reads it from anywhere while a browser never sends cookies with it.
Answers private to the caller (restricted layers, accounts, staff lists) are readable cross-
origin only by a configured origin, with credentials.
"""

from __future__ import annotations

from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import Request
from starlette.routing import Match, Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.problems import problem

METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")
SAFE = frozenset({"GET", "HEAD"})
# request headers a configured origin may send (the session cookie goes with credentials)
ALLOWED_HEADERS = "Accept, Accept-Language, Authorization, Content-Type, If-Match, If-None-Match"
EXPOSED = "ETag, Content-Crs, Link, Retry-After, X-Layer-Cache"
PREFLIGHT_MAX_AGE = "600"


def allowed_methods(scope: Scope) -> list[str]:
    """The methods some route of the app answers at the request's path (HEAD with GET)."""
    router = getattr(scope.get("app"), "router", None)
    found: list[str] = []
    for method in METHODS:
        probe = {**scope, "method": "GET" if method == "HEAD" else method}
        for route in getattr(router, "routes", []):
            if isinstance(route, Mount) and method not in SAFE:
                continue  # the static folders answer GET and HEAD only
            if route.matches(probe)[0] == Match.FULL:
                found.append(method)
                break
    return found


def _raw(headers: dict[str, str]) -> list[tuple[bytes, bytes]]:
    return [(k.lower().encode(), v.encode()) for k, v in headers.items()]


class CrossOriginMiddleware:
    """HEAD as a GET without its body; OPTIONS answered from the routes (``Allow``, and the
    CORS preflight); CORS headers on every answer to a request with an ``Origin``."""

    def __init__(self, app: ASGIApp, *, origins: list[str]) -> None:
        self.app = app
        self.origins = frozenset(o.rstrip("/") for o in origins)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method = scope["method"]
        origin = Headers(scope=scope).get("origin")
        if method == "OPTIONS":
            await self._options(scope, receive, send, origin)
            return
        head = method == "HEAD"
        if head:
            scope = {**scope, "method": "GET"}

        async def answer(message: Message) -> None:
            if message["type"] == "http.response.start" and origin:
                headers = MutableHeaders(raw=list(message.get("headers", [])))
                for name, value in self._cors(origin, headers, method).items():
                    if name == "Vary":
                        headers.add_vary_header(value)
                    else:
                        headers[name] = value
                message = {**message, "headers": headers.raw}
            elif head and message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return  # the rest of a streamed GET body: nothing of it is sent
                message = {"type": "http.response.body", "body": b""}
            await send(message)

        await self.app(scope, receive, answer)

    def _cors(self, origin: str, response: Headers, method: str) -> dict[str, str]:
        if origin.rstrip("/") in self.origins:
            return {
                "Access-Control-Allow-Origin": origin,
                "Access-Control-Allow-Credentials": "true",
                "Access-Control-Expose-Headers": EXPOSED,
                "Vary": "Origin",
            }
        private = "private" in response.get("cache-control", "")
        if method not in SAFE or private:
            return {}
        return {"Access-Control-Allow-Origin": "*", "Access-Control-Expose-Headers": EXPOSED}

    async def _options(
        self, scope: Scope, receive: Receive, send: Send, origin: str | None
    ) -> None:
        methods = allowed_methods(scope)
        if not methods:
            path = scope.get("path", "")
            await problem(Request(scope), 404, f"nothing at {path}")(scope, receive, send)
            return
        headers = {"Allow": ", ".join([*methods, "OPTIONS"])}
        asked = Headers(scope=scope).get("access-control-request-method")
        if origin and asked:
            if origin.rstrip("/") in self.origins:
                headers.update(
                    {
                        "Access-Control-Allow-Origin": origin,
                        "Access-Control-Allow-Credentials": "true",
                        "Access-Control-Allow-Methods": ", ".join(methods),
                        "Access-Control-Allow-Headers": ALLOWED_HEADERS,
                        "Access-Control-Max-Age": PREFLIGHT_MAX_AGE,
                        "Vary": "Origin",
                    }
                )
            elif asked.upper() in SAFE:  # any origin may read public answers
                headers.update(
                    {
                        "Access-Control-Allow-Origin": "*",
                        "Access-Control-Allow-Methods": "GET, HEAD",
                        "Access-Control-Allow-Headers": "Accept, Accept-Language, If-None-Match",
                        "Access-Control-Max-Age": PREFLIGHT_MAX_AGE,
                    }
                )
        await send({"type": "http.response.start", "status": 204, "headers": _raw(headers)})
        await send({"type": "http.response.body", "body": b""})
