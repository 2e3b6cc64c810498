"""The synthetic 300-route city ``sintetis``: a city-sized road grid, angkot on its main roads."""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np
from sqlalchemy import Connection, Engine, text
from sqlalchemy.orm import Session

from geo.cities import create_city

SLUG = "sintetis"
NAME = "Kota Sintetis (synthetic)"
UTM_SRID = 32748
# south-west corner in UTM 48S (near Kota Tangerang); everything inside is generated
ORIGIN_X = 668_000.0
ORIGIN_Y = 9_308_000.0
SEED = 20_261_128
WORDS = (
    "Cipondoh",
    "Karawaci",
    "Cibodas",
    "Jatiuwung",
    "Periuk",
    "Neglasari",
    "Batuceper",
    "Benda",
    "Tangerang",
    "Pinang",
    "Ciledug",
    "Larangan",
    "Karang",
    "Tengah",
    "Cikokol",
    "Sukasari",
    "Babakan",
    "Poris",
    "Kunciran",
    "Panunggangan",
    "Gondrong",
    "Sudimara",
    "Pabuaran",
    "Gerendeng",
    "Kedaung",
    "Bojong",
    "Nambo",
    "Sangiang",
    "Kelapa",
    "Indah",
    "Mekarsari",
    "Cimone",
    "Nusajaya",
    "Uwung",
    "Jaya",
    "Alam",
    "Sari",
    "Bugel",
    "Manis",
    "Gebang",
    "Buaran",
    "Keroncong",
)
LEVELS = ("SD", "SD", "SD", "SMP", "SMP", "SMA", "SMK", "SLB")


@dataclass(frozen=True)
class CitySizes:
    """How big the synthetic city is."""

    cols: int = 141  # 14 km of streets east-west, every 100 m
    rows: int = 121  # 12 km north-south
    spacing_m: float = 100.0
    arterial_every: int = 5  # a main road every 500 m: the angkot run on these
    lines: int = 300  # angkot lines, each two-way: 600 route directions
    route_min_m: float = 5_000.0
    route_max_m: float = 20_000.0
    schools: int = 100_000
    drop_share: float = 0.08  # local streets removed at random (dead ends, blocks)
    served_share: float = 0.8  # the angkot serve the west 80 %; the east is out of reach
    kota_margin_m: float = 300.0  # the kota boundary around the street grid
    bbox_margin_m: float = 1000.0  # the city bbox (lon/lat) must hold the rotated UTM boundary


@dataclass(frozen=True)
class LoadedCity:
    """The city as the bench cases need it."""

    slug: str
    city_id: int
    sizes: CitySizes
    bbox: tuple[float, float, float, float]  # lon/lat of the street grid
    load_s: float
    reused: bool


def _grid(sizes: CitySizes, rnd: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Jittered UTM positions of the grid nodes, shape (rows, cols, 2); arterials stay straight."""
    c, r = np.meshgrid(np.arange(sizes.cols), np.arange(sizes.rows))
    jitter = rnd.uniform(-0.15, 0.15, size=(sizes.rows, sizes.cols, 2)) * sizes.spacing_m
    jitter[:, :, 0][c % sizes.arterial_every == 0] = 0.0
    jitter[:, :, 1][r % sizes.arterial_every == 0] = 0.0
    xy = np.stack([ORIGIN_X + c * sizes.spacing_m, ORIGIN_Y + r * sizes.spacing_m], axis=-1)
    return xy + jitter, np.stack([c, r], axis=-1)


def _edges(sizes: CitySizes, rnd: np.random.Generator) -> list[tuple[int, int, int, int, str]]:
    """(c0, r0, c1, r1, name) of every street segment, minus a few dropped local ones."""
    out = []
    every = sizes.arterial_every
    for r in range(sizes.rows):
        for c in range(sizes.cols):
            if c + 1 < sizes.cols:
                main = r % every == 0
                name = f"Jalan Raya {WORDS[r // every % len(WORDS)]} {r // every}"
                if main or rnd.random() >= sizes.drop_share:
                    out.append((c, r, c + 1, r, name if main else f"Gang Baris {r}"))
            if r + 1 < sizes.rows:
                main = c % every == 0
                name = f"Jalan {WORDS[(c // every * 7) % len(WORDS)]} Raya {c // every}"
                if main or rnd.random() >= sizes.drop_share:
                    out.append((c, r, c, r + 1, name if main else f"Gang Kolom {c}"))
    return out


_TURNS = {(1, 0): ((0, 1), (0, -1)), (-1, 0): ((0, 1), (0, -1))}
_TURNS |= {(0, 1): ((1, 0), (-1, 0)), (0, -1): ((1, 0), (-1, 0))}


def route_paths(sizes: CitySizes, seed: int = SEED) -> list[list[tuple[int, int]]]:
    """Grid paths of the lines (direction 0), random walks of 5-20 km along the main roads."""
    rnd = np.random.default_rng(seed + 1)
    every = sizes.arterial_every
    max_c = int((sizes.cols - 1) // every * sizes.served_share)
    max_r = (sizes.rows - 1) // every
    paths = []
    step_m = every * sizes.spacing_m
    while len(paths) < sizes.lines:
        target_steps = int(rnd.uniform(sizes.route_min_m, sizes.route_max_m) / step_m)
        c, r = int(rnd.integers(0, max_c + 1)), int(rnd.integers(0, max_r + 1))
        heading = [(1, 0), (-1, 0), (0, 1), (0, -1)][int(rnd.integers(0, 4))]
        cells = [(c, r)]
        used = set()
        for _step in range(target_steps):
            options = [heading] if rnd.random() > 0.25 else []
            options += list(_TURNS[heading])
            options = [
                h
                for h in options
                if 0 <= c + h[0] <= max_c
                and 0 <= r + h[1] <= max_r
                and ((c, r), (c + h[0], r + h[1])) not in used
            ]
            if not options:
                break
            heading = (
                options[0]
                if len(options) == 1 or options[0] == heading
                else options[int(rnd.integers(0, len(options)))]
            )
            used.add(((c, r), (c + heading[0], r + heading[1])))
            used.add(((c + heading[0], r + heading[1]), (c, r)))
            c, r = c + heading[0], r + heading[1]
            cells.append((c, r))
        if (len(cells) - 1) * step_m < sizes.route_min_m:
            continue  # stuck in a corner: draw another
        path = [(cells[0][0] * every, cells[0][1] * every)]
        for (c0, r0), (c1, r1) in itertools.pairwise(cells):
            for k in range(1, every + 1):
                path.append((c0 * every + (c1 - c0) * k, r0 * every + (r1 - r0) * k))
        paths.append(path)
    return paths


_MARKER = text(
    "CREATE TABLE IF NOT EXISTS bench_citizens_marker (slug text PRIMARY KEY,"
    " sizes jsonb NOT NULL, load_s double precision NOT NULL)"
)
_EDGES = text(
    "INSERT INTO road_edge (city_id, u, v, name, length_m, geom)"
    " SELECT :city, e.u, e.v, e.name, ST_Length(e.g::geography), e.g FROM ("
    "   SELECT u, v, name, ST_Transform(ST_SetSRID(ST_MakeLine(ST_MakePoint(x0, y0),"
    "          ST_MakePoint(x1, y1)), :srid), 4326) AS g"
    "   FROM unnest(CAST(:u AS bigint[]), CAST(:v AS bigint[]), CAST(:names AS text[]),"
    "               CAST(:x0 AS float8[]), CAST(:y0 AS float8[]), CAST(:x1 AS float8[]),"
    "               CAST(:y1 AS float8[])) AS t(u, v, name, x0, y0, x1, y1)) e"
)
_ROUTE = text(
    "INSERT INTO angkot_route (city_id, code, name, direction, origin, destination, colour,"
    " fare_idr, headway_s, speed_kmh, geom) VALUES (:city, :code, :name, :direction, :origin,"
    " :destination, :colour, :fare, :headway, :speed,"
    " ST_Transform(ST_GeomFromText(:wkt, :srid), 4326))"
)
_SCHOOLS = text(
    """
    INSERT INTO school (city_id, npsn, name, level, status, address, geom)
    SELECT :city, lpad(g::text, 8, '0'),
           l.level || ' ' || (CASE WHEN g % 3 = 0 THEN 'Negeri' ELSE 'Swasta' END) || ' '
             || (g / 40 + 1) || ' ' || (CAST(:words AS text[]))[1 + g % :nwords],
           l.level, CASE WHEN g % 3 = 0 THEN 'negeri' ELSE 'swasta' END,
           'Jl. Contoh No. ' || g,
           ST_Transform(ST_SetSRID(ST_MakePoint(:x0 + random() * :w, :y0 + random() * :h),
                                   :srid), 4326)
    FROM generate_series(1, :n) g
    CROSS JOIN LATERAL (SELECT (CAST(:levels AS text[]))[1 + (g * 7919) % :nlevels] AS level) l
    """
)


def _wkt(points: np.ndarray) -> str:
    return "LINESTRING(" + ", ".join(f"{x:.2f} {y:.2f}" for x, y in points) + ")"


def _box_wkt(x0: float, y0: float, x1: float, y1: float) -> str:
    return f"MULTIPOLYGON((({x0} {y0}, {x1} {y0}, {x1} {y1}, {x0} {y1}, {x0} {y0})))"


def _load(conn: Connection, sizes: CitySizes) -> int:
    rnd = np.random.default_rng(SEED)
    xy, _cr = _grid(sizes, rnd)
    w = (sizes.cols - 1) * sizes.spacing_m
    h = (sizes.rows - 1) * sizes.spacing_m
    margin = sizes.bbox_margin_m
    corners = conn.execute(
        text(
            "SELECT ST_X(a), ST_Y(a), ST_X(b), ST_Y(b) FROM (SELECT"
            " ST_Transform(ST_SetSRID(ST_MakePoint(:x0, :y0), :srid), 4326) a,"
            " ST_Transform(ST_SetSRID(ST_MakePoint(:x1, :y1), :srid), 4326) b) t"
        ),
        {
            "x0": ORIGIN_X - margin,
            "y0": ORIGIN_Y - margin,
            "x1": ORIGIN_X + w + margin,
            "y1": ORIGIN_Y + h + margin,
            "srid": UTM_SRID,
        },
    ).one()
    session = Session(bind=conn)
    city = create_city(session, SLUG, NAME, (corners[0], corners[1], corners[2], corners[3]))
    session.flush()
    edges = _edges(sizes, rnd)
    ids = np.arange(sizes.rows * sizes.cols).reshape(sizes.rows, sizes.cols)
    c0, r0, c1, r1 = (np.array([e[k] for e in edges]) for k in range(4))
    conn.execute(
        _EDGES,
        {
            "city": city.id,
            "srid": UTM_SRID,
            "u": ids[r0, c0].tolist(),
            "v": ids[r1, c1].tolist(),
            "names": [e[4] for e in edges],
            "x0": xy[r0, c0, 0].tolist(),
            "y0": xy[r0, c0, 1].tolist(),
            "x1": xy[r1, c1, 0].tolist(),
            "y1": xy[r1, c1, 1].tolist(),
        },
    )
    rows = []
    route_rnd = np.random.default_rng(SEED + 2)
    for n, path in enumerate(route_paths(sizes)):
        pts = np.array([xy[r, c] for c, r in path])
        a, b = WORDS[n % len(WORDS)], WORDS[(n * 7 + 3) % len(WORDS)]
        common = {
            "city": city.id,
            "code": f"S{n + 1:03d}",
            "name": f"{a} - {b}",
            "colour": f"#{int(route_rnd.integers(0, 0x1000000)):06x}",
            "fare": int(route_rnd.choice([3000, 4000, 5000])),
            "headway": int(route_rnd.choice([300, 600, 900])),
            "speed": float(route_rnd.choice([12.0, 15.0, 20.0])),
            "srid": UTM_SRID,
        }
        rows.append(
            {**common, "direction": 0, "origin": f"Terminal {a}", "destination": f"Pasar {b}"}
            | {"wkt": _wkt(pts)}
        )
        rows.append(
            {**common, "direction": 1, "origin": f"Pasar {b}", "destination": f"Terminal {a}"}
            | {"wkt": _wkt(pts[::-1])}
        )
    conn.execute(_ROUTE, rows)
    pad = sizes.kota_margin_m
    areas = [("kota", "98.01", "Kota Sintetis", None, (0, 0, w, h), pad)]
    areas.append(("kecamatan", "98.01.01", "Kecamatan Sintetis", "98.01", (0, 0, w, h), pad))
    cells = 8
    for i in range(cells * cells):
        cx, cy = i % cells, i // cells
        box = (cx * w / cells, cy * h / cells, (cx + 1) * w / cells, (cy + 1) * h / cells)
        name = f"{WORDS[i % len(WORDS)]} {('Utara', 'Selatan', 'Barat', 'Timur')[i // len(WORDS)]}"
        areas.append(("kelurahan", f"98.01.01.{1001 + i}", name, "98.01.01", box, 0.0))
    for level, code, name, parent, (x0, y0, x1, y1), pad_m in areas:
        conn.execute(
            text(
                "INSERT INTO admin_area (city_id, level, code, name, parent_code, geom) VALUES"
                " (:city, :level, :code, :name, :parent,"
                " ST_Transform(ST_GeomFromText(:wkt, :srid), 4326))"
            ),
            {
                "city": city.id,
                "level": level,
                "code": code,
                "name": name,
                "parent": parent,
                "srid": UTM_SRID,
                "wkt": _box_wkt(
                    ORIGIN_X + x0 - pad_m,
                    ORIGIN_Y + y0 - pad_m,
                    ORIGIN_X + x1 + pad_m,
                    ORIGIN_Y + y1 + pad_m,
                ),
            },
        )
    conn.execute(text("SELECT setseed(0.5)"))
    conn.execute(
        _SCHOOLS,
        {
            "city": city.id,
            "n": sizes.schools,
            "words": list(WORDS),
            "nwords": len(WORDS),
            "levels": list(LEVELS),
            "nlevels": len(LEVELS),
            "x0": ORIGIN_X,
            "y0": ORIGIN_Y,
            "w": w,
            "h": h,
            "srid": UTM_SRID,
        },
    )
    return city.id


def ensure_city(engine: Engine, sizes: CitySizes, log: Callable[[str], None] = print) -> LoadedCity:
    """Load ``sintetis`` with ``sizes`` unless the marker table says it is there already.

    Args:
        engine: Engine on the (migrated) citizens bench database.
        sizes: The city's size.
        log: Progress output.

    Returns:
        The loaded city.
    """
    wanted = json.dumps(asdict(sizes), sort_keys=True)
    with engine.begin() as conn:
        conn.execute(_MARKER)
        row = conn.execute(
            text(
                "SELECT m.sizes::text, m.load_s, c.id FROM bench_citizens_marker m"
                " JOIN city c ON c.slug = m.slug WHERE m.slug = :slug"
            ),
            {"slug": SLUG},
        ).first()
    reused = row is not None and json.loads(row[0]) == json.loads(wanted)
    if reused and row is not None:
        city_id, load_s = int(row[2]), float(row[1])
        log(f"Reusing {SLUG} (loaded in {load_s:.0f} s).")
    else:
        grid = f"{sizes.cols}x{sizes.rows} street grid"
        log(f"Loading {SLUG}: {grid}, {sizes.lines} two-way lines ...")
        started = time.monotonic()
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM city WHERE slug = :slug"), {"slug": SLUG})
            city_id = _load(conn, sizes)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            for table in ("school", "admin_area", "angkot_route", "road_edge"):
                conn.execute(text(f"VACUUM (ANALYZE) {table}"))
        load_s = time.monotonic() - started
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO bench_citizens_marker (slug, sizes, load_s)"
                    " VALUES (:slug, CAST(:sizes AS jsonb), :load_s) ON CONFLICT (slug)"
                    " DO UPDATE SET sizes = excluded.sizes, load_s = excluded.load_s"
                ),
                {"slug": SLUG, "sizes": wanted, "load_s": load_s},
            )
        log(f"Loaded {SLUG} in {load_s:.0f} s.")
    with engine.connect() as conn:
        box = conn.execute(
            text(
                "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (SELECT"
                " ST_Extent(geom) AS e FROM road_edge WHERE city_id = :c) t"
            ),
            {"c": city_id},
        ).one()
    return LoadedCity(SLUG, city_id, sizes, (box[0], box[1], box[2], box[3]), load_s, reused)
