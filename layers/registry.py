"""The layer registry: one declarative ``LayerDef`` per map layer (source, properties, style).

The definitions live by concern (``layers.base_layers``: boundaries, network, schools, parcels,
coverage; ``layers.domain_layers``: requests, audits, permits) and the types in
``layers.layerdef``; this module puts them in map order and is where callers look layers up.
"""

from __future__ import annotations

from geo.errors import LayerNotFoundError
from layers.base_layers import CITY_LAYERS, COVERAGE_LAYERS
from layers.domain_layers import AUDIT_LAYERS, PERMIT_LAYERS, REQUEST_LAYERS
from layers.layerdef import (
    ALL,
    AUDIENCES,
    MAX_TILE_ZOOM,
    POINT_TYPES,
    STORED_GEOJSON,
    Audience,
    GeometryType,
    LayerDef,
    Prop,
    PropType,
    RowScopeRule,
    Style,
    registry_problems,
)

__all__ = [
    "ALL",
    "AUDIENCES",
    "LAYERS",
    "MAX_TILE_ZOOM",
    "POINT_TYPES",
    "STORED_GEOJSON",
    "Audience",
    "GeometryType",
    "LayerDef",
    "Prop",
    "PropType",
    "RowScopeRule",
    "Style",
    "get_layer",
    "public_layers",
    "registry_problems",
]

# the map order: base layers, requests, coverage, audits, permits
LAYERS: dict[str, LayerDef] = {
    layer.id: layer
    for layer in (
        *CITY_LAYERS,
        *REQUEST_LAYERS,
        *COVERAGE_LAYERS,
        *AUDIT_LAYERS,
        *PERMIT_LAYERS,
    )
}


def get_layer(layer_id: str) -> LayerDef:
    """The layer called ``layer_id``, public or restricted (``layers.access`` decides who
    reads a restricted one).

    Args:
        layer_id: Layer id from the URL.

    Returns:
        Its definition.

    Raises:
        LayerNotFoundError: No such layer.
    """
    layer = LAYERS.get(layer_id)
    if layer is None:
        raise LayerNotFoundError(f"no layer '{layer_id[:64]}'")
    return layer


def public_layers() -> list[LayerDef]:
    """Public layers in registry order."""
    return [layer for layer in LAYERS.values() if layer.public]
