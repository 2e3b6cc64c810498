"""Request guards in front of every endpoint: no NUL characters in the URL, a deadline."""

from __future__ import annotations

import asyncio
import logging
import urllib.parse
from typing import Any

from starlette.requests import Request
from starlette.routing import compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.problems import problem
from geo.errors import InvalidInputError

log = logging.getLogger("tpo.api")
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
                    code=InvalidInputError.code,
                    errors=errors,
                    instance=instance,
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


class DeadlineMiddleware:
    """Answer 503 problem+json (with Retry-After) to a request not answered in ``timeout_s``.

    The endpoint runs in its own task. When the deadline passes before its response has
    started, the client gets the 503 at once and the task goes on in the background, its
    response dropped, so that it closes its session and connection as usual (a cancelled
    sync dependency would not): the lean items path gives up by itself after its own bounded
    waits (``op_timeout_s``); a sync endpoint blocked in a worker thread on a frozen database
    finishes when the database answers. Those threads are bounded by the pool size: further
    requests fail fast on the pool or connect timeout. A response already started (a long
    stream to a slow client) is let run.
    """

    def __init__(self, app: ASGIApp, timeout_s: float) -> None:
        self.app = app
        self.timeout_s = timeout_s
        self._abandoned: set[asyncio.Task[None]] = set()  # kept referenced until done

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False
        late = False

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if late:
                return  # the client got the 503 already
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        async def answer() -> None:
            await self.app(scope, receive, guarded_send)

        loop = asyncio.get_running_loop()
        task = loop.create_task(answer())
        woken = loop.create_future()

        def wake(_: object = None) -> None:
            if not woken.done():
                woken.set_result(None)

        task.add_done_callback(wake)
        timer = loop.call_later(self.timeout_s, wake)
        try:
            await woken
        except BaseException:
            task.cancel()
            raise
        finally:
            timer.cancel()
        if task.done() or started:
            await task
            return
        late = True
        self._abandoned.add(task)
        task.add_done_callback(self._forget)
        log.warning(
            "no answer within %g s to %s %s: 503 sent",
            self.timeout_s,
            scope.get("method", ""),
            urllib.parse.quote(scope.get("path", "")),
        )
        response = problem(
            Request(scope),
            503,
            f"no answer within {self.timeout_s:g} s (the database may be unavailable); "
            "try again soon",
        )
        await response(scope, receive, send)

    def _forget(self, task: asyncio.Task[None]) -> None:
        self._abandoned.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("a request answered at its deadline failed later", exc_info=task.exception())
