"""A forged Host header is refused before any endpoint runs (#11 robustness 7): links and
redirects are built from it, so they must never point at another site."""

from __future__ import annotations

from typing import Any

import pytest

from api.hosts import host_name
from api.settings import Settings, allowed_host_list

pytestmark = pytest.mark.postgis


@pytest.mark.parametrize(
    ("header", "name"),
    [
        ("example.org", "example.org"),
        ("Example.ORG:8443", "example.org"),
        ("127.0.0.1:8000", "127.0.0.1"),
        ("[::1]:8000", "::1"),
        ("[::1]", "::1"),
        ("::1", "::1"),
    ],
)
def test_host_names(header: str, name: str) -> None:
    assert host_name(header) == name


def test_a_forged_host_gets_400_problem_json(client: Any) -> None:
    r = client.get("/cities", headers={"Host": "evil.example"})
    assert r.status_code == 400
    assert r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert body["code"] == "host-not-allowed"
    assert "evil.example" not in r.text  # nothing of the forged name comes back
    # the landing page's links would have named it: refused before they are built
    r = client.get("/cities/tangerang/collections", headers={"Host": "evil.example:80"})
    assert r.status_code == 400


def test_an_allowed_host_is_answered_and_named_in_links(client: Any) -> None:
    r = client.get("/cities", headers={"Host": "127.0.0.1:8000"})
    assert r.status_code == 200


def test_the_listening_host_and_a_star() -> None:
    settings = Settings(host="tpo.tangerangkota.go.id", allowed_hosts="localhost", _env_file=None)
    assert allowed_host_list(settings) == ["localhost", "tpo.tangerangkota.go.id"]
    assert allowed_host_list(Settings(host="0.0.0.0", allowed_hosts="*", _env_file=None)) == ["*"]
