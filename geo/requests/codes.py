"""Public tracking codes of requests: unguessable, easy to read aloud, with a check character."""

from __future__ import annotations

import re
import secrets

# 32 symbols without 0/O and 1/I (read aloud or copied from paper without confusion)
ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
_INDEX = {c: i for i, c in enumerate(ALPHABET)}
RANDOM_CHARS = 15  # 15 x 5 bits = 75 bits of randomness (the requirement is >= 60)
GROUP = 4
_PREFIX_RE = re.compile(r"^[A-Z]{2,4}$")
_CONFUSABLE = str.maketrans({"0": "O", "1": "I", "O": "O", "I": "I"})


def check_char(body: str) -> str:
    """The Luhn mod 32 check character of ``body`` (catches every single-symbol error).

    Args:
        body: Symbols of ``ALPHABET``.
    """
    factor = 2
    total = 0
    for char in reversed(body):
        addend = factor * _INDEX[char]
        factor = 1 if factor == 2 else 2
        total += addend // 32 + addend % 32
    return ALPHABET[(32 - total % 32) % 32]


def new_code(prefix: str) -> str:
    """A fresh tracking code such as ``SBK-7K3M-Q9XP-4HTV-W2RA``.

    Args:
        prefix: 2-4 capital letters naming the service (``SBK`` for e-sabakota).
    """
    if not _PREFIX_RE.match(prefix):
        raise ValueError("a prefix is 2-4 capital letters")
    body = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_CHARS))
    symbols = body + check_char(body)
    groups = [symbols[i : i + GROUP] for i in range(0, len(symbols), GROUP)]
    return "-".join([prefix, *groups])


def normalise_code(raw: str) -> str | None:
    """The canonical form of a code as a person typed it, or None when it cannot be one.

    Case, spaces and dashes do not matter. ``0``/``1`` typed for the letters that look like them
    are refused (they are not in the alphabet), and so is a wrong check character, so a typo never
    reaches another request.
    """
    if len(raw) > 64:
        return None
    compact = re.sub(r"[\s\-]", "", raw.upper())
    match = re.match(r"^([A-Z]{2,4}?)([2-9A-HJ-NP-Z]{16})$", compact)
    if match is None:
        return None
    prefix, symbols = match.groups()
    if check_char(symbols[:-1]) != symbols[-1]:
        return None
    groups = [symbols[i : i + GROUP] for i in range(0, len(symbols), GROUP)]
    return "-".join([prefix, *groups])
