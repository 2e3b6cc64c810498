"""What a layer is: ``LayerDef`` with its properties, style, audience and row scope.

The registry of the city's layers (``layers.registry``) is built of these; ``registry_problems``
checks that a set of definitions agrees with itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from geo.accounts import Principal, RowScope

PropType = Literal["string", "integer", "number", "boolean", "datetime"]
GeometryType = Literal["Point", "LineString", "Polygon", "MultiPolygon", "MultiLineString"]
# public: anyone reads it; restricted: only principals allowed the layer's row-scope action,
# and only the rows of their scope (see ``RowScopeRule``)
Audience = Literal["public", "restricted"]
AUDIENCES: tuple[Audience, ...] = ("public", "restricted")
# the value of an aggregate layer's dimension that stands for "every value" (requests_public)
ALL = "*"

# Zoom limits of the WebMercatorQuad tile matrix set.
MAX_TILE_ZOOM = 22
POINT_TYPES = ("Point", "MultiPoint")
# the stored ST_AsGeoJSON(geom, 6) of polygon and line tables (migration 0005)
STORED_GEOJSON = "geom_geojson"


@dataclass(frozen=True)
class Prop:
    """A public property of a layer.

    Attributes:
        name: Name in GeoJSON/MVT and in query filters.
        type: JSON Schema type used to parse filter values and to describe the layer.
        column: Column of the source table (a constant, never from a request).
        title: Human title (Bahasa Indonesia).
        filterable: Whether ``?name=value`` filters the items.
        enum: Allowed values, when the column has a check constraint.
        default: Filter value used when a request names none (and by tiles): aggregate
            layers hold one row per value and one for ``ALL``, so a query without the filter
            still gets one feature per area.
    """

    name: str
    type: PropType
    column: str = ""
    title: str = ""
    filterable: bool = True
    enum: tuple[str, ...] = ()
    default: str | None = None

    @property
    def sql(self) -> str:
        """The column expression on the table alias ``t``."""
        return f"t.{self.column or self.name}"


@dataclass(frozen=True)
class Style:
    """Default map style of a layer (the web map may override it)."""

    colour: str = "#3388ff"
    width: float = 2.0
    fill_colour: str | None = None
    fill_opacity: float = 0.0
    radius: float = 6.0
    icon: str | None = None
    colour_property: str | None = None  # a property holding a per-feature colour


DisplayMode = Literal["features", "tiles", "points"]


@dataclass(frozen=True)
class Display:
    """How the web map shows a layer (``/collections`` hands it on as ``display``, so the map
    holds no zooms or modes of its own).

    Attributes:
        mode: ``features``: the GeoJSON items, loaded whole (small layers: boundaries, routes);
            ``tiles``: vector tiles drawn on canvas (layers that can be large: roads, parcels,
            zoning), never a whole-layer download; ``points``: point tiles, clustered, counts
            per grid cell at low zooms.
        min_zoom: The map draws the layer from this zoom (None: the layer's tile ``min_zoom``);
            roads start at street level, where the mesh means something.
        on: Switched on when the map opens.
        tappable: A tap on a feature opens its popup (the others' taps go to the map).
    """

    mode: DisplayMode = "features"
    min_zoom: int | None = None
    on: bool = True
    tappable: bool = False


@dataclass(frozen=True)
class RowScopeRule:
    """How a restricted layer limits its rows to the caller's scope.

    The rows shown are those of ``scope_of(principal, action, city_id)`` (default
    ``geo.accounts.row_scope``): the bound predicate ``(:opd IS NULL OR opd_column = ANY(:opd)
    [OR type_column = ANY(:types)]) AND (:kecamatan IS NULL OR kecamatan_column =
    ANY(:kecamatan))`` (``layers.access.scope_sql``).

    Attributes:
        action: The permission action (``geo.accounts.PERMISSIONS``) a reader needs.
        opd_column: Column of the table holding the row's OPD code (constant).
        kecamatan_column: Column holding the row's kecamatan code (constant).
        type_column: Column of a row type seen whatever its OPD (``RowScope.types``); None:
            the layer has no such dimension.
        scope_of: Who sees which rows; None: ``geo.accounts.row_scope``. The ``requests``
            layer uses ``geo.requests.layer_scope``, the rule of the staff API.
    """

    action: str
    opd_column: str = "opd_code"
    kecamatan_column: str = "kecamatan_code"
    type_column: str | None = None
    scope_of: Callable[[Principal, str, int], RowScope] | None = None


@dataclass(frozen=True)
class LayerDef:
    """Everything the services need to know about one layer.

    Attributes:
        id: Layer id in URLs, MVT layer name and ``layer_revision.layer``.
        title_id: Title in Bahasa Indonesia (the default language).
        title_en: Title in English.
        description: One sentence about the layer.
        table: Source table (constant).
        where: Fixed SQL condition on alias ``t`` (constant), e.g. ``t.level = 'kota'``.
        geometry_type: GeoJSON geometry type of the ``geom`` column.
        properties: Public properties, in output order.
        style: Default style.
        min_zoom: Lowest zoom with tiles.
        max_zoom: Highest zoom with tiles.
        default_limit: Page size when ``limit`` is absent.
        max_limit: Largest accepted ``limit``.
        audience: ``public`` (anyone) or ``restricted`` (``row_scope`` decides who reads
            which rows; answers are private to the caller, DESIGN §7).
        row_scope: The action and scope columns of a restricted layer.
        tile_feature_cap: Most features in one tile.
        tile_order: SQL ORDER BY (alias ``t``, constant) choosing which features fill the cap.
        aggregate_below_zoom: Point layers: below this zoom tiles hold counts per grid cell.
        id_column: Integer primary key used as feature id.
        geom_column: Geometry column (SRID 4326).
        geojson_column: Text column holding ``ST_AsGeoJSON(geom, 6)``, kept by PostgreSQL
            (a stored generated column): items read it instead of building the text.
        display: How the web map shows it (``Display``).
        temporal: The property the OGC ``datetime`` parameter filters on (and the collection's
            temporal extent comes from); None: the layer has no time and ``datetime`` keeps
            every feature.
    """

    id: str
    title_id: str
    title_en: str
    description: str
    table: str
    geometry_type: GeometryType
    properties: tuple[Prop, ...]
    where: str = "TRUE"
    style: Style = field(default_factory=Style)
    min_zoom: int = 0
    max_zoom: int = 20
    default_limit: int = 100
    max_limit: int = 10_000
    audience: Audience = "public"
    row_scope: RowScopeRule | None = None
    tile_feature_cap: int = 5_000
    tile_order: str = "t.id DESC"
    aggregate_below_zoom: int | None = None
    id_column: str = "id"
    geom_column: str = "geom"
    geojson_column: str | None = None
    temporal: str | None = None
    display: Display = field(default_factory=Display)

    @property
    def public(self) -> bool:
        """Whether anyone may read the layer (its answers may sit in shared caches)."""
        return self.audience == "public"

    @property
    def is_point(self) -> bool:
        """True for point layers (aggregated at low zoom)."""
        return self.geometry_type in POINT_TYPES

    def prop(self, name: str) -> Prop | None:
        """The public property called ``name``, if any."""
        return next((p for p in self.properties if p.name == name), None)


def registry_problems(layers: dict[str, LayerDef]) -> list[str]:
    """Check layer definitions: ids, audiences and row scopes agree.

    Returns:
        One sentence per problem; empty when the registry is sound.
    """
    problems = []
    for key, layer in layers.items():
        if key != layer.id:
            problems.append(f"{key}: registered under another id than {layer.id!r}")
        if layer.audience not in AUDIENCES:
            problems.append(f"{key}: unknown audience {layer.audience!r}")
        if layer.audience == "restricted" and layer.row_scope is None:
            problems.append(f"{key}: a restricted layer needs a row_scope")
        if layer.audience == "public" and layer.row_scope is not None:
            problems.append(f"{key}: a public layer has no row_scope")
        if any(p.name == "id" for p in layer.properties):
            problems.append(f"{key}: 'id' is the feature id, not a property")
        problems.extend(f"{key}: {p}" for p in _display_problems(layer))
    return problems


def _display_problems(layer: LayerDef) -> list[str]:
    """Sentences on a layer's ``display`` that the map could not follow."""
    shown = layer.display
    problems = []
    if shown.mode == "points" and layer.geometry_type not in POINT_TYPES:
        problems.append(f"display mode 'points' for a {layer.geometry_type} layer")
    if shown.mode != "points" and layer.geometry_type in POINT_TYPES:
        problems.append("a point layer is shown as 'points' (tiles counted per cell)")
    if shown.min_zoom is not None and not layer.min_zoom <= shown.min_zoom <= layer.max_zoom:
        problems.append(f"display min_zoom {shown.min_zoom} outside the tile zooms")
    return problems
