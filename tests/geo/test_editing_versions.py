"""Drafts, stale saves, review and restore in geo.editing (no HTTP)."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.editing import (
    get_version,
    list_versions,
    publish_version,
    restore_version,
    return_version,
    save_draft,
)
from geo.errors import (
    PermissionDeniedError,
    PreconditionRequiredError,
    RouteVersionStaleError,
    RouteVersionStateError,
)
from tests.geo.editing_city import editing_city, line, principal, props
from tests.geo.synthetic import GridCity

pytestmark = pytest.mark.postgis
ROW16 = [(c, 16) for c in range(21)]


@pytest.fixture
def grid(db: Session) -> GridCity:
    return editing_city(db)


def _published_lat(db: Session, route_id: int) -> float:
    return float(
        db.execute(
            text("SELECT ST_Y(ST_StartPoint(geom)) FROM angkot_route WHERE id = :r"),
            {"r": route_id},
        ).scalar_one()
    )


def test_a_stale_save_is_kept_as_the_callers_draft(db: Session, grid: GridCity) -> None:
    ana = principal(db, grid, "ana", "dishub")
    budi = principal(db, grid, "budi", "dishub")
    e1 = grid.route_ids[("E1", 0)]
    kw = {"properties": props(), "message": "m"}
    with pytest.raises(PreconditionRequiredError):
        save_draft(db, ana, grid.city, e1, geometry=line(grid, ROW16), expected_head=None, **kw)
    save_draft(db, ana, grid.city, e1, geometry=line(grid, ROW16), expected_head=1, **kw)
    with pytest.raises(RouteVersionStaleError) as caught:
        save_draft(db, budi, grid.city, e1, geometry=line(grid, ROW16), expected_head=1, **kw)
    members = caught.value.members()
    assert (members["saved_by"], members["saved_version"], members["draft_version"]) == (
        "ana",
        2,
        3,
    )
    versions, head = list_versions(db, ana, grid.city, e1)
    assert head == 3
    assert [(v["version"], v["parent"], v["author"]) for v in versions] == [
        (3, 1, "budi"),
        (2, 1, "ana"),
        (1, None, None),
    ]


def test_review_publishes_through_the_writer(db: Session, grid: GridCity) -> None:
    planner = principal(db, grid, "perencana", "dishub")
    reviewer = principal(db, grid, "pemeriksa", "dishub_reviewer")
    e1 = grid.route_ids[("E1", 0)]
    before_lat = _published_lat(db, e1)
    save_draft(
        db,
        planner,
        grid.city,
        e1,
        geometry=line(grid, ROW16),
        properties=props(),
        message="pindah",
        expected_head=1,
    )
    assert _published_lat(db, e1) == before_lat  # a draft is not published
    with pytest.raises(PermissionDeniedError):
        publish_version(db, planner, grid.city, e1, 2, expected_head=2)
    revision = db.execute(
        text("SELECT revision FROM layer_revision WHERE city_id = :c AND layer = 'angkot_routes'"),
        {"c": grid.city.id},
    ).scalar_one()
    done = publish_version(db, reviewer, grid.city, e1, 2, expected_head=2)
    assert (done.id, done.published_version, done.head) == (e1, 2, 2)
    assert _published_lat(db, e1) == pytest.approx(grid.lonlat(0, 16)[1])
    assert (
        db.execute(
            text(
                "SELECT revision FROM layer_revision WHERE city_id = :c AND layer = 'angkot_routes'"
            ),
            {"c": grid.city.id},
        ).scalar_one()
        > revision
    )
    feature, head = get_version(db, planner, grid.city, e1)
    assert (feature["properties"]["version"], feature["properties"]["state"], head) == (
        2,
        "published",
        2,
    )
    with pytest.raises(RouteVersionStateError):
        return_version(db, reviewer, grid.city, e1, 1, note="lama")
    actions = set(
        db.execute(
            text("SELECT action FROM audit_log WHERE city_id = :c"), {"c": grid.city.id}
        ).scalars()
    )
    assert {"routes.save", "routes.publish"} <= actions


def test_restore_is_a_new_version_equal_to_the_old(db: Session, grid: GridCity) -> None:
    planner = principal(db, grid, "perencana", "dishub")
    e1 = grid.route_ids[("E1", 0)]
    save_draft(
        db,
        planner,
        grid.city,
        e1,
        geometry=line(grid, ROW16),
        properties=props(fare_idr=9000),
        message="x",
        expected_head=1,
    )
    saved = restore_version(db, planner, grid.city, e1, 1, expected_head=2)
    assert saved.version == 3
    old, _ = get_version(db, planner, grid.city, e1, 1)
    new, _ = get_version(db, planner, grid.city, e1, 3)
    assert new["geometry"] == old["geometry"]
    assert new["properties"]["fare_idr"] == old["properties"]["fare_idr"] == 4000
    assert new["properties"]["message"] == "pulihkan versi 1"
    with pytest.raises(RouteVersionStaleError):
        restore_version(db, planner, grid.city, e1, 1, expected_head=2)
