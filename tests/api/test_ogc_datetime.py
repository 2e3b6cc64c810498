"""OGC API - Features ``datetime`` over HTTP: the parcels layer filters by permit date; layers
without a time keep every feature; the temporal extent is declared; bad values are 400."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session

from tests.layers.sample import SampleCity, insert_sample_city

pytestmark = pytest.mark.postgis
CITY = "/cities/waktu-test"
PARCELS = f"{CITY}/collections/parcels/items"


@pytest.fixture
def sample(db: Session) -> SampleCity:
    # three parcels, issued 2024-05-01, -02 and -03 at 08:00 UTC (tests/layers/sample.py)
    return insert_sample_city(db, "waktu-test")


def _codes(client: Any, value: str) -> list[str]:
    response = client.get(PARCELS, params={"datetime": value})
    assert response.status_code == 200, response.text
    return sorted(f["properties"]["code"] for f in response.json()["features"])


@pytest.mark.parametrize(
    ("value", "codes"),
    [
        ("2024-05-02", ["P-1"]),  # a date: the whole day
        ("2024-05-02T08:00:00Z", ["P-1"]),  # an instant
        ("2024-05-02T15:00:00+07:00", ["P-1"]),  # the same instant in WIB
        ("2024-05-02T09:00:00Z", []),
        ("2024-05-01/2024-05-02", ["P-0", "P-1"]),
        ("2024-05-02/..", ["P-1", "P-2"]),
        ("../2024-05-01T08:00:00Z", ["P-0"]),
        ("/2024-04-30", []),
    ],
)
def test_parcels_by_permit_date(
    client: Any, sample: SampleCity, value: str, codes: list[str]
) -> None:
    assert _codes(client, value) == codes


def test_the_next_link_keeps_the_interval(client: Any, sample: SampleCity) -> None:
    first = client.get(PARCELS, params={"datetime": "2024-05-01/..", "limit": 1}).json()
    assert first["numberMatched"] == 3
    following = next(link["href"] for link in first["links"] if link["rel"] == "next")
    assert "datetime=2024-05-01" in following


def test_a_layer_without_time_keeps_every_feature(client: Any, sample: SampleCity) -> None:
    every = client.get(f"{CITY}/collections/schools/items?limit=1000").json()["numberMatched"]
    dated = client.get(f"{CITY}/collections/schools/items?limit=1000&datetime=1990-01-01")
    assert dated.status_code == 200
    assert dated.json()["numberMatched"] == every


def test_the_temporal_extent_is_declared(client: Any, sample: SampleCity) -> None:
    parcels = client.get(f"{CITY}/collections/parcels").json()["extent"]["temporal"]
    assert parcels["interval"] == [["2024-05-01T08:00:00Z", "2024-05-03T08:00:00Z"]]
    assert parcels["trs"].endswith("/Gregorian")
    listed = client.get(f"{CITY}/collections").json()["collections"]
    by_id = {c["id"]: c for c in listed}
    assert by_id["parcels"]["extent"]["temporal"] == parcels
    assert "temporal" not in by_id["schools"]["extent"]


@pytest.mark.parametrize("value", ["yesterday", "2024-05-32", "2024-06-30/2024-01-01", "../..", ""])
def test_bad_datetime_is_400(client: Any, sample: SampleCity, value: str) -> None:
    response = client.get(PARCELS, params={"datetime": value})
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert "datetime" in response.text
