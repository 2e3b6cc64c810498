"""A NUL character in any path or query parameter is a 422 problem naming the field.

PostgreSQL text cannot hold NUL, so before the guard (``api.guards``) such a value reached the
database and came back as a 500 (``/search?q=ab%00``). One test per endpoint family.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session

from tests.api.test_service import assert_problem
from tests.layers.sample import SampleCity, insert_sample_city

pytestmark = pytest.mark.postgis
C = "/cities/robust"
PT = "lon=106.65&lat=-6.18"


@pytest.fixture
def sample(db: Session) -> SampleCity:
    return insert_sample_city(db, "robust")


def assert_nul_refused(client: Any, url: str, field: str, where: str) -> None:
    body = assert_problem(client.get(url), 422)
    assert body["title"]
    assert "NUL" in body["detail"]
    assert field in body["detail"]
    assert {"field": field, "in": where, "message": "must not contain NUL characters"} in body[
        "errors"
    ]
    assert "\\u0000" not in client.get(url).text  # the value is not echoed


@pytest.mark.parametrize(
    ("url", "field"),
    [
        (f"{C}/search?q=ab%00", "q"),
        (f"{C}/search?q=%00%00", "q"),
        (f"{C}/search?q=poris&limit=5%00", "limit"),
    ],
)
def test_search(client: Any, sample: SampleCity, url: str, field: str) -> None:
    assert_nul_refused(client, url, field, "query")


@pytest.mark.parametrize(
    ("url", "field"),
    [
        (f"{C}/routes/near?lon=106.65%00&lat=-6.18", "lon"),
        (f"{C}/routes/near?{PT}&radius_m=400%00", "radius_m"),
        (f"{C}/schools/nearest?{PT}&level=SD%00", "level"),
        (f"{C}/schools/nearest?{PT}&status=negeri%00", "status"),
        (f"{C}/schools/within?{PT}&radius_m=500&level=%00SD", "level"),
        (f"{C}/schools/within?lon=106.65&lat=-6.18%00&radius_m=500", "lat"),
    ],
)
def test_routes_and_schools(client: Any, sample: SampleCity, url: str, field: str) -> None:
    assert_nul_refused(client, url, field, "query")


@pytest.mark.parametrize(
    ("url", "field"),
    [
        (f"{C}/trips?from=106.65,-6.18%00&to=106.66,-6.17", "from"),
        (f"{C}/trips?from=106.65,-6.18&to=Poris%00Plawad", "to"),
        (f"{C}/trips?from=106.65,-6.18&to=106.66,-6.17&max_walk_m=%00", "max_walk_m"),
    ],
)
def test_trips(client: Any, sample: SampleCity, url: str, field: str) -> None:
    assert_nul_refused(client, url, field, "query")


@pytest.mark.parametrize(
    ("url", "field"),
    [
        (f"{C}/collections/schools/items?name=a%00b", "name"),
        (f"{C}/collections/schools/items?level=SD%00", "level"),
        (f"{C}/collections/schools/items?properties=name%00", "properties"),
        (f"{C}/collections/schools/items?bbox=106,-7,107,-6%00", "bbox"),
        (f"{C}/collections/schools/items?f=json%00", "f"),
        (f"{C}/collections/schools/items?unknown=%00", "unknown"),
        (f"{C}/collections/schools/items?x%00y=1", "x\\0y"),
    ],
)
def test_items_properties_and_parameters(
    client: Any, sample: SampleCity, url: str, field: str
) -> None:
    assert_nul_refused(client, url, field, "query")


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/cities/rob%00ust", "city"),
        ("/cities/robust%00/outline", "city"),
        ("/cities/rob%00ust/search?q=poris", "city"),
        ("/cities/rob%00ust/collections", "city"),
        ("/cities/rob%00ust/collections/schools/items", "city"),
        (f"{C}/collections/sch%00ools", "layer"),
        (f"{C}/collections/sch%00ools/items", "layer"),
        (f"{C}/collections/schools/items/1%00", "fid"),
        (f"{C}/routes/1%00", "route_id"),
        (f"{C}/collections/roads/tiles/WebMercatorQuad/14/13%00/8", "x"),
        ("/nowhere%00", "path"),
    ],
)
def test_path_parameters(client: Any, sample: SampleCity, url: str, field: str) -> None:
    assert_nul_refused(client, url, field, "path")


def test_several_fields_at_once(client: Any, sample: SampleCity) -> None:
    body = assert_problem(client.get("/cities/ro%00bust/search?q=a%00b&limit=%00"), 422)
    assert {(e["field"], e["in"]) for e in body["errors"]} == {
        ("city", "path"),
        ("q", "query"),
        ("limit", "query"),
    }
    assert body["instance"] == "/cities/ro%00bust/search"


def test_encoded_percent_is_not_nul(client: Any, sample: SampleCity) -> None:
    # "%2500" is the text "%00": an ordinary (if odd) search, answered normally
    r = client.get(f"{C}/search?q=ab%2500")
    assert r.status_code == 200, r.text
