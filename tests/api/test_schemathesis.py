"""schemathesis over the whole /openapi.json: generated calls of every operation, as an
anonymous caller and as a city administrator (API token), never get a 5xx; every status is
one the operation documents, with the documented media type, and every body conforms to the
schema documented for it: the response models of success bodies (api/response_models*.py),
the Problem schema of errors (problem+json).

Bounded (a few examples per operation, no shrinking) so it stays well under a minute or two in
CI; the hand-written probes of odd input are tests/api/test_robustness*.py.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    status_code_conformance,
)
from schemathesis.specs.openapi.checks import response_schema_conformance
from sqlalchemy.orm import Session

from tests.api.accounts import ANON, CITY, User, make_user, sample_cities, token_user

pytestmark = [pytest.mark.postgis, pytest.mark.slow]
EXAMPLES = 12
# every body, success or error, against the schema its status and media type document (the
# schema check costs about nothing beside the calls: ~22 s of CPU per caller either way)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def _fuzz(app: Any, user: User) -> tuple[int, int, list[str]]:
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    failures: list[str] = []
    calls = 0
    bodies = 0  # success bodies (checked against the response models)
    headers = user.headers(unsafe=True)
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        def run(case: Any) -> None:
            nonlocal calls, bodies
            # a real city, so calls get past the city lookup to the operation itself
            if "city" in (case.path_parameters or {}):
                case.path_parameters["city"] = CITY
            response = case.call(headers=headers)
            calls += 1
            bodies += response.status_code < 300 and bool(response.content)
            try:
                case.validate_response(response, checks=CHECKS, headers=headers)
            except Exception as failure:  # schemathesis' FailureGroup or an assertion
                where = f"{case.method} {case.path} -> {response.status_code}"
                failures.append(f"{where}: {str(failure)[:300]}")

        run()
    return calls, bodies, failures


def test_every_operation_for_anonymous(client: Any, db: Session) -> None:
    sample_cities(db)
    calls, bodies, failures = _fuzz(client.app, ANON)
    assert calls > 500
    assert bodies > 60
    assert not failures, "\n".join(failures[:30])


def test_every_operation_for_a_city_administrator(client: Any, db: Session) -> None:
    cities = sample_cities(db)
    admin = token_user(db, make_user(db, cities, "ak", "admin_kota"), "ak", "admin_kota", CITY)
    calls, bodies, failures = _fuzz(client.app, admin)
    assert calls > 500
    assert bodies > 60
    assert not failures, "\n".join(failures[:30])
