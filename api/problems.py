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
    AuthenticationRequiredError,
    ClusterError,
    ConflictError,
    DatabaseUnavailableError,
    FileTooLargeError,
    GeoError,
    InvalidInputError,
    InvalidSettingError,
    LoginThrottledError,
    NotFoundError,
    PermissionDeniedError,
    PreconditionRequiredError,
    StaleVersionError,
    SubmissionsThrottledError,
    UnsupportedFileError,
)

log = logging.getLogger("tpo.api")

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://treepointo.org/problems/"
# Retry-After of a 503 when the app carries no settings (TPO_RETRY_AFTER_S otherwise)
RETRY_AFTER_S = 5

# domain error -> HTTP status (the only place that knows both), by base class: the first
# entry the error is an instance of wins, so a new subclass inherits its base's status
STATUS_OF: list[tuple[type[GeoError], int]] = [
    (AuthenticationRequiredError, 401),
    (PermissionDeniedError, 403),
    (LoginThrottledError, 429),
    (SubmissionsThrottledError, 429),
    (NotFoundError, 404),
    (StaleVersionError, 412),
    (PreconditionRequiredError, 428),
    (ConflictError, 409),
    (FileTooLargeError, 413),
    (UnsupportedFileError, 415),
    (InvalidInputError, 422),
    (DatabaseUnavailableError, 503),
    (ClusterError, 503),
    (InvalidSettingError, 500),
    (GeoError, 400),
]
# the code (problem type) of errors that are not a GeoError, by status
CODE_OF_STATUS = {
    400: "bad-request",
    404: "not-found",
    405: "method-not-allowed",
    406: "not-acceptable",
    413: "content-too-large",
    415: "unsupported-media-type",
    422: "validation-error",
    500: "internal-error",
    503: "service-unavailable",
}


def status_of(error: type[GeoError]) -> int:
    """The HTTP status of a ``GeoError`` class (by the first base class in ``STATUS_OF``)."""
    return next(status for cls, status in STATUS_OF if issubclass(error, cls))


def code_of_status(status: int) -> str:
    """The problem code of an HTTP error without a ``GeoError`` (``not-found`` for 404)."""
    if status in CODE_OF_STATUS:
        return CODE_OF_STATUS[status]
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
    code: str | None = None,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
    instance: str | None = None,
    members: dict[str, Any] | None = None,
) -> JSONResponse:
    """Build a problem+json response (type, title, status, detail, instance, code, errors).

    ``code`` (default: from the status) names the problem: the ``type`` is
    ``TYPE_BASE + code`` and the body repeats it as the ``code`` extension member.
    ``instance`` is the request's path unless given. Every 503 carries ``Retry-After``
    (RFC 9110 §10.2.3) unless ``headers`` give one. A route that set
    ``request.state.answer_headers`` (restricted layers: private, varying by credentials) gets
    them on its problems too. ``members`` are further extension members (never replacing the
    standard ones).
    """
    headers = {**getattr(request.state, "answer_headers", {}), **(headers or {})} or None
    where = request.url.path if instance is None else instance
    body = problem_body(status, detail, where, title=title, code=code)
    if errors:
        body["errors"] = errors
    for key, value in (members or {}).items():
        body.setdefault(key, value)
    if status == 503 and not any(k.lower() == "retry-after" for k in headers or {}):
        headers = {**(headers or {}), "Retry-After": retry_after(request)}
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def problem_body(
    status: int, detail: str, instance: str, *, title: str | None = None, code: str | None = None
) -> dict[str, Any]:
    """The members of a problem+json body (for responses built outside FastAPI's handlers)."""
    try:
        default_title = HTTPStatus(status).phrase
    except ValueError:
        default_title = "Error"
    code = code or code_of_status(status)
    return {
        "type": TYPE_BASE + code,
        "title": title or default_title,
        "status": status,
        "detail": detail,
        "instance": instance,
        "code": code,
    }


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
    return problem(
        request, 422, f"invalid value for: {fields}", code="validation-error", errors=errors
    )


async def _on_geo(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, GeoError)
    if isinstance(exc, DatabaseUnavailableError):
        outage_log(request).failed(request, exc)
    headers = None
    if isinstance(exc, AuthenticationRequiredError):
        headers = {"WWW-Authenticate": 'Bearer realm="tpo"'}
    elif isinstance(exc, LoginThrottledError | SubmissionsThrottledError):
        headers = {"Retry-After": str(max(1, exc.retry_after_s))}
    return problem(
        request,
        status_of(type(exc)),
        exc.detail,
        title=exc.title,
        code=exc.code,
        errors=exc.errors or None,
        headers=headers,
        members=exc.members(),
    )


async def _on_db(request: Request, exc: Exception) -> JSONResponse:
    if isinstance(exc, OperationalError):
        # one traceback per outage, then a line per request (not 4.5 MB of log in 10 s)
        outage_log(request).failed(request, exc)
        return problem(
            request,
            503,
            "the database is not reachable right now; try again soon",
            code=DatabaseUnavailableError.code,
        )
    log.exception("database error on %s %s", request.method, request.url.path)
    return problem(request, 500, "the server failed to answer this request")


async def _on_pool_timeout(request: Request, exc: Exception) -> JSONResponse:
    # sqlalchemy.exc.TimeoutError: every pooled connection stayed busy for pool_timeout_s
    # (not a DBAPIError, so it fell through to the 500 of _on_any)
    assert isinstance(exc, PoolTimeoutError)
    outage_log(request).failed(request, exc)
    return problem(
        request,
        503,
        "every database connection is busy; try again soon",
        code=DatabaseUnavailableError.code,
    )


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
