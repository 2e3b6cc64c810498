"""The layer registry: one declarative ``LayerDef`` per map layer (source, properties, style)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from geo.accounts import Principal, RowScope
from geo.errors import LayerNotFoundError
from geo.models import PROTECTED_KINDS, REQUEST_TYPES, SCHOOL_LEVELS, SCHOOL_STATUSES
from geo.requests import layer_scope

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


_ADMIN_PROPS = (
    Prop("code", "string", title="Kode wilayah (Kemendagri)"),
    Prop("name", "string", title="Nama"),
)


def _admin(
    level: str, title_id: str, title_en: str, *, style: Style, min_zoom: int, parent: bool
) -> LayerDef:
    props = (
        (*_ADMIN_PROPS, Prop("parent_code", "string", title="Kode induk"))
        if parent
        else (_ADMIN_PROPS)
    )
    return LayerDef(
        id=level,
        title_id=title_id,
        title_en=title_en,
        description=f"Administrative boundaries: {title_en.lower()}.",
        table="admin_area",
        where=f"t.level = '{level}'",
        geometry_type="MultiPolygon",
        properties=props,
        style=style,
        min_zoom=min_zoom,
        default_limit=200,
        max_limit=2_000,
        tile_feature_cap=2_000,
        tile_order="t.id",
        geojson_column=STORED_GEOJSON,
    )


LAYERS: dict[str, LayerDef] = {
    layer.id: layer
    for layer in (
        _admin(
            "kota",
            "Batas kota",
            "City boundary",
            style=Style("#222222", 3.0),
            min_zoom=0,
            parent=False,
        ),
        _admin(
            "kecamatan",
            "Kecamatan",
            "Districts",
            style=Style("#6a3d9a", 2.0, "#6a3d9a", 0.05),
            min_zoom=8,
            parent=True,
        ),
        _admin(
            "kelurahan",
            "Kelurahan",
            "Urban villages",
            style=Style("#888888", 1.0, "#cccccc", 0.1),
            min_zoom=10,
            parent=True,
        ),
        LayerDef(
            id="roads",
            title_id="Jalan",
            title_en="Roads",
            description="The road network (one row per directed or two-way edge).",
            table="road_edge",
            geometry_type="LineString",
            properties=(
                Prop("name", "string", title="Nama jalan"),
                Prop("road_class", "string", title="Kelas jalan"),
                Prop("oneway", "boolean", title="Satu arah"),
                Prop("length_m", "number", title="Panjang (m)", filterable=False),
            ),
            style=Style("#b0a48a", 1.5),
            min_zoom=10,
            default_limit=500,
            max_limit=10_000,
            tile_feature_cap=8_000,
            tile_order="t.length_m DESC, t.id",
        ),
        LayerDef(
            id="angkot_routes",
            title_id="Trayek angkot",
            title_en="Angkot routes",
            description="Angkot (minibus) routes, one row per direction.",
            table="angkot_route",
            geometry_type="LineString",
            properties=(
                Prop("code", "string", title="Kode trayek"),
                Prop("name", "string", title="Nama trayek"),
                Prop("direction", "integer", title="Arah"),
                Prop("origin", "string", title="Asal"),
                Prop("destination", "string", title="Tujuan"),
                Prop("colour", "string", title="Warna", filterable=False),
                Prop("fare_idr", "integer", title="Tarif (Rp)"),
                Prop("headway_s", "integer", title="Selang waktu (detik)"),
                Prop("active", "boolean", title="Aktif"),
            ),
            style=Style("#1f78b4", 3.0, colour_property="colour"),
            min_zoom=8,
            default_limit=100,
            max_limit=1_000,
            tile_feature_cap=1_000,
            tile_order="t.id",
            geojson_column=STORED_GEOJSON,
        ),
        LayerDef(
            id="schools",
            title_id="Sekolah",
            title_en="Schools",
            description="Schools (Dapodik NPSN) as points.",
            table="school",
            geometry_type="Point",
            properties=(
                Prop("npsn", "string", title="NPSN"),
                Prop("name", "string", title="Nama sekolah"),
                Prop("level", "string", title="Jenjang", enum=SCHOOL_LEVELS),
                Prop("status", "string", title="Status", enum=SCHOOL_STATUSES),
                Prop("address", "string", title="Alamat", filterable=False),
                Prop("kelurahan_code", "string", title="Kode kelurahan"),
            ),
            style=Style("#e31a1c", 1.0, "#fb9a99", 0.9, radius=6.0, icon="school"),
            min_zoom=8,
            default_limit=500,
            max_limit=10_000,
            tile_feature_cap=4_000,
            tile_order="t.id DESC",
            aggregate_below_zoom=12,
        ),
        LayerDef(
            id="parcels",
            title_id="Persil perizinan",
            title_en="Permit parcels",
            description="Land parcels with a permit (perizinan).",
            table="permit_parcel",
            geometry_type="MultiPolygon",
            properties=(
                Prop("code", "string", title="Nomor izin"),
                Prop("name", "string", title="Nama"),
                Prop("permit_type", "string", title="Jenis izin"),
                Prop("status", "string", title="Status"),
                Prop("issued_on", "datetime", title="Tanggal terbit", filterable=False),
            ),
            temporal="issued_on",
            style=Style("#33a02c", 1.0, "#b2df8a", 0.4),
            min_zoom=12,
            default_limit=200,
            max_limit=5_000,
            tile_feature_cap=4_000,
            tile_order="t.id DESC",
            geojson_column=STORED_GEOJSON,
        ),
        LayerDef(
            id="requests",
            title_id="Pengajuan layanan",
            title_en="Service requests",
            description="Service requests as points (areas by a point on them); staff only,"
            " limited to the OPD and kecamatan of the reader.",
            table="service_request",
            geometry_type="Point",
            properties=(
                Prop("code", "string", title="Kode lacak"),
                Prop("type", "string", title="Jenis layanan", enum=REQUEST_TYPES),
                Prop("status", "string", title="Status"),
                Prop("kelurahan_code", "string", title="Kode kelurahan"),
                Prop("kecamatan_code", "string", title="Kode kecamatan"),
                Prop("opd_code", "string", title="OPD"),
                Prop("title", "string", title="Judul", filterable=False),
                Prop("created_at", "datetime", title="Diajukan", filterable=False),
                Prop("status_changed_at", "datetime", title="Status berubah", filterable=False),
                Prop("demo", "boolean", title="Data contoh"),
            ),
            temporal="created_at",
            style=Style("#ff7f00", 1.0, "#fdbf6f", 0.9, radius=5.0),
            min_zoom=8,
            default_limit=500,
            max_limit=5_000,
            audience="restricted",
            # the staff API's rule (requests.read, geo.requests.visibility): routed OPD, the
            # types an OPD takes steps of, Dishub's types, city-wide roles
            row_scope=RowScopeRule("requests.read", type_column="type", scope_of=layer_scope),
            tile_feature_cap=4_000,
            tile_order="t.id DESC",
            aggregate_below_zoom=12,
            # the point, or a point on the area (a stored generated column, migration 0009)
            geom_column="geom_point",
        ),
        LayerDef(
            id="requests_public",
            title_id="Jumlah pengajuan per kelurahan",
            title_en="Requests per kelurahan",
            description="Counts of service requests per kelurahan, by type and status"
            " ('*' = all); counts under 5 are shown as '< 5'. No points, no personal data.",
            table="request_public_count",
            geometry_type="MultiPolygon",
            properties=(
                Prop("kelurahan_code", "string", title="Kode kelurahan"),
                Prop("kelurahan_name", "string", title="Kelurahan"),
                Prop("kecamatan_code", "string", title="Kode kecamatan"),
                Prop(
                    "type", "string", title="Jenis layanan", enum=(ALL, *REQUEST_TYPES), default=ALL
                ),
                Prop("status", "string", title="Status", default=ALL),
                Prop(
                    "count",
                    "integer",
                    column="n_shown",
                    title="Jumlah (kosong bila < 5)",
                    filterable=False,
                ),
                Prop("count_label", "string", column="n_label", title="Jumlah", filterable=False),
            ),
            style=Style("#e6550d", 1.0, "#fdae6b", 0.5),
            min_zoom=8,
            default_limit=200,
            max_limit=2_000,
            tile_feature_cap=2_000,
            tile_order="t.id",
            geojson_column=STORED_GEOJSON,
        ),
        LayerDef(
            id="route_coverage",
            title_id="Cakupan trayek angkot",
            title_en="Angkot route coverage",
            description="Share of each kelurahan within 400 m of an active angkot route,"
            " and the routes serving it (the view route_coverage).",
            table="route_coverage",
            geometry_type="MultiPolygon",
            properties=(
                Prop("code", "string", title="Kode kelurahan"),
                Prop("name", "string", title="Kelurahan"),
                Prop("kecamatan_code", "string", title="Kode kecamatan"),
                Prop("share", "number", title="Bagian terjangkau (0-1)", filterable=False),
                Prop("area_km2", "number", title="Luas (km²)", filterable=False),
                Prop("covered_km2", "number", title="Luas terjangkau (km²)", filterable=False),
                Prop("routes", "string", title="Trayek (kode)", filterable=False),
                Prop("route_count", "integer", title="Jumlah trayek"),
            ),
            style=Style("#08519c", 1.0, "#3182bd", 0.5),
            min_zoom=8,
            default_limit=200,
            max_limit=2_000,
            tile_feature_cap=2_000,
            tile_order="t.id",
            geojson_column=STORED_GEOJSON,
        ),
        LayerDef(
            id="audit_sites",
            title_id="Lokasi audit",
            title_en="Audit sites",
            description="Sites of OPD-funded activities the inspectorate audits (areas by a point"
            " on them), coloured by the worst severity of their open findings; inspectorate only.",
            table="audit_site_layer",
            geometry_type="Point",
            properties=(
                Prop("opd_code", "string", title="OPD"),
                Prop("activity", "string", title="Kegiatan", filterable=False),
                Prop("fiscal_year", "integer", title="Tahun anggaran"),
                Prop("budget_idr", "integer", title="Pagu (Rp)", filterable=False),
                Prop("progress_pct", "number", title="Progres (%)", filterable=False),
                Prop("kecamatan_code", "string", title="Kode kecamatan"),
                Prop("kelurahan_code", "string", title="Kode kelurahan"),
                Prop("audit_status", "string", title="Status audit"),
                Prop("open_findings", "integer", title="Temuan terbuka"),
                Prop("worst_severity", "string", title="Tingkat temuan terberat"),
                Prop(
                    "potential_loss_idr", "integer", title="Potensi kerugian (Rp)", filterable=False
                ),
                Prop("overdue_findings", "integer", title="Temuan lewat 60 hari"),
                Prop("colour", "string", title="Warna", filterable=False),
                Prop("demo", "boolean", title="Data contoh"),
            ),
            style=Style("#555555", 1.0, "#878787", 0.9, radius=6.0, colour_property="colour"),
            min_zoom=8,
            default_limit=500,
            max_limit=5_000,
            audience="restricted",
            # the inspectorate reads every row of its city; no other role reads this layer
            row_scope=RowScopeRule("audits.read"),
            tile_feature_cap=4_000,
            tile_order="t.id DESC",
        ),
        # permits (#15): the zoning plan, protected land and rivers the pre-check reads
        LayerDef(
            id="zoning",
            title_id="Rencana zonasi (RDTR)",
            title_en="Zoning plan (RDTR)",
            description="Zones of the detailed spatial plan with their building limits"
            " (KDB %, KLB, KDH %).",
            table="zoning_zone",
            geometry_type="MultiPolygon",
            properties=(
                Prop("code", "string", title="Kode zona"),
                Prop("name", "string", title="Zona"),
                Prop("kdb", "number", title="KDB maks. (%)", filterable=False),
                Prop("klb", "number", title="KLB maks.", filterable=False),
                Prop("kdh", "number", title="KDH min. (%)", filterable=False),
            ),
            style=Style("#b15928", 1.0, "#ffff99", 0.25),
            min_zoom=10,
            default_limit=200,
            max_limit=5_000,
            tile_feature_cap=4_000,
            tile_order="t.id",
            geojson_column=STORED_GEOJSON,
        ),
        LayerDef(
            id="protected_areas",
            title_id="Kawasan lindung",
            title_en="Protected areas",
            description="Protected rice fields (sawah), green open space (RTH) and river"
            " setbacks (sempadan sungai).",
            table="protected_area",
            geometry_type="MultiPolygon",
            properties=(
                Prop("kind", "string", title="Jenis", enum=PROTECTED_KINDS),
                Prop("name", "string", title="Nama"),
            ),
            style=Style("#1b7837", 1.5, "#a6dba0", 0.3),
            min_zoom=10,
            default_limit=200,
            max_limit=5_000,
            tile_feature_cap=4_000,
            tile_order="t.id",
            geojson_column=STORED_GEOJSON,
        ),
        LayerDef(
            id="rivers",
            title_id="Sungai",
            title_en="Rivers",
            description="River centre lines with their depth and levee (what the setback"
            " depends on).",
            table="river_line",
            geometry_type="MultiLineString",
            properties=(
                Prop("name", "string", title="Nama"),
                Prop("depth_m", "number", title="Kedalaman (m)", filterable=False),
                Prop("has_levee", "boolean", title="Bertanggul"),
            ),
            style=Style("#2171b5", 2.5),
            min_zoom=8,
            default_limit=200,
            max_limit=2_000,
            tile_feature_cap=2_000,
            tile_order="t.id",
            geojson_column=STORED_GEOJSON,
        ),
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
    return problems
