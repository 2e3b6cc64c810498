"""The city's base layers: boundaries, roads, angkot routes, schools, permit parcels, and the
route coverage view (issue #1's map and the network the trips use). Public, one ``LayerDef`` each.
"""

from __future__ import annotations

from geo.models import SCHOOL_LEVELS, SCHOOL_STATUSES
from layers.layerdef import STORED_GEOJSON, Display, LayerDef, Prop, Style

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


# kota, kecamatan, kelurahan, then the network and what sits on it, in map order
CITY_LAYERS: tuple[LayerDef, ...] = (
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
        # at the whole-city view road tiles would be most of the first load (some 300 KB
        # compressed) for a grey mesh; the routes and the areas show the city there
        display=Display("tiles", min_zoom=14),
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
        display=Display("points"),
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
        display=Display("tiles", on=False, tappable=True),
    ),
)

# the share of each kelurahan near a route (a view of migration 0013)
COVERAGE_LAYERS: tuple[LayerDef, ...] = (
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
        display=Display(on=False),
    ),
)
