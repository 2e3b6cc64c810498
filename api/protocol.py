"""uvicorn's protocol-level 400 as problem+json.

A request the HTTP parser cannot read (a request line over the parser's limit, a bad
``Content-Length``, bytes that are not HTTP) is answered by uvicorn itself, before any
application code runs, with a ``text/plain`` 400. ``ProblemHttpToolsProtocol`` is uvicorn's
httptools protocol (the one its "auto" choice runs with ``uvicorn[standard]``) with only that
answer replaced by the one error shape of the API (RFC 9457, type ``.../problems/bad-request``)
and the baseline security headers. ``tpo serve`` passes it to uvicorn as ``http=``.
"""

from __future__ import annotations

import json

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from api.problems import PROBLEM_JSON, problem_body
from api.security import baseline_headers

# uvicorn's own text ("Invalid HTTP request received.") says less than this
DETAIL = "the request is not valid HTTP/1.1 (a malformed or oversized request line or header)"


def bad_request_response(default_headers: list[tuple[bytes, bytes]]) -> bytes:
    """The whole problem+json 400 on the wire, after uvicorn's ``default_headers`` (date,
    server), closing the connection."""
    problem = problem_body(400, DETAIL, "")
    del problem["instance"]  # the request could not be read, so it names no resource
    body = json.dumps(problem).encode()
    security = [(k.lower().encode("latin-1"), v.encode()) for k, v in baseline_headers().items()]
    headers = [
        *default_headers,
        (b"content-type", PROBLEM_JSON.encode("ascii")),
        *security,
        (b"content-length", str(len(body)).encode("ascii")),
        (b"connection", b"close"),
    ]
    head = b"".join(name + b": " + value + b"\r\n" for name, value in headers)
    return b"HTTP/1.1 400 Bad Request\r\n" + head + b"\r\n" + body


class ProblemHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol whose unreadable-request 400 is problem+json."""

    def send_400_response(self, msg: str) -> None:  # noqa: ARG002 (uvicorn's text, unused)
        self.transport.write(bad_request_response(list(self.server_state.default_headers)))
        self.transport.close()
