"""Grid pyramids of point layers: same tiles as the live count, rebuilt after writes, locks."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from typing import Any

import mapbox_vector_tile
import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from layers.grid import (
    GRID_LOCK_CLASS,
    coarsest_level,
    ensure_grid,
    fetch_grid_tile,
    finest_level,
    rebuild_grid,
)
from layers.registry import LAYERS
from layers.revision import begin_layer_read
from layers.tiles import DENSE_SQL, features_params, fetch_tile, uses_density
from tests.layers.sample import N_SCHOOLS, insert_sample_city, school_point, tile_of

pytestmark = pytest.mark.postgis
SCHOOLS = LAYERS["schools"]
CENTRE = (106.65, -6.18)


def _cells(body: bytes) -> Counter[tuple[int, int, int]]:
    """(count, x, y) of every aggregated point of a tile."""
    decoded: dict[str, Any] = mapbox_vector_tile.decode(body)
    feats = decoded["schools"]["features"] if decoded else []
    return Counter(
        (f["properties"]["count"], *f["geometry"]["coordinates"])
        for f in feats  # mapbox_vector_tile flips y; both sides the same way
    )


def _tile(db: Session, city_id: int, z: int, revision: int | None, layer: Any = SCHOOLS) -> bytes:
    x, y = tile_of(*CENTRE, z)
    return fetch_tile(db, city_id, layer, z=z, x=x, y=y, revision=revision)


def _cluster(db: Session, city_id: int, n: int = 30) -> None:
    lon, lat = school_point(12)
    for i in range(n):  # a dense cluster near school 12
        db.execute(
            text(
                "INSERT INTO school (city_id, npsn, name, level, status, geom) VALUES"
                " (:c, :npsn, 'Klaster', 'SD', 'swasta', ST_SetSRID(ST_MakePoint(:x, :y), 4326))"
            ),
            {"c": city_id, "npsn": f"9{i:07d}", "x": lon + i * 0.00003, "y": lat},
        )


def _state(db: Session, city_id: int) -> tuple[int, int, int] | None:
    row = db.execute(
        text(
            "SELECT revision, finest_level, cells FROM layer_point_grid_state"
            " WHERE city_id = :c AND layer = 'schools'"
        ),
        {"c": city_id},
    ).first()
    return None if row is None else (int(row[0]), int(row[1]), int(row[2]))


def test_levels() -> None:
    assert SCHOOLS.aggregate_below_zoom == 12
    assert finest_level(SCHOOLS) == 11 + 5  # 32 x 32 cells per z11 tile
    assert coarsest_level(SCHOOLS) == SCHOOLS.min_zoom + 5
    assert uses_density(SCHOOLS)
    assert not uses_density(LAYERS["roads"])
    with pytest.raises(ValueError, match="not aggregated"):
        finest_level(LAYERS["parcels"])


def test_grid_tiles_equal_the_live_count(db: Session) -> None:
    city = insert_sample_city(db).city
    _cluster(db, city.id)
    revision = begin_layer_read(db, city.id, "schools")
    assert revision > 0
    for z in range(SCHOOLS.min_zoom, SCHOOLS.aggregate_below_zoom):
        live = _cells(_tile(db, city.id, z, None))
        grid = _cells(_tile(db, city.id, z, revision))
        assert sum(c * k for (c, _x, _y), k in grid.items()) == N_SCHOOLS + 30, z
        assert grid == live, z
    state = _state(db, city.id)
    assert state is not None
    assert state[:2] == (revision, finest_level(SCHOOLS))
    # every level holds every point once
    sums = db.execute(
        text(
            "SELECT level, sum(n) FROM layer_point_grid WHERE city_id = :c AND layer = 'schools'"
            " GROUP BY level ORDER BY level"
        ),
        {"c": city.id},
    ).all()
    levels = list(range(coarsest_level(SCHOOLS), finest_level(SCHOOLS) + 1))
    assert [int(level) for level, _n in sums] == levels
    assert {int(n) for _level, n in sums} == {N_SCHOOLS + 30}


def test_grid_follows_writes(db: Session) -> None:
    city = insert_sample_city(db).city
    before = begin_layer_read(db, city.id, "schools")
    assert sum(c for c, _x, _y in _cells(_tile(db, city.id, 10, before))) == N_SCHOOLS
    _cluster(db, city.id, 7)  # the trigger bumps the revision in this transaction
    after = begin_layer_read(db, city.id, "schools")
    assert after > before
    x, y = tile_of(*CENTRE, 10)
    assert fetch_grid_tile(db, city.id, SCHOOLS, after, z=10, x=x, y=y) is None  # stale
    assert sum(c for c, _x, _y in _cells(_tile(db, city.id, 10, after))) == N_SCHOOLS + 7
    state = _state(db, city.id)
    assert state is not None
    assert state[:2] == (after, finest_level(SCHOOLS))
    db.execute(text("DELETE FROM school WHERE city_id = :c AND name = 'Klaster'"), {"c": city.id})
    latest = begin_layer_read(db, city.id, "schools")
    assert sum(c for c, _x, _y in _cells(_tile(db, city.id, 10, latest))) == N_SCHOOLS


def test_a_grid_being_built_elsewhere_means_the_live_count(db: Session, engine: Engine) -> None:
    city = insert_sample_city(db).city
    revision = begin_layer_read(db, city.id, "schools")
    key = {"k": GRID_LOCK_CLASS, "key": f"{city.id}:schools"}
    with engine.connect() as other:  # another transaction is building this grid
        other.execute(text("SELECT pg_advisory_lock(:k, hashtext(:key))"), key)
        try:
            assert not ensure_grid(db, city.id, SCHOOLS, revision)
            body = _tile(db, city.id, 10, revision)
            assert sum(c for c, _x, _y in _cells(body)) == N_SCHOOLS  # served live
            assert _state(db, city.id) is None
        finally:
            other.execute(text("SELECT pg_advisory_unlock(:k, hashtext(:key))"), key)
    assert ensure_grid(db, city.id, SCHOOLS, revision)
    assert _state(db, city.id) is not None


def test_other_cities_and_layers_are_apart(db: Session) -> None:
    one = insert_sample_city(db, "grid-one").city
    two = insert_sample_city(db, "grid-two").city
    _cluster(db, two.id, 5)
    for city, expected in ((one, N_SCHOOLS), (two, N_SCHOOLS + 5)):
        revision = begin_layer_read(db, city.id, "schools")
        assert sum(c for c, _x, _y in _cells(_tile(db, city.id, 9, revision))) == expected


def test_dense_tiles_pick_the_same_features(db: Session) -> None:
    """With a grid, a capped tile holding most of the layer walks the order index instead
    of sorting the tile: the features kept must not change."""
    city = insert_sample_city(db).city
    _cluster(db, city.id)
    capped = replace(SCHOOLS, tile_feature_cap=5)  # 55 points in the tile: 55^2 > 5 * 55
    x, y = tile_of(*CENTRE, 12)
    params = features_params(capped, city.id, 12, x, y)
    assert db.execute(text(f"SELECT {DENSE_SQL}"), params).scalar_one() is False  # no grid
    sparse = mapbox_vector_tile.decode(_tile(db, city.id, 12, None, capped))
    revision = begin_layer_read(db, city.id, "schools")
    assert ensure_grid(db, city.id, capped, revision)
    assert db.execute(text(f"SELECT {DENSE_SQL}"), params).scalar_one() is True
    dense = mapbox_vector_tile.decode(_tile(db, city.id, 12, revision, capped))
    newest = [
        int(i)
        for i in db.execute(
            text("SELECT id FROM school WHERE city_id = :c ORDER BY id DESC LIMIT 5"),
            {"c": city.id},
        ).scalars()
    ]
    for tile in (sparse, dense):
        assert sorted(f["id"] for f in tile["schools"]["features"]) == sorted(newest)
    assert dense == sparse


def test_rebuild_grid(db: Session) -> None:
    city = insert_sample_city(db).city
    revision = begin_layer_read(db, city.id, "schools")
    assert rebuild_grid(db, city.id, SCHOOLS) == revision
    first = _state(db, city.id)
    assert first is not None
    assert first[0] == revision
    db.execute(text("DELETE FROM layer_point_grid WHERE city_id = :c"), {"c": city.id})
    assert rebuild_grid(db, city.id, SCHOOLS) == revision  # rebuilt even when fresh
    cells = db.execute(
        text("SELECT count(*) FROM layer_point_grid WHERE city_id = :c"), {"c": city.id}
    ).scalar_one()
    assert cells == first[2] > 0


def test_a_grid_of_another_level_is_not_fresh(db: Session) -> None:
    """A grid built for other zooms (the layer's aggregate_below_zoom changed in a release) is
    rebuilt, even at the same revision: its cells would be of the wrong size."""
    city = insert_sample_city(db).city
    revision = begin_layer_read(db, city.id, "schools")
    assert ensure_grid(db, city.id, SCHOOLS, revision)
    assert _state(db, city.id)[:2] == (revision, finest_level(SCHOOLS))  # type: ignore[index]
    coarser = replace(SCHOOLS, aggregate_below_zoom=10)
    x, y = tile_of(*CENTRE, 8)
    assert fetch_grid_tile(db, city.id, coarser, revision, z=8, x=x, y=y) is None  # stale level
    assert ensure_grid(db, city.id, coarser, revision)
    assert _state(db, city.id)[:2] == (revision, finest_level(coarser))  # type: ignore[index]
    live = _cells(_tile(db, city.id, 8, None, coarser))
    assert _cells(_tile(db, city.id, 8, revision, coarser)) == live
