"""The layers of the city's services: service requests (restricted to staff, and their public
counts per kelurahan), audit sites (the inspectorate's), and the planning layers the permit
pre-check reads (zoning, protected areas, rivers; public).
"""

from __future__ import annotations

from geo.models import PROTECTED_KINDS, REQUEST_TYPES
from geo.requests import layer_scope
from layers.layerdef import ALL, STORED_GEOJSON, Display, LayerDef, Prop, RowScopeRule, Style

# requests (#12): the staff layer of points and the public counts
REQUEST_LAYERS: tuple[LayerDef, ...] = (
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
        display=Display("points", on=False),
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
            Prop("type", "string", title="Jenis layanan", enum=(ALL, *REQUEST_TYPES), default=ALL),
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
        display=Display(on=False),
    ),
)

# audits (#14): the sites the inspectorate audits
AUDIT_LAYERS: tuple[LayerDef, ...] = (
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
            Prop("potential_loss_idr", "integer", title="Potensi kerugian (Rp)", filterable=False),
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
        display=Display("points", on=False),
    ),
)

# permits (#15): the zoning plan, protected land and rivers the pre-check reads
PERMIT_LAYERS: tuple[LayerDef, ...] = (
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
        display=Display("tiles", on=False),
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
        display=Display(on=False),
    ),
    LayerDef(
        id="rivers",
        title_id="Sungai",
        title_en="Rivers",
        description="River centre lines with their depth and levee (what the setback depends on).",
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
        display=Display(on=False),
    ),
)
