"""The request deadline (``api.guards.DeadlineMiddleware``) on plain ASGI apps, no database."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import pytest
from starlette.types import Message, Receive, Scope, Send

from api.guards import DeadlineMiddleware


def _scope() -> Scope:
    return {"type": "http", "method": "GET", "path": "/slow", "query_string": b"", "headers": []}


async def _call(app: Any) -> tuple[list[Message], float]:
    sent: list[Message] = []

    async def receive() -> Message:
        await asyncio.sleep(10)
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)

    started = time.monotonic()
    await app(_scope(), receive, send)
    return sent, time.monotonic() - started


async def _answer(send: Send, body: bytes = b"ok") -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": body})


def test_late_answer_is_a_503_and_the_work_finishes_quietly() -> None:
    finished = []

    async def slow(scope: Scope, receive: Receive, send: Send) -> None:
        await asyncio.sleep(0.5)
        await _answer(send)  # dropped: the client has its 503
        finished.append(True)

    async def run() -> tuple[list[Message], float]:
        result = await _call(DeadlineMiddleware(slow, timeout_s=0.1))
        await asyncio.sleep(0.6)
        return result

    sent, elapsed = asyncio.run(run())
    assert elapsed < 0.4
    start, body = sent[0], sent[1]
    headers = {k.decode(): v.decode() for k, v in start["headers"]}
    assert start["status"] == 503
    assert headers["content-type"] == "application/problem+json"
    assert headers["retry-after"] == "5"
    problem = json.loads(body["body"])
    assert problem["status"] == 503
    assert problem["title"] == "Service Unavailable"
    assert "0.1 s" in problem["detail"]
    assert len(sent) == 2  # nothing of the late answer
    assert finished == [True]


def test_a_started_response_is_not_cut() -> None:
    async def stream(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await asyncio.sleep(0.3)
        await send({"type": "http.response.body", "body": b"all of it"})

    sent, _ = asyncio.run(_call(DeadlineMiddleware(stream, timeout_s=0.1)))
    assert [m.get("status") for m in sent] == [200, None]
    assert sent[1]["body"] == b"all of it"


def test_in_time_answers_and_errors_pass_through() -> None:
    async def fast(scope: Scope, receive: Receive, send: Send) -> None:
        await _answer(send, b"fast")

    async def broken(scope: Scope, receive: Receive, send: Send) -> None:
        raise RuntimeError("boom")

    sent, _ = asyncio.run(_call(DeadlineMiddleware(fast, timeout_s=1)))
    assert sent[1]["body"] == b"fast"
    with pytest.raises(RuntimeError, match="boom"):
        asyncio.run(_call(DeadlineMiddleware(broken, timeout_s=1)))
