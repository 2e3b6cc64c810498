"""Applying the permission matrix: may this principal perform this action on this object
(``authorize``, ``allowed``), and which rows of a restricted layer it sees (``row_scope``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from geo.accounts.identity import Grant, Principal
from geo.accounts.permissions import rule_of
from geo.accounts.rules import Rule
from geo.errors import AuthenticationRequiredError, PermissionDeniedError


def _city_passes(principal: Principal, city_id: int | None) -> bool:
    if city_id is None:
        return True
    if principal.city_id is None:
        return principal.is_deployment_admin
    return principal.city_id == city_id


def _grant_passes(g: Grant, scope: str, opd: str | None, kecamatan: str | None) -> bool:
    if g.npsn is not None and scope in ("opd", "kecamatan") and (opd or kecamatan):
        return False  # a school's staff act for their school, never for an OPD's or area's rows
    if scope == "opd" and g.opd is not None and opd is not None and g.opd != opd:
        return False
    return not (
        scope in ("opd", "kecamatan")
        and g.kecamatan is not None
        and kecamatan is not None
        and g.kecamatan != kecamatan
    )


def _matching_grants(principal: Principal, rule: Rule) -> list[Grant]:
    assert rule.roles is not None
    return [g for g in principal.grants if g.role in rule.roles]


def authorize(
    principal: Principal,
    action: str,
    *,
    city_id: int | None = None,
    opd: str | None = None,
    kecamatan: str | None = None,
) -> None:
    """Check that ``principal`` may perform ``action`` on an object of the given scope.

    Scope values left as None are not checked: a door that does not know the object yet
    calls this once with the role only and again with the object's city (and OPD).

    Args:
        principal: The caller.
        action: A dotted action of ``PERMISSIONS``.
        city_id: The object's city (checked by rules of scope city, opd and kecamatan).
        opd: The object's OPD code (checked by rules of scope opd).
        kecamatan: The object's kecamatan code (checked by rules of scope opd and kecamatan).

    Raises:
        UnknownActionError: ``action`` is not in the matrix (a programming error).
        AuthenticationRequiredError: The rule names roles and the caller is anonymous.
        PermissionDeniedError: Wrong role, another city, another OPD or kecamatan, or an API
            token whose scopes leave the action out.
    """
    rule = rule_of(action)
    if rule.roles is None:
        return
    if principal.is_anonymous:
        raise AuthenticationRequiredError(f"{action} needs a logged-in user")
    grants = _matching_grants(principal, rule)
    if not grants:
        raise PermissionDeniedError(f"none of the user's roles may perform {action}")
    if principal.scopes is not None and action not in principal.scopes:
        raise PermissionDeniedError(f"this API token is not allowed to perform {action}")
    if rule.scope == "none":
        return
    if not _city_passes(principal, city_id):
        raise PermissionDeniedError(f"{action}: the object belongs to another city")
    if rule.scope == "city":
        return
    if not any(_grant_passes(g, rule.scope, opd, kecamatan) for g in grants):
        if rule.scope == "opd" and not any(_grant_passes(g, "opd", opd, None) for g in grants):
            raise PermissionDeniedError(f"{action}: the object belongs to another OPD")
        raise PermissionDeniedError(f"{action}: the object lies in another kecamatan")


def allowed(principal: Principal, action: str, **scope: Any) -> bool:
    """Whether :func:`authorize` would let ``principal`` perform ``action`` (same arguments).

    Raises:
        UnknownActionError: ``action`` is not in the matrix.
    """
    try:
        authorize(principal, action, **scope)
    except (AuthenticationRequiredError, PermissionDeniedError):
        return False
    return True


@dataclass(frozen=True)
class RowScope:
    """Which rows of a restricted layer a principal sees, within one city.

    Attributes:
        opd: The OPD codes whose rows are visible; None: every OPD.
        kecamatan: The kecamatan codes whose rows are visible; None: every kecamatan.
        types: Row types visible whatever their OPD (layers with a type column: the request
            types an OPD takes steps of, or a type-limited role handles); empty: none.

    A layer's predicate is ``(:opd IS NULL OR opd_code = ANY(:opd) [OR type = ANY(:types)])
    AND (:kecamatan IS NULL OR kecamatan_code = ANY(:kecamatan))`` with :meth:`params`. Grants
    limited in both ways are combined per dimension (OPD codes with OPD codes, kecamatan with
    kecamatan).
    """

    opd: tuple[str, ...] | None = None
    kecamatan: tuple[str, ...] | None = None
    types: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        """A stable string for ETags and cache keys, e.g. ``opd=DISHUB;kec=*``."""

        def part(codes: tuple[str, ...] | None) -> str:
            return "*" if codes is None else ",".join(codes)

        key = f"opd={part(self.opd)};kec={part(self.kecamatan)}"
        return key + (f";types={','.join(self.types)}" if self.types else "")

    @property
    def is_all(self) -> bool:
        """Whether every row of the city is visible."""
        return self.opd is None and self.kecamatan is None

    def params(self) -> dict[str, list[str] | None]:
        """Bound-parameter values of the layer predicate (``opd``, ``kecamatan``, ``types``)."""
        return {
            "opd": None if self.opd is None else list(self.opd),
            "kecamatan": None if self.kecamatan is None else list(self.kecamatan),
            "types": list(self.types),
        }


def _codes(values: Iterable[str | None]) -> tuple[str, ...] | None:
    collected = list(values)
    if any(v is None for v in collected):
        return None
    return tuple(sorted({v for v in collected if v is not None}))


def row_scope(principal: Principal, action: str, city_id: int) -> RowScope:
    """The rows of city ``city_id`` that ``principal`` may see under ``action``.

    Args:
        principal: The caller.
        action: A dotted action of ``PERMISSIONS`` (e.g. ``layers.read_restricted``).
        city_id: The city of the layer.

    Returns:
        A :class:`RowScope`; every row when the rule has no OPD or kecamatan scope or a grant
        of the principal is not limited.

    Raises:
        UnknownActionError, AuthenticationRequiredError, PermissionDeniedError: As
            :func:`authorize` for the city.
    """
    authorize(principal, action, city_id=city_id)
    rule = rule_of(action)
    if rule.roles is None or rule.scope in ("none", "city"):
        return RowScope()
    every = _matching_grants(principal, rule)
    # a school's grant sees its transfers through the request core only, no layer rows
    grants = [g for g in every if g.npsn is None]
    if not grants:
        return RowScope(opd=(), kecamatan=())
    opd = _codes(g.opd for g in grants) if rule.scope == "opd" else None
    return RowScope(opd=opd, kecamatan=_codes(g.kecamatan for g in grants))
