"""Requests in an area report: suppressed counts for the public, exact ones and points for staff."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.accounts import (
    ANONYMOUS,
    Grant,
    Principal,
    cli_principal,
    create_user,
    grant,
    list_audit,
    principal_for_user,
    upsert_opd,
)
from geo.analysis import area_report
from geo.requests import layer_scope
from layers.access import scope_params, scope_sql
from layers.registry import get_layer
from tests.geo.analysis_sample import KECAMATAN, KEL_NW, KEL_SW, AnalysisCity, analysis_city

pytestmark = pytest.mark.postgis


@pytest.fixture
def sample(db: Session) -> AnalysisCity:
    return analysis_city(db)


def direct_counts(db: Session, city_id: int, column: str, code: str) -> dict[tuple[str, str], int]:
    sql = {
        "kelurahan_code": "SELECT type, status, count(*) FROM service_request"
        " WHERE city_id = :c AND kelurahan_code = :code GROUP BY 1, 2",
        "kecamatan_code": "SELECT type, status, count(*) FROM service_request"
        " WHERE city_id = :c AND kecamatan_code = :code GROUP BY 1, 2",
    }[column]
    return {(t, s): n for t, s, n in db.execute(text(sql), {"c": city_id, "code": code}).all()}


def staff(db: Session, city_id: int, username: str, *grants: Grant) -> Principal:
    for g in grants:
        if g.opd:
            upsert_opd(db, city_id, g.opd, g.opd.title())
    user_id = create_user(
        db,
        city_id=city_id,
        username=username,
        display_name=username,
        password="kuda-lari-pagi-di-sawah-17",
        grants=[grants[0]],
    )
    for g in grants[1:]:
        grant(db, user_id, g)
    return principal_for_user(db, user_id, via="session")


def test_public_counts_are_suppressed_under_five(db: Session, sample: AnalysisCity) -> None:
    report = area_report(db, ANONYMOUS, sample.city, "kecamatan", KECAMATAN)
    assert not report.restricted
    direct = direct_counts(db, sample.city.id, "kecamatan_code", KECAMATAN)
    assert direct == {("bantuan", "diajukan"): 10, ("bantuan", "ditolak"): 2}
    assert {(c.type, c.status): c.count for c in report.requests} == {
        ("bantuan", "diajukan"): 10,
        ("bantuan", "ditolak"): "< 5",
    }
    assert report.requests_total == 12
    assert {k.code: k.requests for k in report.kelurahan} == {KEL_SW: 9, KEL_NW: "< 5"}
    assert report.request_points == []
    kelurahan = area_report(db, ANONYMOUS, sample.city, "kelurahan", KEL_NW)
    assert kelurahan.requests_total == "< 5"
    assert kelurahan.kelurahan == []


def test_staff_get_exact_counts_points_and_an_audit_entry(
    db: Session, sample: AnalysisCity
) -> None:
    admin = staff(db, sample.city.id, "admin-kota", Grant("admin_kota"))
    report = area_report(db, admin, sample.city, "kecamatan", KECAMATAN)
    assert report.restricted
    assert {(c.type, c.status): c.count for c in report.requests} == direct_counts(
        db, sample.city.id, "kecamatan_code", KECAMATAN
    )
    assert report.requests_total == 12
    assert {k.code: k.requests for k in report.kelurahan} == {KEL_SW: 9, KEL_NW: 3}
    assert len(report.request_points) == 12
    assert all(106.60 < p.lon < 106.65 for p in report.request_points)
    audit = list_audit(db, cli_principal("pytest"), action="reports.read")
    assert [(e.object_id, e.detail["request_points"]) for e in audit.entries] == [
        (f"kecamatan:{KECAMATAN}", 12)
    ]
    # the command line (a deployment administrator) gets the full report too
    assert area_report(db, cli_principal("pytest"), sample.city, "kelurahan", KEL_SW).restricted


def test_opd_staff_see_their_own_requests_only(db: Session, sample: AnalysisCity) -> None:
    dishub = staff(db, sample.city.id, "staf-dishub", Grant("opd_staff", opd="DISHUB"))
    report = area_report(db, dishub, sample.city, "kecamatan", KECAMATAN)
    assert report.restricted
    assert {(c.type, c.status): c.count for c in report.requests} == {("bantuan", "diajukan"): 3}
    assert {k.code: k.requests for k in report.kelurahan} == {KEL_SW: 0, KEL_NW: 3}
    assert len(report.request_points) == 3


def test_roles_without_requests_read_get_the_public_report(
    db: Session, sample: AnalysisCity
) -> None:
    for role in ("warga", "dishub"):
        who = staff(db, sample.city.id, f"user-{role}", Grant(role))
        report = area_report(db, who, sample.city, "kecamatan", KECAMATAN)
        assert not report.restricted
        assert report.request_points == []
        assert {k.code: k.requests for k in report.kelurahan} == {KEL_SW: 9, KEL_NW: "< 5"}
    # staff scoped to another kecamatan get the public report of this one
    east = staff(
        db, sample.city.id, "staf-timur", Grant("opd_staff", opd="KESRA", kecamatan="36.71.02")
    )
    assert not area_report(db, east, sample.city, "kecamatan", KECAMATAN).restricted
    assert area_report(db, east, sample.city, "kecamatan", "36.71.02").restricted


def _on_the_layer(db: Session, who: Principal, city_id: int, kecamatan: str) -> int:
    """How many requests of a kecamatan the restricted requests layer shows ``who``."""
    layer = get_layer("requests")
    scope = scope_params(layer, layer_scope(who, "requests.read", city_id))
    sql = (
        "SELECT count(*) FROM service_request t WHERE t.city_id = :c"
        f" AND t.kecamatan_code = :k AND {scope_sql(layer, 'sqlalchemy')}"
    )
    return int(db.execute(text(sql), {"c": city_id, "k": kecamatan, **scope}).scalar_one())


def test_the_report_counts_what_the_requests_layer_shows(db: Session, sample: AnalysisCity) -> None:
    # KESRA takes steps of every bantuan: the layer shows its staff the 3 routed to DISHUB too
    kesra = staff(db, sample.city.id, "staf-kesra", Grant("opd_staff", opd="KESRA"))
    dishub = staff(db, sample.city.id, "staf-dishub", Grant("opd_staff", opd="DISHUB"))
    for who, total, by_kelurahan in ((kesra, 12, {KEL_SW: 9, KEL_NW: 3}), (dishub, 3, {})):
        report = area_report(db, who, sample.city, "kecamatan", KECAMATAN)
        assert report.restricted
        assert report.requests_total == total
        assert report.requests_total == _on_the_layer(db, who, sample.city.id, KECAMATAN)
        assert len(report.request_points) == total
        if by_kelurahan:
            assert {k.code: k.requests for k in report.kelurahan} == by_kelurahan
