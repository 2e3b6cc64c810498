"""The rollups of requests on PostGIS, daily (migration 0011) and per kelurahan (0015): exact
after every kind of write, and the by-kelurahan aggregate answers from the daily one what it
answered from the requests."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.accounts import Grant, Principal, cli_principal
from geo.cities import CityInfo
from geo.requests.aggregates import by_kelurahan, count_sql, uses_rollup
from geo.requests.bulk import BulkEvent, BulkRequest, bulk_load
from geo.requests.queries import RequestFilter, visibility, where_of
from geo.requests.service import transition
from tests.api.request_sample import proposal
from tests.geo.request_city import POINTS, city_with_proposals
from tests.geo.request_city import staff as _staff

pytestmark = pytest.mark.postgis
KEY = (
    "type, coalesce(opd_code, '') AS opd, coalesce(kecamatan_code, '') AS kec,"
    " coalesce(kelurahan_code, '') AS kel, status,"
    " CAST(created_at AT TIME ZONE 'Asia/Jakarta' AS date) AS day"
)
# 23:59:59 and 00:00:00 in Jakarta (UTC+7) on either side of 2 March 2026
LATE = datetime(2026, 3, 1, 16, 59, 59, tzinfo=UTC)
MIDNIGHT = datetime(2026, 3, 1, 17, 0, tzinfo=UTC)


def _rollup(db: Session, city_id: int) -> dict[tuple[Any, ...], int]:
    rows = db.execute(
        text(
            "SELECT type, opd_code, kecamatan_code, kelurahan_code, status, day, n"
            " FROM request_daily_count WHERE city_id = :c AND n > 0"
        ),
        {"c": city_id},
    )
    return {tuple(r[:-1]): r[-1] for r in rows}


def _direct(db: Session, city_id: int) -> dict[tuple[Any, ...], int]:
    rows = db.execute(
        text(
            f"SELECT {KEY}, count(*) FROM service_request WHERE city_id = :c"
            " GROUP BY 1, 2, 3, 4, 5, 6"
        ),
        {"c": city_id},
    )
    return {tuple(r[:-1]): r[-1] for r in rows}


def _per_kelurahan(db: Session, city_id: int, table: str) -> dict[tuple[Any, ...], int]:
    sql = {
        "request_kelurahan_count": "SELECT type, kelurahan_code, status, n"
        " FROM request_kelurahan_count WHERE city_id = :c AND n > 0",
        "service_request": "SELECT type, coalesce(kelurahan_code, ''), status, count(*)"
        " FROM service_request WHERE city_id = :c GROUP BY 1, 2, 3",
    }[table]
    return {tuple(r[:-1]): r[-1] for r in db.execute(text(sql), {"c": city_id})}


def _same(db: Session, city_id: int) -> int:
    direct = _direct(db, city_id)
    assert _rollup(db, city_id) == direct
    assert _per_kelurahan(db, city_id, "request_kelurahan_count") == _per_kelurahan(
        db, city_id, "service_request"
    )
    return sum(direct.values())


@pytest.fixture
def city(db: Session, tmp_path: Path) -> CityInfo:
    return city_with_proposals(db, tmp_path)


def _ids(db: Session, city: CityInfo) -> list[int]:
    return list(
        db.execute(
            text("SELECT id FROM service_request WHERE city_id = :c ORDER BY id"), {"c": city.id}
        ).scalars()
    )


def _bulk_rows() -> list[BulkRequest]:
    person = {"name": "Siti Contoh", "nik": "9901014507900001", "phone": "000-0000-0001"}
    body = proposal(*POINTS[0])
    submitted = BulkEvent(
        transition=None, from_status=None, to_status="diajukan", at=LATE, actor="anonymous"
    )
    started = BulkEvent(
        transition="mulai_verifikasi",
        from_status="diajukan",
        to_status="verifikasi_dokumen",
        at=LATE + timedelta(days=2),
        actor="opd_kesra",
    )
    rows = []
    for n, (lon, lat) in enumerate(POINTS):
        rows.append(
            BulkRequest(
                type="bantuan",
                geometry=f"POINT({lon} {lat})",
                attrs=body["attrs"],
                contact=person,
                private=body["private"],
                created_at=LATE if n % 2 else MIDNIGHT,
                events=[replace(submitted, at=LATE if n % 2 else MIDNIGHT), started][: 1 + n % 2],
                status="verifikasi_dokumen" if n % 2 else "diajukan",
            )
        )
    return rows


def test_the_rollup_follows_every_write(db: Session, city: CityInfo) -> None:
    assert _same(db, city.id) == 10  # the fixture's submissions
    kesra = _staff(city, Grant("opd_staff", opd="KESRA"))
    first, second, *_ = _ids(db, city)
    transition(db, kesra, city, first, name="mulai_verifikasi", fields={}, expected_version=1)
    transition(db, kesra, city, second, name="mulai_verifikasi", fields={}, expected_version=1)
    assert _same(db, city.id) == 10
    assert bulk_load(db, cli_principal("rollup-test"), city, _bulk_rows()) == 4
    assert _same(db, city.id) == 14
    # an update that moves nothing counted (version, title), one that moves a row's day across
    # Jakarta's midnight, its kelurahan, and one of many rows at once
    db.execute(text("UPDATE service_request SET version = version + 1, title = 'x'"))
    db.execute(
        text("UPDATE service_request SET created_at = :t WHERE city_id = :c AND id = :i"),
        {"t": LATE, "c": city.id, "i": first},
    )
    db.execute(
        text(
            "UPDATE service_request SET kelurahan_code = NULL, opd_code = NULL"
            " WHERE city_id = :c AND id = :i"
        ),
        {"c": city.id, "i": second},
    )
    db.execute(
        text("UPDATE service_request SET status = 'evaluasi' WHERE city_id = :c AND id > :i"),
        {"c": city.id, "i": second},
    )
    assert _same(db, city.id) == 14
    assert ("bantuan", "", city_kec(db, city, second), "", "verifikasi_dokumen") in {
        k[:5] for k in _rollup(db, city.id)
    }
    db.execute(
        text("DELETE FROM service_request WHERE city_id = :c AND id = :i"),
        {"c": city.id, "i": first},
    )
    assert _same(db, city.id) == 13
    db.execute(text("DELETE FROM service_request WHERE city_id = :c"), {"c": city.id})
    assert _same(db, city.id) == 0


def city_kec(db: Session, city: CityInfo, rid: int) -> str:
    return str(
        db.execute(
            text("SELECT kecamatan_code FROM service_request WHERE city_id = :c AND id = :i"),
            {"c": city.id, "i": rid},
        ).scalar_one()
    )


def test_a_drifted_rollup_fails_the_write(db: Session, city: CityInfo) -> None:
    db.execute(text("UPDATE request_daily_count SET n = 0 WHERE city_id = :c"), {"c": city.id})
    with pytest.raises(Exception, match="n_not_negative"), db.begin_nested():
        db.execute(text("DELETE FROM service_request WHERE city_id = :c"), {"c": city.id})


def _old_counts(
    db: Session, principal: Principal, city: CityInfo, f: RequestFilter
) -> dict[str, int]:
    """What by_kelurahan counted before the rollup: a GROUP BY over the matching requests."""
    vis, vis_params = visibility(principal, "requests.read", city.id)
    where, params = where_of(f, city.id, vis)
    rows = db.execute(
        text(f"SELECT r.kelurahan_code, count(*) FROM service_request r WHERE {where} GROUP BY 1"),
        params | vis_params,
    )
    return {code: n for code, n in rows if code is not None}


def test_by_kelurahan_answers_as_before(db: Session, city: CityInfo) -> None:
    ids = _ids(db, city)
    # spread the requests over days, statuses and both sides of Jakarta's midnight
    for n, rid in enumerate(ids):
        at = [LATE, MIDNIGHT, LATE - timedelta(days=40), MIDNIGHT + timedelta(days=9)][n % 4]
        db.execute(
            text(
                "UPDATE service_request SET created_at = :t, status = :s"
                " WHERE city_id = :c AND id = :i"
            ),
            {"t": at, "s": ("diajukan", "evaluasi")[n % 3 == 0], "c": city.id, "i": rid},
        )
    assert bulk_load(db, cli_principal("rollup-test"), city, _bulk_rows()) == 4
    kesra = _staff(city, Grant("opd_staff", opd="KESRA"))
    admin = _staff(city, Grant("admin_kota"))
    kecamatan = city_kec(db, city, ids[0])
    march_1, march_2 = date(2026, 3, 1), date(2026, 3, 2)
    filters = [
        RequestFilter(),
        RequestFilter(status=("diajukan",), date_from=march_1, date_to=march_1),
        RequestFilter(status=("diajukan", "evaluasi"), date_from=march_2),
        RequestFilter(date_to=march_1),
        RequestFilter(type="bantuan", opd="KESRA", date_from=march_1 - timedelta(days=60)),
        RequestFilter(status=("verifikasi_dokumen",), date_from=march_1, date_to=march_2),
        RequestFilter(kecamatan=kecamatan, date_from=march_2, date_to=march_2),
        RequestFilter(opd="TAPD"),
    ]
    seen = 0
    for who in (kesra, admin, _staff(city, Grant("opd_staff", opd="KESRA", kecamatan=kecamatan))):
        for f in filters:
            assert uses_rollup(f)
            got = by_kelurahan(db, who, city, f)
            counts = {x["properties"]["code"]: x["properties"]["count"] for x in got["features"]}
            old = _old_counts(db, who, city, f)
            assert counts == {code: old.get(code, 0) for code in counts}, f
            assert all(
                sum(x["properties"]["by_status"].values()) == x["properties"]["count"]
                and 0 not in x["properties"]["by_status"].values()
                for x in got["features"]
            )
            seen += sum(counts.values())
    assert seen > 0
    # the text search and the overdue flag still count the requests themselves
    search = RequestFilter(q="SBK", date_from=march_1)
    assert not uses_rollup(search)
    assert "service_request" in str(count_sql(search, 1, "TRUE", {})[0])
    got = by_kelurahan(db, admin, city, search)
    counts = {x["properties"]["code"]: x["properties"]["count"] for x in got["features"]}
    old = _old_counts(db, admin, city, search)
    assert counts == {code: old.get(code, 0) for code in counts}
