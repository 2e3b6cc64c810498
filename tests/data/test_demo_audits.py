"""The demo city's generated audits: deterministic, about 150 sites inside the city, audits at
every step, findings with follow-ups past their 60 days, loaded through geo.audits."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from data.demo import generate_demo_city
from data.demo.audits import DEMO_AUDIT_SITE_COUNT, demo_audits, load_demo_audits
from data.demo.generate import DemoCity
from data.demo.load import insert_demo_city
from geo.accounts import Principal, cli_principal
from geo.audits import AUDIT_WORKFLOW, opd_table
from geo.cities import create_city

TODAY = date(2026, 12, 2)


@pytest.fixture(scope="module")
def city() -> DemoCity:
    return generate_demo_city("tangerang")


def test_the_generator_is_deterministic_and_covers_every_step(city: DemoCity) -> None:
    sites = demo_audits(city, today=TODAY)
    assert len(sites) == DEMO_AUDIT_SITE_COUNT == 150
    assert sites == demo_audits(city, today=TODAY)
    statuses = Counter(a.status for s in sites for a in s.audits)
    assert set(statuses) == set(AUDIT_WORKFLOW.states)
    kinds = Counter(s.site.geometry["type"] for s in sites)
    assert kinds["Point"] > kinds["Polygon"] > 0
    assert all("demo" in s.site.activity for s in sites)
    for s in sites:
        for a in s.audits:
            assert all(d.date() <= TODAY for d in a.step_dates)


@pytest.mark.postgis
def test_loaded_through_the_audit_wing(db: Session, city: DemoCity) -> None:
    minx, miny, maxx, maxy = city.outline.bounds
    info = create_city(db, "tangerang", city.name, (minx, miny, maxx, maxy), demo=True)
    insert_demo_city(db, info.id, city)
    admin: Principal = cli_principal("test")
    assert load_demo_audits(db, admin, info, city, today=TODAY) == 150
    row = db.execute(
        text(
            "SELECT count(*), count(kelurahan_code), bool_and(demo) FROM audit_site"
            " WHERE city_id = :c"
        ),
        {"c": info.id},
    ).one()
    assert tuple(row) == (150, 150, True)
    table = opd_table(db, admin, info, today=TODAY)
    assert sum(r.sites for r in table) == 150
    assert sum(r.findings for r in table) > 50
    assert sum(r.overdue_findings for r in table) > 0
    assert sum(r.potential_loss_idr for r in table) > 0
    events = db.execute(
        text(
            "SELECT count(*) FROM audit a WHERE a.city_id = :c AND (SELECT count(*) FROM"
            " audit_event e WHERE e.city_id = a.city_id AND e.audit_id = a.id) <> a.version"
        ),
        {"c": info.id},
    ).scalar_one()
    assert events == 0  # one event per step taken
