"""/openapi.json documents problem+json errors and the statuses every operation can answer."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.postgis
METHODS = {"get", "post", "put", "patch", "delete"}


def _operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, op)
        for path, ops in spec["paths"].items()
        for method, op in ops.items()
        if method in METHODS
    ]


def test_every_error_is_problem_json(client: Any) -> None:
    spec = client.get("/openapi.json").json()
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    for path, method, op in _operations(spec):
        for status, response in op["responses"].items():
            if status[0] in "45":
                assert list(response["content"]) == ["application/problem+json"], (
                    path,
                    method,
                    status,
                )
        assert {"400", "503"} <= set(op["responses"]), (path, method)
        assert "Retry-After" in op["responses"]["503"]["headers"]


def test_login_statuses_follow_the_permission(client: Any) -> None:
    spec = client.get("/openapi.json").json()
    ops = {(p, m): op for p, m, op in _operations(spec)}
    staff = ops[("/cities/{city}/requests", "get")]  # requests.read: staff roles only
    public = ops[("/cities/{city}/trips", "get")]  # anyone
    assert {"401", "403"} <= set(staff["responses"])
    assert "401" not in public["responses"]
    assert {"404", "422"} <= set(public["responses"])
