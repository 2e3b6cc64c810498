"""Every ``GeoError`` class has its own stable code and an HTTP status from api/problems.py."""

from __future__ import annotations

import re

import pytest

from api.problems import STATUS_OF, TYPE_BASE, code_of_status, status_of
from geo.errors import GeoError

KEBAB = re.compile(r"^[a-z]+(-[a-z]+)*$")


def all_error_classes() -> list[type[GeoError]]:
    """``GeoError`` and every subclass, walking ``__subclasses__()`` recursively."""
    found: list[type[GeoError]] = []
    todo = [GeoError]
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return found


def test_every_error_class_has_its_own_unique_kebab_code() -> None:
    classes = all_error_classes()
    assert len(classes) > 10
    codes = {}
    for cls in classes:
        assert "code" in vars(cls), f"{cls.__name__} does not set its own code"
        assert "title" in vars(cls), f"{cls.__name__} does not set its own title"
        assert KEBAB.match(cls.code), (cls.__name__, cls.code)
        assert cls.code not in codes, f"{cls.__name__} reuses {codes.get(cls.code)}'s code"
        codes[cls.code] = cls.__name__
    # problem types of HTTP errors without a GeoError name other things
    http_only = {"validation-error", "method-not-allowed", "content-too-large", "internal-error"}
    assert not http_only & set(codes)


def test_every_error_class_maps_to_a_status_by_a_base_of_its_own() -> None:
    for cls in all_error_classes():
        status = status_of(cls)
        assert 400 <= status <= 599, cls
        if cls is not GeoError:  # the catch-all entry is for GeoError itself only
            base = next(base for base, _ in STATUS_OF if issubclass(cls, base))
            assert base is not GeoError, f"{cls.__name__} has no status of its own in STATUS_OF"


@pytest.mark.parametrize(
    ("code", "status"),
    [
        ("city-not-found", 404),
        ("layer-not-found", 404),
        ("feature-not-found", 404),
        ("route-not-found", 404),
        ("tile-out-of-range", 404),
        ("point-outside-city", 422),
        ("invalid-geometry", 422),
        ("invalid-file", 422),
        ("city-exists", 409),
        ("database-unavailable", 503),
        ("cluster-error", 503),
    ],
)
def test_known_codes_keep_their_status(code: str, status: int) -> None:
    """Codes are a contract: they are neither renamed nor moved to another status."""
    by_code = {cls.code: cls for cls in all_error_classes()}
    assert status_of(by_code[code]) == status


def test_http_errors_have_codes_by_status() -> None:
    assert code_of_status(404) == "not-found"
    assert code_of_status(405) == "method-not-allowed"
    assert code_of_status(413) == "content-too-large"
    assert code_of_status(422) == "validation-error"
    assert code_of_status(500) == "internal-error"
    assert code_of_status(503) == "service-unavailable"
    assert code_of_status(418) == "im-a-teapot"
    assert TYPE_BASE == "https://treepointo.org/problems/"
