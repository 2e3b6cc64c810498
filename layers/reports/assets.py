"""Leaflet's JS and CSS from the pinned xstatic-leaflet package, ready to inline in one file."""

from __future__ import annotations

import base64
import re
from functools import cache
from pathlib import Path

import xstatic.pkg.leaflet as xstatic_leaflet

LEAFLET_VERSION: str = xstatic_leaflet.VERSION
_DATA = Path(xstatic_leaflet.BASE_DIR)
_IMAGE_URL = re.compile(r"url\((images/[a-z0-9-]+\.png)\)")
_SOURCE_MAP = re.compile(r"^//# sourceMappingURL=.*$", re.MULTILINE)


def _data_uri(match: re.Match[str]) -> str:
    png = (_DATA / match.group(1)).read_bytes()
    return "url(data:image/png;base64," + base64.b64encode(png).decode("ascii") + ")"


@cache
def leaflet_js() -> str:
    """Leaflet's minified JS (no source-map comment: nothing to fetch)."""
    return _SOURCE_MAP.sub("", (_DATA / "leaflet.js").read_text(encoding="utf-8"))


@cache
def leaflet_css() -> str:
    """Leaflet's CSS with its images (layer switcher, marker) inlined as data: URIs."""
    return _IMAGE_URL.sub(_data_uri, (_DATA / "leaflet.css").read_text(encoding="utf-8"))
