"""RFC 9457 problem+json responses for every error, and the table mapping domain errors."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.outage import OutageLog, outage_log
from api.security import baseline_headers
from geo.errors import (
    ConflictError,
    DatabaseUnavailableError,
    GeoError,
    InvalidInputError,
    NotFoundError,
)

log = logging.getLogger("tpo.api")

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://treepointo.org/problems/"
# Retry-After of a 503 when the app carries no settings (TPO_RETRY_AFTER_S otherwise)
RETRY_AFTER_S = 5

# domain error -> HTTP status (the only place that knows both)
STATUS_OF: list[tuple[type[GeoError], int]] = [
    (NotFoundError, 404),
    (ConflictError, 409),
    (InvalidInputError, 422),
    (DatabaseUnavailableError, 503),
    (GeoError, 400),
]


def _slug(status: int) -> str:
    try:
        return HTTPStatus(status).phrase.lower().replace(" ", "-").replace("'", "")
    except ValueError:
        return "error"


def retry_after(request: Request) -> str:
    """Seconds a client should wait before retrying after a 503 (``TPO_RETRY_AFTER_S``)."""
    state = getattr(request.scope.get("app"), "state", None)
    settings = getattr(state, "settings", None)
    return str(getattr(settings, "retry_after_s", RETRY_AFTER_S))


def problem(
    request: Request,
    status: int,
    detail: str,
    *,
    title: str | None = None,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
    instance: str | None = None,
) -> JSONResponse:
    """Build a problem+json response (type, title, status, detail, instance, errors).

    ``instance`` is the request's path unless given.

    Every 503 carries ``Retry-After`` (RFC 9110 §10.2.3) unless ``headers`` give one.
    """
    try:
        default_title = HTTPStatus(status).phrase
    except ValueError:
        default_title = "Error"
    body: dict[str, Any] = {
        "type": TYPE_BASE + _slug(status),
        "title": title or default_title,
        "status": status,
        "detail": detail,
        "instance": request.url.path if instance is None else instance,
    }
    if errors:
        body["errors"] = errors
    if status == 503 and not any(k.lower() == "retry-after" for k in headers or {}):
        headers = {**(headers or {}), "Retry-After": retry_after(request)}
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _validation_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    out = []
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ())]
        out.append(
            {
                "field": ".".join(loc[1:]) if len(loc) > 1 else ".".join(loc),
                "in": loc[0] if loc else "request",
                "message": str(err.get("msg", "invalid")),
            }
        )
    return out


async def _on_http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    status = exc.status_code
    detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(status).phrase
    if status == 404 and detail == "Not Found":
        detail = f"nothing at {request.url.path}"
    elif status == 405 and detail == "Method Not Allowed":
        detail = f"{request.method} is not allowed on {request.url.path}"
    return problem(request, status, detail, headers=getattr(exc, "headers", None))


async def _on_validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = _validation_errors(exc)
    fields = ", ".join(sorted({e["field"] for e in errors if e["field"]})) or "request"
    return problem(request, 422, f"invalid value for: {fields}", errors=errors)


async def _on_geo(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, GeoError)
    status = next(code for cls, code in STATUS_OF if isinstance(exc, cls))
    if isinstance(exc, DatabaseUnavailableError):
        outage_log(request).failed(request, exc)
    return problem(request, status, exc.detail, title=exc.title, errors=exc.errors or None)


async def _on_db(request: Request, exc: Exception) -> JSONResponse:
    if isinstance(exc, OperationalError):
        # one traceback per outage, then a line per request (not 4.5 MB of log in 10 s)
        outage_log(request).failed(request, exc)
        return problem(request, 503, "the database is not reachable right now; try again soon")
    log.exception("database error on %s %s", request.method, request.url.path)
    return problem(request, 500, "the server failed to answer this request")


async def _on_pool_timeout(request: Request, exc: Exception) -> JSONResponse:
    # sqlalchemy.exc.TimeoutError: every pooled connection stayed busy for pool_timeout_s
    # (not a DBAPIError, so it fell through to the 500 of _on_any)
    assert isinstance(exc, PoolTimeoutError)
    outage_log(request).failed(request, exc)
    return problem(request, 503, "every database connection is busy; try again soon")


async def _on_any(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    # Starlette sends this answer from outside every middleware: it brings its own headers
    return problem(
        request, 500, "the server failed to answer this request", headers=baseline_headers()
    )


def install_problem_handlers(app: FastAPI) -> None:
    """Route every error of ``app`` through problem+json; database outages are logged by
    ``app.state.outage`` (an ``OutageLog``)."""
    app.state.outage = OutageLog(log)
    app.add_exception_handler(StarletteHTTPException, _on_http)
    app.add_exception_handler(RequestValidationError, _on_validation)
    app.add_exception_handler(GeoError, _on_geo)
    app.add_exception_handler(DBAPIError, _on_db)
    app.add_exception_handler(PoolTimeoutError, _on_pool_timeout)
    app.add_exception_handler(Exception, _on_any)
