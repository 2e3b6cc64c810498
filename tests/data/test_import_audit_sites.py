"""``tpo import audit-sites``: CSV with lat/lon and GeoJSON (points, areas, road lines) into
``audit_site`` through geo.audits, with bad rows rejected and re-runs adding nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from api.cli import app
from data.importers import import_audit_sites
from data.importers.audit_sites import parse_idr
from geo.errors import InvalidFileError
from tests.layers.sample import insert_sample_city

pytestmark = pytest.mark.postgis
SLUG = "audit-import"
CSV = """opd;kegiatan;pagu;tahun_anggaran;penyedia;nilai_kontrak;progres;lat;lon
DPUPR;Peningkatan Jalan Contoh;Rp 2.500.000.000;2026;CV Mulus;2.400.000.000,00;75%;-6.20;106.62
DINDIK;Rehab SDN Contoh 3;800000000;2025;;;100;-6.16;106.68
DPUPR;Di luar kota;1000;2026;;;0;-7.5;110.4
DPUPR;Pagu salah;banyak;2026;;;0;-6.18;106.65
DPUPR;;1000;2026;;;0;-6.18;106.65
"""


def _rows(db: Session, city_id: int) -> list[tuple[str, str, int, int | None, float, str, str]]:
    return [
        tuple(r)
        for r in db.execute(
            text(
                "SELECT opd_code, activity, budget_idr, contract_value_idr, progress_pct,"
                " GeometryType(geom), kecamatan_code FROM audit_site WHERE city_id = :c"
                " ORDER BY activity"
            ),
            {"c": city_id},
        )
    ]


def test_amounts_read_indonesian_style() -> None:
    assert parse_idr("Rp 1.500.000.000") == 1_500_000_000
    assert parse_idr("2.400.000.000,00") == 2_400_000_000
    assert parse_idr(125000.0) == 125000
    assert parse_idr("") is None
    with pytest.raises(ValueError, match="no amount"):
        parse_idr("banyak")


def test_a_csv_with_lat_lon(db: Session, tmp_path: Path) -> None:
    city = insert_sample_city(db, SLUG).city
    path = tmp_path / "lokasi.csv"
    path.write_text(CSV)
    report = import_audit_sites(db, SLUG, path)
    assert (report.read, report.inserted) == (5, 2)
    reasons = dict(report.rejected)
    assert "outside" in reasons["row 3"]
    assert "no amount" in reasons["row 4"]
    assert "activity" in reasons["row 5"]
    assert _rows(db, city.id) == [
        (
            "DPUPR",
            "Peningkatan Jalan Contoh",
            2_500_000_000,
            2_400_000_000,
            75.0,
            "POINT",
            "36.71.01",
        ),
        ("DINDIK", "Rehab SDN Contoh 3", 800_000_000, None, 100.0, "POINT", "36.71.02"),
    ]
    again = import_audit_sites(db, SLUG, path)
    assert (again.inserted, again.unchanged) == (0, 2)


def test_geojson_points_areas_and_road_lines(db: Session, tmp_path: Path) -> None:
    city = insert_sample_city(db, SLUG).city
    common = {"opd": "DPUPR", "pagu": 1_000_000, "tahun": 2026}
    features = [
        {"type": "Point", "coordinates": [106.62, -6.20]},
        {
            "type": "Polygon",
            "coordinates": [[[106.66, -6.17], [106.67, -6.17], [106.67, -6.16], [106.66, -6.17]]],
        },
        {"type": "LineString", "coordinates": [[106.63, -6.19], [106.64, -6.19]]},
    ]
    doc = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "geometry": g, "properties": common | {"kegiatan": f"Paket {i}"}}
            for i, g in enumerate(features)
        ],
    }
    path = tmp_path / "lokasi.geojson"
    path.write_text(json.dumps(doc))
    report = import_audit_sites(db, SLUG, path)
    assert report.inserted == 3, report.rejected
    kinds = [r[5] for r in _rows(db, city.id)]
    assert kinds == ["POINT", "MULTIPOLYGON", "MULTIPOLYGON"]
    width = db.execute(
        text(
            "SELECT ST_Area(geom::geography) / ST_Length(ST_GeomFromText("
            "'LINESTRING(106.63 -6.19, 106.64 -6.19)', 4326)::geography)"
            " FROM audit_site WHERE city_id = :c AND activity = 'Paket 2'"
        ),
        {"c": city.id},
    ).scalar_one()
    assert width == pytest.approx(10.0, rel=0.05)


def test_a_file_without_the_fields_is_refused(db: Session, tmp_path: Path) -> None:
    insert_sample_city(db, SLUG)
    path = tmp_path / "lain.csv"
    path.write_text("nama;lat;lon\nX;-6.2;106.62\n")
    with pytest.raises(InvalidFileError, match="OPD"):
        import_audit_sites(db, SLUG, path)


def test_the_command_is_registered() -> None:
    result = CliRunner().invoke(app, ["import", "audit-sites", "--help"])
    assert result.exit_code == 0
    assert "audit sites" in result.output
