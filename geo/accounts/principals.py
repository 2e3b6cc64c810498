"""Reading a user's Principal (the user and its grants) from the database."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.accounts.identity import VIAS, Grant, Principal
from geo.errors import InvalidCredentialsError, NotFoundError

_GRANTS = text(
    "SELECT role, opd_code, kecamatan_code, npsn FROM user_role WHERE user_id = :user_id"
    " ORDER BY role, opd_code NULLS FIRST, kecamatan_code NULLS FIRST, npsn NULLS FIRST"
)
_USER = text("SELECT id, username, display_name, city_id, active FROM app_user WHERE id = :id")


def grants_of(session: Session, user_id: int) -> tuple[Grant, ...]:
    """The grants of user ``user_id``, in a stable order."""
    rows = session.execute(_GRANTS, {"user_id": user_id}).all()
    return tuple(
        Grant(role=r.role, opd=r.opd_code, kecamatan=r.kecamatan_code, npsn=r.npsn) for r in rows
    )


def build_principal(
    session: Session,
    *,
    user_id: int,
    username: str,
    display_name: str,
    city_id: int | None,
    via: str,
    scopes: Sequence[str] | None = None,
) -> Principal:
    """The Principal of a user row already read (its grants are read here)."""
    if via not in VIAS or via == "anonymous":
        raise ValueError(f"a user's principal comes via session, token or cli, not {via!r}")
    return Principal(
        user_id=user_id,
        username=username,
        display_name=display_name,
        city_id=city_id,
        grants=grants_of(session, user_id),
        via=via,
        scopes=frozenset(scopes) if scopes else None,
    )


def principal_for_user(session: Session, user_id: int, *, via: str) -> Principal:
    """The Principal of user ``user_id`` with its grants.

    Args:
        session: The database session.
        user_id: The user.
        via: How the user authenticated: ``session``, ``token`` or ``cli``.

    Returns:
        The user's Principal.

    Raises:
        NotFoundError: No such user.
        InvalidCredentialsError: The account is disabled.
    """
    row = session.execute(_USER, {"id": user_id}).one_or_none()
    if row is None:
        raise NotFoundError(f"user {user_id} does not exist")
    if not row.active:
        raise InvalidCredentialsError("this account is disabled")
    return build_principal(
        session,
        user_id=row.id,
        username=row.username,
        display_name=row.display_name,
        city_id=row.city_id,
        via=via,
    )
