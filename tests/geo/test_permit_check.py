"""The permit pre-check (#15 §2): its figures agree with an independent shapely/pyproj
computation, its verdicts follow the contract's rules, it reads in one SQL statement and
writes nothing; stored checks are versioned; the permit layers' revisions follow writes."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import shapely
from pyproj import Transformer
from shapely.geometry import LineString, MultiPolygon, Polygon, box
from shapely.geometry.base import BaseGeometry
from sqlalchemy import event, text
from sqlalchemy.orm import Session

from geo.accounts import ANONYMOUS
from geo.errors import InvalidGeometryError
from geo.permits import Building, CheckResult, PermitCheckNotFoundError, run_check, store_check
from tests.geo.permit_city import (
    CLEAN,
    CROSSING,
    ON_P0,
    ON_RIVER,
    P0,
    RTH,
    SAWAH,
    SETBACK_M,
    ZONES,
    PermitCity,
    insert_permit_city,
)

pytestmark = pytest.mark.postgis

TO_UTM = Transformer.from_crs("EPSG:4326", "EPSG:32748", always_xy=True)
TO_LONLAT = Transformer.from_crs("EPSG:32748", "EPSG:4326", always_xy=True)
HOUSE = Building(floors=2, footprint_m2=1_000.0, green_m2=1_500.0)


def transform(transformer: Transformer, geom: BaseGeometry) -> BaseGeometry:
    """``geom`` with its coordinates transformed by pyproj."""
    return shapely.transform(geom, lambda xy: np.column_stack(transformer.transform(*xy.T)))


def utm_area(geom: BaseGeometry) -> float:
    """Area in m² in UTM 48S, computed with pyproj and shapely (not PostGIS)."""
    return float(transform(TO_UTM, geom).area)


def close(a: float, b: float, rel: float = 1e-4, abs_m2: float = 0.2) -> bool:
    return abs(a - b) <= max(abs_m2, rel * abs(b))


@pytest.fixture
def pc(db: Session) -> PermitCity:
    return insert_permit_city(db)


def _check(
    db: Session, pc: PermitCity, geom: Polygon, use: str = "Rumah tinggal", **kw: Any
) -> CheckResult:
    declared = kw.pop("declared", None) or utm_area(geom)
    building = kw.pop("building", HOUSE)
    return run_check(db, pc.city.id, geom, use, declared, building, **kw)


def _by_id(result: CheckResult) -> dict[str, Any]:
    return {c["id"]: c for c in result.as_json()["checks"]}


def test_a_parcel_across_a_rice_field_and_two_zones(db: Session, pc: PermitCity) -> None:
    result = _check(db, pc, CROSSING)
    checks = _by_id(result)
    area = utm_area(CROSSING)
    assert close(result.parcel["area_m2"], area)
    assert close(checks["area"]["figures"]["area_m2"], area)
    assert checks["area"]["verdict"] == "lolos"
    # the rice field: area and share as shapely/pyproj measure the intersection
    sawah = checks["protected_sawah"]
    inside = utm_area(CROSSING.intersection(SAWAH))
    assert inside > 100
    assert close(sawah["figures"]["area_m2"], inside)
    assert sawah["figures"]["share"] == pytest.approx(inside / area, abs=1e-3)
    assert sawah["verdict"] == "tidak_lolos"
    assert len(sawah["features"]["features"]) == 1
    # two zones, each weighted by the area it holds; R-2 allows houses (I), K-1 limits them (T)
    zoning = checks["zoning"]
    zones = {z["code"]: z for z in zoning["figures"]["zones"]}
    assert set(zones) == {"R-2", "K-1"}
    for code, _name, *_limits, zone_geom in ZONES:
        piece = utm_area(CROSSING.intersection(zone_geom))
        assert close(zones[code]["area_m2"], piece)
        assert zones[code]["share"] == pytest.approx(piece / area, abs=1e-3)
    assert (zones["R-2"]["verdict"], zones["K-1"]["verdict"]) == ("I", "T")
    assert zoning["verdict"] == "perlu_kajian"
    pieces = zoning["features"]["features"]
    assert {f["properties"]["code"]: f["properties"]["itbx"] for f in pieces} == {
        "R-2": "I",
        "K-1": "T",
    }
    # the strictest touched zone's limits: KDB 60, KLB 1.8, KDH 20
    assert checks["kdb"]["figures"]["limit"] == 60.0
    assert checks["kdb"]["figures"]["value"] == pytest.approx(1_000 / area * 100, rel=1e-4)
    assert checks["klb"]["figures"]["value"] == pytest.approx(2_000 / area, rel=1e-4)
    assert checks["kdh"]["figures"]["limit"] == 20.0
    assert checks["protected_rth"]["verdict"] == "lolos"
    assert checks["overlap_parcels"]["verdict"] == "lolos"
    assert result.verdict == "tidak_lolos"  # the worst: the rice field
    # the summary says it in plain words, first the worst
    pct = round(inside / area * 100)
    shown = f"{round(inside):,}".replace(",", ".")
    assert result.summary_id.startswith(f"Sebagian persil ({shown} m², {pct} %)")
    assert "kawasan sawah dilindungi" in result.summary_id
    assert "protected rice fields" in result.summary_en
    assert "KKPR" in result.summary_id
    assert "KRK" in result.summary_en
    assert result.as_json()["indicative"] is True


def test_a_clean_parcel_passes_every_check(db: Session, pc: PermitCity) -> None:
    result = _check(db, pc, CLEAN, building=Building(2, 100.0, 1_000.0))
    assert {c.id: c.verdict for c in result.checks} == {
        "area": "lolos",
        "overlap_parcels": "lolos",
        "overlap_pending": "lolos",
        "zoning": "lolos",
        "protected_sawah": "lolos",
        "protected_rth": "lolos",
        "protected_sungai": "lolos",
        "kdb": "lolos",
        "klb": "lolos",
        "kdh": "lolos",
    }
    assert result.verdict == "lolos"
    assert result.summary_id.startswith("Semua pemeriksaan awal lolos.")


def test_overlap_with_a_permitted_parcel(db: Session, pc: PermitCity) -> None:
    result = _check(db, pc, ON_P0)
    overlap = _by_id(result)["overlap_parcels"]
    shared = utm_area(ON_P0.intersection(P0))
    assert close(overlap["figures"]["area_m2"], shared)
    assert overlap["figures"]["share"] == pytest.approx(shared / utm_area(ON_P0), abs=1e-3)
    assert overlap["figures"]["items"][0]["code"] == "P-0"
    assert overlap["verdict"] == "tidak_lolos"
    assert overlap["features"]["features"][0]["properties"]["code"] == "P-0"


def _pending(db: Session, pc: PermitCity, geom: Polygon, status: str = "pemeriksaan") -> int:
    return int(
        db.execute(
            text(
                "INSERT INTO service_request (city_id, type, code, status, geom, title, attrs)"
                " VALUES (:c, 'izin', :code, :s, ST_Multi(ST_GeomFromText(:wkt, 4326)), 't',"
                " '{}') RETURNING id"
            ),
            {"c": pc.city.id, "code": f"IZN-T-{status}", "s": status, "wkt": geom.wkt},
        ).scalar_one()
    )


def test_overlap_with_a_pending_application(db: Session, pc: PermitCity) -> None:
    other = box(106.6302, -6.1502, 106.6308, -6.1497)
    rid = _pending(db, pc, other)
    _pending(db, pc, other, status="ditolak")  # refused: not pending, not an overlap
    result = _check(db, pc, CLEAN)
    pending = _by_id(result)["overlap_pending"]
    assert close(pending["figures"]["area_m2"], utm_area(CLEAN.intersection(other)))
    assert pending["figures"]["count"] == 1
    assert pending["verdict"] == "perlu_kajian"
    assert "code" not in pending["features"]["features"][0]["properties"]  # no tracking codes
    # checking that application itself: it is no overlap of its own
    own = _check(db, pc, other, exclude_request_id=rid)
    assert _by_id(own)["overlap_pending"]["verdict"] == "lolos"


def test_river_setback_agrees_with_a_shapely_buffer(db: Session, pc: PermitCity) -> None:
    line = transform(TO_UTM, LineString([(106.69, -6.22), (106.69, -6.14)]))
    setback = transform(TO_LONLAT, line.buffer(SETBACK_M))
    result = _check(db, pc, ON_RIVER)
    sungai = _by_id(result)["protected_sungai"]
    assert close(sungai["figures"]["area_m2"], utm_area(ON_RIVER.intersection(setback)), rel=2e-3)
    assert sungai["verdict"] == "tidak_lolos"
    assert sungai["figures"]["names"] == ["Sempadan Cisadane Kecil"]


def test_green_open_space_needs_review(db: Session, pc: PermitCity) -> None:
    park_corner = box(106.6140, -6.1660, 106.6160, -6.1640)
    rth = _by_id(_check(db, pc, park_corner))["protected_rth"]
    assert close(rth["figures"]["area_m2"], utm_area(park_corner.intersection(RTH)))
    assert rth["verdict"] == "perlu_kajian"


@pytest.mark.parametrize(
    ("use", "expected"),
    [("Pabrik", "tidak_lolos"), ("Toko", "perlu_kajian"), ("Kebun binatang", "perlu_kajian")],
)
def test_zoning_verdict_follows_itbx(db: Session, pc: PermitCity, use: str, expected: str) -> None:
    zoning = _by_id(_check(db, pc, CLEAN, use=use))["zoning"]
    assert zoning["verdict"] == expected
    assert zoning["figures"]["use_known"] is (use != "Kebun binatang")


def test_declared_area_more_than_5_percent_off(db: Session, pc: PermitCity) -> None:
    area = utm_area(CLEAN)
    assert _by_id(_check(db, pc, CLEAN, declared=area * 1.04))["area"]["verdict"] == "lolos"
    off = _by_id(_check(db, pc, CLEAN, declared=area * 1.10))["area"]
    assert off["verdict"] == "perlu_kajian"
    assert off["figures"]["difference_share"] == pytest.approx(1 / 1.1 - 1, abs=1e-3)


def test_intensity_limits(db: Session, pc: PermitCity) -> None:
    area = utm_area(CLEAN)  # ≈ 3,700 m² in R-2: KDB 60 %, KLB 1.8, KDH 20 %
    big = Building(floors=3, footprint_m2=area * 0.65, green_m2=area * 0.1)
    checks = _by_id(_check(db, pc, CLEAN, building=big))
    assert (checks["kdb"]["verdict"], checks["klb"]["verdict"], checks["kdh"]["verdict"]) == (
        "tidak_lolos",
        "tidak_lolos",
        "tidak_lolos",
    )
    assert checks["klb"]["figures"]["value"] == pytest.approx(1.95, rel=1e-3)
    no_green = _by_id(_check(db, pc, CLEAN, building=Building(1, 10.0, None)))
    assert no_green["kdh"]["verdict"] == "perlu_kajian"
    assert "kdb" not in _by_id(_check(db, pc, CLEAN, building=None))


def test_one_statement_and_nothing_written(db: Session, pc: PermitCity) -> None:
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(str(args[2]))

    before = db.execute(
        text("SELECT count(*), coalesce(sum(revision), 0) FROM layer_revision")
    ).one()
    engine = db.get_bind()
    event.listen(engine, "before_cursor_execute", count)
    try:
        _check(db, pc, MultiPolygon([CROSSING, CLEAN]))
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(statements) == 1
    assert statements[0].lstrip().startswith("WITH pa AS")
    after = db.execute(
        text("SELECT count(*), coalesce(sum(revision), 0) FROM layer_revision")
    ).one()
    assert tuple(before) == tuple(after)
    assert db.execute(text("SELECT count(*) FROM permit_check")).scalar_one() == 0


def test_bad_geometry_is_refused(db: Session, pc: PermitCity) -> None:
    bowtie = Polygon([(106.63, -6.15), (106.631, -6.149), (106.631, -6.15), (106.63, -6.149)])
    with pytest.raises(InvalidGeometryError):
        _check(db, pc, bowtie, declared=100.0)
    with pytest.raises(InvalidGeometryError):
        run_check(db, pc.city.id, LineString([(106.63, -6.15), (106.64, -6.15)]), "Toko", 1.0, None)


def test_layer_revisions_are_those_read(db: Session, pc: PermitCity) -> None:
    revs = _check(db, pc, CLEAN).layer_revisions
    assert set(revs) == {"zoning", "protected_areas", "parcels"}
    assert all(v >= 1 for v in revs.values())
    db.execute(
        text("UPDATE zoning_rule SET verdict = 'X' WHERE city_id = :c AND activity = 'Toko'"),
        {"c": pc.city.id},
    )
    db.execute(text("DELETE FROM river_line WHERE city_id = :c"), {"c": pc.city.id})
    later = _check(db, pc, CLEAN).layer_revisions
    assert later["zoning"] == revs["zoning"] + 1
    assert later["protected_areas"] == revs["protected_areas"]
    rivers = db.execute(
        text("SELECT revision FROM layer_revision WHERE city_id = :c AND layer = 'rivers'"),
        {"c": pc.city.id},
    ).scalar_one()
    assert rivers == 2  # inserted, then deleted


@pytest.fixture
def application(db: Session, pc: PermitCity) -> int:
    return _pending(db, pc, CLEAN, status="diajukan")


def test_stored_checks_are_versioned(db: Session, pc: PermitCity, application: int) -> None:
    result = _check(db, pc, CLEAN, exclude_request_id=application)
    assert store_check(db, ANONYMOUS, pc.city.id, application, result) == 1
    assert store_check(db, ANONYMOUS, pc.city.id, application, result) == 2
    rows = db.execute(
        text(
            "SELECT version, verdict, result->>'verdict', layer_revisions FROM permit_check"
            " WHERE city_id = :c AND request_id = :r ORDER BY version"
        ),
        {"c": pc.city.id, "r": application},
    ).all()
    assert [(r[0], r[1], r[2]) for r in rows] == [(1, "lolos", "lolos"), (2, "lolos", "lolos")]
    assert rows[0][3] == result.layer_revisions
    attrs = db.execute(
        text("SELECT attrs FROM service_request WHERE id = :r"), {"r": application}
    ).scalar_one()
    assert (attrs["check_verdict"], attrs["check_version"]) == ("lolos", 2)
    with pytest.raises(PermitCheckNotFoundError):
        store_check(db, ANONYMOUS, pc.city.id, application + 1000, result)
