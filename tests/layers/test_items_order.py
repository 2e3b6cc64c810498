"""Deep pages keep their order (#11, "bugs the tests would let through"): rows stored out of id
order must still page by id, so paging is stable and a page never repeats or skips a row.

The sample city inserts its schools in id order, where a page without ORDER BY before its
LIMIT/OFFSET looks right by accident; here the rows are stored shuffled on purpose.
"""

from __future__ import annotations

import random
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from tests.layers.sample import SampleCity, insert_sample_city

pytestmark = pytest.mark.postgis
CITY = "/cities/order-test"
N = 60


@pytest.fixture
def shuffled(db: Session) -> list[int]:
    """The sample city plus N schools whose ids are stored in a shuffled physical order."""
    sample: SampleCity = insert_sample_city(db, "order-test")
    base = db.execute(text("SELECT coalesce(max(id), 0) + 1000 FROM school")).scalar_one()
    ids = [base + i for i in range(N)]
    rng = random.Random(20261202)
    order = ids[:]
    rng.shuffle(order)
    for n, sid in enumerate(order):
        db.execute(
            text(
                "INSERT INTO school (id, city_id, npsn, name, level, status, kelurahan_code, geom)"
                " VALUES (:id, :c, :npsn, :name, 'SD', 'negeri', '36.71.01.1001',"
                " ST_SetSRID(ST_MakePoint(:lon, :lat), 4326))"
            ),
            {
                "id": sid,
                "c": sample.city.id,
                "npsn": f"9{sid:07d}",
                "name": f"Sekolah Acak {n}",
                "lon": 106.62 + (n % 10) * 0.004,
                "lat": -6.20 + (n // 10) * 0.004,
            },
        )
    db.execute(text("ANALYZE school"))
    return sorted(
        db.execute(
            text("SELECT id FROM school WHERE city_id = :c"), {"c": sample.city.id}
        ).scalars()
    )


def _ids(client: Any, query: str) -> list[int]:
    r = client.get(f"{CITY}/collections/schools/items?{query}")
    assert r.status_code == 200, r.text
    return [int(f["id"]) for f in r.json()["features"]]


def test_every_page_is_the_next_slice_by_id(client: Any, shuffled: list[int]) -> None:
    size = 7
    pages = [_ids(client, f"limit={size}&offset={off}") for off in range(0, len(shuffled), size)]
    for n, page in enumerate(pages):
        assert page == shuffled[n * size : (n + 1) * size], f"page {n} (offset {n * size})"
    seen = [i for page in pages for i in page]
    assert seen == shuffled  # nothing repeated, nothing skipped


def test_a_filtered_deep_page_is_ordered_too(client: Any, shuffled: list[int]) -> None:
    level_sd = _ids(client, "level=SD&limit=1000")
    assert level_sd == sorted(level_sd)
    assert _ids(client, "level=SD&limit=5&offset=20") == level_sd[20:25]
