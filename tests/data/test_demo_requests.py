"""The demo city's generated aid proposals: deterministic, every status, fake people, density."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest
from scipy.stats import spearmanr
from sqlalchemy import Engine, text

from data.demo import generate_demo_city
from data.demo.facts import tangerang_facts
from data.demo.generate import DemoCity
from data.demo.load import insert_demo_city
from data.demo.requests import DEMO_REQUEST_COUNT, demo_requests, load_demo_requests
from geo.accounts import cli_principal
from geo.cities import create_city
from geo.requests import AID_WORKFLOW, parse_nik
from geo.requests.bulk import BulkRequest
from geo.store import migrate
from geo.store.db import drop_database, ensure_database, make_engine, session_scope
from tests.conftest import database_url

UNTIL = datetime(2026, 12, 1, tzinfo=UTC)
LOADED = 300  # the database test keeps the city small; the generator is checked at full size


@pytest.fixture(scope="module")
def city() -> DemoCity:
    return generate_demo_city("tangerang")


@pytest.fixture(scope="module")
def full(city: DemoCity) -> list[BulkRequest]:
    return demo_requests(city, DEMO_REQUEST_COUNT, until=UNTIL)


@pytest.fixture(scope="module")
def loaded(pg_server: str, city: DemoCity) -> Iterator[tuple[Engine, int]]:
    """A database of its own with the demo city and LOADED proposals, committed."""
    url = database_url(pg_server, f"tpo_demo_requests_{os.getpid()}")
    ensure_database(url)
    migrate.upgrade(url)
    engine = make_engine(url, pool_size=1)
    with session_scope(engine) as session:
        minx, miny, maxx, maxy = city.outline.bounds
        info = create_city(session, "tangerang", city.name, (minx, miny, maxx, maxy), demo=True)
        insert_demo_city(session, info.id, city)
        count = load_demo_requests(session, cli_principal("test"), info, city, LOADED, until=UNTIL)
        assert count == LOADED
    yield engine, info.id
    engine.dispose()
    drop_database(url)


def _rows(engine: Engine, sql: str, **params: Any) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(text(sql), params))


def _plain(rows: list[BulkRequest]) -> list[Any]:
    return [
        (r.geometry.wkt, r.attrs, r.contact, r.private, r.created_at, r.status, r.events)
        for r in rows
    ]


def test_deterministic(city: DemoCity, full: list[BulkRequest]) -> None:
    again = demo_requests(city, DEMO_REQUEST_COUNT, until=UNTIL)
    assert _plain(again) == _plain(full)
    later = demo_requests(city, DEMO_REQUEST_COUNT, until=UNTIL + timedelta(days=30))
    assert [r.attrs for r in later] == [r.attrs for r in full]  # the same proposals ...
    assert [r.status for r in later] != [r.status for r in full]  # ... a month further on


def test_every_status_with_plausible_counts(full: list[BulkRequest]) -> None:
    counts = Counter(r.status for r in full)
    assert set(counts) == set(AID_WORKFLOW.states)
    assert all(r.demo and r.type == "bantuan" and r.code is None for r in full)
    share = {s: n / len(full) for s, n in counts.items()}
    assert 0.15 < share["selesai"] < 0.6  # most of a year's proposals are through
    assert 0.1 < share["ditolak"] < 0.35
    in_progress = 1 - share["selesai"] - share["ditolak"]
    assert 0.2 < in_progress < 0.6
    assert min(counts.values()) >= 5


def test_histories_are_legal_and_realistic(full: list[BulkRequest]) -> None:
    repaired = refused_in_evaluation = overdue = 0
    for r in full:
        assert UNTIL - timedelta(days=366) <= r.created_at == r.events[0].at <= UNTIL
        names = [e.transition for e in r.events[1:]]
        status = AID_WORKFLOW.initial
        for e in r.events[1:]:
            step = AID_WORKFLOW.take(status, e.transition or "", {"opd_staff", "pemohon"}, e.fields)
            assert e.from_status == status
            assert e.to_status == step.target
            status = step.target
        assert status == r.status
        assert all(a.at <= b.at <= UNTIL for a, b in zip(r.events, r.events[1:], strict=False))
        repaired += "ajukan_ulang" in names
        refused_in_evaluation += any(
            e.transition == "tolak" and e.from_status == "evaluasi" for e in r.events
        )
        approved = [e.fields["approved_amount_idr"] for e in r.events if e.transition == "tetapkan"]
        assert all(0 < a <= r.attrs["amount_requested_idr"] for a in approved)
        deadline = AID_WORKFLOW.deadlines_days.get(r.status)
        overdue += deadline is not None and UNTIL - r.events[-1].at > timedelta(days=deadline)
    assert repaired > 100
    assert refused_in_evaluation > 50
    assert 10 < overdue < len(full) * 0.2


def test_people_are_fake(full: list[BulkRequest]) -> None:
    people = [r.contact for r in full] + [
        r.private[role] for r in full for role in ("chair", "secretary")
    ]
    for person in people:
        nik = person["nik"]
        assert nik.startswith("99")
        assert not nik.startswith("3671")
        parse_nik(nik, today=UNTIL.date())
        assert person["phone"].startswith("000-0000-")
    assert all(r.contact["email"].endswith("@contoh.invalid") for r in full)
    assert len({p["name"] for p in people}) < 500  # a fixed list of generated names
    females = sum(int(p["nik"][6:8]) > 40 for p in people)
    assert 0.3 < females / len(people) < 0.7
    kinds = Counter(r.attrs["organisation_kind"] for r in full)
    assert len(kinds) == 8
    assert kinds["masjid_musala"] > kinds["gereja"]


def test_more_in_dense_kecamatan(city: DemoCity, full: list[BulkRequest]) -> None:
    facts = tangerang_facts()
    kecamatan_of = {a.code: a.parent_code for a in city.admin if a.level == "kelurahan"}
    cells = {a.code: a.geom for a in city.admin if a.level == "kelurahan"}
    per_kec: Counter[str] = Counter()
    for r in full:
        kel = next(code for code, cell in cells.items() if cell.covers(r.geometry))
        per_kec[kecamatan_of[kel]] += 1
    kel_count = Counter(kecamatan_of.values())
    codes = [k.code for k in facts.kecamatan]
    area = np.array([k.area_km2 for k in facts.kecamatan])
    density = np.array([kel_count[c] for c in codes]) / area  # kelurahan per km²
    per_km2 = np.array([per_kec[c] for c in codes]) / area
    rho, _ = spearmanr(density, per_km2)
    assert rho > 0.6
    dense, sparse = codes[int(np.argmax(density))], codes[int(np.argmin(density))]
    assert per_km2[codes.index(dense)] > 1.5 * per_km2[codes.index(sparse)]
    assert min(per_kec.values()) > 50  # every kecamatan has its share


@pytest.mark.postgis
def test_loaded_rows(loaded: tuple[Engine, int], city: DemoCity) -> None:
    engine, city_id = loaded
    got = _rows(
        engine,
        "SELECT r.code, r.status, r.demo, r.version, r.kelurahan_code, r.opd_code, p.nik,"
        " p.extra, (SELECT count(*) FROM request_event e WHERE e.city_id = r.city_id"
        " AND e.request_id = r.id) AS events"
        " FROM service_request r JOIN request_private p"
        " ON p.city_id = r.city_id AND p.request_id = r.id WHERE r.city_id = :c",
        c=city_id,
    )
    assert len(got) == LOADED
    assert all(r.demo and r.opd_code == "KESRA" and r.version == r.events for r in got)
    assert all(r.kelurahan_code is not None for r in got)
    assert len({r.kelurahan_code for r in got}) > 80  # spread over the 104 kelurahan
    niks = [r.nik for r in got] + [r.extra[k]["nik"] for r in got for k in ("chair", "secretary")]
    assert all(n.startswith("99") and not n.startswith("3671") for n in niks)
    expected = demo_requests(city, LOADED, until=UNTIL)
    assert Counter(r.status for r in got) == Counter(r.status for r in expected)
    audit = _rows(
        engine,
        "SELECT detail FROM audit_log WHERE action = 'requests.bulk_load' AND city_id = :c",
        c=city_id,
    )
    assert len(audit) == 1
    assert audit[0].detail["count"] == LOADED
