"""City creation, lookup and validation."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from geo.cities import create_city, get_city, list_cities, utm_srid_for, validate_bbox
from geo.errors import ConflictError, InvalidInputError, NotFoundError

pytestmark = pytest.mark.postgis
BBOX = (106.55, -6.26, 106.75, -6.09)


def test_create_and_get(db: Session) -> None:
    city = create_city(db, "tangerang", "Kota Tangerang", BBOX, zoom=13)
    assert city.utm_srid == 32748
    assert city.bbox == pytest.approx(BBOX)
    assert city.center == pytest.approx((106.65, -6.175))
    assert get_city(db, "tangerang") == city
    assert [c.slug for c in list_cities(db)] == ["tangerang"]


def test_duplicate_slug_conflicts(db: Session) -> None:
    create_city(db, "tangerang", "Kota Tangerang", BBOX)
    with pytest.raises(ConflictError):
        create_city(db, "tangerang", "Again", BBOX)
    assert len(list_cities(db)) == 1


@pytest.mark.parametrize(
    "kwargs",
    [
        {"slug": "Bad Slug"},
        {"name": "  "},
        {"bbox": (106.75, -6.26, 106.55, -6.09)},
        {"bbox": (106.55, -96, 106.75, -6.09)},
        {"bbox": (float("nan"), -6.26, 106.75, -6.09)},
        {"center": (100.0, 0.0)},
        {"zoom": 30},
    ],
)
def test_bad_city_input(db: Session, kwargs: dict[str, object]) -> None:
    args: dict[str, object] = {"slug": "ok", "name": "Ok", "bbox": BBOX} | kwargs
    with pytest.raises(InvalidInputError):
        create_city(db, **args)  # type: ignore[arg-type]
    assert list_cities(db) == []


def test_unknown_city(db: Session) -> None:
    with pytest.raises(NotFoundError):
        get_city(db, "atlantis")
    with pytest.raises(NotFoundError):
        get_city(db, "../../etc")


def test_utm_zones() -> None:
    assert utm_srid_for(106.63, -6.17) == 32748
    assert utm_srid_for(-74.0, 40.7) == 32618
    assert utm_srid_for(180.0, 1.0) == 32660


def test_validate_bbox_orders() -> None:
    assert validate_bbox((1, 2, 3, 4)) == (1.0, 2.0, 3.0, 4.0)
    with pytest.raises(InvalidInputError):
        validate_bbox((1, 2, 1, 4))
