"""The audit log: entries with before/after, filtered pages, append-only in the database;
migration 0007 up and down."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from geo.accounts import (
    ANONYMOUS,
    Grant,
    create_user,
    list_audit,
    principal_for_user,
    record,
)
from geo.accounts.identity import cli_principal
from geo.cities import CityInfo, create_city
from geo.errors import AuthenticationRequiredError, InvalidInputError, PermissionDeniedError
from geo.store import migrate
from geo.store.db import drop_database, ensure_database
from tests.conftest import database_url

pytestmark = pytest.mark.postgis

BBOX = (106.55, -6.26, 106.75, -6.09)
PASSWORD = "kuda-lari-pagi-17"
ACCOUNT_TABLES = {
    "opd",
    "app_user",
    "user_role",
    "user_session",
    "api_token",
    "login_attempt",
    "audit_log",
}
CLI = cli_principal("tester")


@pytest.fixture
def city(db: Session) -> CityInfo:
    return create_city(db, "testkota", "Kota Uji", BBOX)


def test_record_writes_before_and_after(db: Session, city: CityInfo) -> None:
    record(
        db,
        CLI,
        "users.update",
        city_id=city.id,
        object_type="app_user",
        object_id=42,
        before={"active": True, "roles": ["dishub"]},
        after={"active": False, "roles": ["dishub"], "at": date(2026, 12, 1)},
        detail={"why": "pindah tugas", "codes": {"B", "A"}},
        ip="2001:db8::1",
    )
    row = db.execute(text("SELECT * FROM audit_log")).mappings().one()
    assert row["actor"] == "cli:tester"
    assert row["actor_id"] is None
    assert row["city_id"] == city.id
    assert row["action"] == "users.update"
    assert row["object_type"] == "app_user"
    assert row["object_id"] == "42"
    assert row["before"] == {"active": True, "roles": ["dishub"]}
    assert row["after"] == {"active": False, "roles": ["dishub"], "at": "2026-12-01"}
    assert row["detail"] == {"why": "pindah tugas", "codes": ["A", "B"]}
    assert str(row["ip"]) == "2001:db8::1"
    assert row["at"] is not None


def test_record_takes_the_users_city_and_id(db: Session, city: CityInfo) -> None:
    user_id = create_user(
        db,
        city_id=city.id,
        username="ak",
        display_name="AK",
        password=PASSWORD,
        grants=[Grant("admin_kota")],
    )
    principal = principal_for_user(db, user_id, via="session")
    record(db, principal, "users.read", ip="not an ip")
    row = db.execute(text("SELECT actor, actor_id, city_id, ip FROM audit_log")).one()
    assert tuple(row) == ("ak", user_id, city.id, None)


def test_list_audit_filters_and_pages(db: Session, city: CityInfo) -> None:
    other = create_city(db, "lain", "Kota Lain", BBOX)
    for i in range(5):
        record(db, CLI, "users.create", city_id=city.id, object_type="app_user", object_id=i)
    record(db, ANONYMOUS, "auth.login_failed", city_id=city.id)
    record(db, ANONYMOUS, "auth.login_failed", city_id=other.id)
    everything = list_audit(db, CLI)
    assert everything.total == 7
    assert [e.id for e in everything.entries] == sorted(
        (e.id for e in everything.entries), reverse=True
    )
    page = list_audit(db, CLI, city_id=city.id, action="users.create", limit=2, offset=1)
    assert page.total == 5
    assert [e.object_id for e in page.entries] == ["3", "2"]
    assert list_audit(db, CLI, action="auth.*").total == 2
    assert list_audit(db, CLI, actor="anonymous", city_id=other.id).total == 1
    assert list_audit(db, CLI, object_type="app_user").total == 5
    assert list_audit(db, CLI, action="users.create", offset=10).total == 5  # past the end
    later = datetime.now(UTC) + timedelta(hours=1)
    assert list_audit(db, CLI, since=later).total == 0
    assert list_audit(db, CLI, until=later).total == 7
    with pytest.raises(InvalidInputError):
        list_audit(db, CLI, limit=0)
    with pytest.raises(InvalidInputError):
        list_audit(db, CLI, limit=1001)


def test_list_audit_is_authorized_and_city_scoped(db: Session, city: CityInfo) -> None:
    other = create_city(db, "lain", "Kota Lain", BBOX)
    record(db, CLI, "x.mine", city_id=city.id)
    record(db, CLI, "x.theirs", city_id=other.id)
    ids = {}
    for name, role in (("ak", "admin_kota"), ("staf", "dishub")):
        ids[name] = create_user(
            db,
            city_id=city.id,
            username=name,
            display_name=name,
            password=PASSWORD,
            grants=[Grant(role)],
        )
    admin_kota = principal_for_user(db, ids["ak"], via="session")
    # a city admin reads only their city, also when no city is named
    assert [e.action for e in list_audit(db, admin_kota).entries] == ["x.mine"]
    with pytest.raises(PermissionDeniedError):
        list_audit(db, admin_kota, city_id=other.id)
    with pytest.raises(PermissionDeniedError):
        list_audit(db, principal_for_user(db, ids["staf"], via="session"))
    with pytest.raises(AuthenticationRequiredError):
        list_audit(db, ANONYMOUS)


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_log SET actor = 'someone else'",
        "UPDATE audit_log SET actor = 'x' WHERE false",  # refused even when touching no row
        "DELETE FROM audit_log",
        "DELETE FROM audit_log WHERE id < 0",
        "TRUNCATE audit_log",
    ],
)
def test_audit_log_is_append_only(db: Session, city: CityInfo, statement: str) -> None:
    record(db, CLI, "users.create", city_id=city.id)
    with pytest.raises(DBAPIError, match="append-only"), db.begin_nested():
        db.execute(text(statement))
    assert db.execute(text("SELECT actor FROM audit_log")).scalars().all() == ["cli:tester"]


def test_other_roles_hold_no_rewriting_privilege(db: Session) -> None:
    acl = db.execute(
        text(
            "SELECT coalesce(array_agg(a.privilege_type::text), '{}') FROM pg_class c,"
            " aclexplode(coalesce(c.relacl, acldefault('r', c.relowner))) a"
            " WHERE c.relname = 'audit_log' AND a.grantee = 0"
        )
    ).scalar_one()
    assert not {"UPDATE", "DELETE", "TRUNCATE"} & set(acl)  # PUBLIC (grantee 0)
    can_create_roles = db.execute(
        text("SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user")
    ).scalar_one()
    if not can_create_roles:
        return
    # an application role that may read and append, as a production setup would grant
    db.execute(text("CREATE ROLE tpo_test_app_role NOLOGIN"))
    db.execute(text("GRANT SELECT, INSERT ON audit_log TO tpo_test_app_role"))

    def as_app_role(statement: str) -> None:
        with db.begin_nested():  # the role is reset when the savepoint rolls back
            db.execute(text("SET LOCAL ROLE tpo_test_app_role"))
            db.execute(text(statement))

    as_app_role("INSERT INTO audit_log (actor, action) VALUES ('app', 'x.appended')")
    db.execute(text("RESET ROLE"))
    for statement in (
        "UPDATE audit_log SET actor = 'x'",
        "DELETE FROM audit_log",
        "TRUNCATE audit_log",
    ):
        with pytest.raises(DBAPIError, match="permission denied"):
            as_app_role(statement)
    db.execute(text("RESET ROLE"))


@pytest.fixture
def scratch_url(pg_server: str) -> Iterator[str]:
    url = database_url(pg_server, "tpo_accounts_migration_test")
    drop_database(url)
    ensure_database(url)
    yield url
    drop_database(url)


def test_migration_0007_up_down_up(scratch_url: str) -> None:
    below = ScriptDirectory.from_config(migrate.alembic_config(scratch_url)).get_revision("0007")
    assert below is not None
    migrate.upgrade(scratch_url, "0007")
    engine = create_engine(scratch_url)
    try:
        assert set(inspect(engine).get_table_names()) >= ACCOUNT_TABLES
        migrate.downgrade(scratch_url, str(below.down_revision))
        tables = set(inspect(engine).get_table_names())
        assert not ACCOUNT_TABLES & tables
        assert "city" in tables
        with engine.connect() as conn:
            function = conn.execute(
                text("SELECT count(*) FROM pg_proc WHERE proname = 'tpo_audit_log_append_only'")
            ).scalar_one()
        assert function == 0
        migrate.upgrade(scratch_url, "0007")
        assert set(inspect(engine).get_table_names()) >= ACCOUNT_TABLES
        with engine.connect() as conn:
            triggers = conn.execute(
                text(
                    "SELECT count(*) FROM pg_trigger WHERE tgrelid = 'audit_log'::regclass"
                    " AND NOT tgisinternal"
                )
            ).scalar_one()
        assert triggers == 3
    finally:
        engine.dispose()
