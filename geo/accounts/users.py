"""Users: accounts of a city (or of the deployment), their roles, and the OPDs of a city."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.accounts import passwords
from geo.accounts.identity import Grant
from geo.accounts.principals import grants_of
from geo.accounts.sessions import end_user_sessions
from geo.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
)
from geo.models import ROLES

USERNAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
OPD_CODE_RE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{0,31}$")
RESERVED_USERNAMES = frozenset({"anonymous", "anonim", "system"})


@dataclass(frozen=True)
class UserInfo:
    """A user account as administrators see it (no password hash)."""

    id: int
    city_id: int | None
    username: str
    display_name: str
    email: str | None
    active: bool
    created_at: datetime
    last_login_at: datetime | None
    grants: tuple[Grant, ...]


@dataclass(frozen=True)
class OpdInfo:
    """An OPD (a city office) of a city."""

    city_id: int
    code: str
    name: str


def _field_error(field: str, message: str) -> InvalidInputError:
    return InvalidInputError(message, [{"field": field, "message": message}])


def _check_city(session: Session, city_id: int | None) -> None:
    if city_id is None:
        return
    if session.execute(text("SELECT 1 FROM city WHERE id = :c"), {"c": city_id}).first() is None:
        raise NotFoundError(f"city {city_id} does not exist")


# -- OPDs -----------------------------------------------------------------------------------
def upsert_opd(session: Session, city_id: int, code: str, name: str) -> OpdInfo:
    """Add an OPD to a city, or rename it.

    Args:
        session: The database session.
        city_id: The city.
        code: Short upper-case code (``DISHUB``, ``KESRA``), 1 to 32 characters.
        name: Its name (``Dinas Perhubungan``).

    Raises:
        NotFoundError: No such city.
        InvalidInputError: A malformed code or an empty name.
    """
    code = code.strip().upper()
    name = name.strip()
    if not OPD_CODE_RE.match(code):
        raise _field_error("code", "an OPD code has 1 to 32 letters, digits, '-' or '_'")
    if not 1 <= len(name) <= 200:
        raise _field_error("name", "an OPD name has 1 to 200 characters")
    _check_city(session, city_id)
    session.execute(
        text(
            "INSERT INTO opd (city_id, code, name) VALUES (:c, :code, :name)"
            " ON CONFLICT (city_id, code) DO UPDATE SET name = excluded.name"
        ),
        {"c": city_id, "code": code, "name": name},
    )
    return OpdInfo(city_id=city_id, code=code, name=name)


def list_opds(session: Session, city_id: int) -> list[OpdInfo]:
    """The OPDs of a city, by code."""
    rows = session.execute(
        text("SELECT city_id, code, name FROM opd WHERE city_id = :c ORDER BY code"),
        {"c": city_id},
    ).mappings()
    return [OpdInfo(**row) for row in rows]


def _check_grant(session: Session, city_id: int | None, g: Grant) -> Grant:
    """Validate a grant for a user of ``city_id``; returns it normalised (OPD upper-case)."""
    if g.role not in ROLES:
        raise _field_error("role", f"unknown role {g.role!r}; roles: {', '.join(ROLES)}")
    if (g.role == "admin") != (city_id is None):
        raise _field_error(
            "role", "role admin is for deployment administrators (no city), and only for them"
        )
    opd = g.opd.strip().upper() if g.opd else None
    if g.role == "opd_staff" and opd is None:
        raise _field_error("opd", "role opd_staff needs the OPD it works for")
    if opd is not None:
        found = session.execute(
            text("SELECT 1 FROM opd WHERE city_id = :c AND code = :code"),
            {"c": city_id, "code": opd},
        ).first()
        if found is None:
            raise _field_error("opd", f"the city has no OPD {opd!r} (add it first)")
    kecamatan = g.kecamatan.strip() if g.kecamatan else None
    if kecamatan is not None:
        found = session.execute(
            text(
                "SELECT 1 FROM admin_area WHERE city_id = :c AND level = 'kecamatan'"
                " AND code = :code"
            ),
            {"c": city_id, "code": kecamatan},
        ).first()
        if found is None:
            raise _field_error("kecamatan", f"the city has no kecamatan {kecamatan!r}")
    npsn = _check_npsn(session, city_id, g)
    return Grant(role=g.role, opd=opd, kecamatan=kecamatan, npsn=npsn)


def _check_npsn(session: Session, city_id: int | None, g: Grant) -> str | None:
    """Role ``sekolah`` names one school of the city by NPSN; no other role names one."""
    npsn = g.npsn.strip() if g.npsn else None
    if (g.role == "sekolah") != (npsn is not None):
        raise _field_error("npsn", "role sekolah needs the NPSN of its school (and only it)")
    if npsn is not None:
        found = session.execute(
            text("SELECT 1 FROM school WHERE city_id = :c AND npsn = :npsn"),
            {"c": city_id, "npsn": npsn},
        ).first()
        if found is None:
            raise _field_error("npsn", f"the city has no school with NPSN {npsn!r}")
    return npsn


# -- users ----------------------------------------------------------------------------------
def create_user(
    session: Session,
    *,
    city_id: int | None,
    username: str,
    display_name: str,
    password: str,
    email: str | None = None,
    grants: Sequence[Grant] = (),
) -> int:
    """Create a user account.

    Args:
        session: The database session.
        city_id: The user's city; None for a deployment administrator.
        username: 1 to 64 letters, digits, ``.``, ``_``, ``-``; unique per city, any case.
        display_name: The name to show (1 to 200 characters).
        password: The password (checked against the policy; only its argon2id hash is kept).
        email: Optional address.
        grants: The user's roles (``admin`` only without a city, others only with one).

    Returns:
        The new user's id.

    Raises:
        InvalidInputError: A bad username, name, email or grant.
        PasswordPolicyError: The password is too weak.
        NotFoundError: No such city.
        ConflictError: The city has a user of that name already.
    """
    username = username.strip()
    display_name = display_name.strip()
    email = email.strip() if email else None
    if not USERNAME_RE.match(username) or username.lower() in RESERVED_USERNAMES:
        raise _field_error(
            "username", "a username has 1 to 64 letters, digits, '.', '_' or '-' (not reserved)"
        )
    if not 1 <= len(display_name) <= 200:
        raise _field_error("display_name", "a display name has 1 to 200 characters")
    if email is not None and (len(email) > 254 or not EMAIL_RE.match(email)):
        raise _field_error("email", "not an email address")
    passwords.check_policy(password, username=username)
    _check_city(session, city_id)
    checked = [_check_grant(session, city_id, g) for g in grants]
    user_id = session.execute(
        text(
            "INSERT INTO app_user (city_id, username, display_name, email, password_hash)"
            " VALUES (:c, :username, :name, :email, :hash)"
            " ON CONFLICT ((coalesce(city_id, 0)), (lower(username::text))) DO NOTHING"
            " RETURNING id"
        ),
        {
            "c": city_id,
            "username": username,
            "name": display_name,
            "email": email,
            "hash": passwords.hash_password(password),
        },
    ).scalar()
    if user_id is None:
        raise ConflictError(f"a user named {username!r} exists already")
    for g in checked:
        _insert_grant(session, int(user_id), g)
    return int(user_id)


_USERS = (
    "SELECT id, city_id, username, display_name, email, active, created_at, last_login_at"
    " FROM app_user"
)


def _info(session: Session, row: object) -> UserInfo:
    fields = dict(row._mapping)  # type: ignore[attr-defined]
    return UserInfo(**fields, grants=grants_of(session, fields["id"]))


def get_user(session: Session, *, city_id: int | None, username: str) -> UserInfo:
    """The user ``username`` (any case) of city ``city_id`` (None: deployment administrators).

    Raises:
        NotFoundError: No such user.
    """
    row = session.execute(
        text(
            _USERS + " WHERE coalesce(city_id, 0) = coalesce(CAST(:c AS integer), 0)"
            " AND lower(username) = lower(:username)"
        ),
        {"c": city_id, "username": username.strip()},
    ).one_or_none()
    if row is None:
        raise NotFoundError(f"user {username!r} does not exist")
    return _info(session, row)


def list_users(session: Session, *, city_id: int | None) -> list[UserInfo]:
    """The users of city ``city_id`` (None: the deployment administrators), by username."""
    rows = session.execute(
        text(
            _USERS + " WHERE coalesce(city_id, 0) = coalesce(CAST(:c AS integer), 0)"
            " ORDER BY lower(username)"
        ),
        {"c": city_id},
    ).all()
    return [_info(session, row) for row in rows]


def _city_of(session: Session, user_id: int) -> int | None:
    row = session.execute(
        text("SELECT city_id FROM app_user WHERE id = :u"), {"u": user_id}
    ).first()
    if row is None:
        raise NotFoundError(f"user {user_id} does not exist")
    city_id: int | None = row.city_id
    return city_id


def set_active(session: Session, user_id: int, active: bool) -> None:
    """Enable or disable a user; disabling ends the user's sessions at once.

    Raises:
        NotFoundError: No such user.
    """
    _city_of(session, user_id)
    session.execute(
        text("UPDATE app_user SET active = :a WHERE id = :u"), {"a": active, "u": user_id}
    )
    if not active:
        end_user_sessions(session, user_id)


def set_password(session: Session, user_id: int, password: str) -> None:
    """Give a user a new password and end the user's sessions.

    Raises:
        NotFoundError: No such user.
        PasswordPolicyError: The password is too weak.
    """
    row = session.execute(
        text("SELECT username FROM app_user WHERE id = :u"), {"u": user_id}
    ).first()
    if row is None:
        raise NotFoundError(f"user {user_id} does not exist")
    passwords.check_policy(password, username=row.username)
    session.execute(
        text("UPDATE app_user SET password_hash = :h WHERE id = :u"),
        {"h": passwords.hash_password(password), "u": user_id},
    )
    end_user_sessions(session, user_id)


def _insert_grant(session: Session, user_id: int, g: Grant) -> None:
    session.execute(
        text(
            "INSERT INTO user_role (user_id, role, opd_code, kecamatan_code, npsn)"
            " VALUES (:u, :role, :opd, :kec, :npsn) ON CONFLICT DO NOTHING"
        ),
        {"u": user_id, "role": g.role, "opd": g.opd, "kec": g.kecamatan, "npsn": g.npsn},
    )


def grant(session: Session, user_id: int, g: Grant) -> None:
    """Give a user a role (granting one the user holds already changes nothing).

    Raises:
        NotFoundError: No such user.
        InvalidInputError: Unknown role, OPD or kecamatan, or ``admin`` for a city's user.
    """
    _insert_grant(session, user_id, _check_grant(session, _city_of(session, user_id), g))


def revoke(session: Session, user_id: int, g: Grant) -> None:
    """Take a role (with exactly this scope) from a user.

    Raises:
        NotFoundError: No such user, or the user does not hold this grant.
    """
    _city_of(session, user_id)
    gone = session.execute(
        text(
            "DELETE FROM user_role WHERE user_id = :u AND role = :role"
            " AND opd_code IS NOT DISTINCT FROM :opd AND kecamatan_code IS NOT DISTINCT FROM :kec"
            " AND npsn IS NOT DISTINCT FROM :npsn RETURNING id"
        ),
        {
            "u": user_id,
            "role": g.role,
            "opd": g.opd.strip().upper() if g.opd else None,
            "kec": g.kecamatan.strip() if g.kecamatan else None,
            "npsn": g.npsn.strip() if g.npsn else None,
        },
    ).first()
    if gone is None:
        raise NotFoundError(f"the user does not hold role {g.role!r} with this scope")
