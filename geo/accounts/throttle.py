"""Login throttling: at most 5 failures per account and per address within 15 minutes."""

from __future__ import annotations

import hashlib
import ipaddress
import math

from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.errors import LoginThrottledError

WINDOW_S = 15 * 60
MAX_FAILURES_PER_ACCOUNT = 5
MAX_FAILURES_PER_IP = 5

# seconds until the failure that makes the count reach the limit leaves the window; an
# account's count starts after its last successful login
_ACCOUNT_RETRY = text(
    "SELECT extract(epoch FROM f.at + make_interval(secs => :window) - clock_timestamp())"
    " FROM login_attempt f"
    " WHERE f.username_key = :key AND NOT f.ok"
    "   AND f.at > clock_timestamp() - make_interval(secs => :window)"
    "   AND f.at > coalesce((SELECT max(s.at) FROM login_attempt s"
    "                        WHERE s.username_key = :key AND s.ok"
    "                          AND s.at > clock_timestamp() - make_interval(secs => :window)),"
    "                       '-infinity')"
    " ORDER BY f.at DESC OFFSET :skip LIMIT 1"
)
_IP_RETRY = text(
    "SELECT extract(epoch FROM f.at + make_interval(secs => :window) - clock_timestamp())"
    " FROM login_attempt f"
    " WHERE f.ip = CAST(:ip AS inet) AND NOT f.ok"
    "   AND f.at > clock_timestamp() - make_interval(secs => :window)"
    " ORDER BY f.at DESC OFFSET :skip LIMIT 1"
)


def clean_ip(ip: str | None) -> str | None:
    """``ip`` when it is an IPv4 or IPv6 address, else None (so junk never reaches SQL)."""
    if not ip:
        return None
    try:
        return str(ipaddress.ip_address(ip.strip()))
    except ValueError:
        return None


def username_key(*, user_id: int | None, city_id: int | None, username: str) -> str:
    """The throttle key of a login: the account when it exists, else the name typed.

    A known account has one key whichever city the login named (a deployment administrator
    is found from any city); an unknown name is kept only as a hash, never as typed.
    """
    if user_id is not None:
        return f"user:{user_id}"
    typed = f"{city_id or 0}:{username.strip().lower()}"
    return "name:" + hashlib.sha256(typed.encode()).hexdigest()[:59]


def lock(session: Session, key: str) -> None:
    """Serialise logins of one account until the end of the transaction (exact counting)."""
    session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 7))"), {"key": key})


def retry_after_s(session: Session, *, key: str, ip: str | None) -> int:
    """Seconds until a login for ``key`` from ``ip`` may be tried again; 0 when it may now."""
    waits = [
        session.execute(
            _ACCOUNT_RETRY,
            {"key": key, "window": WINDOW_S, "skip": MAX_FAILURES_PER_ACCOUNT - 1},
        ).scalar()
    ]
    address = clean_ip(ip)
    if address is not None:
        waits.append(
            session.execute(
                _IP_RETRY, {"ip": address, "window": WINDOW_S, "skip": MAX_FAILURES_PER_IP - 1}
            ).scalar()
        )
    seconds = max((float(w) for w in waits if w is not None), default=0.0)
    return max(1, math.ceil(seconds)) if seconds > 0 else 0


def check(session: Session, *, key: str, ip: str | None) -> None:
    """Refuse a login when the account or the address had too many recent failures.

    Args:
        session: The database session.
        key: The throttle key (:func:`username_key`).
        ip: The client's address, if known.

    Raises:
        LoginThrottledError: With ``retry_after_s``, the seconds until a try may succeed.
    """
    wait_s = retry_after_s(session, key=key, ip=ip)
    if wait_s > 0:
        raise LoginThrottledError(
            f"too many failed logins; try again in {wait_s} seconds", retry_after_s=wait_s
        )


def record_attempt(session: Session, *, key: str, ip: str | None, ok: bool) -> None:
    """Write one login attempt (its time is the wall clock, not the transaction's start)."""
    session.execute(
        text(
            "INSERT INTO login_attempt (username_key, ip, at, ok)"
            " VALUES (:key, CAST(:ip AS inet), clock_timestamp(), :ok)"
        ),
        {"key": key, "ip": clean_ip(ip), "ok": ok},
    )
