"""The one route writer: versions for every change, layer revision, append-only history."""

from __future__ import annotations

import pytest
import shapely
from shapely.geometry import LineString
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from geo.editing import IMPORTER, write_routes
from geo.errors import RouteCodeTakenError
from tests.geo.editing_city import editing_city, principal
from tests.geo.synthetic import GridCity

pytestmark = pytest.mark.postgis


@pytest.fixture
def grid(db: Session) -> GridCity:
    return editing_city(db)


def _row(grid: GridCity, code: str, path: list[tuple[float, float]], **extra: object) -> dict:
    line = LineString([grid.lonlat(c, r) for c, r in path])
    return {
        "code": code,
        "direction": 0,
        "name": f"Trayek {code}",
        "origin": None,
        "destination": None,
        "colour": "#123456",
        "fare_idr": 4000,
        "headway_s": 600,
        "speed_kmh": 15.0,
        "wkb": shapely.to_wkb(line, hex=True),
        **extra,
    }


def _versions(db: Session, grid: GridCity, code: str) -> list[tuple[int, int | None, str, str]]:
    rows = db.execute(
        text(
            "SELECT v.number, v.parent, v.state, coalesce(v.author, '-') FROM route_version v"
            " JOIN angkot_route t ON t.city_id = v.city_id AND t.id = v.route_id"
            " WHERE v.city_id = :c AND t.code = :code ORDER BY v.number"
        ),
        {"c": grid.city.id, "code": code},
    )
    return [tuple(r) for r in rows]  # type: ignore[misc]


def _revision(db: Session, grid: GridCity) -> int:
    return int(
        db.execute(
            text(
                "SELECT revision FROM layer_revision WHERE city_id = :c AND layer = 'angkot_routes'"
            ),
            {"c": grid.city.id},
        ).scalar_one()
    )


def test_every_change_is_a_published_version(db: Session, grid: GridCity) -> None:
    path = [(c, 4) for c in range(21)]
    first = write_routes(db, IMPORTER, grid.city.id, [_row(grid, "N9", path)], message="imported")
    assert (first.inserted, first.updated, first.unchanged) == (1, 0, 0)
    assert _versions(db, grid, "N9") == [(1, None, "published", "import")]
    revision = _revision(db, grid)
    same = write_routes(db, IMPORTER, grid.city.id, [_row(grid, "N9", path)], message="again")
    assert (same.inserted, same.updated, same.unchanged, same.published) == (0, 0, 1, {})
    assert _versions(db, grid, "N9") == [(1, None, "published", "import")]
    moved = [(c, 5) for c in range(21)]
    changed = write_routes(db, IMPORTER, grid.city.id, [_row(grid, "N9", moved)], message="m")
    assert (changed.inserted, changed.updated) == (0, 1)
    assert _versions(db, grid, "N9") == [
        (1, None, "superseded", "import"),
        (2, 1, "published", "import"),
    ]
    assert _revision(db, grid) > revision
    audit = db.execute(
        text("SELECT count(*) FROM audit_log WHERE city_id = :c AND action = 'routes.import'"),
        {"c": grid.city.id},
    ).scalar_one()
    assert audit == 3


def test_a_route_without_versions_gets_its_version_1_first(db: Session, grid: GridCity) -> None:
    # E1 was inserted by hand (no versions): the write keeps its old state as version 1
    row = _row(grid, "E1", [(c, 12) for c in range(21)], name="Barat - Timur")
    write_routes(db, IMPORTER, grid.city.id, [row], message="imported")
    assert _versions(db, grid, "E1") == [
        (1, None, "superseded", "-"),
        (2, 1, "published", "import"),
    ]


def test_a_route_with_id_cannot_take_another_routes_code(db: Session, grid: GridCity) -> None:
    w1 = grid.route_ids[("W1", 0)]
    row = _row(grid, "E1", [(c, 12) for c in range(21)], id=w1)
    with pytest.raises(RouteCodeTakenError):
        write_routes(db, IMPORTER, grid.city.id, [row], message="x")


def test_the_author_is_the_principal(db: Session, grid: GridCity) -> None:
    who = principal(db, grid, "pengimpor", "admin_kota")
    write_routes(
        db, who, grid.city.id, [_row(grid, "Z1", [(c, 2) for c in range(21)])], message="f"
    )
    assert _versions(db, grid, "Z1") == [(1, None, "published", "pengimpor")]


def test_versions_are_never_rewritten(db: Session, grid: GridCity) -> None:
    write_routes(
        db, IMPORTER, grid.city.id, [_row(grid, "Q1", [(c, 3) for c in range(21)])], message="q"
    )
    where = "city_id = :c AND code = 'Q1'"
    with pytest.raises(DBAPIError, match="append-only"), db.begin_nested():
        db.execute(text(f"UPDATE route_version SET name = 'x' WHERE {where}"), {"c": grid.city.id})
    with pytest.raises(DBAPIError, match="append-only"), db.begin_nested():
        db.execute(text(f"DELETE FROM route_version WHERE {where}"), {"c": grid.city.id})
    with pytest.raises(DBAPIError, match=r"live_draft|published"), db.begin_nested():
        db.execute(
            text(
                "INSERT INTO route_version (city_id, route_id, number, state, code, name,"
                " direction, colour, fare_idr, headway_s, speed_kmh, geom)"
                " SELECT city_id, route_id, 2, 'published', code, name, direction, colour,"
                f" fare_idr, headway_s, speed_kmh, geom FROM route_version WHERE {where}"
            ),
            {"c": grid.city.id},
        )
    db.execute(
        text(f"UPDATE route_version SET note = 'catatan' WHERE {where}"),
        {"c": grid.city.id},
    )
    # the city goes with its history
    db.execute(text("DELETE FROM city WHERE id = :c"), {"c": grid.city.id})
    left = db.execute(
        text("SELECT count(*) FROM route_version WHERE city_id = :c"), {"c": grid.city.id}
    ).scalar_one()
    assert left == 0


def test_an_import_keeps_a_routes_circular_mark(db: Session, grid: GridCity) -> None:
    loop = [(2, 2), (8, 2), (8, 8), (2, 8), (2, 2)]
    write_routes(db, IMPORTER, grid.city.id, [_row(grid, "L1", loop, circular=True)], message="a")
    moved = [(3, 3), (9, 3), (9, 9), (3, 9), (3, 3)]
    write_routes(db, IMPORTER, grid.city.id, [_row(grid, "L1", moved)], message="b")
    circular = db.execute(
        text(
            "SELECT array_agg(circular ORDER BY number) FROM route_version"
            " WHERE city_id = :c AND code = 'L1'"
        ),
        {"c": grid.city.id},
    ).scalar_one()
    assert circular == [True, True]
