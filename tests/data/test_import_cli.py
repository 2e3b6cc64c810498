"""``tpo city create/delete`` and ``tpo import ...`` against a database of their own (the CLI
commits), including bad files: exit status 2, a clear message, nothing written (3: no such city)."""

from __future__ import annotations

import json
import os
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text
from typer.testing import CliRunner

from api.cli import app
from data.importers import import_schools
from geo.cities import create_city
from geo.store import migrate
from geo.store.db import drop_database, ensure_database, make_engine, session_scope
from tests.conftest import SHARED_DATA, database_url, shared_file

pytestmark = [pytest.mark.postgis, pytest.mark.shared_data]
ADMIN = SHARED_DATA / "admin-boundaries"
KELURAHAN = ADMIN / "kelurahan.geojson"
SCHOOLS = SHARED_DATA / "schools-kemdikbud" / "schools_kota_tangerang.geojson"
RAW = SHARED_DATA / "schools-kemdikbud" / "kemdikbud_286100_kota_tangerang_raw.json"
FEED = SHARED_DATA / "bogor-angkot-gtfs" / "bogor-gtfs.zip"
Tpo = Callable[..., Any]
CliDb = tuple[str, Engine]
TABLES = ("city", "admin_area", "school", "road_edge", "angkot_route")


@pytest.fixture(scope="module")
def cli_db(pg_server: str) -> Iterator[tuple[str, Engine]]:
    url = database_url(pg_server, f"tpo_import_cli_{os.getpid()}")
    ensure_database(url)
    migrate.upgrade(url)
    engine = make_engine(url, pool_size=1)
    yield url, engine
    engine.dispose()
    drop_database(url)


@pytest.fixture
def tpo(cli_db: CliDb) -> Iterator[Tpo]:
    url, engine = cli_db
    runner = CliRunner()

    def invoke(*args: str, stdin: str | None = None) -> Any:
        env = {"TPO_DATABASE_URL": url, "COLUMNS": "160"}
        result = runner.invoke(app, list(args), env=env, input=stdin)
        result.text = " ".join(result.output.split())  # type: ignore[attr-defined]
        return result

    yield invoke
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM city"))


def counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            t: int(conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()) for t in TABLES
        }


def city_rows(engine: Engine, slug: str) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            table: int(
                conn.execute(
                    text(
                        f"SELECT count(*) FROM {table} t JOIN city c ON c.id = t.city_id"
                        " WHERE c.slug = :slug"
                    ),
                    {"slug": slug},
                ).scalar_one()
            )
            for table in TABLES[1:]
        }


def test_real_city_next_to_a_demo_city(tpo: Tpo, cli_db: CliDb, tmp_path: Path) -> None:
    _, engine = cli_db
    result = tpo(
        "city",
        "create",
        "tangerang-real",
        "--name",
        "Kota Tangerang",
        "--boundary",
        str(shared_file(KELURAHAN)),
        "--level",
        "kelurahan",
    )
    assert result.exit_code == 0, result.output
    assert "Import: boundaries (kelurahan)" in result.output
    assert "City 'tangerang-real' created." in result.output
    result = tpo("import", "schools", "tangerang-real", str(shared_file(SCHOOLS)))
    assert result.exit_code == 0, result.output
    assert "no coordinates" in result.output
    assert "outside the city" in result.output
    again = tpo("import", "schools", "tangerang-real", str(SCHOOLS))
    assert again.exit_code == 0, again.output
    lines = {
        line.strip("│ ").split()[0]: line.split()[-2]
        for line in again.output.splitlines()
        if line.startswith("│") and line.split()[-2].isdigit()
    }
    assert (lines["read"], lines["inserted"], lines["updated"]) == ("884", "0", "0")

    with session_scope(engine) as session:  # a demo-style city with a school of its own
        create_city(
            session, "tangerang", "Kota Tangerang (demo)", (106.55, -6.26, 106.75, -6.09), demo=True
        )
        csv_file = tmp_path / "demo.csv"
        csv_file.write_text("npsn,nama,bentuk,status,lat,lon\n20606985,SD Demo,SD,S,-6.18,106.63\n")
        import_schools(session, "tangerang", csv_file)
    assert city_rows(engine, "tangerang-real") == {
        "admin_area": 104,
        "school": 879,
        "road_edge": 0,
        "angkot_route": 0,
    }

    refused = tpo("city", "delete", "tangerang-real", stdin="n\n")
    assert refused.exit_code == 1
    assert city_rows(engine, "tangerang-real")["school"] == 879
    deleted = tpo("city", "delete", "tangerang-real", "--yes")
    assert deleted.exit_code == 0, deleted.output
    assert city_rows(engine, "tangerang-real") == dict.fromkeys(TABLES[1:], 0)
    assert city_rows(engine, "tangerang")["school"] == 1  # same NPSN, other city: untouched
    listed = tpo("city", "list")
    assert "tangerang" in listed.output
    assert "tangerang-real" not in listed.output


def test_gtfs_and_unknown_city(tpo: Tpo, cli_db: CliDb) -> None:
    _, engine = cli_db
    created = tpo(
        "city", "create", "bogor", "--name", "Kota Bogor", "--bbox", "106.72,-6.67,106.87,-6.52"
    )
    assert created.exit_code == 0, created.output
    result = tpo("import", "gtfs", "bogor", str(shared_file(FEED)))
    assert result.exit_code == 0, result.output
    assert "Import: GTFS routes" in result.output
    assert city_rows(engine, "bogor")["angkot_route"] == 24
    missing = tpo("import", "gtfs", "no-such-city", str(FEED))
    assert missing.exit_code == 3  # not found (api/cli_errors.py)
    assert "error[city-not-found]: no city 'no-such-city'" in missing.text
    assert "Nothing was written." in missing.output


def test_bad_files_exit_2_and_write_nothing(tpo: Tpo, cli_db: CliDb, tmp_path: Path) -> None:
    _, engine = cli_db
    assert (
        tpo(
            "city", "create", "tangerang-real", "--name", "T", "--bbox", "106.5,-6.3,106.8,-6.05"
        ).exit_code
        == 0
    )
    before = counts(engine)
    truncated = tmp_path / "cut.geojson"
    truncated.write_bytes(shared_file(KELURAHAN).read_bytes()[:4000])
    no_coords = tmp_path / "schools.csv"
    no_coords.write_text("npsn,nama,bentuk,status\n1,SD A,SD,N\n")
    no_shapes = tmp_path / "feed.zip"
    with zipfile.ZipFile(no_shapes, "w") as archive:
        archive.writestr("routes.txt", "route_id\nr1\n")
        archive.writestr("trips.txt", "route_id,trip_id\nr1,t1\n")
    not_osm = tmp_path / "city.osm"
    not_osm.write_text("this is not XML")
    points = tmp_path / "routes.geojson"
    points.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"code": "A"},
                        "geometry": {"type": "Point", "coordinates": [106.6, -6.2]},
                    }
                ],
            }
        )
    )
    utm = tmp_path / "utm.geojson"
    utm.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"kode": "1", "nama": "A"},
                        "geometry": {
                            "type": "Polygon",
                            "coordinates": [
                                [
                                    [660000, 9310000],
                                    [661000, 9310000],
                                    [661000, 9311000],
                                    [660000, 9310000],
                                ]
                            ],
                        },
                    }
                ],
            }
        )
    )
    cases = [
        (("boundaries", str(truncated), "--level", "kelurahan"), "not valid JSON"),
        (("boundaries", str(shared_file(RAW)), "--level", "kota"), "JSON but not GeoJSON"),
        (("boundaries", str(utm), "--level", "kota"), "unknown CRS"),
        (
            ("boundaries", str(KELURAHAN), "--level", "kelurahan", "--name-field", "x"),
            "missing field",
        ),
        (("schools", str(no_coords)), "no latitude field"),
        (("gtfs", str(no_shapes)), "missing shapes.txt"),
        (("osm", str(not_osm)), "not valid XML"),
        (("routes", str(points)), "wrong geometry type"),
    ]
    for (command, *rest), message in cases:
        result = tpo("import", command, "tangerang-real", *rest)
        assert result.exit_code == 2, (command, result.output)
        assert "error[invalid-file]" in result.output, (command, result.output)
        assert message in result.text, (command, result.output)
        assert "Nothing was written." in result.output
        assert "Traceback" not in result.output
    assert counts(engine) == before
    # a city whose boundary file is bad is not created either (one transaction)
    result = tpo("city", "create", "broken", "--name", "B", "--boundary", str(truncated))
    assert result.exit_code == 2
    assert counts(engine) == before
