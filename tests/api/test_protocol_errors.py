"""Requests the HTTP parser cannot read, and a bad Range on a static file, answered by the real
`tpo serve` as problem+json (issue #11, robustness 6), sent as raw bytes over a socket."""

from __future__ import annotations

import json
import os
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from geo.store.cluster import free_port
from tests.api.test_serve_cli import TPO, interrupt, wait_healthy

pytestmark = [pytest.mark.postgis, pytest.mark.slow]

UNREADABLE = {
    # httptools refuses a request line over 64 KiB
    "request line over 64 KB": b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
    "Content-Length not a number": (
        b"POST /auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: abc\r\n\r\n{}"
    ),
    "two Content-Lengths": (
        b"POST /auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}"
    ),
    "not HTTP at all": b"HELLO WORLD\r\n\r\n",
    "a space in the header name": b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nBad Header: x\r\n\r\n",
    "broken chunk size": (
        b"POST /auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"
    ),
}


@pytest.fixture(scope="module")
def served(live_db_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """`tpo serve` itself (its uvicorn, its protocol class) on the live test database."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TPO_")}
    env.update(TPO_DATABASE_URL=live_db_url, TPO_VAR_DIR=str(tmp_path_factory.mktemp("var")))
    proc = subprocess.Popen(
        [str(TPO), "serve", "--no-demo", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        wait_healthy(proc, f"http://127.0.0.1:{port}")
        yield port
    finally:
        interrupt(proc)


def exchange(port: int, raw: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send ``raw``, read until the server closes: the status, headers and body."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as conn:
        conn.sendall(raw)
        received = b""
        try:
            while chunk := conn.recv(65536):
                received += chunk
        except ConnectionResetError:  # the server closed with our bytes unread; its answer came
            pass
    head, _, body = received.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(status_line.split()[1]), headers, body


def assert_problem(answer: tuple[int, dict[str, str], bytes], status: int) -> dict[str, Any]:
    got, headers, body = answer
    assert got == status, body
    assert headers["content-type"] == "application/problem+json"
    assert int(headers["content-length"]) == len(body)
    assert headers["x-content-type-options"] == "nosniff"
    problem = json.loads(body)
    assert problem["status"] == status
    assert problem["type"] == "https://treepointo.org/problems/" + problem["code"]
    assert problem["title"]
    assert problem["detail"]
    return dict(problem)


@pytest.mark.parametrize("raw", UNREADABLE.values(), ids=UNREADABLE.keys())
def test_unreadable_request_is_a_problem(served: int, raw: bytes) -> None:
    answer = exchange(served, raw)
    problem = assert_problem(answer, 400)
    assert problem["code"] == "bad-request"
    assert problem["title"] == "Bad Request"
    assert "instance" not in problem  # no request was read, so none is named
    assert answer[1]["connection"] == "close"


def test_a_readable_request_still_answers(served: int) -> None:
    # the same server, the same connection handling: a well-formed request is not refused
    status, headers, body = exchange(
        served, b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    assert status == 200, body
    assert headers["content-type"] == "application/json"


@pytest.mark.parametrize(
    ("range_", "status"), [("bytes=abc", 400), ("bytes=5-2", 400), ("bytes=99999999-", 416)]
)
def test_static_range_errors_are_problems(served: int, range_: str, status: int) -> None:
    asset = Path(__file__).parents[2] / "web" / "js" / "main.js"
    assert asset.is_file()
    raw = (
        f"GET /js/main.js HTTP/1.1\r\nHost: 127.0.0.1\r\nRange: {range_}\r\n"
        "Accept-Encoding: identity\r\nConnection: close\r\n\r\n"
    ).encode()
    problem = assert_problem(exchange(served, raw), status)
    assert problem["instance"] == "/js/main.js"
