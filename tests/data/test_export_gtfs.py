"""GTFS export: gtfs-kit reads and validates the feed, ``tpo import gtfs`` reads it back as the
same routes, the HTTP feed (ETag, 304, 404) and ``tpo export gtfs`` (files, bad paths)."""

from __future__ import annotations

import csv
import io
import itertools
import os
import zipfile
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import gtfs_kit as gk
import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from api.cli import app
from data.exporters import export_gtfs, export_gtfs_file, jakarta_today
from data.importers import import_gtfs
from geo.cities import create_city
from geo.store import migrate
from geo.store.db import drop_database, ensure_database, make_engine, session_scope
from tests.conftest import SHARED_DATA, database_url, shared_file
from tests.geo.synthetic import GridCity, RouteSpec, build_grid_city

pytestmark = [
    pytest.mark.postgis,
    # gtfs-kit 9 (the last with a validator) sorts in place, which pandas 3.1 deprecates
    pytest.mark.filterwarnings("ignore:The inplace keyword:DeprecationWarning"),
]
URL = "https://tpo.example.org/"
TODAY = jakarta_today()  # validated feeds must not have expired
BOGOR_FEED = SHARED_DATA / "bogor-angkot-gtfs" / "bogor-gtfs.zip"
ATTRIBUTES = ("code", "direction", "name", "colour", "fare_idr", "headway_s", "speed_kmh")
# gtfs-kit's validator predates these (GTFS added them in 2020): its only complaint may be that
# it does not know them
KNOWN_WARNINGS = {
    "Unrecognized column continuous_pickup",
    "Unrecognized column continuous_drop_off",
}
EAST_NORTH = [(0, 0), (30, 0), (30, 20)]  # 3 km east, then 2 km north
WEST_EAST = [(0, 10), (30, 10)]  # 3 km along Jalan Baris 10
ROUTES = [
    RouteSpec(
        "R01",
        EAST_NORTH,
        direction=0,
        speed_kmh=20.0,
        headway_s=300,
        fare_idr=4000,
        colour="#e41a1c",
        name="Terminal Barat – Pasar Timur",
        origin="Terminal Barat",
        destination="Pasar Timur",
    ),
    RouteSpec(
        "R01",
        EAST_NORTH[::-1],
        direction=1,
        speed_kmh=20.0,
        headway_s=420,
        fare_idr=4000,
        colour="#e41a1c",
        name="Terminal Barat – Pasar Timur",
        origin="Pasar Timur",
        destination="Terminal Barat",
    ),
    RouteSpec("R02", WEST_EAST, speed_kmh=12.0, headway_s=900, fare_idr=5000, colour="#ffff33"),
    RouteSpec("R03", [(0, 5), (30, 5)], colour="#377eb8"),  # made inactive below
]


def grid_city(session: Session, slug: str) -> GridCity:
    """A 3 x 2 km grid of named streets with three routes (R03 inactive); Jalan Baris 10 has
    no name east of column 20, so R02's last stops are named by their distance."""
    grid = build_grid_city(session, slug, cols=31, rows=21, routes=ROUTES)
    session.execute(
        text("UPDATE angkot_route SET active = false WHERE city_id = :c AND code = 'R03'"),
        {"c": grid.city.id},
    )
    session.execute(
        text(
            "UPDATE road_edge SET name = NULL WHERE city_id = :c AND name = 'Jalan Baris 10'"
            " AND ST_XMin(geom) >= :x"
        ),
        {"c": grid.city.id, "x": grid.lonlat(20, 10)[0] - 1e-7},
    )
    return grid


def tables(feed: bytes | Path) -> dict[str, list[dict[str, str]]]:
    """Every table of a GTFS zip, as rows of strings."""
    source = io.BytesIO(feed) if isinstance(feed, bytes) else feed
    with zipfile.ZipFile(source) as archive:
        return {
            name.removesuffix(".txt"): list(csv.DictReader(io.TextIOWrapper(archive.open(name))))
            for name in archive.namelist()
        }


def route_rows(db: Session, city_id: int) -> list[dict[str, Any]]:
    return [
        dict(r)
        for r in db.execute(
            text(
                "SELECT code, direction, name, origin, destination, colour, fare_idr,"
                " headway_s, speed_kmh, geom FROM angkot_route"
                " WHERE city_id = :c AND active ORDER BY code, direction"
            ),
            {"c": city_id},
        ).mappings()
    ]


def validate(path: Path) -> tuple[list[str], set[str]]:
    """gtfs-kit's errors (``table: message``) and warning messages for the feed."""
    problems = gk.read_feed(path, dist_units="m").validate()
    errors = problems[problems["type"] == "error"]
    warnings = problems[problems["type"] == "warning"]
    found = [f"{r.table}: {r.message}" for r in errors.itertuples()]
    return found, set(warnings["message"])


def assert_same_routes(db: Session, source_id: int, copy_id: int) -> None:
    """The copy has the source's active routes: attributes equal, lines within 5 m."""
    source, copy = route_rows(db, source_id), route_rows(db, copy_id)
    assert [tuple(r[k] for k in ATTRIBUTES) for r in copy] == [
        tuple(r[k] for k in ATTRIBUTES) for r in source
    ]
    for a, b in zip(source, copy, strict=True):
        far = db.execute(
            text(
                "SELECT ST_HausdorffDistance(ST_Transform(CAST(:a AS geometry), 32748),"
                " ST_Transform(CAST(:b AS geometry), 32748))"
            ),
            {"a": a["geom"], "b": b["geom"]},
        ).scalar_one()
        assert far < 5.0, (a["code"], a["direction"], far)


@pytest.fixture
def grid(db: Session) -> GridCity:
    return grid_city(db, "ekspor")


def test_the_feed_is_valid_gtfs(db: Session, grid: GridCity, tmp_path: Path) -> None:
    path = tmp_path / "feed.zip"
    stages: list[str] = []
    report = export_gtfs_file(
        db, "ekspor", path, url=URL, today=TODAY, progress=lambda s, d, t: stages.append(s)
    )
    assert (report.routes, report.trips, report.inactive) == (2, 3, 1)
    assert {"reading routes", "naming stops", "writing feed"} <= set(stages)
    errors, warnings = validate(path)
    assert errors == []
    assert warnings <= KNOWN_WARNINGS, warnings
    feed = tables(path)
    assert set(feed) == {
        "agency",
        "routes",
        "trips",
        "shapes",
        "stops",
        "stop_times",
        "frequencies",
        "calendar",
        "fare_attributes",
        "fare_rules",
        "feed_info",
    }
    (agency,) = feed["agency"]
    assert agency["agency_name"] == "Dinas Perhubungan Kota Ekspor"
    assert (agency["agency_timezone"], agency["agency_lang"]) == ("Asia/Jakarta", "id")
    assert agency["agency_url"] == URL
    routes = {r["route_id"]: r for r in feed["routes"]}
    assert set(routes) == {"R01", "R02"}  # R03 is inactive: left out
    assert routes["R01"]["route_type"] == "3"
    assert (routes["R01"]["route_color"], routes["R01"]["route_text_color"]) == ("E41A1C", "FFFFFF")
    assert (routes["R02"]["route_color"], routes["R02"]["route_text_color"]) == ("FFFF33", "000000")
    assert routes["R01"]["route_long_name"] == "Terminal Barat – Pasar Timur"
    assert routes["R02"]["route_short_name"] == "R02"
    trips = {(t["route_id"], t["direction_id"]): t for t in feed["trips"]}
    assert set(trips) == {("R01", "0"), ("R01", "1"), ("R02", "0")}
    assert trips[("R01", "0")]["trip_headsign"] == "Pasar Timur"
    frequencies = {f["trip_id"]: f for f in feed["frequencies"]}
    assert frequencies[trips[("R01", "1")]["trip_id"]]["headway_secs"] == "420"
    assert {(f["start_time"], f["end_time"], f["exact_times"]) for f in frequencies.values()} == {
        ("05:00:00", "21:00:00", "0")
    }
    (calendar,) = feed["calendar"]
    one_year = (TODAY + timedelta(days=365)).strftime("%Y%m%d")
    assert (calendar["start_date"], calendar["end_date"]) == (TODAY.strftime("%Y%m%d"), one_year)
    assert {calendar[d] for d in ("monday", "wednesday", "saturday", "sunday")} == {"1"}
    fares = {f["fare_id"]: f for f in feed["fare_attributes"]}
    rules = {r["route_id"]: fares[r["fare_id"]] for r in feed["fare_rules"]}
    assert (rules["R01"]["price"], rules["R01"]["currency_type"]) == ("4000", "IDR")
    assert rules["R02"]["price"] == "5000"
    (info,) = feed["feed_info"]
    assert (info["feed_lang"], info["feed_start_date"]) == ("id", TODAY.strftime("%Y%m%d"))
    # the validator does look: the same feed without its first stop is an error
    broken = tmp_path / "broken.zip"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(broken, "w") as target:
        for name in source.namelist():
            body = source.read(name)
            if name == "stops.txt":
                header, _first, *rest = body.decode().splitlines()
                body = "\n".join([header, *rest, ""]).encode()
            target.writestr(name, body)
    assert "stop_times: Undefined stop_id" in validate(broken)[0]


def test_stops_every_500_m_named_after_their_street(db: Session, grid: GridCity) -> None:
    buffer = io.BytesIO()
    export_gtfs(db, "ekspor", buffer, url=URL, today=date(2028, 2, 29))
    feed = tables(buffer.getvalue())
    (calendar,) = feed["calendar"]  # 365 days from a leap day
    assert (calendar["start_date"], calendar["end_date"]) == ("20280229", "20290228")
    stops = {s["stop_id"]: s for s in feed["stops"]}
    times: dict[str, list[dict[str, str]]] = {}
    for row in feed["stop_times"]:
        times.setdefault(row["trip_id"], []).append(row)
    trip_of = {(t["route_id"], t["direction_id"]): t["trip_id"] for t in feed["trips"]}
    r01 = times[trip_of[("R01", "0")]]
    names = [stops[t["stop_id"]]["stop_name"] for t in r01]
    # 5 km: 11 stops 500 m apart; termini named after the route's ends, the others after the
    # street the route runs along (at the corner km 3.0 it turns into Jalan Kolom 30)
    assert names == [
        "Terminal Barat",
        *["Jalan Baris 0"] * 5,
        *["Jalan Kolom 30"] * 4,
        "Pasar Timur",
    ]
    dist = [float(t["shape_dist_traveled"]) for t in r01]
    assert dist[0] == 0
    assert [round(b - a) for a, b in itertools.pairwise(dist)] == [500] * 10
    # 20 km/h: 500 m in 90 s, from 05:00:00
    assert [t["arrival_time"] for t in r01[:3]] == ["05:00:00", "05:01:30", "05:03:00"]
    assert r01[-1]["departure_time"] == "05:15:00"
    assert {
        (t["continuous_pickup"], t["continuous_drop_off"]) for r in times.values() for t in r
    } == {("0", "0")}
    r02 = [stops[t["stop_id"]]["stop_name"] for t in times[trip_of[("R02", "0")]]]
    assert r02 == [*["Jalan Baris 10"] * 4, "R02 km 2.0", "R02 km 2.5", "R02 km 3.0"]
    shapes = [s for s in feed["shapes"] if s["shape_id"] == trip_of[("R02", "0")]]
    assert [round(float(s["shape_dist_traveled"])) for s in shapes] == [0, 3000]
    # the stop on the line: R01's 5th stop is 2 km east of the start, on row 0
    lon, lat = grid.lonlat(20, 0)
    fifth = stops[r01[4]["stop_id"]]
    assert abs(float(fifth["stop_lon"]) - lon) < 1e-6
    assert abs(float(fifth["stop_lat"]) - lat) < 1e-6


def test_reimported_feed_gives_the_same_routes(db: Session, grid: GridCity, tmp_path: Path) -> None:
    path = tmp_path / "feed.zip"
    export_gtfs_file(db, "ekspor", path, url=URL, today=TODAY)
    copy = create_city(db, "salinan", "Kota Salinan", grid.city.bbox)
    report = import_gtfs(db, "salinan", path)
    assert (report.read, report.inserted, report.rejected) == (3, 3, [])
    assert_same_routes(db, grid.city.id, copy.id)
    ends = {
        (r["code"], r["direction"]): (r["origin"], r["destination"])
        for r in route_rows(db, copy.id)
    }
    assert ends[("R01", 0)] == ("Terminal Barat", "Pasar Timur")
    assert ends[("R01", 1)] == ("Pasar Timur", "Terminal Barat")


def test_a_city_without_routes_gets_an_empty_feed(db: Session) -> None:
    create_city(db, "kosong", "Kota Kosong", (106.6, -6.2, 106.7, -6.1))
    buffer = io.BytesIO()
    report = export_gtfs(db, "kosong", buffer, url=URL, today=TODAY)
    assert (report.routes, report.trips, report.stops) == (0, 0, 0)
    feed = tables(buffer.getvalue())
    assert len(feed["agency"]) == 1
    assert feed["routes"] == feed["trips"] == feed["stops"] == feed["shapes"] == []


@pytest.mark.shared_data
def test_bogor_round_trip(db: Session, tmp_path: Path) -> None:
    """A real feed: Bogor's 24 angkot routes, imported, exported (no streets: stops named by
    distance), valid, and imported again as the same routes."""
    bbox = (106.72, -6.67, 106.87, -6.52)
    bogor = create_city(db, "bogor", "Kota Bogor", bbox)
    import_gtfs(db, "bogor", shared_file(BOGOR_FEED))
    path = tmp_path / "bogor.zip"
    report = export_gtfs_file(db, "bogor", path, url=URL, today=TODAY)
    assert (report.routes, report.trips) == (24, 24)
    errors, warnings = validate(path)
    assert errors == []
    assert warnings <= KNOWN_WARNINGS, warnings
    names = {s["stop_name"] for s in tables(path)["stops"]}
    assert "AK-01 km 0.5" in names
    copy = create_city(db, "bogor-salinan", "Kota Bogor (salinan)", bbox)
    assert import_gtfs(db, "bogor-salinan", path).inserted == 24
    assert_same_routes(db, bogor.id, copy.id)


# -- HTTP ------------------------------------------------------------------------------------
def test_http_feed_etag_and_304(client: Any, db: Session, grid: GridCity, tmp_path: Path) -> None:
    response = client.get("/cities/ekspor/gtfs.zip", headers={"Host": "peta.example.org"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/zip"
    disposition = response.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="gtfs-ekspor-')
    assert disposition.endswith('.zip"')
    assert response.headers["cache-control"] == "public, no-cache"
    feed = tables(response.content)
    assert {r["route_id"] for r in feed["routes"]} == {"R01", "R02"}
    assert feed["agency"][0]["agency_url"] == "http://peta.example.org/"
    (tmp_path / "http.zip").write_bytes(response.content)
    errors, warnings = validate(tmp_path / "http.zip")
    assert errors == []
    assert warnings <= KNOWN_WARNINGS
    etag = response.headers["etag"]
    again = client.get(
        "/cities/ekspor/gtfs.zip", headers={"Host": "peta.example.org", "If-None-Match": etag}
    )
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    # a route edit bumps the routes' revision: a new feed, a new ETag
    db.execute(
        text("UPDATE angkot_route SET fare_idr = 6000 WHERE city_id = :c AND code = 'R02'"),
        {"c": grid.city.id},
    )
    changed = client.get(
        "/cities/ekspor/gtfs.zip", headers={"Host": "peta.example.org", "If-None-Match": etag}
    )
    assert changed.status_code == 200
    assert changed.headers["etag"] != etag
    prices = {f["price"] for f in tables(changed.content)["fare_attributes"]}
    assert prices == {"4000", "6000"}


@pytest.mark.parametrize("slug", ["atlantis", "Not_A_Slug"])
def test_http_unknown_city(client: Any, slug: str) -> None:
    response = client.get(f"/cities/{slug}/gtfs.zip")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 404


# -- command line ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def cli_db(pg_server: str) -> Iterator[tuple[str, Engine]]:
    url = database_url(pg_server, f"tpo_export_cli_{os.getpid()}")
    ensure_database(url)
    migrate.upgrade(url)
    engine = make_engine(url, pool_size=1)
    with session_scope(engine) as session:
        grid_city(session, "ekspor")
    yield url, engine
    engine.dispose()
    drop_database(url)


def tpo(url: str, *args: str) -> Any:
    env = {"TPO_DATABASE_URL": url, "COLUMNS": "160"}
    result = CliRunner().invoke(app, list(args), env=env)
    result.text = " ".join(result.output.split())  # type: ignore[attr-defined]
    return result


def test_cli_writes_the_feed(cli_db: tuple[str, Engine], tmp_path: Path) -> None:
    url, _ = cli_db
    path = tmp_path / "ekspor.zip"
    result = tpo(url, "export", "gtfs", "ekspor", str(path), "--url", URL)
    assert result.exit_code == 0, result.output
    assert "GTFS feed of ekspor" in result.text
    assert "inactive, left out │ 1" in result.text
    feed = tables(path)
    assert {r["route_id"] for r in feed["routes"]} == {"R01", "R02"}
    assert feed["agency"][0]["agency_url"] == URL
    assert os.stat(path).st_mode & 0o777 == 0o644
    assert [p.name for p in tmp_path.iterdir()] == ["ekspor.zip"]  # no temporary file left
    again = tpo(url, "export", "gtfs", "ekspor", str(path))  # replaces it
    assert again.exit_code == 0, again.output
    assert tables(path)["agency"][0]["agency_url"].startswith("http://127.0.0.1:")


def test_cli_bad_paths_and_city(cli_db: tuple[str, Engine], tmp_path: Path) -> None:
    url, _ = cli_db
    missing = tpo(url, "export", "gtfs", "ekspor", str(tmp_path / "no" / "such" / "feed.zip"))
    assert missing.exit_code == 2
    assert "error[invalid-file]" in missing.text
    assert "does not exist" in missing.text
    folder = tpo(url, "export", "gtfs", "ekspor", str(tmp_path))
    assert folder.exit_code == 2
    assert "is a folder" in folder.text
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    if os.geteuid() != 0:  # root writes anywhere
        denied = tpo(url, "export", "gtfs", "ekspor", str(locked / "feed.zip"))
        assert denied.exit_code == 2
        assert "not writable" in denied.text
    bad_url = tpo(url, "export", "gtfs", "ekspor", str(tmp_path / "feed.zip"), "--url", "peta")
    assert bad_url.exit_code == 2
    assert "error[invalid-input]" in bad_url.text
    assert "absolute http:// or https:// address" in bad_url.text
    unknown = tpo(url, "export", "gtfs", "atlantis", str(tmp_path / "feed.zip"))
    assert unknown.exit_code == 3
    assert "error[city-not-found]" in unknown.text
    assert sorted(p.name for p in tmp_path.iterdir()) == ["locked"]  # nothing written
