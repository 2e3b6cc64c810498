"""Place search over the place index: write-through triggers, tiers, typos, short queries."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from api.settings import Settings
from geo.places.search import search_places, split_glued
from tests.geo.synthetic import GridCity, RouteSpec, build_grid_city, committed_grid_city

pytestmark = pytest.mark.postgis
SLUG = "cari-tulis"  # committed by the write-through test, deleted after it

# the place rows a full rebuild gives (same SQL as migration 0004's fill, names only)
_EXPECTED = text(
    """
    SELECT level, name FROM admin_area WHERE city_id = :c
    UNION ALL SELECT 'school', name FROM school WHERE city_id = :c
    UNION ALL SELECT 'route', name FROM angkot_route WHERE city_id = :c
    UNION ALL SELECT DISTINCT 'road', name FROM road_edge WHERE city_id = :c AND name IS NOT NULL
    UNION ALL SELECT DISTINCT 'route_endpoint', n FROM (
        SELECT origin AS n FROM angkot_route WHERE city_id = :c
        UNION SELECT destination FROM angkot_route WHERE city_id = :c) e WHERE n IS NOT NULL
    """
)
_PLACES = text("SELECT kind, name FROM place WHERE city_id = :c")


def _index_matches_sources(session: Session, city_id: int) -> None:
    expected = sorted(tuple(r) for r in session.execute(_EXPECTED, {"c": city_id}))
    assert sorted(tuple(r) for r in session.execute(_PLACES, {"c": city_id})) == expected


@pytest.fixture
def grid(db: Session) -> GridCity:
    route = RouteSpec(
        "E1",
        [(c, 10) for c in range(21)],
        name="Barat - Timur",
        origin="Terminal Barat",
        destination="Pasar Timur",
    )
    return build_grid_city(db, "cari", routes=[route], schools=[("1", "SD", "negeri", (3, 3))])


def _add_school(db: Session, grid: GridCity, npsn: str, name: str, level: str = "SD") -> None:
    lon, lat = grid.lonlat(5, 5)
    db.execute(
        text(
            "INSERT INTO school (city_id, npsn, name, level, status, geom) VALUES (:c, :npsn,"
            " :name, :level, 'swasta', ST_SetSRID(ST_MakePoint(:lon, :lat), 4326))"
        ),
        {"c": grid.city.id, "npsn": npsn, "name": name, "level": level, "lon": lon, "lat": lat},
    )


def _names(db: Session, grid: GridCity, q: str, limit: int = 10) -> list[tuple[str, str]]:
    found = search_places(db, grid.city, q, limit=limit)["results"]
    return [(r["kind"], r["name"]) for r in found]


def test_index_follows_every_write(db: Session, grid: GridCity) -> None:
    _index_matches_sources(db, grid.city.id)
    c = {"c": grid.city.id}
    db.execute(text("UPDATE road_edge SET name = 'Jalan Anyar' WHERE city_id = :c AND u = 0"), c)
    db.execute(text("UPDATE angkot_route SET origin = 'Terminal Poris' WHERE city_id = :c"), c)
    db.execute(text("UPDATE admin_area SET name = 'Kelurahan Sukamaju' WHERE code LIKE '%1001'"))
    db.execute(text("DELETE FROM road_edge WHERE city_id = :c AND name = 'Jalan Kolom 3'"), c)
    # an importer's upsert: the INSERT and the UPDATE triggers both fire, each with its rows
    db.execute(
        text(
            "INSERT INTO school AS t (city_id, npsn, name, level, status, geom)"
            " SELECT :c, n, 'SD Baru ' || n, 'SD', 'negeri', ST_SetSRID(ST_MakePoint(106.6,"
            " -6.2), 4326) FROM unnest(ARRAY['1', '8']) AS n"
            " ON CONFLICT (city_id, npsn) DO UPDATE SET name = EXCLUDED.name"
        ),
        c,
    )
    # one statement, many names (a bulk import)
    db.execute(
        text(
            "INSERT INTO road_edge (city_id, name, length_m, geom) SELECT :c, 'Gang ' || i % 7,"
            " 10, ST_MakeLine(ST_SetSRID(ST_MakePoint(106.6, -6.2 + i * 1e-4), 4326),"
            " ST_SetSRID(ST_MakePoint(106.601, -6.2 + i * 1e-4), 4326))"
            " FROM generate_series(1, 50) AS i"
        ),
        c,
    )
    _index_matches_sources(db, grid.city.id)
    assert _names(db, grid, "SD Baru 1")[0] == ("school", "SD Baru 1")
    assert ("school", "Sekolah 1") not in _names(db, grid, "Sekolah 1")
    assert _names(db, grid, "Jalan Anyar")[0] == ("road", "Jalan Anyar")
    assert ("road", "Jalan Kolom 3") not in _names(db, grid, "Jalan Kolom 3")
    assert _names(db, grid, "Terminal Poris")[0] == ("route_endpoint", "Terminal Poris")
    assert ("route_endpoint", "Terminal Barat") not in _names(db, grid, "Terminal Barat")
    assert _names(db, grid, "sukamaju")[0] == ("kelurahan", "Kelurahan Sukamaju")


def test_road_is_one_place_with_its_bbox(db: Session, grid: GridCity) -> None:
    top = search_places(db, grid.city, "Jalan Baris 4")["results"][0]
    assert (top["kind"], top["name"]) == ("road", "Jalan Baris 4")
    assert top["bbox"] == pytest.approx([*grid.lonlat(0, 4), *grid.lonlat(20, 4)], abs=1e-6)
    assert top["point"] == pytest.approx(list(grid.lonlat(10, 4)), abs=1e-4)  # on the road
    assert [
        r["name"] for r in search_places(db, grid.city, "Jalan Baris 4", limit=50)["results"]
    ].count("Jalan Baris 4") == 1


def test_tiers_exact_prefix_contains_fuzzy(db: Session, grid: GridCity) -> None:
    for npsn, name in (
        ("2", "SD Swasta Pelita"),
        ("3", "Pelita"),
        ("4", "Pelita Harapan Bangsa"),
        ("5", "SMP Pelito"),
    ):
        _add_school(db, grid, npsn, name)
    assert [n for _k, n in _names(db, grid, "Pelita")] == [
        "Pelita",  # exact
        "Pelita Harapan Bangsa",  # prefix
        "SD Swasta Pelita",  # contains
        "SMP Pelito",  # fuzzy
    ]


def test_typos_and_unfinished_words(db: Session, grid: GridCity) -> None:
    _add_school(db, grid, "2", "SMK Swasta Wijaya Kusuma 3", level="SMK")
    _add_school(db, grid, "3", "SMK Swasta Wijaya Kusuma", level="SMK")
    for q in (
        "SMK Swasta iWjaya Kusuma 3",  # letters swapped at the start of a word
        "SMK Swsata Wijaya Kusmua 3",  # two words with typos
        "wijaya kusuma 3",
        "SMK Swasta Wijaya Kus",  # still typing
    ):
        assert _names(db, grid, q)[0][1].startswith("SMK Swasta Wijaya Kusuma"), q
    assert _names(db, grid, "SMK Swasta iWjaya Kusuma 3")[0][1] == "SMK Swasta Wijaya Kusuma 3"
    assert _names(db, grid, "Kelurahn Timru")[0] == ("kelurahan", "Kelurahan Timur")


def test_short_common_queries(db: Session, grid: GridCity) -> None:
    for n in range(60):
        _add_school(db, grid, f"9{n}", f"SD Negeri {n} Cipondoh")
    sd = _names(db, grid, "sd", limit=50)
    assert len(sd) == 50
    assert all(name.startswith("SD Negeri") for _kind, name in sd)
    jalan = _names(db, grid, "jalan")
    assert len(jalan) == 10
    assert all(kind == "road" for kind, _name in jalan)
    assert _names(db, grid, "sd negeri 7 cipondoh")[0] == ("school", "SD Negeri 7 Cipondoh")
    assert _names(db, grid, "7 Cipondoh")[0] == ("school", "SD Negeri 7 Cipondoh")


def test_number_typed_against_a_word(db: Session, grid: GridCity) -> None:
    for n in (15, 150, 1515):
        _add_school(db, grid, f"8{n}", f"SMK Negeri {n} Kedaung", level="SMK")
    _add_school(db, grid, "81a", "SD Negeri 1A Kedaung")
    # a missing space between a number and a word of 3+ letters is read as two words
    assert _names(db, grid, "SMK Negeri15 Kedaung")[0] == ("school", "SMK Negeri 15 Kedaung")
    assert _names(db, grid, "smk negeri 150kedaung")[0] == ("school", "SMK Negeri 150 Kedaung")
    # a short mix such as "1A" stays one word
    assert _names(db, grid, "SD Negeri 1A")[0] == ("school", "SD Negeri 1A Kedaung")


@pytest.mark.parametrize(
    ("typed", "words"),
    [
        ("SMK Negeri15 Kedaung", "SMK Negeri 15 Kedaung"),
        ("SD Swasta 47Babakan", "SD Swasta 47 Babakan"),
        ("SD Negeri 1A", "SD Negeri 1A"),
        ("Jl. Raya 5B", "Jl. Raya 5B"),
        ("Gg. Mawar", "Gg. Mawar"),
    ],
)
def test_split_glued(typed: str, words: str) -> None:
    assert split_glued(typed) == words


def test_route_code_and_other_cities(db: Session, grid: GridCity) -> None:
    assert _names(db, grid, "e1")[0] == ("route", "Barat - Timur")
    other = build_grid_city(db, "cari-lain", cols=3, rows=3, with_areas=False)
    names = [r["name"] for r in search_places(db, other.city, "Terminal Barat")["results"]]
    assert "Terminal Barat" not in names
    assert search_places(db, other.city, "Jalan Baris 1")["results"][0]["name"] == "Jalan Baris 1"


def test_odd_queries_give_no_error(db: Session, grid: GridCity) -> None:
    for q in ("xq", "%%", "__", "a'b", "\\\\", "'':*", "!! ??", "Jalan & | ! Baris"):
        assert isinstance(search_places(db, grid.city, q)["results"], list)


# -- through the API, committed writes ----------------------------------------------------------
@pytest.fixture
def committed(engine: Engine) -> Iterator[GridCity]:
    with committed_grid_city(engine, SLUG, cols=5, rows=5, with_areas=False) as grid:
        yield grid


@pytest.fixture
def real_client(settings: Settings, committed: GridCity) -> Iterator[Any]:
    """A TestClient whose requests open their own sessions (they see committed data only)."""
    from fastapi.testclient import TestClient

    from api.app import create_app

    with TestClient(create_app(settings)) as client:
        yield client


def _api(client: Any, q: str) -> list[tuple[str, str]]:
    r = client.get(f"/cities/{SLUG}/search", params={"q": q})
    assert r.status_code == 200, r.text
    return [(res["kind"], res["name"]) for res in r.json()["results"]]


def test_committed_edits_are_found_by_the_next_search(
    real_client: Any, committed: GridCity, engine: Engine
) -> None:
    c = {"c": committed.city.id}
    assert _api(real_client, "Sekolah Melati") == []
    with engine.begin() as conn:
        lon, lat = committed.lonlat(2, 2)
        conn.execute(
            text(
                "INSERT INTO school (city_id, npsn, name, level, status, geom) VALUES (:c, '77',"
                " 'SD Negeri Melati', 'SD', 'negeri', ST_SetSRID(ST_MakePoint(:x, :y), 4326))"
            ),
            {**c, "x": lon, "y": lat},
        )
    assert _api(real_client, "SD Negeri Melati")[0] == ("school", "SD Negeri Melati")
    with engine.begin() as conn:
        conn.execute(text("UPDATE school SET name = 'SD Negeri Mawar' WHERE city_id = :c"), c)
        conn.execute(
            text("UPDATE road_edge SET name = 'Jalan Kenanga' WHERE city_id = :c AND name = :n"),
            {**c, "n": "Jalan Baris 2"},
        )
    assert _api(real_client, "SD Negeri Mawar")[0] == ("school", "SD Negeri Mawar")
    assert ("school", "SD Negeri Melati") not in _api(real_client, "SD Negeri Melati")
    assert _api(real_client, "Jalan Kenanga")[0] == ("road", "Jalan Kenanga")
    assert ("road", "Jalan Baris 2") not in _api(real_client, "Jalan Baris 2")


_LOOKALIKES = [
    "SMPS 5 BINA BANGSA",
    "SMPIT 5 AL HIKMAH",
    "SMPK 5 PENABUR",
    "SMP NEGERI 15 TANGERANG",
    "SDS 12 TUNAS",
    "SDIT 12 AL FALAH",
    "SMAS 7 YADIKA",
    "SMKS 4 BINA",
    "MIS 2 AL HUDA",
    "MTSS 1 NURUL",
    "SLBS CIPONDOH ASIH",
    "SEKOLAH ALAM MUBAROK",
]


@pytest.mark.parametrize(
    ("stored", "typed"),
    [
        ("SMP NEGERI 5 TANGERANG", "SMPN 5"),
        ("SD NEGERI 12 CIBODAS", "sdn 12"),
        ("SMAN 7 TANGERANG", "SMA Negeri 7"),
        ("SMKN 4 TANGERANG", "smk negeri 4"),
        ("SMKS YUPPENTEK 1", "SMK Swasta Yuppentek"),
        ("MI NEGERI 2 KOTA TANGERANG", "MIN 2"),
        ("MTsN 1 KOTA TANGERANG", "MTs Negeri 1"),
        ("MADRASAH ALIYAH AL MUBAROK", "MA Al Mubarok"),
        ("SLB NEGERI CIPONDOH", "SLBN Cipondoh"),
    ],
)
def test_school_abbreviations_both_ways(
    db: Session, grid: GridCity, stored: str, typed: str
) -> None:
    _add_school(db, grid, "90001", stored)
    # names that share letters and numbers with the query but are other schools
    for n, other in enumerate(_LOOKALIKES):
        _add_school(db, grid, f"9100{n}", other)
    top = search_places(db, grid.city, typed)["results"][0]
    assert (top["kind"], top["name"]) == ("school", stored)


def test_route_directions_are_one_result(db: Session, grid: GridCity) -> None:
    back = RouteSpec("E1", [(c, 10) for c in range(20, -1, -1)], direction=1, name="Barat - Timur")
    from tests.geo.synthetic import insert_route

    back_id = insert_route(db, grid, back)
    results = search_places(db, grid.city, "Barat - Timur")["results"]
    routes = [r for r in results if r["kind"] == "route"]
    assert len(routes) == 1
    assert routes[0]["directions"] == 2
    assert sorted(routes[0]["ids"]) == sorted([grid.route_ids[("E1", 0)], back_id])
