"""API tokens: ``tpo_`` + prefix + secret, shown once, stored as their SHA-256."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.accounts.identity import Principal
from geo.accounts.permissions import PERMISSIONS
from geo.accounts.principals import build_principal
from geo.accounts.sessions import SEEN_EVERY_S, credential_hash
from geo.errors import InvalidInputError, NotFoundError

TOKEN_PREFIX = "tpo_"  # noqa: S105 (not a secret: how every token starts)
PREFIX_LENGTH = 8  # the visible part after "tpo_" that names a token in lists


@dataclass(frozen=True)
class TokenInfo:
    """An API token as lists show it (never the token itself)."""

    id: int
    user_id: int
    name: str
    prefix: str
    scopes: tuple[str, ...]
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None


def create_token(
    session: Session,
    user_id: int,
    *,
    name: str,
    scopes: Sequence[str] = (),
    expires_at: datetime | None = None,
) -> tuple[int, str]:
    """Create an API token for user ``user_id``.

    Args:
        session: The database session.
        user_id: The owner; the token acts with the owner's roles.
        name: What the token is for (1 to 100 characters).
        scopes: Actions of the permission matrix the token is limited to; empty: no limit.
        expires_at: When it stops working (timezone-aware, in the future); None: never.

    Returns:
        ``(token id, the token)``. The token is returned only here: the database keeps its
        SHA-256 and its first characters.

    Raises:
        NotFoundError: No such user.
        InvalidInputError: Empty or long name, unknown scope, expiry in the past or naive.
    """
    name = name.strip()
    if not 1 <= len(name) <= 100:
        raise InvalidInputError("a token name has 1 to 100 characters")
    unknown = sorted(set(scopes) - set(PERMISSIONS))
    if unknown:
        raise InvalidInputError(f"unknown token scopes: {', '.join(unknown)}")
    if expires_at is not None and (expires_at.tzinfo is None or expires_at <= datetime.now(UTC)):
        raise InvalidInputError("a token's expiry must be a time in the future, with a timezone")
    exists = session.execute(text("SELECT 1 FROM app_user WHERE id = :u"), {"u": user_id}).first()
    if exists is None:
        raise NotFoundError(f"user {user_id} does not exist")
    prefix = secrets.token_hex(PREFIX_LENGTH // 2)
    token = f"{TOKEN_PREFIX}{prefix}{secrets.token_urlsafe(32)}"
    token_id = session.execute(
        text(
            "INSERT INTO api_token (user_id, name, prefix, token_hash, scopes, expires_at)"
            " VALUES (:u, :name, :prefix, :h, CAST(:scopes AS text[]), :expires)"
            " RETURNING id"
        ),
        {
            "u": user_id,
            "name": name,
            "prefix": prefix,
            "h": credential_hash(token),
            "scopes": sorted(set(scopes)),
            "expires": expires_at,
        },
    ).scalar_one()
    return int(token_id), token


def revoke_token(session: Session, token_id: int) -> None:
    """Revoke API token ``token_id`` (revoking it twice keeps the first time).

    Raises:
        NotFoundError: No such token.
    """
    found = session.execute(
        text(
            "UPDATE api_token SET revoked_at = coalesce(revoked_at, now()) WHERE id = :id"
            " RETURNING id"
        ),
        {"id": token_id},
    ).first()
    if found is None:
        raise NotFoundError(f"API token {token_id} does not exist")


_RESOLVE = text(
    "SELECT t.id AS token_id, t.scopes,"
    " t.last_used_at IS NULL OR t.last_used_at < now() - make_interval(secs => :every) AS stale,"
    " u.id, u.username, u.display_name, u.city_id"
    " FROM api_token t JOIN app_user u ON u.id = t.user_id"
    " WHERE t.token_hash = :h AND t.revoked_at IS NULL"
    "   AND (t.expires_at IS NULL OR t.expires_at > now()) AND u.active"
)


def resolve_token(session: Session, token: str) -> Principal | None:
    """The user of an API token, and mark the token used.

    Args:
        session: The database session.
        token: The token as sent (``tpo_...``).

    Returns:
        The owner's Principal with ``via="token"`` (limited to the token's scopes, if any);
        None when the token is unknown, revoked or expired, or its owner is disabled.
    """
    if not token.startswith(TOKEN_PREFIX):
        return None
    row = session.execute(
        _RESOLVE, {"h": credential_hash(token), "every": SEEN_EVERY_S}
    ).one_or_none()
    if row is None:
        return None
    if row.stale:
        session.execute(
            text("UPDATE api_token SET last_used_at = now() WHERE id = :id"), {"id": row.token_id}
        )
    return build_principal(
        session,
        user_id=row.id,
        username=row.username,
        display_name=row.display_name,
        city_id=row.city_id,
        via="token",
        scopes=row.scopes,
    )


def list_tokens(session: Session, user_id: int) -> list[TokenInfo]:
    """The API tokens of user ``user_id`` (revoked ones included), oldest first."""
    rows = session.execute(
        text(
            "SELECT id, user_id, name, prefix, scopes, created_at, expires_at, last_used_at,"
            " revoked_at FROM api_token WHERE user_id = :u ORDER BY id"
        ),
        {"u": user_id},
    ).mappings()
    return [TokenInfo(**{**row, "scopes": tuple(row["scopes"])}) for row in rows]
