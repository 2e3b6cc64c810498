"""The report's map: a folium map without a tile base map, Leaflet only, labels set as text."""

from __future__ import annotations

import re
from typing import Any

import folium
import orjson
from branca.element import MacroElement
from folium.template import Template
from folium.utilities import JsCode

from geo.analysis import AreaReport, Count

# the folium scripts and styles the report needs: none. Leaflet is inlined by the page (no
# jQuery, Bootstrap or awesome-markers, which folium would load from CDNs)
NO_LINKS: list[tuple[str, str]] = []

# every feature's label becomes its tooltip as text (textContent), never as HTML
TEXT_TOOLTIP = JsCode(
    "function (feature, layer) {"
    " var label = feature.properties && feature.properties.label;"
    " if (!label) { return; }"
    " layer.bindTooltip(function () {"
    "  var box = document.createElement('div'); box.textContent = label; return box;"
    " }, {sticky: true});"
    "}"
)

# choropleth of requests by kelurahan: (lowest count, colour, label); "< 5" is the 1-4 class
CLASSES: list[tuple[int, str, str]] = [
    (0, "#f0f0f0", "0"),
    (1, "#ffffb2", "1–4"),
    (5, "#fecc5c", "5–9"),
    (10, "#fd8d3c", "10–24"),
    (25, "#f03b20", "25–49"),
    (50, "#bd0026", "≥ 50"),
]
BOUNDARY = "#253494"
SCHOOL_NEAR = "#1a9850"  # within 500 m of a route
SCHOOL_FAR = "#d73027"
ROADS = "#8c8c8c"  # the streets, the report's base map
POINT = "#6a3d9a"  # a request (staff reports)
_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")


def colour_of(value: str, fallback: str = "#666666") -> str:
    """``value`` if it is a ``#rrggbb`` colour, else ``fallback`` (nothing else reaches CSS)."""
    return value if _HEX.match(value) else fallback


def class_of(count: Count) -> tuple[int, str, str]:
    """The choropleth class of a (public or exact) count: ``"< 5"`` falls in 1–4."""
    n = 1 if isinstance(count, str) else count
    return [c for c in CLASSES if n >= c[0]][-1]


def _feature(geojson: str, label: str, style: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": orjson.loads(geojson),
        "properties": {"label": label, "style": style},
    }


def _point(lon: float, lat: float, label: str, style: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": {"label": label, "style": style},
    }


def _layer(
    m: folium.Map, name: str, features: list[dict[str, Any]], *, radius: float | None = None
) -> None:
    if not features:
        return
    folium.GeoJson(
        {"type": "FeatureCollection", "features": features},
        name=name,
        on_each_feature=TEXT_TOOLTIP,
        marker=folium.CircleMarker(radius=radius) if radius else None,
    ).add_to(m)


def build_map(report: AreaReport, *, type_labels: dict[str, str], status_label: Any) -> folium.Map:
    """The folium map of ``report``: kelurahan (choropleth of requests), the boundary, routes,
    schools and (staff) request points, fitted to the area; no tile layer."""
    area = report.area
    m = folium.Map(
        location=[(area.bbox[1] + area.bbox[3]) / 2, (area.bbox[0] + area.bbox[2]) / 2],
        tiles=None,
        zoom_start=13,
        attribution_control=False,
        zoom_snap=0.25,
    )
    m.default_js = NO_LINKS
    m.default_css = NO_LINKS
    kelurahan = [
        _feature(
            k.geojson,
            f"{k.name} ({k.code}): {k.requests} pengajuan",
            {
                "color": "#737373",
                "weight": 1,
                "fillColor": class_of(k.requests)[1],
                "fillOpacity": 0.75,
            },
        )
        for k in report.kelurahan
    ]
    _layer(m, "Kelurahan", kelurahan)
    fill = class_of(report.requests_total)[1] if area.level == "kelurahan" else "#ffffff"
    boundary = {"color": BOUNDARY, "weight": 3, "fillColor": fill, "fillOpacity": 0.25}
    if report.kelurahan:
        boundary["fillOpacity"] = 0
    _layer(m, "Batas wilayah", [_feature(area.geojson, f"{area.name} ({area.code})", boundary)])
    if report.roads_geojson:  # the streets over the areas' fill, under routes and schools
        road_style = {"color": ROADS, "weight": 1, "opacity": 0.8}
        _layer(m, "Jalan", [_feature(report.roads_geojson, "Jalan", road_style)])
    routes = [
        _feature(
            r.geojson,
            f"Trayek {r.code}: {r.name}",
            {"color": colour_of(r.colour), "weight": 4, "opacity": 0.9},
        )
        for r in report.routes
    ]
    _layer(m, "Trayek angkot", routes)
    schools = [
        _point(
            s.lon,
            s.lat,
            f"{s.name} ({s.level}, {s.status})",
            {
                "color": "#ffffff",
                "weight": 1,
                "fill": True,
                "fillColor": SCHOOL_NEAR
                if s.nearest_route_m is not None and s.nearest_route_m <= 500
                else SCHOOL_FAR,
                "fillOpacity": 1,
            },
        )
        for s in report.schools
    ]
    _layer(m, "Sekolah", schools, radius=5)
    points = [
        _point(
            p.lon,
            p.lat,
            f"{type_labels.get(p.type, p.type)}: {status_label(p.status)}"
            f" ({p.created_at:%d-%m-%Y})",
            {"color": POINT, "weight": 1, "fill": True, "fillColor": POINT, "fillOpacity": 0.6},
        )
        for p in report.request_points
    ]
    _layer(m, "Pengajuan", points, radius=3)
    minx, miny, maxx, maxy = area.bbox
    m.fit_bounds([[miny, minx], [maxy, maxx]], padding=(8, 8))
    MetricScale().add_to(m)
    return m


class MetricScale(MacroElement):
    """A scale bar in metres and kilometres only."""

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "L.control.scale({imperial: false, maxWidth: 160}).addTo({{ this._parent.get_name() }});"
        "{% endmacro %}"
    )

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "MetricScale"
