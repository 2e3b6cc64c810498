"""Layer revisions follow writes in the same transaction; ETags and If-None-Match matching."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from layers.revision import (
    begin_layer_read,
    document_etag,
    etag_matches,
    layer_etag,
    layer_revision,
    layer_revisions,
)
from tests.layers.sample import insert_sample_city


def test_etag_format() -> None:
    assert layer_etag(3, "schools", 7) == 'W/"3-schools-7"'


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, False),
        ("", False),
        ('W/"3-schools-7"', True),
        ('"3-schools-7"', True),  # weak comparison
        ('W/"3-schools-6"', False),
        ('W/"1-x-1", W/"3-schools-7"', True),
        ("*", True),
        ('W/"3-schools-70"', False),
    ],
)
def test_etag_matches(header: str | None, expected: bool) -> None:
    assert etag_matches(header, layer_etag(3, "schools", 7)) is expected


def test_document_etag_changes_with_any_revision_or_context() -> None:
    first = document_etag(1, "all", {"a": 1, "b": 0}, "city")
    assert first == document_etag(1, "all", {"b": 0, "a": 1}, "city")
    assert first != document_etag(1, "all", {"a": 1, "b": 1}, "city")
    assert first != document_etag(1, "all", {"a": 1, "b": 0}, "city moved")
    assert first != document_etag(2, "all", {"a": 1, "b": 0}, "city")
    assert first.startswith('W/"1-all-')
    assert etag_matches(first, first)


@pytest.mark.postgis
def test_revision_follows_writes_of_its_layer_only(db: Session) -> None:
    city = insert_sample_city(db).city
    before = layer_revisions(db, city.id)
    assert set(before) == {
        "kota",
        "kecamatan",
        "kelurahan",
        "roads",
        "angkot_routes",
        "schools",
        "parcels",
        "requests_public",  # its polygons are the kelurahan's (migration 0009)
        "route_coverage",  # kelurahan and routes (migration 0013)
    }
    db.execute(
        text("UPDATE school SET name = name || ' (baru)' WHERE city_id = :c"), {"c": city.id}
    )
    after = layer_revisions(db, city.id)
    assert after["schools"] == before["schools"] + 1
    assert {k: v for k, v in after.items() if k != "schools"} == {
        k: v for k, v in before.items() if k != "schools"
    }
    db.execute(
        text("UPDATE admin_area SET name = 'X' WHERE city_id = :c AND level = 'kelurahan'"),
        {"c": city.id},
    )
    assert layer_revision(db, city.id, "kelurahan") == before["kelurahan"] + 1
    assert layer_revision(db, city.id, "kecamatan") == before["kecamatan"]
    assert layer_revision(db, city.id, "requests_public") == before["requests_public"] + 1
    assert layer_revision(db, city.id, "route_coverage") == before["route_coverage"] + 1
    assert layer_revision(db, city.id, "requests") == 0  # no request was written


@pytest.mark.postgis
def test_begin_layer_read_tunes_the_transaction(db: Session) -> None:
    city = insert_sample_city(db).city
    assert begin_layer_read(db, city.id, "never-written") == 0
    assert begin_layer_read(db, city.id, "schools") == layer_revision(db, city.id, "schools") > 0
    assert db.execute(text("SHOW plan_cache_mode")).scalar() == "force_custom_plan"
    assert db.execute(text("SHOW max_parallel_workers_per_gather")).scalar() == "0"
    begin_layer_read(db, city.id, "schools", parallel=True)
    assert db.execute(text("SHOW max_parallel_workers_per_gather")).scalar() == "2"
