"""The demo city's school transfers and the school and inspector demo accounts: ~30 transfers at
several steps with their computed figures, the two schools' staff seeing theirs only."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from data.demo import generate_demo_city
from data.demo.generate import DemoCity
from data.demo.load import insert_demo_city
from data.demo.transfers import (
    DEMO_TRANSFER_COUNT,
    demo_school_pair,
    demo_transfers,
    load_demo_transfers,
)
from data.demo.users import create_demo_accounts
from geo.accounts import Grant, cli_principal, list_users, principal_for_user
from geo.cities import CityInfo, create_city
from geo.requests.queries import RequestFilter, list_requests
from geo.requests.transfer import TRANSFER_WORKFLOW, TYPE

pytestmark = pytest.mark.postgis
UNTIL = datetime(2026, 12, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def city() -> DemoCity:
    return generate_demo_city("tangerang")


def _loaded(db: Session, city: DemoCity) -> CityInfo:
    minx, miny, maxx, maxy = city.outline.bounds
    info = create_city(
        db, "tangerang", city.name, (minx, miny, maxx, maxy), center=city.center, demo=True
    )
    insert_demo_city(db, info.id, city)
    return info


def test_thirty_transfers_at_several_steps_with_their_figures(db: Session, city: DemoCity) -> None:
    info = _loaded(db, city)
    rows = demo_transfers(db, info, until=UNTIL)
    assert rows == demo_transfers(db, info, until=UNTIL)  # deterministic
    assert load_demo_transfers(db, cli_principal("test"), info, until=UNTIL) == 30
    assert DEMO_TRANSFER_COUNT == 30
    stored = db.execute(
        text(
            "SELECT r.status, r.attrs, ST_X(r.geom) AS x, ST_Y(r.geom) AS y,"
            " ST_X(s.geom) AS sx, ST_Y(s.geom) AS sy, p.extra, r.demo"
            " FROM service_request r JOIN request_private p"
            "   ON p.city_id = r.city_id AND p.request_id = r.id"
            " JOIN school s ON s.city_id = r.city_id AND s.npsn = r.attrs->>'target_npsn'"
            " WHERE r.city_id = :c AND r.type = :t"
        ),
        {"c": info.id, "t": TYPE},
    ).all()
    assert len(stored) == 30
    statuses = Counter(r.status for r in stored)
    assert len(statuses) >= 4, statuses
    assert set(statuses) <= set(TRANSFER_WORKFLOW.states)
    for r in stored:
        assert r.demo
        assert (r.x, r.y) == (r.sx, r.sy)  # the place is the target school, never the home
        assert r.attrs["figures"]["distance_m"] > 0
        assert r.attrs["origin_name"]
        assert r.attrs["target_name"]
        assert r.extra["student"]["nisn"].startswith("00")
        assert len(r.extra["home_point"]) == 2


def test_the_school_accounts_see_their_schools_transfers(db: Session, city: DemoCity) -> None:
    info = _loaded(db, city)
    load_demo_transfers(db, cli_principal("test"), info, until=UNTIL)
    accounts = {a.username: a for a in create_demo_accounts(db, info)}
    origin, target = demo_school_pair(db, info)
    assert (accounts["sekolah_asal"].npsn, accounts["sekolah_tujuan"].npsn) == (
        origin.npsn,
        target.npsn,
    )
    assert accounts["inspektur_2"].role == "inspektur"
    assert len({a.password for a in accounts.values()}) == len(accounts)  # each its own, random
    users = {u.username: u for u in list_users(db, city_id=info.id)}
    principal = principal_for_user(db, users["sekolah_asal"].id, via="session")
    assert principal.grants == (Grant("sekolah", npsn=origin.npsn),)
    seen = list_requests(db, principal, info, RequestFilter(type=TYPE, limit=100))
    assert seen.total >= 5
    for row in seen.items:
        detail = db.execute(
            text("SELECT attrs FROM service_request WHERE city_id = :c AND id = :i"),
            {"c": info.id, "i": row.id},
        ).scalar_one()
        assert origin.npsn in (detail["origin_npsn"], detail["target_npsn"])
    everything = list_requests(
        db, cli_principal("test"), info, RequestFilter(type=TYPE, limit=100)
    ).total
    assert seen.total < everything == 30
