"""Who reads which layer, and which rows: audiences, row scopes, and the scope's SQL."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any, Literal

from geo.accounts import Principal, RowScope, allowed, authorize, row_scope
from layers.registry import LAYERS, LayerDef

# bound-parameter names of the scope predicate (never clash with filters f0.. or tile values)
OPD_PARAM = "scope_opd"
KECAMATAN_PARAM = "scope_kecamatan"
TYPES_PARAM = "scope_types"
ParamStyle = Literal["psycopg", "sqlalchemy"]


@dataclass(frozen=True)
class LayerAccess:
    """A principal's read of one layer of one city.

    Attributes:
        layer: The layer.
        scope: The rows visible (restricted layers); None for public layers.
    """

    layer: LayerDef
    scope: RowScope | None = None

    @property
    def key(self) -> str:
        """What tells readers' answers apart: ``""`` for public layers, else a digest of the
        scope (``RowScope.key``), for ETags and cache keys."""
        if self.scope is None:
            return ""
        digest = hashlib.sha1(self.scope.key.encode(), usedforsecurity=False).hexdigest()
        return f"s{digest[:12]}"

    def params(self) -> dict[str, Any]:
        """Bound values of ``scope_sql`` (empty for public layers)."""
        return scope_params(self.layer, self.scope)


def check_audience(principal: Principal, layer: LayerDef) -> None:
    """The role check of a layer read, before its city is known.

    Raises:
        AuthenticationRequiredError: A restricted layer and an anonymous caller (401).
        PermissionDeniedError: A restricted layer and none of the caller's roles may read it.
    """
    if layer.row_scope is not None:
        authorize(principal, layer.row_scope.action)


def layer_access(principal: Principal, layer: LayerDef, city_id: int) -> LayerAccess:
    """What ``principal`` may read of ``layer`` in city ``city_id``.

    Args:
        principal: The caller.
        layer: The layer asked for.
        city_id: Its city.

    Returns:
        The access: every row of public layers, the principal's ``RowScope`` of restricted ones.

    Raises:
        AuthenticationRequiredError: A restricted layer and an anonymous caller (401).
        PermissionDeniedError: A restricted layer the caller's roles or city do not allow.
    """
    if layer.row_scope is None:
        return LayerAccess(layer)
    return LayerAccess(layer, _scope_of(principal, layer, city_id))


def _scope_of(principal: Principal, layer: LayerDef, city_id: int) -> RowScope:
    rule = layer.row_scope
    assert rule is not None
    return (rule.scope_of or row_scope)(principal, rule.action, city_id)


def readable_layers(principal: Principal, city_id: int) -> list[LayerAccess]:
    """The layers ``principal`` may read in city ``city_id``, in registry order."""
    out = []
    for layer in LAYERS.values():
        rule = layer.row_scope
        if rule is None:
            out.append(LayerAccess(layer))
        elif allowed(principal, rule.action, city_id=city_id):
            out.append(LayerAccess(layer, _scope_of(principal, layer, city_id)))
    return out


def scope_sql(layer: LayerDef, style: ParamStyle) -> str:
    """The row-scope predicate of ``layer`` on alias ``t`` (``TRUE`` for public layers).

    ``(opd IS NULL OR t.opd_code = ANY(opd) [OR t.type = ANY(types)]) AND (kecamatan IS NULL
    OR t.kecamatan_code = ANY(kecamatan))`` with the values bound (``scope_params``); columns
    come from the layer's ``RowScopeRule`` (constants).

    Args:
        layer: The layer.
        style: ``psycopg`` (``%(name)s``) or ``sqlalchemy`` (``:name``) placeholders.
    """
    rule = layer.row_scope
    if rule is None:
        return "TRUE"

    def bound(name: str) -> str:
        slot = f"%({name})s" if style == "psycopg" else f":{name}"
        return f"CAST({slot} AS text[])"

    opd, kec = bound(OPD_PARAM), bound(KECAMATAN_PARAM)
    by_type = (
        "" if rule.type_column is None else f" OR t.{rule.type_column} = ANY({bound(TYPES_PARAM)})"
    )
    return (
        f"(({opd} IS NULL OR t.{rule.opd_column} = ANY({opd}){by_type})"
        f" AND ({kec} IS NULL OR t.{rule.kecamatan_column} = ANY({kec})))"
    )


def scope_params(layer: LayerDef, scope: RowScope | None) -> dict[str, Any]:
    """Bound values of ``scope_sql``.

    Raises:
        ValueError: A restricted layer without a scope (fail closed: a programming error).
    """
    if layer.row_scope is None:
        return {}
    if scope is None:
        raise ValueError(f"layer '{layer.id}' is restricted: its reads need a row scope")
    values = scope.params()
    params = {OPD_PARAM: values["opd"], KECAMATAN_PARAM: values["kecamatan"]}
    if layer.row_scope.type_column is not None:
        params[TYPES_PARAM] = values["types"]
    return params
