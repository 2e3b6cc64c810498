"""Logging in: throttle, one argon2 verification, the attempt and its audit entry."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.accounts import passwords, throttle
from geo.accounts.audit import record
from geo.accounts.identity import ANONYMOUS, Principal
from geo.accounts.principals import build_principal
from geo.errors import InvalidCredentialsError, LoginThrottledError

# one answer for an unknown user, a wrong password and a disabled account
INVALID_CREDENTIALS = "invalid username or password"

_LOGIN_USER = text(
    "SELECT id, city_id, username, display_name, password_hash, active FROM app_user"
    " WHERE lower(username) = lower(:username)"
    "   AND (city_id = CAST(:c AS integer) OR city_id IS NULL)"
    " ORDER BY city_id NULLS LAST LIMIT 1"
)


def authenticate(
    session: Session, *, city_id: int | None, username: str, password: str, ip: str | None
) -> Principal:
    """Check a username and password (the login).

    The user is looked up in city ``city_id``, else among the deployment administrators.
    Throttling comes first (5 failures per account or per address within 15 minutes), then
    one argon2 verification: against the user's hash, or against a dummy hash when there is no
    such user, so both failures cost the same time and give the same error. Every attempt is
    written to ``login_attempt`` and the audit log (``auth.login``, ``auth.login_failed``,
    ``auth.login_throttled``). The caller must commit these rows even when this raises.

    Args:
        session: The database session.
        city_id: The city the login is for (None: deployment administrators only).
        username: As typed (any case).
        password: As typed.
        ip: The client's address (the per-address throttle and the audit log).

    Returns:
        The user's Principal (``via="session"``); ``last_login_at`` is set.

    Raises:
        LoginThrottledError: Too many recent failures (``retry_after_s`` says how long).
        InvalidCredentialsError: Unknown user, wrong password or disabled account.
    """
    username = username.strip()
    row = (
        session.execute(_LOGIN_USER, {"username": username, "c": city_id}).one_or_none()
        if len(username) <= 64
        else None
    )
    user_id = int(row.id) if row is not None else None
    audit_city = row.city_id if row is not None and row.city_id is not None else city_id

    def audit(principal: Principal, action: str, detail: dict[str, object] | None) -> None:
        record(
            session,
            principal,
            action,
            city_id=audit_city,
            object_type="app_user",
            object_id=user_id,
            detail=detail,
            ip=ip,
        )

    key = throttle.username_key(user_id=user_id, city_id=city_id, username=username)
    throttle.lock(session, key)
    try:
        throttle.check(session, key=key, ip=ip)
    except LoginThrottledError as exc:
        audit(
            ANONYMOUS,
            "auth.login_throttled",
            {"username": username[:64], "retry_after_s": exc.retry_after_s},
        )
        raise
    if row is None:
        passwords.burn_verify(password)
        reason = "unknown-user"
    elif not passwords.verify_password(row.password_hash, password):
        reason = "wrong-password"
    elif not row.active:
        reason = "disabled"
    else:
        reason = None
    throttle.record_attempt(session, key=key, ip=ip, ok=reason is None)
    if reason is not None or row is None:
        audit(ANONYMOUS, "auth.login_failed", {"username": username[:64], "reason": reason})
        raise InvalidCredentialsError(INVALID_CREDENTIALS)
    rehashed = (
        passwords.hash_password(password) if passwords.needs_rehash(row.password_hash) else None
    )
    session.execute(
        text(
            "UPDATE app_user SET last_login_at = now(),"
            " password_hash = coalesce(:h, password_hash) WHERE id = :u"
        ),
        {"h": rehashed, "u": row.id},
    )
    principal = build_principal(
        session,
        user_id=row.id,
        username=row.username,
        display_name=row.display_name,
        city_id=row.city_id,
        via="session",
    )
    audit(principal, "auth.login", None)
    return principal
