"""Passwords: argon2id hashes, the dummy hash, the policy, generated passwords."""

from __future__ import annotations

import pytest

from geo.accounts import (
    check_policy,
    generate_password,
    hash_password,
    needs_rehash,
    verify_password,
)
from geo.accounts.passwords import DUMMY_HASH, burn_verify
from geo.errors import InvalidInputError, PasswordPolicyError

GOOD = "kuda-lari-pagi-17"


def test_hash_is_argon2id_salted_and_verifies() -> None:
    first, second = hash_password(GOOD), hash_password(GOOD)
    assert first.startswith("$argon2id$")
    assert first != second  # a new salt each time
    assert GOOD not in first
    assert verify_password(first, GOOD)
    assert verify_password(second, GOOD)
    assert not verify_password(first, GOOD.upper())
    assert not needs_rehash(first)


def test_verify_never_raises_on_junk() -> None:
    assert not verify_password("not a hash", GOOD)
    assert not verify_password("", GOOD)
    assert needs_rehash("not a hash")


def test_old_parameters_need_rehash() -> None:
    from argon2 import PasswordHasher

    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(GOOD)
    assert verify_password(weak, GOOD)
    assert needs_rehash(weak)


def test_dummy_hash_costs_what_a_real_one_costs() -> None:
    # same algorithm and parameters as today's hashes, so a check against it takes as long
    assert not needs_rehash(DUMMY_HASH)
    assert DUMMY_HASH.split("$")[:4] == hash_password(GOOD).split("$")[:4]
    for guess in ("", GOOD, "password"):
        assert not verify_password(DUMMY_HASH, guess)
    burn_verify(GOOD)  # returns nothing, raises nothing


@pytest.mark.parametrize(
    ("password", "username"),
    [
        ("short-1", None),
        ("x" * 1025, None),
        ("aaaaabbbbbaaaaa", None),  # two distinct characters
        ("Password123", None),  # common
        ("budiman12", "budi"),  # short anyway
        ("budiman-2024", "budiman"),  # the username does the work
    ],
)
def test_policy_refuses(password: str, username: str | None) -> None:
    with pytest.raises(PasswordPolicyError) as err:
        check_policy(password, username=username)
    assert isinstance(err.value, InvalidInputError)
    assert err.value.code == "weak-password"
    assert err.value.errors[0]["field"] == "password"


def test_policy_accepts() -> None:
    check_policy(GOOD)
    check_policy(GOOD, username="budi")
    check_policy("ak-" + GOOD, username="ak")


def test_generated_passwords_are_readable_random_and_pass() -> None:
    seen = {generate_password() for _ in range(50)}
    assert len(seen) == 50
    for password in seen:
        assert len(password) >= 16
        groups = password.split("-")
        assert len(groups) == 4
        assert all(len(g) == 5 for g in groups)
        assert not set(password) & set("01ilo")  # no look-alikes
        check_policy(password)
