"""The report page: one self-contained HTML file (Leaflet inlined, print CSS, CSP by hashes)."""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

import jinja2
from branca.element import Figure
from markupsafe import Markup
from markupsafe import escape as markupsafe_escape

from geo.analysis import NEAREST_ROUTE_MAX_M, AreaReport
from layers.reports import labels
from layers.reports.assets import LEAFLET_VERSION, leaflet_css, leaflet_js
from layers.reports.mapping import (
    BOUNDARY,
    CLASSES,
    POINT,
    SCHOOL_FAR,
    SCHOOL_NEAR,
    build_map,
    colour_of,
)

MEDIA_TYPE = "text/html; charset=utf-8"
_CSP_PLACEHOLDER = "tpo-report-csp-placeholder"
_INLINE = re.compile(r"<(script|style)>(.*?)</\1>", re.DOTALL)

STYLE = """
:root { --ink: #1b1b1b; --muted: #555; --line: #c8c8c8; }
html, body { width: auto; height: auto; margin: 0; padding: 0; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  color: var(--ink); background: #fff; }
main { max-width: 190mm; margin: 0 auto; padding: 8mm 6mm; }
h1 { font-size: 20px; margin: 0 0 2px; }
h2 { font-size: 15px; margin: 16px 0 6px; border-bottom: 1px solid var(--line); }
.sub { color: var(--muted); margin: 0 0 8px; }
.note { border-left: 4px solid #f0b400; background: #fff8e1; padding: 4px 8px; margin: 6px 0; }
.note.internal { border-color: #c62828; background: #fdecea; }
.peta { height: 115mm; border: 1px solid var(--line); position: relative; }
.peta .leaflet-container { background: #fff; }
.legend { display: flex; flex-wrap: wrap; gap: 4px 14px; margin: 6px 0; font-size: 12px; }
.legend span { display: inline-flex; align-items: center; gap: 4px; }
svg.sw { width: 14px; height: 10px; vertical-align: middle; }
table { border-collapse: collapse; width: 100%; font-size: 12px; margin: 4px 0; }
th, td { border: 1px solid var(--line); padding: 2px 6px; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
td.n, th.n { text-align: right; white-space: nowrap; }
.summary th { width: 45%; }
footer { color: var(--muted); font-size: 11px; margin-top: 12px; }
@page { size: A4 portrait; margin: 12mm; }
@media print {
  main { max-width: none; padding: 0; }
  body { font-size: 11px; }
  .peta { height: 105mm; break-inside: avoid; }
  .leaflet-control-zoom { display: none; }
  .first { break-after: auto; }
  table { page-break-inside: auto; }
  tr, .legend, .summary { break-inside: avoid; }
  h2 { break-after: avoid; }
}
"""


# the page template beside this module (autoescaped: every value from the data is escaped)
_ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).parent),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
)
_PAGE = _ENV.get_template("report.html.j2")


def swatch(colour: str, *, line: bool = False) -> Markup:
    """A small SVG sample of a colour (a ``fill`` attribute: no inline style for the CSP)."""
    fill = colour_of(colour)
    shape = (
        f'<rect x="0" y="3" width="14" height="4" fill="{fill}"/>'
        if line
        else f'<rect x="0.5" y="0.5" width="13" height="9" fill="{fill}" stroke="#777"/>'
    )
    return Markup(f'<svg class="sw" viewBox="0 0 14 10" aria-hidden="true">{shape}</svg>')  # noqa: S704 (a checked #rrggbb only)


_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]")


def report_filename(level: str, code: str) -> str:
    """The default file name of a report: ``laporan-kecamatan-36.71.01.html``."""
    return f"laporan-{_UNSAFE_NAME.sub('_', level)}-{_UNSAFE_NAME.sub('_', code)}.html"


def inline_hashes(html: str) -> tuple[list[str], list[str]]:
    """CSP sources (``'sha256-...'``) of the inline scripts and of the inline styles."""
    scripts: list[str] = []
    styles: list[str] = []
    for match in _INLINE.finditer(html):
        digest = base64.b64encode(hashlib.sha256(match.group(2).encode("utf-8")).digest())
        (scripts if match.group(1) == "script" else styles).append(
            f"'sha256-{digest.decode('ascii')}'"
        )
    return scripts, styles


def content_security_policy(html: str) -> str:
    """The policy of a report: its own inline scripts and styles by hash, data: images, and
    nothing from the network (no fetch, no frames, no forms)."""
    scripts, styles = inline_hashes(html)
    return "; ".join(
        [
            "default-src 'none'",
            "script-src " + " ".join(scripts),
            "style-src " + " ".join(styles),
            "img-src data:",
            "base-uri 'none'",
            "form-action 'none'",
        ]
    )


def _page(report: AreaReport, csp: str) -> str:
    m = build_map(report, type_labels=labels.TYPE_LABELS, status_label=labels.status_label)
    figure = m.get_root()
    assert isinstance(figure, Figure)
    figure.render()  # fills the figure's header, html and script parts
    a = report.area
    level_label = labels.LEVEL_LABELS[a.level]
    return _PAGE.render(
        csp=csp,
        title=labels.title(level_label, a.name),
        r=report,
        a=a,
        level_label=level_label,
        parent_label="Kecamatan" if a.level == "kelurahan" else "",
        generated=labels.when(report.generated_at),
        leaflet_css=Markup(leaflet_css()),  # noqa: S704 (the pinned package's file)
        leaflet_js=Markup(leaflet_js()),  # noqa: S704
        leaflet_version=LEAFLET_VERSION,
        map_head=Markup(figure.header.render()),  # noqa: S704 (folium's output: data as JSON)
        map_body=Markup(figure.html.render()),  # noqa: S704
        map_script=Markup(figure.script.render()),  # noqa: S704
        style=Markup(STYLE),  # noqa: S704
        swatch=swatch,
        boundary=BOUNDARY,
        school_near=SCHOOL_NEAR,
        school_far=SCHOOL_FAR,
        point=POINT,
        classes=CLASSES,
        route_colours=[(t.code, t.colour) for t in report.routes],
        fmt=labels.number,
        pct=labels.percent,
        count=labels.count,
        type_label=lambda t: labels.TYPE_LABELS.get(t, t),
        status_label=labels.status_label,
        school_status=lambda s: labels.SCHOOL_STATUS.get(s, s),
        max_m=NEAREST_ROUTE_MAX_M,
    )


def render_report(report: AreaReport) -> str:
    """The report as one self-contained HTML page (Bahasa Indonesia, printable on A4).

    Leaflet's JS and CSS are inlined from the pinned xstatic-leaflet package; there is no
    tile base map, so the page draws with the network off. Text from the data is escaped
    (table cells by the template, map labels set as text by the tooltip code), and the page
    carries a Content-Security-Policy allowing only its own inline scripts and styles.

    Args:
        report: The facts (``geo.analysis.area_report``).

    Returns:
        The HTML text.
    """
    # the policy hashes the scripts and styles, which the meta tag is not part of
    draft = _page(report, csp=_CSP_PLACEHOLDER)
    policy = str(markupsafe_escape(content_security_policy(draft)))
    return draft.replace(_CSP_PLACEHOLDER, policy, 1)
