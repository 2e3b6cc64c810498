"""The layer registry matches the schema, and its limits suit the clients (GDAL, the map)."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from geo.errors import NotFoundError
from geo.models import ADMIN_LEVELS, REVISIONED_TABLES, Base
from geo.requests import layer_scope
from layers.layerdef import POINT_TYPES, Display
from layers.registry import (
    LAYERS,
    MAX_TILE_ZOOM,
    RowScopeRule,
    get_layer,
    public_layers,
    registry_problems,
)

EXPECTED = ["kota", "kecamatan", "kelurahan", "roads", "angkot_routes", "schools", "parcels"]
REQUEST_LAYERS = ["requests", "requests_public"]
VIEW_LAYERS = ["route_coverage"]  # a view of migration 0013 (tests/geo/test_coverage.py)
AUDIT_LAYERS = ["audit_sites"]
PERMIT_LAYERS = ["zoning", "protected_areas", "rivers"]  # public (#15)
GDAL_DEFAULT_PAGE_SIZE = 1000  # GDAL's OAPIF driver asks for limit=1000 pages


def test_the_layers_in_map_order_and_their_audiences() -> None:
    assert list(LAYERS) == [
        *EXPECTED,
        *REQUEST_LAYERS,
        *VIEW_LAYERS,
        *AUDIT_LAYERS,
        *PERMIT_LAYERS,
    ]
    assert [layer.id for layer in public_layers()] == [
        *EXPECTED,
        "requests_public",
        *VIEW_LAYERS,
        *PERMIT_LAYERS,
    ]
    restricted = [lyr.id for lyr in LAYERS.values() if lyr.audience == "restricted"]
    assert restricted == ["requests", "audit_sites"]
    assert registry_problems(LAYERS) == []


# the tables of the models (requests_public reads a view: tests/layers/test_request_layers.py)
@pytest.mark.parametrize("layer_id", [*EXPECTED, "requests", *PERMIT_LAYERS])
def test_layer_matches_its_table(layer_id: str) -> None:
    layer = LAYERS[layer_id]
    table = Base.metadata.tables[layer.table]
    assert layer.id_column in table.c
    assert table.c[layer.id_column].primary_key
    geom_type = table.c[layer.geom_column].type
    assert geom_type.srid == 4326  # type: ignore[attr-defined]
    assert geom_type.geometry_type == layer.geometry_type.upper()  # type: ignore[attr-defined]
    assert "city_id" in table.c
    for prop in layer.properties:
        assert (prop.column or prop.name) in table.c, prop
    names = [p.name for p in layer.properties]
    assert len(names) == len(set(names))
    assert all(re.fullmatch(r"[a-z_][a-z0-9_]*", n) for n in names)


@pytest.mark.parametrize("layer_id", [*EXPECTED, *PERMIT_LAYERS])
def test_layer_id_is_its_revision_key(layer_id: str) -> None:
    """The triggers bump layer_revision under the layer id, so ETags follow writes."""
    layer = LAYERS[layer_id]
    key = REVISIONED_TABLES[layer.table]
    if key == "{level}":
        assert layer.id in ADMIN_LEVELS
        assert layer.where == f"t.level = '{layer.id}'"
    else:
        assert key == layer.id


@pytest.mark.parametrize("layer_id", [*EXPECTED, *REQUEST_LAYERS, *VIEW_LAYERS, *PERMIT_LAYERS])
def test_limits_zooms_and_style(layer_id: str) -> None:
    layer = LAYERS[layer_id]
    assert 1 <= layer.default_limit <= layer.max_limit
    assert layer.max_limit >= GDAL_DEFAULT_PAGE_SIZE
    assert 0 <= layer.min_zoom <= layer.max_zoom <= MAX_TILE_ZOOM
    assert layer.tile_feature_cap > 0
    assert re.fullmatch(r"#[0-9a-f]{6}", layer.style.colour)
    assert layer.title_id
    assert layer.title_en
    if layer.is_point:
        assert layer.aggregate_below_zoom is not None
        assert layer.tile_order.startswith("t.id DESC")  # newest first, never the oldest


def test_schools_filters_are_typed() -> None:
    schools = LAYERS["schools"]
    level = schools.prop("level")
    assert level is not None
    assert level.enum == ("SD", "SMP", "SMA", "SMK", "SLB")
    assert schools.prop("nope") is None
    assert LAYERS["angkot_routes"].prop("direction").type == "integer"  # type: ignore[union-attr]


def test_unknown_layer_is_not_found() -> None:
    with pytest.raises(NotFoundError, match="no layer 'nope'"):
        get_layer("nope")


def test_restricted_layers_are_found_but_not_public() -> None:
    requests = get_layer("requests")
    assert requests.audience == "restricted"
    assert not requests.public
    assert requests.row_scope == RowScopeRule(
        "requests.read", type_column="type", scope_of=layer_scope
    )  # the staff API's rule
    assert get_layer("requests_public").public


def test_registry_problems_are_named() -> None:
    parcels = LAYERS["parcels"]
    bad = {
        "open": replace(parcels, id="open", row_scope=RowScopeRule("layers.read_restricted")),
        "closed": replace(parcels, id="closed", audience="restricted"),
        "other": parcels,
        "dots": replace(parcels, id="dots", display=Display("points")),
        "far": replace(parcels, id="far", display=Display("tiles", min_zoom=30)),
        "bare": replace(LAYERS["schools"], id="bare", display=Display()),
    }
    problems = registry_problems(bad)
    assert problems == [
        "open: a public layer has no row_scope",
        "closed: a restricted layer needs a row_scope",
        "other: registered under another id than 'parcels'",
        "dots: display mode 'points' for a MultiPolygon layer",
        "far: display min_zoom 30 outside the tile zooms",
        "bare: a point layer is shown as 'points' (tiles counted per cell)",
    ]


def test_map_hints_come_with_the_layers() -> None:
    """#10 §6: the map's modes and zooms are the layers' own (one source of truth)."""
    assert LAYERS["roads"].display == Display("tiles", min_zoom=14)
    assert LAYERS["parcels"].display.tappable
    assert not LAYERS["parcels"].display.on
    shown_as_points = {k for k, v in LAYERS.items() if v.display.mode == "points"}
    assert shown_as_points == {k for k, v in LAYERS.items() if v.geometry_type in POINT_TYPES}
