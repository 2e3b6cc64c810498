"""The shape of a permission rule (roles × scope) and the check of a whole matrix.

The matrix itself is ``geo.accounts.permissions``; ``geo.accounts.access`` applies it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from geo.models import ROLES

SCOPES = ("none", "city", "opd", "kecamatan")


@dataclass(frozen=True)
class Rule:
    """Who may perform one action.

    Attributes:
        roles: The roles allowed; None: anyone, anonymous included.
        scope: ``none``; ``city`` (the user's city must be the object's city; deployment
            administrators pass); ``opd`` (as city, and a grant limited to an OPD must name the
            object's OPD, a grant limited to a kecamatan the object's kecamatan); ``kecamatan``
            (as city, and a grant limited to a kecamatan must name the object's kecamatan).
    """

    roles: frozenset[str] | None
    scope: str = "none"


def matrix_problems(rules: Mapping[str, Rule]) -> list[str]:
    """Check a permission matrix: dotted action names, known roles and scopes.

    Args:
        rules: Action -> rule.

    Returns:
        One sentence per problem; empty when the matrix is sound.
    """
    problems = []
    for action, rule in rules.items():
        head, dot, tail = action.partition(".")
        if not (head and dot and tail):
            problems.append(f"action {action!r} is not dotted (area.verb)")
        if rule.scope not in SCOPES:
            problems.append(f"{action}: unknown scope {rule.scope!r}")
        if rule.roles is not None:
            if not rule.roles:
                problems.append(f"{action}: an empty role set allows nobody")
            unknown = sorted(rule.roles - set(ROLES))
            if unknown:
                problems.append(f"{action}: unknown roles {unknown}")
        if rule.roles is None and rule.scope != "none":
            problems.append(f"{action}: a rule open to anyone has no scope")
    return problems


def checked_matrix(rules: dict[str, Rule]) -> Mapping[str, Rule]:
    """``rules`` as a read-only mapping, once :func:`matrix_problems` finds nothing.

    Raises:
        ValueError: The matrix has problems (all of them, in one message).
    """
    problems = matrix_problems(rules)
    if problems:
        raise ValueError("; ".join(problems))
    return MappingProxyType(rules)
