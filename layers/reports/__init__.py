"""Offline map reports per kelurahan and kecamatan: one self-contained HTML file (folium)."""

from layers.reports.assets import LEAFLET_VERSION, leaflet_css, leaflet_js
from layers.reports.page import (
    MEDIA_TYPE,
    content_security_policy,
    inline_hashes,
    render_report,
    report_filename,
)

__all__ = [
    "LEAFLET_VERSION",
    "MEDIA_TYPE",
    "content_security_policy",
    "inline_hashes",
    "leaflet_css",
    "leaflet_js",
    "render_report",
    "report_filename",
]
