"""Passwords: argon2id hashes, the password policy, generated passwords."""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from geo.errors import PasswordPolicyError

MIN_LENGTH = 10
MAX_LENGTH = 1024
MIN_DISTINCT = 5
# a few passwords people pick first; longer ones fall to the length and variety rules
COMMON = frozenset(
    {
        "password123",
        "password1234",
        "passw0rd123",
        "qwertyuiop",
        "1234567890",
        "0987654321",
        "1q2w3e4r5t",
        "iloveyou123",
        "katasandi123",
        "rahasia123",
        "bismillah123",
        "tangerang123",
        "indonesia123",
        "admin12345",
    }
)

# argon2id with argon2-cffi's defaults (RFC 9106 "low memory": t=3, m=64 MiB, p=4)
_HASHER = PasswordHasher()

# the hash of a random password nobody knows, made with the same parameters: an unknown
# username is checked against it, so it costs the same time as a wrong password
DUMMY_HASH = (
    "$argon2id$v=19$m=65536,t=3,p=4$"
    "f5tTMT6G816EICXcTbn8tg$ihDjS9nuHGqIzHZf3jUx7nLhlor04AAzTg9hnba5DS8"
)

# generated passwords: 4 groups of 5 from 31 unambiguous characters (~99 bits)
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def hash_password(password: str) -> str:
    """The argon2id hash of ``password`` (salted; a new salt each call)."""
    return _HASHER.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Whether ``password`` matches ``password_hash``; False for a malformed hash, never raises."""
    try:
        return _HASHER.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def burn_verify(password: str) -> None:
    """Spend the time of one verification on a hash that matches nothing (unknown users)."""
    verify_password(DUMMY_HASH, password)


def needs_rehash(password_hash: str) -> bool:
    """Whether ``password_hash`` was made with other parameters than today's (rehash at login)."""
    try:
        return _HASHER.check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


def check_policy(password: str, *, username: str | None = None) -> None:
    """Refuse a password that is too short, too long, too plain or too common.

    Args:
        password: The new password.
        username: The account's username; the password without it must still be long enough.

    Raises:
        PasswordPolicyError: With a field error for ``password``.
    """
    problem = None
    if len(password) < MIN_LENGTH:
        problem = f"a password needs at least {MIN_LENGTH} characters"
    elif len(password) > MAX_LENGTH:
        problem = f"a password has at most {MAX_LENGTH} characters"
    elif len(set(password)) < MIN_DISTINCT:
        problem = f"a password needs at least {MIN_DISTINCT} different characters"
    elif password.strip().lower() in COMMON:
        problem = "this password is too common"
    elif username and len(password.lower().replace(username.lower(), "")) < MIN_LENGTH:
        problem = "a password must be more than the username"
    if problem:
        raise PasswordPolicyError(problem, [{"field": "password", "message": problem}])


def generate_password() -> str:
    """A random, readable password: four groups of five, e.g. ``k7mqp-x3hrt-9wbnc-f2dze``."""
    groups = ("".join(secrets.choice(_ALPHABET) for _ in range(5)) for _ in range(4))
    return "-".join(groups)
