"""``/openapi.json`` that says what the API really answers: problem+json errors, every status.

FastAPI documents a 422 with its own ``HTTPValidationError`` body (``application/json``) and
nothing else; every error of this API is RFC 9457 problem+json (api/problems.py), and an
operation can also answer 400 (a bad or repeated parameter, a host not allowed), 404 (an
unknown city or object), 503 (the database unreachable, with ``Retry-After``), 401/403 (a
role-restricted permission) and 413 (a body over the limit). This module rewrites the
generated document once so clients (and schemathesis in the test suite) can rely on it.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from api.problems import PROBLEM_JSON
from geo.accounts import PERMISSIONS

_PROBLEM_REF = "#/components/schemas/Problem"
PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "type": "object",
    "description": "RFC 9457 problem details; `code` is the stable error code of its class",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string", "description": "https://treepointo.org/problems/{code}"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "code": {"type": "string"},
        "errors": {
            "type": "array",
            "description": "Field errors of a 422: where (`loc`) and what (`msg`)",
            "items": {"type": "object"},
        },
    },
}
_TEXT = {
    "400": "A query parameter is unknown, repeated or malformed, or the host is not allowed",
    "401": "This operation needs a login (a session cookie or an API token)",
    "403": "The caller's roles, office or city do not allow this operation",
    "404": "No such city or object (or not one the caller may see)",
    "413": "The request body is over the size limit",
    "422": "The request is well-formed but a value is wrong (field errors in `errors`)",
    "503": "The database is unreachable or busy; retry after `Retry-After` seconds",
}
_METHODS = {"get", "post", "put", "patch", "delete"}


def _problem(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {PROBLEM_JSON: {"schema": {"$ref": _PROBLEM_REF}}},
    }


def _needs_login(operation: dict[str, Any]) -> bool:
    action = operation.get("x-permission")
    rule = PERMISSIONS.get(action) if isinstance(action, str) else None
    return rule is not None and rule.roles is not None


def _errors_of(operation: dict[str, Any]) -> list[str]:
    statuses = ["400", "503"]
    # a city, object or user named in the path, query or body that does not exist: 404
    if operation.get("parameters") or "requestBody" in operation:
        statuses += ["404", "422"]
    if "requestBody" in operation:
        statuses.append("413")
    if _needs_login(operation):
        statuses += ["401", "403"]
    return statuses


def with_problems(doc: dict[str, Any]) -> dict[str, Any]:
    """``doc`` with every error response as problem+json and the common errors declared."""
    for ops in doc.get("paths", {}).values():
        for method, operation in ops.items():
            if method not in _METHODS:
                continue
            responses: dict[str, Any] = operation.setdefault("responses", {})
            for status in _errors_of(operation):
                responses.setdefault(status, {"description": _TEXT[status]})
            for status, response in responses.items():
                if status[0] in "45":
                    text = response.get("description") or _TEXT.get(status, "Error")
                    if status == "422" and text == "Validation Error":
                        text = _TEXT["422"]
                    responses[status] = {**_problem(text), **_headers(status)}
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    schemas["Problem"] = PROBLEM_SCHEMA
    # FastAPI's validation error bodies are never sent (api/problems.py answers problem+json)
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    return doc


def _headers(status: str) -> dict[str, Any]:
    if status == "503":
        return {
            "headers": {
                "Retry-After": {
                    "description": "Seconds to wait before retrying",
                    "schema": {"type": "integer"},
                }
            }
        }
    return {}


def install_openapi(app: FastAPI) -> None:
    """Serve ``with_problems`` of FastAPI's generated document as ``/openapi.json``."""

    def build() -> dict[str, Any]:
        if app.openapi_schema is None:
            doc = get_openapi(
                title=app.title,
                version=app.version,
                summary=app.summary,
                description=app.description,
                routes=app.routes,
                tags=app.openapi_tags,
                servers=app.servers,
            )
            app.openapi_schema = with_problems(doc)
        return app.openapi_schema

    app.openapi = build  # type: ignore[method-assign]
