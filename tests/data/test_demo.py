"""The generated Kota Tangerang demo city: counts, topology, roads, routes, schools, CLI."""

from __future__ import annotations

import csv
import hashlib
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from typing import Any

import networkx as nx
import pytest
import shapely
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from api.cli import app
from data.demo import DemoSummary, load_demo_city
from data.demo.facts import FACTS_DIR, tangerang_facts
from data.demo.requests import DEMO_REQUEST_COUNT
from data.demo.transfers import DEMO_TRANSFER_COUNT
from geo.errors import ConflictError, InvalidInputError
from geo.store import PROJECT_ROOT, migrate
from geo.store.db import drop_database, ensure_database, make_engine, session_scope
from tests.conftest import SHARED_DATA, database_url

pytestmark = pytest.mark.postgis

LEVEL_SHARE = {"SD": 0.54, "SMP": 0.21, "SMK": 0.14, "SMA": 0.09, "SLB": 0.02}
GEOMETRY_TABLES = ("admin_area", "road_edge", "school", "angkot_route", "permit_parcel")
DIGEST_SCRIPT = (
    "import hashlib, shapely\n"
    "from data.demo import generate_demo_city\n"
    "c = generate_demo_city('tangerang')\n"
    "geoms = [a.geom for a in c.admin] + [e.geom for e in c.roads]"
    " + [s.point for s in c.schools] + [g for _, g in c.routes] + [p.geom for p in c.parcels]\n"
    "print(hashlib.sha256(b'|'.join(sorted(shapely.to_wkb(geoms)))).hexdigest())\n"
)


@pytest.fixture(scope="module")
def demo_db(pg_server: str) -> Iterator[tuple[str, Engine, DemoSummary]]:
    """A database of its own holding the committed demo city (the CLI commits there too)."""
    url = database_url(pg_server, f"tpo_demo_{os.getpid()}")
    ensure_database(url)
    migrate.upgrade(url)
    engine = make_engine(url, pool_size=1)
    steps: list[tuple[str, int, int]] = []
    with session_scope(engine) as session:
        summary = load_demo_city(session, "tangerang", progress=lambda *a: steps.append(a))
    assert [s[1] for s in steps] == list(range(1, len(steps) + 1))
    assert steps[-1] == ("insert", len(steps), len(steps))
    yield url, engine, summary
    engine.dispose()
    drop_database(url)


def scalar(engine: Engine, sql: str, **params: Any) -> Any:
    with engine.connect() as conn:
        return conn.execute(text(sql), params).scalar_one()


def rows(engine: Engine, sql: str, **params: Any) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(text(sql), params).all())


def city_id(engine: Engine) -> int:
    return int(scalar(engine, "SELECT id FROM city WHERE slug = 'tangerang'"))


def table_counts(engine: Engine) -> dict[str, int]:
    tables = ("city", "admin_area", "road_edge", "school", "angkot_route", "permit_parcel")
    return {t: int(scalar(engine, f"SELECT count(*) FROM {t}")) for t in tables}  # our names


# -- counts ----------------------------------------------------------------------------------
def test_summary_and_city_row(demo_db: tuple[str, Engine, DemoSummary]) -> None:
    _, engine, summary = demo_db
    assert (summary.kota, summary.kecamatan, summary.kelurahan) == (1, 13, 104)
    name, demo, zoom, srid, minx, miny, maxx, maxy, lon, lat = rows(
        engine,
        "SELECT name, demo, default_zoom, utm_srid, ST_XMin(bbox), ST_YMin(bbox), ST_XMax(bbox),"
        " ST_YMax(bbox), center_lon, center_lat FROM city WHERE slug = 'tangerang'",
    )[0]
    assert (name, demo, zoom, srid) == ("Kota Tangerang", True, 12, 32748)
    assert 106.54 <= minx < maxx <= 106.76
    assert -6.27 <= miny < maxy <= -6.08
    assert minx < lon < maxx
    assert miny < lat < maxy
    assert summary.road_edges == scalar(engine, "SELECT count(*) FROM road_edge")
    assert summary.schools == scalar(engine, "SELECT count(*) FROM school")


def test_admin_areas_have_the_official_codes(demo_db: tuple[str, Engine, DemoSummary]) -> None:
    _, engine, _ = demo_db
    facts = tangerang_facts()
    got = {
        (level, code): (name, parent)
        for level, code, name, parent in rows(
            engine, "SELECT level, code, name, parent_code FROM admin_area"
        )
    }
    want = {
        (a.level, a.code): (a.name, a.parent_code)
        for a in (facts.kota, *facts.kecamatan, *facts.kelurahan)
    }
    assert got == want
    assert Counter(level for level, _ in got) == {"kota": 1, "kecamatan": 13, "kelurahan": 104}
    assert ("kelurahan", "36.71.01.1001") in got  # Sukarasa
    assert got[("kecamatan", "36.71.13")][0] == "Larangan"


def test_school_mix(demo_db: tuple[str, Engine, DemoSummary]) -> None:
    _, engine, _ = demo_db
    found = rows(engine, "SELECT level, status, npsn, name FROM school")
    assert 855 <= len(found) <= 945
    levels = Counter(level for level, *_ in found)
    for level, share in LEVEL_SHARE.items():
        assert levels[level] / len(found) == pytest.approx(share, abs=0.02), level
    negeri = sum(status == "negeri" for _, status, *_ in found) / len(found)
    assert negeri == pytest.approx(0.44, abs=0.02)
    npsn = [n for *_, n, _ in found]
    assert len(set(npsn)) == len(npsn)
    assert all(len(n) == 8 and n.isdigit() and n.startswith("206") for n in npsn)
    names = {name for *_, name in found}
    assert "SD Negeri 1 Kota Tangerang" in names
    assert any(name.startswith("SMP Swasta ") for name in names)


def test_schools_lie_in_their_kelurahan(demo_db: tuple[str, Engine, DemoSummary]) -> None:
    _, engine, _ = demo_db
    outside = scalar(
        engine,
        "SELECT count(*) FROM school s LEFT JOIN admin_area k ON k.city_id = s.city_id"
        " AND k.level = 'kelurahan' AND k.code = s.kelurahan_code"
        " WHERE k.id IS NULL OR NOT ST_Within(s.geom, k.geom)",
    )
    assert outside == 0
    used = scalar(engine, "SELECT count(DISTINCT kelurahan_code) FROM school")
    assert used >= 95  # spread over (nearly) every kelurahan


# -- topology --------------------------------------------------------------------------------
def test_kelurahan_tessellate_the_outline(
    demo_db: tuple[str, Engine, DemoSummary], capsys: pytest.CaptureFixture[str]
) -> None:
    _, engine, summary = demo_db
    total, union, kota, invalid, not_multi = rows(
        engine,
        """
        SELECT sum(ST_Area(ST_Transform(k.geom, 32748))),
               ST_Area(ST_Transform(ST_Union(k.geom), 32748)),
               (SELECT ST_Area(ST_Transform(geom, 32748)) FROM admin_area WHERE level = 'kota'),
               (SELECT count(*) FROM admin_area WHERE NOT ST_IsValid(geom)),
               (SELECT count(*) FROM admin_area WHERE GeometryType(geom) <> 'MULTIPOLYGON')
        FROM admin_area k WHERE k.level = 'kelurahan'
        """,
    )[0]
    assert invalid == 0
    assert not_multi == 0
    assert union == pytest.approx(total, rel=1e-3)  # no overlaps
    assert kota == pytest.approx(union, rel=1e-3)  # no gaps
    assert 178.36e6 * 0.8 <= kota <= 178.36e6 * 1.2
    # each kecamatan is exactly the union of its kelurahan
    worst = scalar(
        engine,
        """
        SELECT max(ST_Area(ST_Transform(ST_SymDifference(c.geom, u.geom), 32748))
                   / ST_Area(ST_Transform(c.geom, 32748)))
        FROM admin_area c JOIN (
            SELECT parent_code, ST_Union(geom) AS geom FROM admin_area
            WHERE level = 'kelurahan' GROUP BY parent_code) u ON u.parent_code = c.code
        WHERE c.level = 'kecamatan'
        """,
    )
    assert worst < 1e-6
    # the outline lies in the brief's window
    assert scalar(
        engine,
        "SELECT ST_Within(geom, ST_MakeEnvelope(106.54, -6.27, 106.76, -6.08, 4326))"
        " FROM admin_area WHERE level = 'kota'",
    )
    # kelurahan areas follow the real ones (power diagram fitted to the facts)
    real = {k.code: k.area_km2 * 1e6 for k in tangerang_facts().kelurahan}
    scale = kota / sum(real.values())
    errors = sorted(
        abs(area - real[code] * scale) / (real[code] * scale)
        for code, area in rows(
            engine,
            "SELECT code, ST_Area(ST_Transform(geom, 32748)) FROM admin_area"
            " WHERE level = 'kelurahan'",
        )
    )
    median = errors[len(errors) // 2]
    with capsys.disabled():
        print(
            f"\n[demo] kelurahan median relative area error {median:.2e} "
            f"(max {errors[-1]:.3%}); generator reported {summary.median_area_error:.2e}"
        )
    assert median < 0.02
    assert errors[-1] < 0.05


# -- roads -----------------------------------------------------------------------------------
def test_road_network_is_noded_and_connected(demo_db: tuple[str, Engine, DemoSummary]) -> None:
    _, engine, _ = demo_db
    edges = rows(engine, "SELECT u, v, road_class, oneway, name FROM road_edge")
    assert 3000 <= len(edges) <= 20000
    assert {c for _, _, c, _, _ in edges} == {"primary", "secondary", "tertiary", "residential"}
    # a few whole "Jl. <kelurahan> Raya" streets are one-way, and cars still reach every node
    one_way = {name for *_, oneway, name in edges if oneway}
    assert 1 <= len(one_way) <= 4
    assert all(n.startswith("Jl. ") and n.endswith(" Raya") for n in one_way)
    assert all(oneway for *_, oneway, name in edges if name in one_way)
    drive = nx.DiGraph([(u, v) for u, v, *_ in edges])
    drive.add_edges_from((v, u) for u, v, _, oneway, _ in edges if not oneway)
    assert nx.is_strongly_connected(drive)
    assert all(name for *_, name in edges)
    assert "Jl. Daan Mogot" in {name for *_, name in edges}
    graph = nx.Graph([(u, v) for u, v, *_ in edges])
    assert nx.is_connected(graph)
    # edges only meet at their end points (DE-9IM: interiors never touch anything)
    geoms = shapely.from_wkb(
        [bytes(w) for (w,) in rows(engine, "SELECT ST_AsBinary(geom) FROM road_edge")]
    )
    a, b = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    pairs = a < b
    assert pairs.sum() > len(edges)  # the check has work to do
    assert shapely.relate_pattern(geoms[a[pairs]], geoms[b[pairs]], "FF*F0****").all()
    # one coordinate per node id; length_m is the UTM length
    assert (
        scalar(
            engine,
            "SELECT count(*) FROM (SELECT node FROM ("
            " SELECT u AS node, ST_AsBinary(ST_StartPoint(geom)) AS p FROM road_edge"
            " UNION ALL SELECT v, ST_AsBinary(ST_EndPoint(geom)) FROM road_edge) n"
            " GROUP BY node HAVING count(DISTINCT p) > 1) bad",
        )
        == 0
    )
    assert (
        scalar(
            engine,
            "SELECT max(abs(length_m - ST_Length(ST_Transform(geom, 32748)))) FROM road_edge",
        )
        < 0.01
    )
    assert scalar(
        engine,
        "WITH k AS MATERIALIZED (SELECT ST_Buffer(geom, 0.00001) AS g FROM admin_area"
        " WHERE level = 'kota') SELECT bool_and(ST_CoveredBy(r.geom, k.g)) FROM road_edge r, k",
    )


# -- routes ----------------------------------------------------------------------------------
def test_routes_follow_the_roads(demo_db: tuple[str, Engine, DemoSummary]) -> None:
    _, engine, _ = demo_db
    # demo routes run both ways: none runs along a one-way street
    assert (
        scalar(
            engine,
            "SELECT count(*) FROM road_edge e JOIN angkot_route r"
            " ON ST_DWithin(r.geom, ST_LineInterpolatePoint(e.geom, 0.5), 1e-7) WHERE e.oneway",
        )
        == 0
    )
    found = rows(
        engine,
        "SELECT code, direction, colour, fare_idr, headway_s, speed_kmh, origin, destination"
        " FROM angkot_route",
    )
    codes = {r[0] for r in found}
    assert 15 <= len(codes) <= 25
    assert Counter(r[0] for r in found) == dict.fromkeys(codes, 2)
    assert {(r[0], r[1]) for r in found} == {(c, d) for c in codes for d in (0, 1)}
    assert {"AP.1E", "TT Koridor 1", "TT Koridor 4"} <= codes
    colours = {r[0]: r[2] for r in found}
    assert len(set(colours.values())) == len(codes)
    for _, _, _, fare, headway, speed, origin, destination in found:
        assert 4000 <= fare <= 7000
        assert 300 <= headway <= 900
        assert 12 <= speed <= 20
        assert origin
        assert destination
        assert origin != destination
    ends = {(r[0], r[1]): (r[6], r[7]) for r in found}
    assert ends[("TT Koridor 1", 0)] == ("Terminal Poris Plawad", "Jatake")
    assert all(ends[(c, 1)] == ends[(c, 0)][::-1] for c in codes)
    # direction 1 is the exact reverse of direction 0
    assert (
        scalar(
            engine,
            "SELECT count(*) FROM angkot_route a JOIN angkot_route b ON a.code = b.code"
            " AND a.direction = 0 AND b.direction = 1"
            " WHERE NOT ST_OrderingEquals(b.geom, ST_Reverse(a.geom))",
        )
        == 0
    )
    # every vertex lies within 1 m of a road edge
    far = scalar(
        engine,
        """
        SELECT count(*) FROM (
            SELECT (ST_DumpPoints(geom)).geom AS p FROM angkot_route) pts
        WHERE NOT EXISTS (
            SELECT 1 FROM road_edge e
            WHERE ST_DWithin(e.geom, pts.p, 0.0001)
              AND ST_Distance(ST_Transform(e.geom, 32748), ST_Transform(pts.p, 32748)) <= 1.0)
        """,
    )
    assert far == 0
    assert scalar(engine, "SELECT min(ST_NPoints(geom)) FROM angkot_route") >= 10


def test_parcels(demo_db: tuple[str, Engine, DemoSummary]) -> None:
    _, engine, _ = demo_db
    found = rows(
        engine,
        "SELECT p.code, p.permit_type, p.status, GeometryType(p.geom),"
        " (SELECT count(*) FROM admin_area k WHERE k.level = 'kelurahan'"
        "  AND ST_Within(p.geom, k.geom)) FROM permit_parcel p",
    )
    assert 10 <= len(found) <= 30
    assert len({r[0] for r in found}) == len(found)
    assert all(r[3] == "MULTIPOLYGON" for r in found)
    assert all(r[4] == 1 for r in found)  # each inside one kelurahan
    assert {r[1] for r in found} <= {"PBG", "SLF", "KKPR"}


# -- determinism, replace, errors ------------------------------------------------------------
def test_generation_is_deterministic(demo_db: tuple[str, Engine, DemoSummary]) -> None:
    """Another process (another hash seed) generates exactly the geometry in the database."""
    _, engine, _ = demo_db
    stored: list[bytes] = []
    for table in GEOMETRY_TABLES:
        stored += [bytes(w) for (w,) in rows(engine, f"SELECT ST_AsBinary(geom) FROM {table}")]
    here = hashlib.sha256(b"|".join(sorted(stored))).hexdigest()
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    other = subprocess.run(
        [sys.executable, "-c", DIGEST_SCRIPT],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout.strip()
    assert other == here


def test_unknown_slug_is_invalid_input(db: Session) -> None:
    with pytest.raises(InvalidInputError, match="no demo city 'bogor'"):
        load_demo_city(db, "bogor")


def test_existing_city_needs_replace(demo_db: tuple[str, Engine, DemoSummary]) -> None:
    _, engine, _ = demo_db
    with Session(engine) as session, pytest.raises(ConflictError, match="exists already"):
        load_demo_city(session, "tangerang")


# -- the CLI ---------------------------------------------------------------------------------
def run_tpo(url: str, *args: str) -> Any:
    env = {"TPO_DATABASE_URL": url, "COLUMNS": "160"}
    return CliRunner().invoke(app, list(args), env=env)


def test_cli_demo(demo_db: tuple[str, Engine, DemoSummary]) -> None:
    url, engine, _ = demo_db
    before = table_counts(engine)
    refused = run_tpo(url, "city", "demo", "tangerang")
    assert refused.exit_code == 4, refused.output  # conflict (api/cli_errors.py)
    assert "error[city-exists]" in refused.output
    assert "exists already" in refused.output
    assert "--replace" in refused.output
    old_id = city_id(engine)
    result = run_tpo(url, "city", "demo", "tangerang", "--replace")
    assert result.exit_code == 0, result.output
    assert city_id(engine) != old_id  # replace=True reloaded the city ...
    assert "Demo city 'tangerang' loaded" in result.output
    assert "kelurahan" in result.output
    assert "104" in result.output
    assert "generated and loaded in" in result.output
    assert table_counts(engine) == before  # ... without duplicates
    # the real path loads the demo requests too (the fixtures keep the city without them)
    requests = "SELECT count(*) FROM service_request WHERE city_id = :c AND demo"
    # the aid proposals and the school transfers (data/demo/transfers.py)
    assert scalar(engine, requests, c=city_id(engine)) == DEMO_REQUEST_COUNT + DEMO_TRANSFER_COUNT
    assert "service_request (demo)" in result.output


def test_cli_demo_unknown_slug(demo_db: tuple[str, Engine, DemoSummary]) -> None:
    url, engine, _ = demo_db
    before = table_counts(engine)
    result = run_tpo(url, "city", "demo", "atlantis")
    assert result.exit_code == 2
    assert "error[invalid-input]" in result.output
    assert "no demo city 'atlantis'" in result.output
    assert table_counts(engine) == before


# -- end to end ------------------------------------------------------------------------------
def test_outline_endpoint_serves_the_kota(client: Any, db: Session) -> None:
    load_demo_city(db, "tangerang")
    response = client.get("/cities/tangerang/outline")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/geo+json"
    geometry = response.json()["features"][0]["geometry"]
    assert geometry["type"] in {"Polygon", "MultiPolygon"}
    served = shapely.geometry.shape(geometry)
    kota = shapely.from_wkb(
        db.execute(
            text("SELECT ST_AsBinary(geom) FROM admin_area WHERE level = 'kota'")
        ).scalar_one()
    )
    assert served.symmetric_difference(kota).area / kota.area < 1e-4
    assert client.get("/cities/tangerang").json()["demo"] is True


# -- the facts table -------------------------------------------------------------------------
@pytest.mark.shared_data
def test_facts_follow_the_shared_table() -> None:
    source = SHARED_DATA / "facts" / "kota_tangerang_wilayah.csv"
    if not source.exists():
        pytest.skip(f"shared data missing: {source}")
    mine = FACTS_DIR / "tangerang_wilayah.csv"
    assert mine.read_bytes() != source.read_bytes()
    with source.open(encoding="utf-8") as f:
        shared = {r["kode_kemendagri"]: r for r in csv.DictReader(f)}
    facts = tangerang_facts()
    for area in (facts.kota, *facts.kecamatan, *facts.kelurahan):
        row = shared[area.code]
        assert (area.name, area.level, area.parent_code) == (
            row["nama"],
            row["level"],
            row["kode_induk"],
        )
        assert area.area_km2 == pytest.approx(float(row["area_km2_from_polygon"]), abs=0.01)
        if area.lon is not None:
            assert area.lon == pytest.approx(float(row["centroid_lng"]), abs=1e-4)
    assert len(shared) == 118
    assert set(facts.places.values()) <= {k.code for k in facts.kelurahan}
