"""The report page: self-contained (no URL for scripts or styles), escaped, public vs staff."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.accounts import ANONYMOUS, cli_principal
from geo.analysis import area_report
from layers.reports import (
    content_security_policy,
    inline_hashes,
    leaflet_css,
    leaflet_js,
    render_report,
)
from tests.conftest import ARTIFACTS
from tests.geo.analysis_sample import KECAMATAN, KEL_SW, AnalysisCity, analysis_city

pytestmark = pytest.mark.postgis
HOSTILE = "<img src=x onerror=alert(1)>"
HOSTILE_JS = "`${alert(2)}`</script><script>alert(3)</script>"


@pytest.fixture
def sample(db: Session) -> AnalysisCity:
    return analysis_city(db)


def external_urls(html: str) -> list[str]:
    """http(s) URLs that a browser would fetch for scripts, styles, images or fonts."""
    found = re.findall(r"<script[^>]*\ssrc=[\"']?([^\"' >]+)", html, re.IGNORECASE)
    found += re.findall(r"<link[^>]*\shref=[\"']?([^\"' >]+)", html, re.IGNORECASE)
    found += re.findall(r"url\(\s*[\"']?(https?:[^)\"']+)", html, re.IGNORECASE)
    found += re.findall(r"@import\s+[\"']?(https?:[^\"'; ]+)", html, re.IGNORECASE)
    found += re.findall(r"<img[^>]*\ssrc=[\"']?(https?:[^\"' >]+)", html, re.IGNORECASE)
    return found


def test_the_page_is_one_file_with_leaflet_inlined(db: Session, sample: AnalysisCity) -> None:
    html = render_report(area_report(db, ANONYMOUS, sample.city, "kecamatan", KECAMATAN))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "laporan-kecamatan-publik.html").write_text(html, encoding="utf-8")
    assert external_urls(html) == []
    assert "<script src" not in html
    assert "<link" not in html
    # outside Leaflet's own files (naming its site, the SVG namespace, a bug) no URL at all
    own = html.replace(leaflet_js(), "").replace(leaflet_css(), "")
    assert re.findall(r"https?://", own) == []
    assert "jquery" not in html.lower()
    assert leaflet_js()[:2000] in html
    assert "L.geoJson(" in html  # folium drew the layers
    assert "L.tileLayer" not in html  # no base map: the map draws offline
    assert html.startswith("<!DOCTYPE html>")
    assert '<html lang="id">' in html
    assert "@page { size: A4" in html
    # the meta policy allows exactly the page's own inline scripts and styles
    meta = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html)
    assert meta is not None
    policy = meta.group(1).replace("&#39;", "'")
    assert policy == content_security_policy(html)
    scripts, styles = inline_hashes(html)
    assert len(scripts) >= 3
    assert len(styles) >= 2
    assert all(h in policy for h in scripts + styles)
    assert "unsafe-inline" not in policy
    body = html.split("</head>")[1].split("<script>")[0]
    assert " style=" not in body  # no style attributes (the policy would block them)


def test_public_and_staff_pages(db: Session, sample: AnalysisCity) -> None:
    public = render_report(area_report(db, ANONYMOUS, sample.city, "kecamatan", KECAMATAN))
    assert "Laporan Kecamatan Barat" in public
    assert "Laporan publik" in public
    assert "&lt; 5" in public
    assert "Titik pengajuan" not in public
    assert "Kelurahan 1" in public
    assert "Trayek R01" in public
    assert "SBK-TEST" not in public
    staff = render_report(area_report(db, cli_principal("t"), sample.city, "kecamatan", KECAMATAN))
    (ARTIFACTS / "laporan-kecamatan-staf.html").write_text(staff, encoding="utf-8")
    assert "Laporan internal" in staff
    assert "Titik pengajuan" in staff
    assert "&lt; 5" not in staff.split("</head>")[1].split("<script>")[0]
    assert "SBK-TEST" not in staff  # tracking codes stay out of printed reports


def test_text_from_data_is_escaped(db: Session, sample: AnalysisCity) -> None:
    db.execute(
        text("UPDATE school SET name = :n WHERE city_id = :c"),
        {"n": HOSTILE, "c": sample.city.id},
    )
    db.execute(
        text("UPDATE angkot_route SET name = :n, origin = :n WHERE city_id = :c"),
        {"n": HOSTILE_JS, "c": sample.city.id},
    )
    db.execute(
        text("UPDATE admin_area SET name = :n WHERE city_id = :c AND code = :code"),
        {"n": HOSTILE, "c": sample.city.id, "code": KEL_SW},
    )
    html = render_report(area_report(db, ANONYMOUS, sample.city, "kelurahan", KEL_SW))
    (ARTIFACTS / "laporan-xss.html").write_text(html, encoding="utf-8")
    assert HOSTILE not in html
    assert "<img" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html  # shown as text in the tables
    assert "alert(3)</script>" not in html
    assert "<script>alert" not in html
    # in the map's data the text is JSON with <, > escaped, so it cannot end the script
    assert "\\u003cimg src=x onerror=alert(1)\\u003e" in html
