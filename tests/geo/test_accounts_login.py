"""Logging in: one answer and one argon2 verification for every failure; the throttle."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import argon2
import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.accounts import Grant, authenticate, create_user, get_user, list_audit, set_active
from geo.accounts.identity import cli_principal
from geo.accounts.passwords import DUMMY_HASH
from geo.accounts.throttle import MAX_FAILURES_PER_ACCOUNT, WINDOW_S
from geo.cities import CityInfo, create_city
from geo.errors import (
    AuthenticationRequiredError,
    InvalidCredentialsError,
    LoginThrottledError,
)

pytestmark = pytest.mark.postgis

BBOX = (106.55, -6.26, 106.75, -6.09)
PASSWORD = "kuda-lari-pagi-17"
IP = "203.0.113.7"


@pytest.fixture
def city(db: Session) -> CityInfo:
    return create_city(db, "testkota", "Kota Uji", BBOX)


@pytest.fixture
def budi(db: Session, city: CityInfo) -> int:
    return create_user(
        db,
        city_id=city.id,
        username="budi",
        display_name="Budi Santoso",
        password=PASSWORD,
        grants=[Grant("dishub")],
    )


@pytest.fixture
def verify_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The hashes argon2's verify was called with, in order."""
    calls: list[str] = []
    original: Callable[..., Any] = argon2.PasswordHasher.verify

    def spy(self: argon2.PasswordHasher, hash: str | bytes, password: str | bytes) -> Any:
        calls.append(hash if isinstance(hash, str) else hash.decode())
        return original(self, hash, password)

    monkeypatch.setattr(argon2.PasswordHasher, "verify", spy)
    return calls


def login(db: Session, city: CityInfo, username: str, password: str, ip: str | None = IP) -> Any:
    return authenticate(db, city_id=city.id, username=username, password=password, ip=ip)


def test_login_ok(db: Session, city: CityInfo, budi: int) -> None:
    principal = login(db, city, "BuDi", PASSWORD)
    assert principal.user_id == budi
    assert principal.username == "budi"
    assert principal.display_name == "Budi Santoso"
    assert principal.city_id == city.id
    assert principal.grants == (Grant("dishub"),)
    assert principal.via == "session"
    assert not principal.is_anonymous
    assert get_user(db, city_id=city.id, username="budi").last_login_at is not None
    page = list_audit(db, cli_principal("t"), action="auth.login")
    assert [(e.actor, e.actor_id, e.ip, e.object_id) for e in page.entries] == [
        ("budi", budi, IP, str(budi))
    ]


def test_failures_look_the_same_and_cost_one_verification(
    db: Session, city: CityInfo, budi: int, verify_calls: list[str]
) -> None:
    errors = []
    for username, password in (("budi", "salah-sandi-123"), ("nobody", PASSWORD)):
        verify_calls.clear()
        with pytest.raises(AuthenticationRequiredError) as err:
            login(db, city, username, password)
        errors.append(err.value)
        assert len(verify_calls) == 1, "one argon2 verification per failed login"
        if username == "nobody":
            assert verify_calls == [DUMMY_HASH]
        else:
            assert verify_calls[0].startswith("$argon2id$")
            assert verify_calls[0] != DUMMY_HASH
    wrong, unknown = errors
    assert type(wrong) is type(unknown) is InvalidCredentialsError
    assert wrong.code == unknown.code == "invalid-credentials"
    assert str(wrong) == str(unknown) == wrong.detail == unknown.detail
    assert wrong.errors == unknown.errors == []
    assert vars(wrong) == vars(unknown)
    # the audit log knows why; the caller does not
    page = list_audit(db, cli_principal("t"), action="auth.login_failed")
    assert sorted(e.detail["reason"] for e in page.entries) == ["unknown-user", "wrong-password"]
    assert all(e.actor == "anonymous" for e in page.entries)


def test_disabled_account_fails_like_a_wrong_password(
    db: Session, city: CityInfo, budi: int, verify_calls: list[str]
) -> None:
    set_active(db, budi, False)
    with pytest.raises(InvalidCredentialsError) as err:
        login(db, city, "budi", PASSWORD)
    assert str(err.value) == "invalid username or password"
    assert len(verify_calls) == 1


def test_deployment_admin_logs_in_from_any_city(db: Session, city: CityInfo, budi: int) -> None:
    admin_id = create_user(
        db,
        city_id=None,
        username="root",
        display_name="Root",
        password=PASSWORD,
        grants=[Grant("admin")],
    )
    assert login(db, city, "root", PASSWORD).user_id == admin_id
    assert (
        authenticate(db, city_id=None, username="root", password=PASSWORD, ip=None).user_id
        == admin_id
    )
    # a city's user is not found without the city
    with pytest.raises(InvalidCredentialsError):
        authenticate(db, city_id=None, username="budi", password=PASSWORD, ip=None)


def test_sixth_failure_for_an_account_is_throttled(
    db: Session, city: CityInfo, budi: int, verify_calls: list[str]
) -> None:
    for i in range(MAX_FAILURES_PER_ACCOUNT):
        with pytest.raises(InvalidCredentialsError):
            login(db, city, "budi", "salah-sandi-123", ip=f"198.51.100.{i}")  # other addresses
    verify_calls.clear()
    with pytest.raises(LoginThrottledError) as err:
        login(db, city, "budi", PASSWORD, ip="192.0.2.1")  # even the right password
    assert err.value.code == "login-throttled"
    assert 0 < err.value.retry_after_s <= WINDOW_S
    assert verify_calls == []  # throttled before any verification
    # another account is not affected
    create_user(db, city_id=city.id, username="ani", display_name="Ani", password=PASSWORD)
    assert login(db, city, "ani", PASSWORD, ip="192.0.2.1").username == "ani"
    assert list_audit(db, cli_principal("t"), action="auth.login_throttled").total == 1


def test_unknown_names_are_throttled_too(db: Session, city: CityInfo) -> None:
    for _ in range(MAX_FAILURES_PER_ACCOUNT):
        with pytest.raises(InvalidCredentialsError):
            login(db, city, "nobody", "salah-sandi-123", ip=None)
    with pytest.raises(LoginThrottledError):
        login(db, city, "NOBODY", "salah-sandi-123", ip=None)
    keys = db.execute(text("SELECT DISTINCT username_key FROM login_attempt")).scalars().all()
    assert len(keys) == 1
    assert "nobody" not in keys[0]  # typed names are kept only as a hash


def test_sixth_failure_from_one_address_is_throttled_across_accounts(
    db: Session, city: CityInfo, budi: int
) -> None:
    for i in range(5):
        with pytest.raises(InvalidCredentialsError):
            login(db, city, f"user{i}", "salah-sandi-123")
    with pytest.raises(LoginThrottledError) as err:
        login(db, city, "budi", PASSWORD)
    assert err.value.retry_after_s > 0
    assert login(db, city, "budi", PASSWORD, ip="192.0.2.99").user_id == budi  # other address


def test_a_success_resets_the_account_count(db: Session, city: CityInfo, budi: int) -> None:
    for _ in range(MAX_FAILURES_PER_ACCOUNT - 1):
        with pytest.raises(InvalidCredentialsError):
            login(db, city, "budi", "salah-sandi-123", ip=None)
    login(db, city, "budi", PASSWORD, ip=None)
    for _ in range(MAX_FAILURES_PER_ACCOUNT - 1):
        with pytest.raises(InvalidCredentialsError):
            login(db, city, "budi", "salah-sandi-123", ip=None)
    assert login(db, city, "budi", PASSWORD, ip=None).user_id == budi


def test_failures_older_than_the_window_do_not_count(
    db: Session, city: CityInfo, budi: int
) -> None:
    for _ in range(MAX_FAILURES_PER_ACCOUNT):
        with pytest.raises(InvalidCredentialsError):
            login(db, city, "budi", "salah-sandi-123")
    with pytest.raises(LoginThrottledError):
        login(db, city, "budi", PASSWORD)
    db.execute(
        text("UPDATE login_attempt SET at = at - make_interval(secs => :w + 1)"), {"w": WINDOW_S}
    )
    assert login(db, city, "budi", PASSWORD).user_id == budi


def test_junk_address_is_ignored(db: Session, city: CityInfo, budi: int) -> None:
    assert login(db, city, "budi", PASSWORD, ip="testclient").user_id == budi
    assert db.execute(text("SELECT ip FROM login_attempt")).scalar_one() is None


def test_a_rehash_happens_at_login(db: Session, city: CityInfo, budi: int) -> None:
    weak = argon2.PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
    db.execute(text("UPDATE app_user SET password_hash = :h WHERE id = :u"), {"h": weak, "u": budi})
    login(db, city, "budi", PASSWORD)
    stored = db.execute(
        text("SELECT password_hash FROM app_user WHERE id = :u"), {"u": budi}
    ).scalar_one()
    assert stored != weak
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert login(db, city, "budi", PASSWORD).user_id == budi
