"""The staff queries of the request core on PostGIS: who sees what, deadlines, aggregates."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import orjson
import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.accounts import ANONYMOUS, Grant, Principal
from geo.cities import CityInfo
from geo.errors import AuthenticationRequiredError, InvalidInputError, PermissionDeniedError
from geo.models import ROLES
from geo.requests import AID_WORKFLOW, WorkflowDefinitionError, validate_workflow
from geo.requests.aggregates import by_kelurahan, class_breaks, fisher_jenks
from geo.requests.deadlines import due_sql, is_overdue, report_due_at, step_due_at
from geo.requests.queries import (
    TOTAL_CAP,
    RequestFilter,
    check_filter,
    list_requests,
    visibility,
)
from geo.requests.types import TYPES
from tests.geo.request_city import city_with_proposals
from tests.geo.request_city import staff as _staff

pytestmark = pytest.mark.postgis
BANTUAN = TYPES["bantuan"]


@pytest.fixture
def city(db: Session, tmp_path: Path) -> CityInfo:
    return city_with_proposals(db, tmp_path)


def _visible(db: Session, principal: Principal, city: CityInfo) -> int:
    page = list_requests(db, principal, city, RequestFilter(limit=200))
    assert page.total == len(page.items)
    return page.total


def test_visibility_follows_who_handles_a_request(db: Session, city: CityInfo) -> None:
    assert _visible(db, _staff(city, Grant("opd_staff", opd="KESRA")), city) == 10
    # TAPD and BPKAD take steps of the aid workflow: they see its requests too
    assert _visible(db, _staff(city, Grant("opd_staff", opd="BPKAD")), city) == 10
    assert _visible(db, _staff(city, Grant("opd_staff", opd="DISHUB")), city) == 0
    barat = _staff(city, Grant("opd_staff", opd="KESRA", kecamatan="36.71.01"))
    assert _visible(db, barat, city) == 3
    both = _staff(
        city,
        Grant("opd_staff", opd="DISHUB"),
        Grant("opd_staff", opd="KESRA", kecamatan="36.71.02"),
    )
    assert _visible(db, both, city) == 7
    assert _visible(db, _staff(city, Grant("admin_kota", kecamatan="36.71.01")), city) == 10
    assert _visible(db, _staff(city, Grant("inspektur")), city) == 10
    sql, params = visibility(
        _staff(city, Grant("opd_staff", opd="DISHUB")), "requests.read", city.id
    )
    assert sql == "((r.opd_code = :v_opd0))"
    assert params == {"v_opd0": "DISHUB"}
    with pytest.raises(AuthenticationRequiredError):
        list_requests(db, ANONYMOUS, city, RequestFilter())
    with pytest.raises(PermissionDeniedError):
        list_requests(db, _staff(city, Grant("warga")), city, RequestFilter())
    elsewhere = dataclasses.replace(_staff(city, Grant("admin_kota")), city_id=city.id + 999)
    with pytest.raises(PermissionDeniedError):
        list_requests(db, elsewhere, city, RequestFilter())


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"type": "sulap"}, "type"),
        ({"status": ("diajukan", "hilang")}, "status"),
        ({"kecamatan": "36 71"}, "kecamatan"),
        ({"opd": "x" * 33}, "opd"),
        ({"date_from": date(2026, 2, 1), "date_to": date(2026, 1, 1)}, "from"),
        ({"q": "q" * 101}, "q"),
        ({"sort": "--title"}, "sort"),
        ({"sort": "id"}, "sort"),
        ({"limit": 0}, "limit"),
        ({"limit": 201}, "limit"),
        ({"offset": -1}, "offset"),
    ],
)
def test_bad_filters_name_the_field(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        check_filter(dataclasses.replace(RequestFilter(), **changes))
    assert [e["field"] for e in caught.value.errors] == [field]


def test_step_deadlines_and_the_lpj_date() -> None:
    since = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)
    assert step_due_at(BANTUAN, "diajukan", since) == since + timedelta(days=3)
    assert step_due_at(BANTUAN, "verifikasi_dokumen", since) == since + timedelta(days=14)
    assert step_due_at(BANTUAN, "ditolak", since) is None
    assert step_due_at(BANTUAN, "lpj", since) is None
    # paid on 31 December at 20:00 UTC is 1 January in WIB: the LPJ is due the year after
    assert report_due_at(datetime(2026, 12, 31, 20, 0, tzinfo=UTC)) == datetime(
        2028, 1, 10, 16, 59, 59, tzinfo=UTC
    )
    assert step_due_at(BANTUAN, "dicairkan", since) == datetime(2027, 1, 10, 16, 59, 59, tzinfo=UTC)
    due = since + timedelta(days=3)
    assert is_overdue(BANTUAN, "diajukan", due, due + timedelta(seconds=1))
    assert not is_overdue(BANTUAN, "diajukan", due, due)
    assert not is_overdue(BANTUAN, "selesai", due, due + timedelta(days=1))


def test_sql_due_dates_agree_with_python(db: Session, city: CityInfo) -> None:
    due, params = due_sql("r")
    samples = [(s, datetime(2026, 6, 30, 18, 30, tzinfo=UTC)) for s in AID_WORKFLOW.states]
    for status, since in samples:
        got = db.execute(
            text(
                f"SELECT {due} FROM (SELECT CAST(:t AS text) AS type, CAST(:s AS text) AS status,"
                " CAST(:at AS timestamptz) AS status_changed_at) r"
            ),
            params | {"t": "bantuan", "s": status, "at": since},
        ).scalar_one()
        assert got == step_due_at(BANTUAN, status, since), status


def test_deadlines_are_checked_with_the_workflow() -> None:
    validate_workflow(AID_WORKFLOW, ROLES)
    for broken in (
        dataclasses.replace(AID_WORKFLOW, deadlines_days={"selesai": 3}),
        dataclasses.replace(AID_WORKFLOW, deadlines_days={"diajukan": 0}),
        dataclasses.replace(AID_WORKFLOW, deadlines_days={"hilang": 3}),
        dataclasses.replace(AID_WORKFLOW, report_due_after="ditolak"),
        dataclasses.replace(AID_WORKFLOW, deadlines_days={"dicairkan": 5}),
        dataclasses.replace(AID_WORKFLOW, state_labels={"hilang": "Hilang"}),
        dataclasses.replace(AID_WORKFLOW, transition_labels={"terbang": "Terbang"}),
    ):
        with pytest.raises(WorkflowDefinitionError):
            validate_workflow(broken, ROLES)


def test_class_breaks() -> None:
    method, breaks = class_breaks([float(v) for v in range(20)], 4)
    assert method == "FisherJenks"
    assert len(breaks) == 4
    assert breaks[-1] == 19
    assert breaks == sorted(breaks)
    assert class_breaks([0.0, 0.0, 4.0], 5) == ("EqualInterval", [0.8, 1.6, 2.4, 3.2, 4.0])
    assert class_breaks([0.0, 0.0], 5) == ("EqualInterval", [0.0])
    assert class_breaks([], 5) == ("EqualInterval", [])


def test_fisher_jenks_gives_mapclassifys_breaks() -> None:
    import warnings

    import mapclassify
    import numpy as np

    rng = np.random.default_rng(1)
    checked = 0
    for trial in range(60):
        n, k = int(rng.integers(6, 120)), int(rng.integers(3, 10))
        values = (
            [
                rng.integers(0, 40, n),  # counts with many ties
                rng.lognormal(3, 1.5, n),  # per km2, skewed
            ][trial % 2]
            .astype(float)
            .tolist()
        )
        if len(set(values)) <= k:
            continue
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Numba not installed")
            expected = [float(b) for b in mapclassify.FisherJenks(values, k=k).bins]
        assert fisher_jenks(values, k) == expected, (values, k)
        checked += 1
    assert checked > 40


def test_by_kelurahan_counts_match_sql(db: Session, city: CityInfo) -> None:
    one = db.execute(
        text("SELECT min(id) FROM service_request WHERE city_id = :c"), {"c": city.id}
    ).scalar_one()
    db.execute(
        text(
            "UPDATE service_request SET status = 'evaluasi',"
            " created_at = now() - interval '40 days' WHERE city_id = :c AND id = :i"
        ),
        {"c": city.id, "i": one},
    )
    kesra = _staff(city, Grant("opd_staff", opd="KESRA"))
    today = datetime.now(ZoneInfo("Asia/Jakarta")).date()  # the city's calendar, as the filter
    f = RequestFilter(status=("diajukan",), date_from=today - timedelta(days=7), date_to=today)
    collection = orjson.loads(orjson.dumps(by_kelurahan(db, kesra, city, f, measure="per_km2")))
    direct = dict(
        db.execute(
            text(
                "SELECT kelurahan_code, count(*) FROM service_request WHERE city_id = :c"
                " AND status = 'diajukan' AND created_at > now() - interval '7 days'"
                " GROUP BY 1"
            ),
            {"c": city.id},
        ).all()
    )
    got = {x["properties"]["code"]: x["properties"]["count"] for x in collection["features"]}
    assert got == {code: direct.get(code, 0) for code in got}
    assert sum(got.values()) == 9
    assert collection["classes"]["measure"] == "per_km2"
    with pytest.raises(InvalidInputError):
        by_kelurahan(db, kesra, city, RequestFilter(), k=2)
    with pytest.raises(InvalidInputError):
        by_kelurahan(db, kesra, city, RequestFilter(), measure="luas")


def test_a_large_total_is_the_planners_estimate(db: Session, city: CityInfo) -> None:
    db.execute(
        text(
            "INSERT INTO service_request (city_id, type, code, status, geom, kelurahan_code,"
            " kecamatan_code, opd_code, title)"
            " SELECT :c, 'bantuan', 'SBK-BULK-' || g, 'diajukan',"
            " ST_SetSRID(ST_MakePoint(106.62, -6.20), 4326), '36.71.01.1001', '36.71.01',"
            " 'KESRA', 'Yayasan ' || g FROM generate_series(1, :n) g"
        ),
        {"c": city.id, "n": TOTAL_CAP + 500},
    )
    db.execute(text("ANALYZE service_request"))
    kesra = _staff(city, Grant("opd_staff", opd="KESRA"))
    page = list_requests(db, kesra, city, RequestFilter())
    assert page.total_exact is False
    assert page.total > TOTAL_CAP
    assert len(page.items) == 50
    by_status = list_requests(db, kesra, city, RequestFilter(status=("diajukan", "evaluasi")))
    assert by_status.total_exact is False
    assert by_status.total > TOTAL_CAP
    assert len(by_status.items) == 50
    small = list_requests(db, kesra, city, RequestFilter(kelurahan="36.71.02.1004"))
    assert (small.total, small.total_exact) == (4, True)


def test_pages_by_status_are_the_plain_pages(
    db: Session, city: CityInfo, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A newest-first page with statuses, picked per status, equals the one walk of the filter."""
    from geo.requests import queries

    ids = db.execute(
        text("SELECT id FROM service_request WHERE city_id = :c ORDER BY id"), {"c": city.id}
    ).scalars()
    base = datetime(2026, 3, 1, 3, tzinfo=UTC)
    for n, rid in enumerate(ids):
        db.execute(
            text(
                "UPDATE service_request SET status = :s, created_at = :t"
                " WHERE city_id = :c AND id = :i"
            ),
            {
                "s": ("diajukan", "evaluasi", "nphd")[n % 3],
                "t": base + timedelta(hours=n // 2),  # pairs created at the same instant
                "c": city.id,
                "i": rid,
            },
        )
    admin = _staff(city, Grant("admin_kota"))
    kesra = _staff(city, Grant("opd_staff", opd="KESRA"))
    cases = [
        (statuses, sort, offset, limit)
        for statuses in (("evaluasi",), ("diajukan", "nphd"), ("nphd", "evaluasi", "diajukan"))
        for sort in ("-created_at", "created_at")
        for offset, limit in ((0, 50), (1, 2), (3, 3), (9, 5))
    ]
    picked = {}
    for statuses, sort, offset, limit in cases:
        f = RequestFilter(status=statuses, sort=sort, offset=offset, limit=limit)
        for who in (admin, kesra):
            page = list_requests(db, who, city, f)
            picked[(statuses, sort, offset, limit, who.grants)] = [r.id for r in page.items]
            if who is admin:  # the capped count, per status too
                direct = db.execute(
                    text(
                        "SELECT count(*) FROM service_request"
                        " WHERE city_id = :c AND status = ANY(:s)"
                    ),
                    {"c": city.id, "s": list(statuses)},
                ).scalar_one()
                assert (page.total, page.total_exact) == (direct, True)
    monkeypatch.setattr(queries, "PER_STATUS_CAP", 0)  # every page by the one walk
    for (statuses, sort, offset, limit, grants), got in picked.items():
        f = RequestFilter(status=statuses, sort=sort, offset=offset, limit=limit)
        who = admin if grants == admin.grants else kesra
        assert got == [r.id for r in list_requests(db, who, city, f).items], (statuses, sort)
    assert any(len(v) > 1 for v in picked.values())
