"""``tpo import zoning`` and ``tpo import protected`` against a database of their own (the CLI
commits): a city on the real kelurahan boundaries, the real rice-field layer of Kota Tangerang
(123 polygons, 2 of them invalid: repaired and listed), bad files exit 2 and write nothing, and
the pre-check over the imported sawah agrees with shapely/pyproj."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import geopandas as gpd
import pytest
import shapely
from shapely.geometry import box, mapping
from sqlalchemy import Engine, text
from typer.testing import CliRunner

from api.cli import app
from geo.permits import parcel_from_geojson, run_check
from geo.store import migrate
from geo.store.db import drop_database, ensure_database, make_engine, session_scope
from tests.conftest import SHARED_DATA, database_url, shared_file

pytestmark = [pytest.mark.postgis, pytest.mark.shared_data]
KELURAHAN = SHARED_DATA / "admin-boundaries" / "kelurahan.geojson"
SAWAH = SHARED_DATA / "landuse-sawah-big" / "sawah_kota_tangerang.geojson"
SLUG = "tangerang-real"
Tpo = Callable[..., Any]


@pytest.fixture(scope="module")
def cli_db(pg_server: str) -> Iterator[tuple[str, Engine]]:
    """A database of its own (the CLI commits)."""
    url = database_url(pg_server, f"tpo_permits_cli_{os.getpid()}")
    ensure_database(url)
    migrate.upgrade(url)
    eng = make_engine(url, pool_size=1)
    yield url, eng
    eng.dispose()
    drop_database(url)


@pytest.fixture(scope="module")
def engine(cli_db: tuple[str, Engine]) -> Engine:
    return cli_db[1]


@pytest.fixture(scope="module")
def tpo(cli_db: tuple[str, Engine]) -> Tpo:
    """The command line on that database, with the real city (kelurahan boundaries) made."""
    runner = CliRunner()

    def invoke(*args: str) -> Any:
        env = {"TPO_DATABASE_URL": cli_db[0], "COLUMNS": "200"}
        result = runner.invoke(app, list(args), env=env)
        result.text = " ".join(result.output.split())  # type: ignore[attr-defined]
        return result

    made = invoke(
        "city", "create", SLUG, "--name", "Kota Tangerang", "--boundary",
        str(shared_file(KELURAHAN)), "--level", "kelurahan",
    )  # fmt: skip
    assert made.exit_code == 0, made.output
    return invoke


def scalar(engine: Engine, sql: str, **params: Any) -> Any:
    with engine.connect() as conn:
        return conn.execute(text(sql), params).scalar_one()


def counts(engine: Engine) -> tuple[int, ...]:
    tables = ("protected_area", "river_line", "zoning_zone", "zoning_rule")
    rows = [int(scalar(engine, f"SELECT count(*) FROM {t}")) for t in tables]
    return (*rows, int(scalar(engine, "SELECT coalesce(sum(revision), 0) FROM layer_revision")))


def test_the_real_rice_fields(tpo: Tpo, engine: Engine) -> None:
    result = tpo("import", "protected", SLUG, str(shared_file(SAWAH)), "--kind", "sawah")
    assert result.exit_code == 0, result.output
    assert "Import: protected sawah" in result.output
    table = {
        line.strip("│ ").split()[0]: line.split()[-2]
        for line in result.output.splitlines()
        if line.startswith("│") and line.split()[-2].isdigit()
    }
    assert (table["read"], table["inserted"], table["rejected"]) == ("123", "123", "0")
    # the 2 invalid polygons (ring self-intersections) are repaired, and said so
    repaired = [line for line in result.output.splitlines() if "repaired with make_valid" in line]
    assert len(repaired) == 2, result.output
    assert "gid 77" in result.text
    assert "gid 121" in result.text
    assert "Ring Self-intersection" in result.text
    # one field (gid 110) lies wholly outside the kelurahan boundaries: written, and flagged
    assert "outside the city: gid 110" in result.text
    city_id = scalar(engine, "SELECT id FROM city WHERE slug = :s", s=SLUG)
    assert (
        scalar(engine, "SELECT count(*) FROM protected_area WHERE city_id = :c", c=city_id) == 123
    )
    assert scalar(engine, "SELECT bool_and(ST_IsValid(geom)) FROM protected_area") is True
    assert (
        scalar(
            engine,
            "SELECT revision FROM layer_revision WHERE city_id = :c AND layer = 'protected_areas'",
            c=city_id,
        )
        >= 1
    )
    # the total area: as the file's polygons measured by shapely in UTM 48S (within 0.1 %)
    gdf = gpd.read_file(SAWAH).to_crs(32748)
    stored = scalar(
        engine,
        "SELECT sum(ST_Area(ST_Transform(geom, 32748))) FROM protected_area WHERE city_id = :c",
        c=city_id,
    )
    assert stored == pytest.approx(
        float(shapely.area(shapely.make_valid(gdf.geometry.values)).sum()), rel=0.001
    )
    assert stored == pytest.approx(32.6e6, rel=0.02)  # SOURCE.md: about 32.6 km²


def test_the_precheck_over_the_real_rice_fields(tpo: Tpo, engine: Engine) -> None:
    """A parcel half over a real sawah polygon: the pre-check's figure is the intersection
    shapely/pyproj compute from the file itself."""
    if not scalar(engine, "SELECT count(*) FROM protected_area"):
        assert tpo("import", "protected", SLUG, str(SAWAH), "--kind", "sawah").exit_code == 0
    fields = gpd.read_file(SAWAH)
    field = shapely.make_valid(fields.geometry.iloc[0])
    edge = (
        field.exterior.coords[0]
        if field.geom_type == "Polygon"
        else field.geoms[0].exterior.coords[0]
    )
    parcel_geom = box(edge[0] - 0.0004, edge[1] - 0.0004, edge[0] + 0.0004, edge[1] + 0.0004)
    parcel = parcel_from_geojson(mapping(parcel_geom))
    utm = gpd.GeoSeries(
        [parcel.geometry, shapely.union_all(shapely.make_valid(fields.geometry.values))], crs=4326
    ).to_crs(32748)
    expected_m2 = float(utm.iloc[0].intersection(utm.iloc[1]).area)
    assert 0 < expected_m2 < parcel.area_m2
    with session_scope(engine) as session:
        city_id = int(
            session.execute(text("SELECT id FROM city WHERE slug = :s"), {"s": SLUG}).scalar_one()
        )
        result = run_check(session, city_id, parcel, "Rumah tinggal", parcel.area_m2, None)
    sawah = next(c for c in result.checks if c.id == "protected_sawah")
    assert sawah.verdict == "tidak_lolos"
    assert sawah.figures["area_m2"] == pytest.approx(expected_m2, rel=0.005)
    assert sawah.figures["share"] == pytest.approx(expected_m2 / parcel.area_m2, abs=0.005)


def test_bad_files_exit_2_and_write_nothing(tpo: Tpo, engine: Engine, tmp_path: Path) -> None:
    before = counts(engine)
    lines = tmp_path / "garis.geojson"
    lines.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {},
                        "geometry": {
                            "type": "LineString",
                            "coordinates": [[106.6, -6.2], [106.61, -6.2]],
                        },
                    }
                ],
            }
        )
    )
    broken = tmp_path / "rusak.geojson"
    broken.write_text('{"type": "FeatureCollection", "features": [')
    zones = tmp_path / "zona.geojson"
    zones.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"kode": "R-2", "nama": "Perumahan", "kdb": 60},
                        "geometry": mapping(box(106.62, -6.20, 106.63, -6.19)),
                    }
                ],
            }
        )
    )
    bad_itbx = tmp_path / "itbx.csv"
    bad_itbx.write_text("kegiatan,R-2\nRumah tinggal,Boleh\n")
    for args, message in (
        (("protected", SLUG, str(lines), "--kind", "sawah"), "no usable sawah feature"),
        (("protected", SLUG, str(broken), "--kind", "rth"), "invalid-file"),
        (("protected", SLUG, str(lines), "--kind", "hutan"), "hutan"),
        (("zoning", SLUG, str(zones), "--itbx", str(bad_itbx)), "is not one of I, T, B, X"),
        (("zoning", SLUG, str(broken), "--itbx", str(bad_itbx)), "invalid-file"),
    ):
        result = tpo("import", *args)
        assert result.exit_code == 2, (args, result.output)
        assert message in result.text, (args, result.output)
        assert "Traceback" not in result.output
    assert counts(engine) == before
    assert tpo("import", "zoning", "atlantis", str(zones), "--itbx", str(bad_itbx)).exit_code == 3
    good = tmp_path / "itbx-ok.csv"
    good.write_text("zone_code,activity,verdict\nR-2,Rumah tinggal,I\n")
    result = tpo("import", "zoning", SLUG, str(zones), "--itbx", str(good))
    assert result.exit_code == 0, result.output
    assert "long form" in result.text
    assert counts(engine)[2:4] == (before[2] + 1, before[3] + 1)
