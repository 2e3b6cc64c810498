"""RFC 9457 problem+json responses for every error, and the table mapping domain errors."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from geo.errors import (
    AuthenticationRequiredError,
    ConflictError,
    DatabaseUnavailableError,
    GeoError,
    InvalidInputError,
    LoginThrottledError,
    NotFoundError,
    PermissionDeniedError,
)

log = logging.getLogger("tpo.api")

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://treepointo.org/problems/"

# domain error -> HTTP status (the only place that knows both)
STATUS_OF: list[tuple[type[GeoError], int]] = [
    (AuthenticationRequiredError, 401),
    (PermissionDeniedError, 403),
    (LoginThrottledError, 429),
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


def problem(
    request: Request,
    status: int,
    detail: str,
    *,
    title: str | None = None,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
    code: str | None = None,
) -> JSONResponse:
    """Build a problem+json response (type, title, status, detail, instance, errors).

    ``code`` (default: from the status) names the problem: the ``type`` is
    ``TYPE_BASE + code`` and the body repeats it as the ``code`` extension member.
    """
    try:
        default_title = HTTPStatus(status).phrase
    except ValueError:
        default_title = "Error"
    code = code or _slug(status)
    body: dict[str, Any] = {
        "type": TYPE_BASE + code,
        "title": title or default_title,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
        "code": code,
    }
    if errors:
        body["errors"] = errors
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
    headers = None
    if isinstance(exc, AuthenticationRequiredError):
        headers = {"WWW-Authenticate": 'Bearer realm="tpo"'}
    elif isinstance(exc, LoginThrottledError):
        headers = {"Retry-After": str(max(1, exc.retry_after_s))}
    code = getattr(exc, "code", None)
    return problem(
        request,
        status,
        exc.detail,
        title=exc.title,
        errors=exc.errors or None,
        headers=headers,
        code=code if isinstance(code, str) else None,
    )


async def _on_db(request: Request, exc: Exception) -> JSONResponse:
    log.exception("database error on %s %s", request.method, request.url.path)
    if isinstance(exc, OperationalError):
        return problem(request, 503, "the database is not reachable right now; try again soon")
    return problem(request, 500, "the server failed to answer this request")


async def _on_any(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem(request, 500, "the server failed to answer this request")


def install_problem_handlers(app: FastAPI) -> None:
    """Route every error of ``app`` through problem+json."""
    app.add_exception_handler(StarletteHTTPException, _on_http)
    app.add_exception_handler(RequestValidationError, _on_validation)
    app.add_exception_handler(GeoError, _on_geo)
    app.add_exception_handler(DBAPIError, _on_db)
    app.add_exception_handler(Exception, _on_any)
