"""Sessions and API tokens: start/resolve/expire/end; tokens shown once, stored hashed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.accounts import (
    Grant,
    create_token,
    create_user,
    end_session,
    list_tokens,
    principal_for_user,
    resolve_session,
    resolve_token,
    revoke_token,
    set_active,
    start_session,
)
from geo.accounts.access import authorize
from geo.accounts.identity import ANONYMOUS
from geo.accounts.sessions import credential_hash
from geo.accounts.tokens import TOKEN_PREFIX
from geo.cities import CityInfo, create_city
from geo.errors import (
    AuthenticationRequiredError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
)

pytestmark = pytest.mark.postgis

BBOX = (106.55, -6.26, 106.75, -6.09)
PASSWORD = "kuda-lari-pagi-17"


@pytest.fixture
def city(db: Session) -> CityInfo:
    return create_city(db, "testkota", "Kota Uji", BBOX)


@pytest.fixture
def budi(db: Session, city: CityInfo) -> int:
    return create_user(
        db,
        city_id=city.id,
        username="budi",
        display_name="Budi",
        password=PASSWORD,
        grants=[Grant("admin_kota")],
    )


def table_text(db: Session, table: str) -> str:
    """Every value of ``table`` as one string."""
    rows = db.execute(text(f"SELECT t::text FROM {table} t")).scalars().all()
    return "\n".join(rows)


# -- sessions --------------------------------------------------------------------------------
def test_session_start_resolve_end(db: Session, city: CityInfo, budi: int) -> None:
    principal = principal_for_user(db, budi, via="session")
    cookie, csrf = start_session(db, principal, ip="192.0.2.5", user_agent="pytest", ttl_s=3600)
    assert len(cookie) >= 40
    assert len(csrf) >= 40
    assert cookie != csrf
    stored = table_text(db, "user_session")
    assert cookie not in stored
    assert credential_hash(cookie) in stored
    found = resolve_session(db, cookie)
    assert found is not None
    who, csrf_again = found
    assert csrf_again == csrf
    assert who.user_id == budi
    assert who.via == "session"
    assert who.grants == (Grant("admin_kota"),)
    expires = db.execute(text("SELECT expires_at - created_at FROM user_session")).scalar_one()
    assert expires == timedelta(hours=1)
    assert resolve_session(db, cookie + "x") is None
    assert resolve_session(db, "") is None
    end_session(db, cookie)
    assert resolve_session(db, cookie) is None
    end_session(db, cookie)  # twice: nothing happens


def test_sessions_expire(db: Session, city: CityInfo, budi: int) -> None:
    principal = principal_for_user(db, budi, via="session")
    cookie, _ = start_session(db, principal, ip=None, user_agent=None, ttl_s=60)
    db.execute(text("UPDATE user_session SET expires_at = now() - interval '1 second'"))
    assert resolve_session(db, cookie) is None
    # an expired session of the user is cleared when the user starts the next one
    start_session(db, principal, ip=None, user_agent=None, ttl_s=60)
    assert db.execute(text("SELECT count(*) FROM user_session")).scalar_one() == 1


def test_inactive_users_session_no_longer_resolves(db: Session, city: CityInfo, budi: int) -> None:
    cookie, _ = start_session(
        db, principal_for_user(db, budi, via="session"), ip=None, user_agent=None, ttl_s=60
    )
    # even if the row stayed (disabling deletes it), a disabled user resolves to nobody
    db.execute(text("UPDATE app_user SET active = false WHERE id = :u"), {"u": budi})
    assert resolve_session(db, cookie) is None
    set_active(db, budi, True)
    assert resolve_session(db, cookie) is not None


def test_session_needs_a_user_and_a_sane_ttl(db: Session, city: CityInfo, budi: int) -> None:
    with pytest.raises(AuthenticationRequiredError):
        start_session(db, ANONYMOUS, ip=None, user_agent=None, ttl_s=60)
    principal = principal_for_user(db, budi, via="session")
    for ttl in (0, 400 * 24 * 3600):
        with pytest.raises(InvalidInputError):
            start_session(db, principal, ip=None, user_agent=None, ttl_s=ttl)


# -- API tokens ------------------------------------------------------------------------------
def test_token_is_shown_once_and_stored_hashed(db: Session, city: CityInfo, budi: int) -> None:
    token_id, token = create_token(db, budi, name="QGIS di kantor")
    assert token.startswith(TOKEN_PREFIX)
    assert len(token) > 40
    stored = table_text(db, "api_token")
    assert token not in stored
    assert token[len(TOKEN_PREFIX) :] not in stored
    assert credential_hash(token) in stored
    (info,) = list_tokens(db, budi)
    assert info.id == token_id
    assert info.name == "QGIS di kantor"
    assert token.startswith(TOKEN_PREFIX + info.prefix)
    assert len(info.prefix) == 8
    assert info.last_used_at is None
    assert not [f for f in vars(info) if "hash" in f or f == "token"]  # lists show neither


def test_token_resolves_and_marks_use(db: Session, city: CityInfo, budi: int) -> None:
    _, token = create_token(db, budi, name="t")
    principal = resolve_token(db, token)
    assert principal is not None
    assert principal.user_id == budi
    assert principal.via == "token"
    assert principal.scopes is None
    assert list_tokens(db, budi)[0].last_used_at is not None
    for junk in ("", "tpo_", token + "x", token[4:], "Bearer " + token):
        assert resolve_token(db, junk) is None


def test_token_revoke(db: Session, city: CityInfo, budi: int) -> None:
    token_id, token = create_token(db, budi, name="t")
    revoke_token(db, token_id)
    assert resolve_token(db, token) is None
    first = list_tokens(db, budi)[0].revoked_at
    assert first is not None
    revoke_token(db, token_id)
    assert list_tokens(db, budi)[0].revoked_at == first
    with pytest.raises(NotFoundError):
        revoke_token(db, 999_999)


def test_token_expires(db: Session, city: CityInfo, budi: int) -> None:
    soon = datetime.now(UTC) + timedelta(days=1)
    token_id, token = create_token(db, budi, name="t", expires_at=soon)
    assert resolve_token(db, token) is not None
    db.execute(
        text("UPDATE api_token SET expires_at = now() - interval '1 second' WHERE id = :i"),
        {"i": token_id},
    )
    assert resolve_token(db, token) is None
    with pytest.raises(InvalidInputError):
        create_token(db, budi, name="t", expires_at=datetime.now(UTC) - timedelta(seconds=1))
    with pytest.raises(InvalidInputError):
        create_token(db, budi, name="t", expires_at=datetime(2099, 1, 1))


def test_token_of_a_disabled_user_does_not_resolve(db: Session, city: CityInfo, budi: int) -> None:
    _, token = create_token(db, budi, name="t")
    set_active(db, budi, False)
    assert resolve_token(db, token) is None


def test_token_scopes_limit_what_it_may_do(db: Session, city: CityInfo, budi: int) -> None:
    _, token = create_token(db, budi, name="read audit", scopes=["audit.read"])
    principal = resolve_token(db, token)
    assert principal is not None
    assert principal.scopes == frozenset({"audit.read"})
    authorize(principal, "audit.read", city_id=city.id)
    with pytest.raises(PermissionDeniedError):
        authorize(principal, "users.manage", city_id=city.id)


def test_bad_token_input(db: Session, city: CityInfo, budi: int) -> None:
    with pytest.raises(InvalidInputError):
        create_token(db, budi, name=" ")
    with pytest.raises(InvalidInputError):
        create_token(db, budi, name="t", scopes=["everything"])
    with pytest.raises(NotFoundError):
        create_token(db, 999_999, name="t")
