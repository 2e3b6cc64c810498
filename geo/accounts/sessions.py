"""Server-side login sessions: the cookie holds a random value, the database its SHA-256."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.accounts.identity import Principal
from geo.accounts.principals import build_principal
from geo.accounts.throttle import clean_ip
from geo.errors import AuthenticationRequiredError, InvalidInputError

MAX_TTL_S = 30 * 24 * 3600
# last_seen_at is written at most this often (not on every request)
SEEN_EVERY_S = 60


def credential_hash(value: str) -> str:
    """The SHA-256 (hex) under which a cookie value or an API token is stored."""
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def start_session(
    session: Session,
    principal: Principal,
    *,
    ip: str | None,
    user_agent: str | None,
    ttl_s: int,
) -> tuple[str, str]:
    """Start a session for a logged-in user.

    Args:
        session: The database session.
        principal: The user (from ``authenticate`` or ``principal_for_user``).
        ip: The client's address (kept for the user's session list; junk is dropped).
        user_agent: The client's User-Agent (cut to 300 characters).
        ttl_s: Lifetime in seconds (1 s to 30 days).

    Returns:
        ``(cookie value, csrf token)``: the cookie value is never stored, only its hash.

    Raises:
        AuthenticationRequiredError: ``principal`` is not a user.
        InvalidInputError: ``ttl_s`` out of range.
    """
    if principal.user_id is None:
        raise AuthenticationRequiredError("only a user can have a session")
    if not 1 <= ttl_s <= MAX_TTL_S:
        raise InvalidInputError(f"a session lasts 1 s to {MAX_TTL_S} s")
    cookie = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    # the user's expired sessions go first, so the table keeps only live ones
    session.execute(
        text("DELETE FROM user_session WHERE user_id = :u AND expires_at <= now()"),
        {"u": principal.user_id},
    )
    session.execute(
        text(
            "INSERT INTO user_session (id_hash, user_id, csrf_token, expires_at, ip, user_agent)"
            " VALUES (:h, :u, :csrf, now() + make_interval(secs => :ttl), CAST(:ip AS inet),"
            " :agent)"
        ),
        {
            "h": credential_hash(cookie),
            "u": principal.user_id,
            "csrf": csrf,
            "ttl": ttl_s,
            "ip": clean_ip(ip),
            "agent": user_agent[:300] if user_agent else None,
        },
    )
    return cookie, csrf


_RESOLVE = text(
    "SELECT s.csrf_token, s.last_seen_at < now() - make_interval(secs => :every) AS stale,"
    " u.id, u.username, u.display_name, u.city_id"
    " FROM user_session s JOIN app_user u ON u.id = s.user_id"
    " WHERE s.id_hash = :h AND s.expires_at > now() AND u.active"
)


def resolve_session(session: Session, cookie_value: str) -> tuple[Principal, str] | None:
    """The user and CSRF token of a session cookie.

    Args:
        session: The database session.
        cookie_value: The value of the ``tpo_session`` cookie.

    Returns:
        ``(principal, csrf token)`` with ``via="session"``; None when the session is unknown,
        expired or ended, or its user is disabled.
    """
    if not cookie_value:
        return None
    digest = credential_hash(cookie_value)
    row = session.execute(_RESOLVE, {"h": digest, "every": SEEN_EVERY_S}).one_or_none()
    if row is None:
        return None
    if row.stale:
        session.execute(
            text("UPDATE user_session SET last_seen_at = now() WHERE id_hash = :h"), {"h": digest}
        )
    principal = build_principal(
        session,
        user_id=row.id,
        username=row.username,
        display_name=row.display_name,
        city_id=row.city_id,
        via="session",
    )
    return principal, row.csrf_token


def end_session(session: Session, cookie_value: str) -> None:
    """End the session of a cookie (nothing happens when it is unknown)."""
    session.execute(
        text("DELETE FROM user_session WHERE id_hash = :h"), {"h": credential_hash(cookie_value)}
    )


def end_user_sessions(session: Session, user_id: int) -> int:
    """End every session of user ``user_id``; returns how many there were."""
    result = session.execute(text("DELETE FROM user_session WHERE user_id = :u"), {"u": user_id})
    return int(getattr(result, "rowcount", 0) or 0)
