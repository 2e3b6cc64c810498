"""Request guards in front of every endpoint: no NUL characters in the URL."""

from __future__ import annotations

import urllib.parse
from typing import Any

from starlette.requests import Request
from starlette.routing import compile_path
from starlette.types import ASGIApp, Receive, Scope, Send

from api.problems import problem

NUL = "\x00"
NUL_MESSAGE = "must not contain NUL characters"


def nul_fields(scope: Scope) -> list[dict[str, str]]:
    """Field errors for every path or query parameter of a request that holds a NUL.

    PostgreSQL text cannot hold NUL (U+0000): such a value would fail in the database, so it
    is refused before any endpoint runs. Path parameters are named by the OpenAPI path the
    URL matches (``city``, ``layer`` ...); a NUL elsewhere in the path is reported as ``path``.
    """
    errors: list[dict[str, str]] = []
    path: str = scope.get("path", "")
    if NUL in path:
        names = [name for name, value in _path_params(scope).items() if NUL in str(value)]
        errors += [{"field": n, "in": "path", "message": NUL_MESSAGE} for n in names or ["path"]]
    raw: bytes = scope.get("query_string", b"")
    if b"%00" in raw or b"\x00" in raw:
        pairs = urllib.parse.parse_qsl(raw.decode("latin-1"), keep_blank_values=True)
        names = sorted({name for name, value in pairs if NUL in name or NUL in value})
        errors += [
            {"field": n.replace(NUL, "\\0"), "in": "query", "message": NUL_MESSAGE} for n in names
        ]
    return errors


def _path_params(scope: Scope) -> dict[str, Any]:
    """The path parameters of the first OpenAPI path template matching the request's path."""
    app = scope.get("app")
    openapi = getattr(app, "openapi", None)
    if openapi is None:
        return {}
    for template in openapi().get("paths", {}):
        regex, _format, _convertors = compile_path(template)
        match = regex.match(scope.get("path", ""))
        if match:
            return match.groupdict()
    return {}


class NulGuardMiddleware:
    """Answer 422 problem+json, naming the fields, when the URL holds a NUL character."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            errors = nul_fields(scope)
            if errors:
                fields = ", ".join(e["field"] for e in errors)
                instance = urllib.parse.quote(scope.get("path", ""))
                response = problem(
                    Request(scope),
                    422,
                    f"invalid value for: {fields} (NUL characters are not allowed)",
                    errors=errors,
                    instance=instance,
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
