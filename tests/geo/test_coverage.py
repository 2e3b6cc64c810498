"""Route coverage by kelurahan (the view route_coverage) and a draft's change, on known shapes."""

from __future__ import annotations

import math
import time
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.analysis import (
    COVERAGE_RADIUS_M,
    city_coverage,
    coverage_preview,
    line_wkt,
)
from geo.errors import InvalidGeometryError
from layers.revision import layer_revision
from tests.geo.coverage_city import YMID, CoverageCity, insert_coverage_city, utm_line

pytestmark = pytest.mark.postgis
MIGRATION = Path(__file__).parents[2] / "migrations" / "versions" / "0013_trip_demand.py"


@pytest.fixture
def sample(db: Session) -> CoverageCity:
    return insert_coverage_city(db)


def test_a_straight_route_covers_a_strip_of_800_m(db: Session, sample: CoverageCity) -> None:
    cov = city_coverage(db, sample.city)
    by_code = {k.code: k for k in cov.kelurahan}
    assert list(by_code) == ["36.99.01.1001", "36.99.01.1002", "36.99.02.1003"]
    for code in ("36.99.01.1001", "36.99.01.1002"):
        k = by_code[code]
        assert k.area_km2 == pytest.approx(4.0, rel=2e-3)
        # 2 km of route through the middle: a strip 2 x 0.8 km (the buffer's ends lie outside)
        assert k.covered_km2 == pytest.approx(1.6, rel=5e-3)
        assert k.share == pytest.approx(0.4, rel=5e-3)
        assert k.routes == ["R01"]
    unserved = by_code["36.99.02.1003"]
    assert (unserved.covered_km2, unserved.share, unserved.routes) == (0.0, 0.0, [])  # R09 inactive
    assert cov.area_km2 == pytest.approx(12.0, rel=2e-3)
    assert cov.covered_km2 == pytest.approx(3.2, rel=5e-3)
    assert cov.share == pytest.approx(3.2 / 12.0, rel=5e-3)


def test_a_new_line_far_from_routes_adds_its_kelurahan(db: Session, sample: CoverageCity) -> None:
    line = line_wkt(utm_line((676_500, YMID), (677_500, YMID)), sample.city)
    change = coverage_preview(db, sample.city, line)
    assert change.kelurahan_added == [("36.99.02.1003", "Tiga")]
    assert change.kelurahan_removed == []
    capsule_km2 = (1000 * 800 + math.pi * 400**2) / 1e6  # 1 km of line, buffered by 400 m
    assert change.covered_km2_change == pytest.approx(capsule_km2, rel=5e-3)
    assert change.share_change == pytest.approx(capsule_km2 / 12.0, rel=5e-3)
    # a preview writes nothing: the coverage is what it was
    assert city_coverage(db, sample.city).kelurahan[2].routes == []


def test_replacing_a_route_by_a_shorter_one_removes_a_kelurahan(
    db: Session, sample: CoverageCity
) -> None:
    line = line_wkt(utm_line((669_000, YMID), (671_000, YMID)), sample.city)
    change = coverage_preview(db, sample.city, line, replaces=sample.route_id)
    assert change.kelurahan_added == []
    assert change.kelurahan_removed == [("36.99.01.1002", "Dua")]
    # K1 keeps 1 km of strip plus the round end (half a disc) of 400 m; K2 loses its 1.6 km²
    k1_after = (1000 * 800 + math.pi * 400**2 / 2) / 1e6
    assert change.covered_km2_change == pytest.approx(k1_after - 3.2, rel=5e-3)
    # the same line added (not replacing) changes nothing: R01 already covers it
    same = coverage_preview(db, sample.city, line)
    assert same.kelurahan_added == same.kelurahan_removed == []
    assert same.covered_km2_change == pytest.approx(0.0, abs=1e-3)


def test_route_writes_change_the_coverage_and_its_revision(
    db: Session, sample: CoverageCity
) -> None:
    before = layer_revision(db, sample.city.id, "route_coverage")
    db.execute(
        text("UPDATE angkot_route SET active = true WHERE city_id = :c AND code = 'R09'"),
        {"c": sample.city.id},
    )
    assert layer_revision(db, sample.city.id, "route_coverage") == before + 1
    k3 = city_coverage(db, sample.city).kelurahan[2]
    assert k3.routes == ["R09"]
    assert k3.covered_km2 == pytest.approx((1000 * 800 + math.pi * 400**2) / 1e6, rel=5e-3)


@pytest.mark.parametrize(
    ("geometry", "message"),
    [
        ({"type": "Point", "coordinates": [106.6, -6.2]}, "LineString"),
        ({"type": "LineString", "coordinates": [[106.6, -6.2]]}, "positions"),
        ({"type": "LineString", "coordinates": [[106.6, -6.2], [106.6, -6.2]]}, "zero length"),
        ({"type": "LineString", "coordinates": [[106.6, -6.2], ["a", -6.2]]}, "[lon, lat]"),
        ({"type": "LineString", "coordinates": [[106.6, -6.2], [110.0, -6.2]]}, "leaves"),
        ("LINESTRING(1 2, 3 4)", "LineString"),
    ],
)
def test_bad_lines_are_refused(
    db: Session, sample: CoverageCity, geometry: object, message: str
) -> None:
    with pytest.raises(InvalidGeometryError, match=message.replace("[", r"\[")):
        line_wkt(geometry, sample.city)


def test_the_view_uses_the_radius_of_the_code() -> None:
    source = MIGRATION.read_text()
    assert COVERAGE_RADIUS_M == 400
    assert f"ST_DWithin(n.g, k.g, {COVERAGE_RADIUS_M})" in source
    assert f"ST_Expand(box2d(k.g), {COVERAGE_RADIUS_M + 1})), {COVERAGE_RADIUS_M}))" in source


def test_coverage_of_the_sample_city_is_quick(db: Session, sample: CoverageCity) -> None:
    started = time.perf_counter()
    city_coverage(db, sample.city)
    assert time.perf_counter() - started < 1.0
