"""Only the configured host names reach the app (``TPO_ALLOWED_HOSTS``).

Links (OGC ``self``/``next``, redirects) are built from the request's ``Host``: a forged
``Host`` would make the server hand out links to another site (cache poisoning, password-reset
style phishing). Requests naming another host get 400 problem+json before any endpoint runs.
``X-Forwarded-Host`` is never read (uvicorn runs with ``proxy_headers=False``; a proxy in front
passes the public host name in ``Host``, which must then be listed).
"""

from __future__ import annotations

import urllib.parse

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from api.problems import problem
from geo.errors import InvalidInputError


class HostNotAllowedError(InvalidInputError):
    """The request's Host header names a host this server does not serve."""

    code = "host-not-allowed"
    title = "Host not allowed"


def host_name(header: str) -> str:
    """The host of a ``Host`` header without its port, lower case (``[::1]:8000`` -> ``::1``)."""
    value = header.strip().lower()
    if value.startswith("["):
        return value[1 : value.find("]")] if "]" in value else value
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


class AllowedHostsMiddleware:
    """Answer 400 problem+json when the ``Host`` header is not one of ``allowed`` (``*``: any)."""

    def __init__(self, app: ASGIApp, allowed: list[str]) -> None:
        self.app = app
        self.any = "*" in allowed
        self.allowed = {host_name(h) for h in allowed if h != "*"}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not self.any:
            raw = dict(scope.get("headers") or []).get(b"host")
            name = host_name(raw.decode("latin-1")) if raw else None
            if name is not None and name not in self.allowed:
                response = problem(
                    Request(scope),
                    400,
                    "this server does not answer for that host name (see TPO_ALLOWED_HOSTS)",
                    code=HostNotAllowedError.code,
                    title=HostNotAllowedError.title,
                    instance=urllib.parse.quote(scope.get("path", "")),
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
