"""The demo city's zoning plan (#15): 40–80 non-overlapping RDTR zones, an ITBX table, rice
fields, parks, rivers with setbacks; and the documented demo parcel crosses a rice field and two
zones, so its pre-check says so."""

from __future__ import annotations

import pytest
import shapely
from sqlalchemy import text
from sqlalchemy.orm import Session

from data.demo import generate_demo_city
from data.demo.zoning import ITBX, ZONE_CODES, DemoZoning, load_demo_zoning, make_demo_zoning
from geo.cities import create_city
from geo.permits import Building, run_check
from tests.geo.test_permit_check import utm_area

pytestmark = pytest.mark.postgis


@pytest.fixture(scope="module")
def zoning() -> DemoZoning:
    city = generate_demo_city("tangerang")
    return make_demo_zoning("tangerang", city.outline, city.center)


def test_the_plan(zoning: DemoZoning) -> None:
    assert 40 <= len(zoning.zones) <= 80
    assert {z.code for z in zoning.zones} <= set(ZONE_CODES)
    union = shapely.union_all([z.geom for z in zoning.zones])
    assert union.area == pytest.approx(sum(z.geom.area for z in zoning.zones), rel=1e-6)
    assert len(zoning.rules) == len(ITBX) * len(ZONE_CODES)
    kinds = [k for k, _, _ in zoning.protected]
    assert kinds.count("sawah") >= 2
    assert kinds.count("rth") >= 3
    assert kinds.count("sungai") == len(zoning.rivers) == 3


def test_the_demo_parcel_crosses_a_rice_field_and_two_zones(
    db: Session, zoning: DemoZoning
) -> None:
    # the coordinates docs/permits.md gives
    assert zoning.demo_spot == (106.639862, -6.183595)
    info = create_city(db, "zoning-demo", "Kota Zonasi", (106.55, -6.26, 106.75, -6.10))
    counts = load_demo_zoning(db, info.id, zoning)
    assert counts["zoning_zone"] == len(zoning.zones)
    parcel = zoning.demo_parcel
    result = run_check(
        db, info.id, parcel, "Rumah tinggal", utm_area(parcel), Building(2, 1_200.0, 500.0)
    )
    checks = {c.id: c for c in result.checks}
    assert {z["code"] for z in checks["zoning"].figures["zones"]} == {"R-3", "K-1"}
    assert checks["zoning"].verdict == "perlu_kajian"  # houses are T in K-1
    assert checks["protected_sawah"].verdict == "tidak_lolos"
    assert 0.2 < checks["protected_sawah"].figures["share"] < 0.3
    assert result.verdict == "tidak_lolos"
    revisions = dict(
        db.execute(
            text("SELECT layer, revision FROM layer_revision WHERE city_id = :c"), {"c": info.id}
        ).all()
    )
    assert {"zoning", "protected_areas", "rivers"} <= set(revisions)
