"""Plain-text error answers of the framework (the static files' 400 for a malformed Range,
416) rewritten as problem+json, so every 4xx of the application has the one error shape.

uvicorn's own protocol-level 400s (a request line over its limit, a bad Content-Length) are
written by the server before any application code runs: api/protocol.py answers those.
"""

from __future__ import annotations

import json
import urllib.parse

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.problems import PROBLEM_JSON, problem_body

# what a plain-text error says, by status, when its own text says little
DETAILS = {416: "the requested range lies outside the file"}


class PlainErrorsMiddleware:
    """Turn ``text/plain`` 4xx answers into problem+json (the text becomes the detail)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        held: Message | None = None
        text: list[bytes] = []

        async def rewriting(message: Message) -> None:
            nonlocal held
            if message["type"] == "http.response.start":
                headers = MutableHeaders(raw=list(message.get("headers", [])))
                status = message["status"]
                if 400 <= status < 500 and headers.get("content-type", "").startswith("text/plain"):
                    held = message
                    return
                await send(message)
                return
            if held is None or message["type"] != "http.response.body":
                await send(message)
                return
            text.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            status = held["status"]
            detail = b"".join(text).decode("utf-8", "replace").strip() or DETAILS.get(status, "")
            path = urllib.parse.quote(scope.get("path", ""))
            body = json.dumps(problem_body(status, detail or "bad request", path)).encode()
            headers = MutableHeaders(raw=list(held.get("headers", [])))
            headers["Content-Type"] = PROBLEM_JSON
            headers["Content-Length"] = str(len(body))
            await send({**held, "headers": headers.raw})
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, rewriting)
