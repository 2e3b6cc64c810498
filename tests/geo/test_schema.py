"""Schema v1 rejects garbage geometry and values; writes bump the layer revision."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DataError, IntegrityError, InternalError, ProgrammingError
from sqlalchemy.orm import Session

from geo.cities import CityInfo, create_city, delete_city

pytestmark = pytest.mark.postgis

BBOX = (106.55, -6.26, 106.75, -6.09)
SQUARE = "MULTIPOLYGON(((106.60 -6.20, 106.62 -6.20, 106.62 -6.18, 106.60 -6.18, 106.60 -6.20)))"
BOWTIE = "MULTIPOLYGON(((106.60 -6.20, 106.62 -6.18, 106.62 -6.20, 106.60 -6.18, 106.60 -6.20)))"
BAD = (IntegrityError, DataError, InternalError, ProgrammingError)


@pytest.fixture
def city(db: Session) -> CityInfo:
    return create_city(db, "testkota", "Kota Uji", BBOX)


def _insert_area(
    db: Session,
    city_id: int,
    wkt: str,
    level: str = "kelurahan",
    srid: int = 4326,
    code: str = "36.71.01.1001",
) -> None:
    with db.begin_nested():
        db.execute(
            text(
                "INSERT INTO admin_area (city_id, level, code, name, geom)"
                " VALUES (:c, :level, :code, 'X', ST_GeomFromText(:wkt, :srid))"
            ),
            {"c": city_id, "level": level, "code": code, "wkt": wkt, "srid": srid},
        )


def _revision(db: Session, city_id: int, layer: str) -> int:
    return db.execute(
        text("SELECT coalesce(max(revision), 0) FROM layer_revision WHERE city_id=:c AND layer=:l"),
        {"c": city_id, "l": layer},
    ).scalar_one()


def test_valid_area_is_accepted(db: Session, city: CityInfo) -> None:
    _insert_area(db, city.id, SQUARE)
    assert db.execute(text("SELECT count(*) FROM admin_area")).scalar_one() == 1


@pytest.mark.parametrize(
    ("wkt", "srid", "level"),
    [
        (BOWTIE, 4326, "kelurahan"),  # self-intersecting
        ("MULTIPOLYGON EMPTY", 4326, "kelurahan"),  # empty
        ("POINT(106.6 -6.2)", 4326, "kelurahan"),  # wrong type
        (SQUARE.replace("106.", "700000.").replace("-6.", "9300000."), 32748, "kelurahan"),  # SRID
        (SQUARE, 4326, "provinsi"),  # unknown level
    ],
    ids=["self-intersecting", "empty", "wrong-type", "wrong-srid", "unknown-level"],
)
def test_garbage_is_rejected(db: Session, city: CityInfo, wkt: str, srid: int, level: str) -> None:
    with pytest.raises(BAD):
        _insert_area(db, city.id, wkt, level=level, srid=srid)


def test_route_constraints(db: Session, city: CityInfo) -> None:
    def insert(
        colour: str = "#ff0000",
        direction: int = 0,
        wkt: str = "LINESTRING(106.6 -6.2, 106.61 -6.2)",
    ) -> None:
        with db.begin_nested():
            db.execute(
                text(
                    "INSERT INTO angkot_route (city_id, code, name, direction, colour, geom)"
                    " VALUES (:c, 'R01', 'Uji', :d, :colour, ST_GeomFromText(:wkt, 4326))"
                ),
                {"c": city.id, "d": direction, "colour": colour, "wkt": wkt},
            )

    insert()
    with pytest.raises(BAD):
        insert(direction=1, colour="red")
    with pytest.raises(BAD):
        insert(direction=2)
    with pytest.raises(BAD):
        insert()  # duplicate (city, code, direction)
    insert(direction=1)


def test_writes_bump_layer_revision(db: Session, city: CityInfo) -> None:
    assert _revision(db, city.id, "kelurahan") == 0
    _insert_area(db, city.id, SQUARE)
    assert _revision(db, city.id, "kelurahan") == 1
    db.execute(text("UPDATE admin_area SET name = 'Y' WHERE city_id = :c"), {"c": city.id})
    assert _revision(db, city.id, "kelurahan") == 2
    assert _revision(db, city.id, "kecamatan") == 0
    _insert_area(db, city.id, SQUARE, level="kecamatan", code="36.71.01")
    assert _revision(db, city.id, "kecamatan") == 1
    db.execute(text("DELETE FROM admin_area WHERE level = 'kelurahan'"))
    assert _revision(db, city.id, "kelurahan") == 3


def test_delete_city_cascades_and_leaves_others(db: Session, city: CityInfo) -> None:
    other = create_city(db, "lain", "Kota Lain", BBOX)
    _insert_area(db, city.id, SQUARE)
    _insert_area(db, other.id, SQUARE)
    delete_city(db, city.slug)
    counts = db.execute(text("SELECT city_id, count(*) FROM admin_area GROUP BY city_id")).all()
    assert counts == [(other.id, 1)]
    assert (
        db.execute(
            text("SELECT count(*) FROM layer_revision WHERE city_id = :c"), {"c": city.id}
        ).scalar_one()
        == 0
    )
