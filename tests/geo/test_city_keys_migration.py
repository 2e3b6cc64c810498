"""Migration 0006 (city keys) on a loaded demo city: up, down and up again keep every row and
every answer (items, a tile, search, a route), and down restores the 0005 catalogue exactly."""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import mapbox_vector_tile
import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from api.app import create_app
from api.settings import Settings
from data.demo import load_demo_city
from geo.cities import create_city
from geo.store import migrate
from geo.store.db import drop_database, ensure_database, make_engine, session_scope
from tests.conftest import database_url
from tests.geo.city_keys import city_key_offenders

pytestmark = [pytest.mark.postgis, pytest.mark.slow]

CITY = "/cities/tangerang"
TABLES = (
    "city",
    "admin_area",
    "road_edge",
    "school",
    "angkot_route",
    "permit_parcel",
    "place",
    "place_word",
    "layer_revision",
)
# the catalogue that 0006 changes, and that its downgrade must give back as it was
CATALOGUE = {
    "constraints": "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid)"
    " FROM pg_constraint WHERE connamespace = 'public'::regnamespace ORDER BY 1, 2",
    "indexes": "SELECT tablename, indexname, indexdef FROM pg_indexes"
    " WHERE schemaname = 'public' ORDER BY 1, 2",
    "functions": "SELECT proname, pg_get_functiondef(oid) FROM pg_proc"
    " WHERE pronamespace = 'public'::regnamespace AND proname LIKE 'tpo\\_%' ORDER BY 1",
    "triggers": "SELECT tgrelid::regclass::text, tgname, pg_get_triggerdef(oid) FROM pg_trigger"
    " WHERE NOT tgisinternal ORDER BY 1, 2",
}


# routes as a 0005 database takes them: no route_version (0012) and no audit log (0007) yet
_ROUTES_0005 = text(
    "INSERT INTO angkot_route (city_id, code, name, direction, origin, destination, colour,"
    " fare_idr, headway_s, speed_kmh, geom)"
    " SELECT :city_id, r.code, r.name, r.direction, r.origin, r.destination, r.colour,"
    " r.fare_idr, r.headway_s, r.speed_kmh, ST_GeomFromWKB(decode(r.wkb, 'hex'), 4326)"
    " FROM json_to_recordset(CAST(:rows AS json)) AS r(code text, name text, direction int,"
    " origin text, destination text, colour text, fare_idr int, headway_s int,"
    " speed_kmh float8, wkb text)"
)


def _routes_at_0005(session: Any, _principal: Any, city_id: int, rows: Any, **_: Any) -> None:
    session.execute(_ROUTES_0005, {"city_id": city_id, "rows": orjson.dumps(rows).decode()})


@pytest.fixture(scope="module")
def demo_at_0005(pg_server: str) -> Iterator[tuple[str, Engine]]:
    """A database of its own at revision 0005 holding the committed demo city and one more."""
    url = database_url(pg_server, f"tpo_citykeys_{os.getpid()}")
    drop_database(url)
    ensure_database(url)
    migrate.upgrade(url, "0005")
    engine = make_engine(url, pool_size=1)
    with session_scope(engine) as session, pytest.MonkeyPatch.context() as patch:
        patch.setattr("data.demo.load.write_routes", _routes_at_0005)
        # the zoning tables come with 0018: a city at 0005 has none to fill
        patch.setattr("data.demo.load.load_demo_zoning", lambda *_a, **_k: {})
        load_demo_city(session, "tangerang")
        other = create_city(session, "lain", "Kota Lain", (107.50, -6.95, 107.70, -6.80))
        session.execute(
            text(
                "INSERT INTO school (city_id, npsn, name, level, status, geom)"
                " SELECT :c, 'L' || i, 'SD Lain ' || i, 'SD', 'negeri',"
                "        ST_SetSRID(ST_MakePoint(107.6 + i * 0.001, -6.9), 4326)"
                " FROM generate_series(1, 3) i"
            ),
            {"c": other.id},
        )
    yield url, engine
    engine.dispose()
    drop_database(url)


def _counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()  # our names
            for t in TABLES
        }


def _catalogue(engine: Engine) -> dict[str, list[Any]]:
    with engine.connect() as conn:
        return {key: [tuple(r) for r in conn.execute(text(sql))] for key, sql in CATALOGUE.items()}


def _tile(lon: float, lat: float, z: int) -> tuple[int, int]:
    """The WebMercatorQuad tile (x, y) holding lon, lat at zoom z."""
    n = 2**z
    y = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2
    return int((lon + 180) / 360 * n), int(y * n)


def _get(client: TestClient, path: str) -> Any:
    r = client.get(path)
    assert r.status_code == 200, (path, r.text)
    return r


def _answers(url: str, engine: Engine, var_dir: Path) -> dict[str, Any]:
    """What the HTTP API answers on the demo city (a fresh app, no response cache)."""
    with engine.connect() as conn:
        school = conn.execute(
            text(
                "SELECT s.id, s.name, ST_X(s.geom), ST_Y(s.geom) FROM school s"
                " JOIN city c ON c.id = s.city_id WHERE c.slug = 'tangerang' ORDER BY s.id LIMIT 1"
            )
        ).one()
        route_id = conn.execute(text("SELECT min(id) FROM angkot_route")).scalar_one()
    x, y = _tile(school[2], school[3], 14)
    settings = Settings(database_url=url, var_dir=var_dir, layer_cache_mb=0, _env_file=None)
    with TestClient(create_app(settings)) as client:
        items = _get(client, f"{CITY}/collections/schools/items?limit=50").json()
        deep = _get(client, f"{CITY}/collections/kelurahan/items?limit=20&offset=50").json()
        one = _get(client, f"{CITY}/collections/schools/items/{school[0]}").json()
        mvt = _get(client, f"{CITY}/collections/schools/tiles/WebMercatorQuad/14/{x}/{y}")
        roads = _get(client, f"{CITY}/collections/roads/tiles/WebMercatorQuad/14/{x}/{y}")
        search = _get(client, f"{CITY}/search?q={quote(school[1])}").json()
        route = _get(client, f"{CITY}/routes/{route_id}").json()
    features = mapbox_vector_tile.decode(mvt.content)["schools"]["features"]
    answers = {
        "items": (items["numberMatched"], [f["id"] for f in items["features"]]),
        "deep": (deep["numberMatched"], [f["id"] for f in deep["features"]]),
        "one": one,
        "tile": sorted(f["id"] for f in features),
        "roads": sorted(
            f["id"] for f in mapbox_vector_tile.decode(roads.content)["roads"]["features"]
        ),
        "search": search,
        "route": route,
    }
    assert answers["items"][0] == 900
    assert len(answers["items"][1]) == 50
    assert len(answers["deep"][1]) == 20
    assert school[0] in answers["tile"]
    assert answers["roads"]
    assert any(r["kind"] == "school" and r["id"] == school[0] for r in search["results"])
    return answers


def _offenders(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return city_key_offenders(conn)


def _sync_functions_by_city(engine: Engine) -> list[bool]:
    """Whether each place sync function (areas, routes, schools) deletes by city and ref."""
    with engine.connect() as conn:
        sources = conn.execute(
            text(
                "SELECT prosrc FROM pg_proc WHERE proname IN"
                " ('tpo_place_sync_areas', 'tpo_place_sync_routes', 'tpo_place_sync_schools')"
                " ORDER BY proname"
            )
        ).scalars()
        return ["p.city_id = o.city_id AND p.ref = o.id" in src for src in sources]


def _renamed_school_is_found(engine: Engine) -> None:
    """The place triggers follow a write (their functions are rewritten by 0006)."""
    with engine.connect() as conn, conn.begin() as tx:
        sid = conn.execute(text("SELECT max(id) FROM school")).scalar_one()
        conn.execute(text("UPDATE school SET name = 'SD Kunci Kota' WHERE id = :id"), {"id": sid})
        rows = conn.execute(
            text("SELECT name FROM place WHERE kind = 'school' AND ref = :id"), {"id": sid}
        ).all()
        assert rows == [("SD Kunci Kota",)]
        conn.execute(text("DELETE FROM school WHERE id = :id"), {"id": sid})
        left = conn.execute(
            text("SELECT count(*) FROM place WHERE kind = 'school' AND ref = :id"), {"id": sid}
        ).scalar_one()
        assert left == 0
        tx.rollback()


def test_up_down_up_on_the_demo_city(demo_at_0005: tuple[str, Engine], tmp_path: Path) -> None:
    url, engine = demo_at_0005
    assert migrate.current_revision(url) == "0005"
    before = _answers(url, engine, tmp_path)  # first: it may build the tile grid once
    counts, catalogue = _counts(engine), _catalogue(engine)
    assert counts["school"] == 903
    assert counts["place"] > 1000
    assert any("pk_school" in line for line in _offenders(engine))

    migrate.upgrade(url, "0006")
    assert _counts(engine) == counts
    assert _offenders(engine) == []
    assert _sync_functions_by_city(engine) == [True, True, True]
    assert _answers(url, engine, tmp_path) == before
    _renamed_school_is_found(engine)
    upgraded = _catalogue(engine)

    migrate.downgrade(url, "0005")
    assert migrate.current_revision(url) == "0005"
    assert _counts(engine) == counts
    assert _catalogue(engine) == catalogue
    assert _sync_functions_by_city(engine) == [False, False, False]
    assert _answers(url, engine, tmp_path) == before
    _renamed_school_is_found(engine)

    migrate.upgrade(url, "0006")
    assert migrate.current_revision(url) == "0006"
    assert _counts(engine) == counts
    assert _catalogue(engine) == upgraded
    assert _answers(url, engine, tmp_path) == before
