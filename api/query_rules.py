"""One rule for query strings: no repeated parameters anywhere; OGC API paths by the standard.

On the OGC API paths of a city (its landing page, ``/conformance``, ``/collections/...`` and
``/tileMatrixSets/...``) OGC API Features Part 1 and OGC API Tiles give the statuses: a
parameter the server does not know is a 400 (so ``?levle=SMP`` is never silently unfiltered),
an invalid value is a 400 (not FastAPI's 422), ``f=html`` is a 406 (there is no HTML
representation), a feature id or tile index that is not an integer names no resource (404).
Elsewhere a semantically wrong body stays a 422.
"""

from __future__ import annotations

import inspect
import re
import urllib.parse
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import orjson
from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from api.problems import PROBLEM_JSON, problem
from geo.errors import GeoError, InvalidInputError, LayerNotFoundError
from layers.features import HANDLED_PARAMS, UNSUPPORTED_PARAMS
from layers.registry import get_layer

Handler = Callable[[Request, Any], Response | Awaitable[Response]]
_CITY = re.compile(r"^/cities/[^/]+")
# path under /cities/{city} -> what it is (the first match wins)
_SHAPES: list[tuple[str, re.Pattern[str]]] = [
    ("document", re.compile(r"^/?$|^/conformance/?$|^/collections/?$|^/tileMatrixSets(/[^/]+)?$")),
    ("document", re.compile(r"^/collections/(?P<layer>[^/]+)(/queryables|/tiles(/[^/]+){0,2})?$")),
    ("items", re.compile(r"^/collections/(?P<layer>[^/]+)/items$")),
    ("item", re.compile(r"^/collections/(?P<layer>[^/]+)/items/(?P<id>[^/]*)$")),
    ("tile", re.compile(r"^/collections/(?P<layer>[^/]+)/tiles/[^/]+/(?P<id>[^/]+/[^/]+/[^/]+)$")),
]
_INTEGER = re.compile(r"^-?[0-9]+$")
# the representations (``f``) of each kind of OGC resource
FORMATS = {"document": ("json",), "items": ("json", "geojson"), "item": ("json", "geojson")}
KNOWN = {
    "document": frozenset({"f"}),
    "items": HANDLED_PARAMS | UNSUPPORTED_PARAMS | {"datetime"},
    "item": frozenset({"f", "crs"}),
    "tile": frozenset({"f"}),
}
FORMATS["tile"] = ("mvt",)


@dataclass(frozen=True)
class OgcPath:
    """What an OGC API path of a city names."""

    kind: str
    layer: str | None
    resource_id: str | None


def ogc_path(path: str) -> OgcPath | None:
    """The OGC API resource ``path`` names, or None outside the OGC API paths."""
    city = _CITY.match(path)
    if city is None:
        return None
    rest = path[city.end() :]
    for kind, pattern in _SHAPES:
        match = pattern.match(rest)
        if match:
            found = match.groupdict()
            return OgcPath(kind, found.get("layer"), found.get("id"))
    return None


def repeated(pairs: list[tuple[str, str]]) -> list[str]:
    """The parameter names given more than once, in order."""
    seen: set[str] = set()
    twice: list[str] = []
    for name, _value in pairs:
        if name in seen and name not in twice:
            twice.append(name)
        seen.add(name)
    return twice


def _known(where: OgcPath) -> tuple[frozenset[str], list[str]]:
    """The parameters a resource takes, and the names to list in a message (a restricted
    layer's properties are not told to whoever asks)."""
    known = KNOWN[where.kind]
    if where.kind != "items" or where.layer is None:
        return known, sorted(known)
    try:
        layer = get_layer(where.layer)
    except LayerNotFoundError:
        return known, sorted(known)
    names = {prop.name for prop in layer.properties}
    shown = sorted(known | names) if layer.public else [*sorted(known), "(the queryables)"]
    return known | names, shown


def check_query(path: str, pairs: list[tuple[str, str]]) -> tuple[int, str, str, list[str]] | None:
    """The refusal of a request's query string: ``(status, code, detail, fields)``, or None."""
    twice = repeated(pairs)
    if twice:
        names = ", ".join(twice)
        return 400, "repeated-parameter", f"each parameter may be given once: {names}", twice
    where = ogc_path(path)
    if where is None:
        return None
    if where.resource_id is not None and not all(
        _INTEGER.match(part) for part in where.resource_id.split("/")
    ):
        return 404, "not-found", f"nothing at {path} (ids and tile indexes are integers)", []
    known, shown = _known(where)
    unknown = [name for name, _value in pairs if name not in known]
    if unknown:
        detail = f"unknown query parameter: {', '.join(unknown)}; known: {', '.join(shown)}"
        return 400, "unknown-parameter", detail, unknown
    asked = dict(pairs).get("f")
    if asked is not None and asked.lower() not in FORMATS[where.kind]:
        offered = ", ".join(f"f={f}" for f in FORMATS[where.kind])
        if asked.lower() == "html":
            return 406, "not-acceptable", f"there is no HTML representation; use {offered}", []
        return 400, "invalid-parameter", f"f={asked} is not available; use {offered}", ["f"]
    return None


class QueryRulesMiddleware:
    """Refuse, as problem+json before any endpoint runs, what ``check_query`` refuses."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            raw: bytes = scope.get("query_string", b"")
            pairs = urllib.parse.parse_qsl(raw.decode("latin-1"), keep_blank_values=True)
            refusal = check_query(scope.get("path", ""), pairs)
            if refusal is not None:
                status, code, detail, fields = refusal
                errors = [{"field": f, "in": "query", "message": detail} for f in fields]
                response = problem(
                    Request(scope),
                    status,
                    detail,
                    code=code,
                    errors=errors or None,
                    instance=urllib.parse.quote(scope.get("path", "")),
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _as_bad_request(handler: Handler) -> Handler:
    """``handler``, with its 422 turned into the 400 the OGC API paths answer (the same
    problem otherwise: its code, detail and field errors)."""

    async def on_error(request: Request, exc: Any) -> Response:
        answer = handler(request, exc)
        response = await answer if inspect.isawaitable(answer) else answer
        if response.status_code != 422 or ogc_path(request.url.path) is None:
            return response
        body = orjson.loads(bytes(response.body))
        body.update(status=400, title="Bad Request")
        kept = {
            k: v for k, v in response.headers.items() if k not in {"content-length", "content-type"}
        }
        return JSONResponse(body, status_code=400, media_type=PROBLEM_JSON, headers=kept)

    return on_error


def install_query_rules(app: FastAPI) -> None:
    """Answer invalid parameter values on the OGC API paths with 400 (call after
    ``install_problem_handlers``; add ``QueryRulesMiddleware`` for the other rules)."""
    for error in (RequestValidationError, InvalidInputError):
        base = app.exception_handlers.get(error) or app.exception_handlers[GeoError]
        app.add_exception_handler(error, _as_bad_request(base))
