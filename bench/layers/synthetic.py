"""The large synthetic city ``benchcity``, generated in SQL once and reused (marker table)."""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

from sqlalchemy import Connection, create_engine, text
from sqlalchemy.orm import Session

from bench.layers.queries import REQUESTS_LAYER, REQUESTS_TABLE
from geo.cities import create_city
from layers.grid import rebuild_grid
from layers.revision import begin_layer_read

SLUG = "benchcity"
NAME = "Bench City (synthetic)"
# a Tangerang-sized box (about 17 x 19 km); the geometry inside is all generated
BBOX = (106.56, -6.30, 106.72, -6.13)
SEED = 0.42
HOTSPOTS = 12
HOTSPOT_SIGMA_DEG = 0.012  # about 1.3 km
BENCH_SCHEMA = "bench"  # views over the bench city's rows, for tipg


@dataclass(frozen=True)
class Sizes:
    """How much synthetic data to load."""

    schools: int
    requests: int
    kelurahan: int = 104
    kelurahan_vertices: int = 200
    routes: int = 300
    route_min_vertices: int = 200
    route_max_vertices: int = 800


@dataclass(frozen=True)
class BenchCity:
    """What the cases need to know about the loaded city."""

    slug: str
    city_id: int
    bbox: tuple[float, float, float, float]
    centre: tuple[float, float]
    points_bbox: tuple[float, float, float, float]
    points_in_bbox: int
    sizes: Sizes
    load_s: float
    reused: bool


_MARKER = text(
    "CREATE TABLE IF NOT EXISTS bench_marker (slug text PRIMARY KEY, sizes jsonb NOT NULL,"
    " load_s double precision NOT NULL, loaded_at timestamptz NOT NULL DEFAULT now())"
)

_SCHOOLS = text(
    """
    INSERT INTO school (city_id, npsn, name, level, status, address, geom)
    SELECT :city_id, lpad(i::text, 8, '0'), 'Sekolah Bench ' || i,
           (ARRAY['SD','SMP','SMA','SMK','SLB'])[1 + floor(random() * 5)::int],
           (ARRAY['negeri','swasta'])[1 + floor(random() * 2)::int],
           'Jl. Bench No. ' || i,
           ST_SetSRID(ST_MakePoint(:minx + random() * (:maxx - :minx),
                                   :miny + random() * (:maxy - :miny)), 4326)
    FROM generate_series(1, :n) AS i
    """
)

# 104 star-shaped (so always simple and valid) polygons of ~200 vertices on an 8-column grid
_KELURAHAN = text(
    """
    WITH cell AS (
        SELECT k, :minx + ((k - 1) % 8 + 0.5) * (:maxx - :minx) / 8 AS cx,
               :miny + ((k - 1) / 8 + 0.5) * (:maxy - :miny) / ceil(:n / 8.0) AS cy,
               0.49 * (:maxx - :minx) / 8 AS rx,
               0.49 * (:maxy - :miny) / ceil(:n / 8.0) AS ry
        FROM generate_series(1, :n) AS k
    ), ring AS (
        SELECT k, ST_MakeLine(ST_MakePoint(cx + rx * f * cos(a), cy + ry * f * sin(a))
                              ORDER BY v) AS line
        FROM (SELECT c.*, v, 2 * pi() * v / (:nv - 1) AS a, 0.8 + 0.2 * random() AS f
              FROM cell c CROSS JOIN generate_series(0, :nv - 2) AS v) p
        GROUP BY k
    )
    INSERT INTO admin_area (city_id, level, code, name, parent_code, geom)
    SELECT :city_id, 'kelurahan', '99.71.' || lpad(((k - 1) / 8 + 1)::text, 2, '0') || '.'
           || lpad(k::text, 4, '0'), 'Kelurahan Bench ' || k,
           '99.71.' || lpad(((k - 1) / 8 + 1)::text, 2, '0'),
           ST_SetSRID(ST_Multi(ST_MakePolygon(ST_AddPoint(line, ST_StartPoint(line)))), 4326)
    FROM ring
    """
)

# random walks with a heading: 300 lines of 200-800 vertices, steps of ~50-150 m
_ROUTES = text(
    """
    WITH r AS (
        SELECT k, :vmin + floor(random() * (:vmax - :vmin + 1))::int AS nv,
               :minx + random() * (:maxx - :minx) AS x0, :miny + random() * (:maxy - :miny) AS y0,
               2 * pi() * random() AS heading,
               '#' || lpad(to_hex(floor(random() * 16777215)::int), 6, '0') AS colour
        FROM generate_series(1, :n) AS k
    ), steps AS (
        SELECT r.k, v,
               r.x0 + sum(0.0006 * cos(r.heading) + 0.0009 * (random() - 0.5))
                      OVER (PARTITION BY r.k ORDER BY v) AS x,
               r.y0 + sum(0.0006 * sin(r.heading) + 0.0009 * (random() - 0.5))
                      OVER (PARTITION BY r.k ORDER BY v) AS y
        FROM r CROSS JOIN LATERAL generate_series(1, r.nv) AS v
    )
    INSERT INTO angkot_route (city_id, code, name, direction, origin, destination, colour,
                              fare_idr, headway_s, speed_kmh, geom)
    SELECT :city_id, 'B' || lpad(s.k::text, 3, '0'), 'Trayek Bench ' || s.k, 0,
           'Terminal ' || s.k, 'Pasar ' || s.k, r.colour, 4000 + 500 * (s.k % 5),
           300 + 60 * (s.k % 10), 15, s.geom
    FROM (SELECT k, ST_SetSRID(ST_MakeLine(ST_MakePoint(x, y) ORDER BY v), 4326) AS geom
          FROM steps GROUP BY k) s JOIN r ON r.k = s.k
    """
)

_REQUESTS_TABLE = text(
    f"""
    CREATE TABLE {REQUESTS_TABLE} (
        id bigserial PRIMARY KEY,
        city_id integer NOT NULL REFERENCES city (id) ON DELETE CASCADE,
        created_at timestamptz NOT NULL,
        status text NOT NULL,
        geom geometry(Point, 4326) NOT NULL
    )
    """
)

# 60 % around hotspots (hotspot 0 at the centre), 40 % uniform; Box-Muller for the normal
_REQUESTS = text(
    f"""
    WITH hot AS (
        SELECT h, CASE WHEN h = 0 THEN :cx ELSE :minx + (0.1 + 0.8 * random()) * (:maxx - :minx)
                  END AS hx,
               CASE WHEN h = 0 THEN :cy ELSE :miny + (0.1 + 0.8 * random()) * (:maxy - :miny)
                  END AS hy
        FROM generate_series(0, {HOTSPOTS - 1}) AS h
    ), p AS (
        SELECT i, random() AS u, sqrt(-2 * ln(1 - random())) AS rr, 2 * pi() * random() AS t,
               random() AS ux, random() AS uy, random() AS age, random() AS st
        FROM generate_series(1, :n) AS i
    )
    INSERT INTO {REQUESTS_TABLE} (city_id, created_at, status, geom)
    SELECT :city_id, timestamptz '2026-11-01 00:00+00' - age * interval '730 days',
           (ARRAY['baru','diproses','selesai','ditolak'])[1 + floor(st * 4)::int],
           ST_SetSRID(ST_MakePoint(
               least(:maxx, greatest(:minx, CASE WHEN u < 0.6 THEN hx + :sigma * rr * cos(t)
                                             ELSE :minx + ux * (:maxx - :minx) END)),
               least(:maxy, greatest(:miny, CASE WHEN u < 0.6 THEN hy + :sigma * rr * sin(t)
                                             ELSE :miny + uy * (:maxy - :miny) END))), 4326)
    FROM p JOIN hot ON hot.h = p.i % {HOTSPOTS}
    ORDER BY p.i
    """
)


def _box_params() -> dict[str, float]:
    minx, miny, maxx, maxy = BBOX
    return {"minx": minx, "miny": miny, "maxx": maxx, "maxy": maxy}


def _load(conn: Connection, sizes: Sizes, log: Callable[[str], None]) -> int:
    conn.execute(text("DELETE FROM city WHERE slug = :slug"), {"slug": SLUG})
    conn.execute(text(f"DROP TABLE IF EXISTS {REQUESTS_TABLE}"))
    with Session(bind=conn) as session:
        city = create_city(session, SLUG, NAME, BBOX, zoom=12)
        session.flush()
    box = _box_params()
    conn.execute(text("SELECT setseed(:seed)"), {"seed": SEED})
    steps: list[tuple[str, object, dict[str, object]]] = [
        (f"{sizes.schools:,} schools", _SCHOOLS, {"n": sizes.schools}),
        (
            f"{sizes.kelurahan} kelurahan",
            _KELURAHAN,
            {"n": sizes.kelurahan, "nv": sizes.kelurahan_vertices},
        ),
        (
            f"{sizes.routes} routes",
            _ROUTES,
            {"n": sizes.routes, "vmin": sizes.route_min_vertices, "vmax": sizes.route_max_vertices},
        ),
    ]
    for label, sql, params in steps:
        started = time.monotonic()
        conn.execute(sql, {**box, **params, "city_id": city.id})  # type: ignore[call-overload]
        log(f"  loaded {label} in {time.monotonic() - started:.1f} s")
    started = time.monotonic()
    conn.execute(_REQUESTS_TABLE)
    conn.execute(
        _REQUESTS,
        {
            **box,
            "n": sizes.requests,
            "city_id": city.id,
            "cx": city.center[0],
            "cy": city.center[1],
            "sigma": HOTSPOT_SIGMA_DEG,
        },
    )
    conn.execute(
        text(f"CREATE INDEX ix_{REQUESTS_TABLE}_geom ON {REQUESTS_TABLE} USING gist (geom)")
    )
    conn.execute(text(f"CREATE INDEX ix_{REQUESTS_TABLE}_city_id ON {REQUESTS_TABLE} (city_id)"))
    conn.execute(text(f"CLUSTER {REQUESTS_TABLE} USING ix_{REQUESTS_TABLE}_geom"))
    _request_extras(conn)
    log(
        f"  loaded {sizes.requests:,} requests (GiST, clustered)"
        f" in {time.monotonic() - started:.1f} s"
    )
    return city.id


def _request_extras(conn: Connection) -> None:
    """What a real requests table would have: revision triggers (as in migration 0001), and
    an index in tile order (newest first) that covers the tile's columns, for dense tiles."""
    conn.execute(
        text(
            f"CREATE INDEX IF NOT EXISTS ix_{REQUESTS_TABLE}_newest ON {REQUESTS_TABLE}"
            " (city_id, created_at DESC, id DESC) INCLUDE (status, geom)"
        )
    )
    for event, ref in (("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD")):
        conn.execute(
            text(
                f"CREATE OR REPLACE TRIGGER tpo_rev_{event.lower()} AFTER {event}"
                f" ON {REQUESTS_TABLE} REFERENCING {ref} TABLE AS tpo_changed FOR EACH STATEMENT"
                f" EXECUTE FUNCTION tpo_bump_layer_revision('{REQUESTS_LAYER.id}')"
            )
        )


def build_requests_grid(url: str, city_id: int) -> float:
    """(Re)build the grid pyramid of the requests layer, as ours does on its first low-zoom
    tile after a write; returns the seconds it took."""
    engine = create_engine(url)
    try:
        with Session(engine) as session:
            started = time.monotonic()
            revision = begin_layer_read(session, city_id, REQUESTS_LAYER.id)
            if rebuild_grid(session, city_id, REQUESTS_LAYER) != revision:
                raise RuntimeError("the requests layer changed while its grid was built")
            session.commit()
            return time.monotonic() - started
    finally:
        engine.dispose()


def _views(conn: Connection, city_id: int) -> None:
    """Views holding only the bench city's rows, so tipg serves exactly the same features."""
    cid = int(city_id)  # an integer from our own table, never from a request
    conn.execute(text(f"CREATE SCHEMA IF NOT EXISTS {BENCH_SCHEMA}"))
    views = {
        "schools": "SELECT id, npsn, name, level, status, address, kelurahan_code, geom"
        f" FROM public.school WHERE city_id = {cid}",
        "kelurahan": "SELECT id, code, name, parent_code, geom FROM public.admin_area"
        f" WHERE city_id = {cid} AND level = 'kelurahan'",
        "angkot_routes": "SELECT id, code, name, direction, origin, destination, colour,"
        f" fare_idr, headway_s, active, geom FROM public.angkot_route WHERE city_id = {cid}",
        "bench_requests": f"SELECT id, status, created_at, geom FROM public.{REQUESTS_TABLE}"
        f" WHERE city_id = {cid}",
    }
    for name, sql in views.items():
        conn.execute(text(f"CREATE OR REPLACE VIEW {BENCH_SCHEMA}.{name} AS {sql}"))


def _points_bbox(conn: Connection, city_id: int, n_schools: int) -> tuple[tuple[float, ...], int]:
    """A box around the centre holding a bit more than 1,000 schools."""
    minx, miny, maxx, maxy = BBOX
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    frac = min(1.0, math.sqrt(1_300 / max(n_schools, 1)))
    while True:
        half_w, half_h = frac * (maxx - minx) / 2, frac * (maxy - miny) / 2
        box = (
            round(cx - half_w, 6),
            round(cy - half_h, 6),
            round(cx + half_w, 6),
            round(cy + half_h, 6),
        )
        count = conn.execute(
            text(
                "SELECT count(*) FROM school WHERE city_id = :c"
                " AND geom && ST_MakeEnvelope(:a, :b, :x, :y, 4326)"
            ),
            {"c": city_id, "a": box[0], "b": box[1], "x": box[2], "y": box[3]},
        ).scalar_one()
        if count >= 1_100 or frac >= 1.0:
            return box, int(count)
        frac = min(1.0, frac * 1.2)


def ensure_loaded(url: str, sizes: Sizes, log: Callable[[str], None] = print) -> BenchCity:
    """Load ``benchcity`` with ``sizes`` unless the marker says it is already there.

    Args:
        url: SQLAlchemy URL of the (migrated) bench database.
        sizes: Amount of data.
        log: Progress output.

    Returns:
        The loaded city.
    """
    engine = create_engine(url)
    wanted = json.dumps(asdict(sizes), sort_keys=True)
    try:
        with engine.begin() as conn:
            conn.execute(_MARKER)
            row = conn.execute(
                text(
                    "SELECT m.sizes::text, m.load_s, c.id FROM bench_marker m"
                    " JOIN city c ON c.slug = m.slug WHERE m.slug = :slug"
                ),
                {"slug": SLUG},
            ).first()
        reused = row is not None and json.loads(row[0]) == json.loads(wanted)
        if reused and row is not None:
            city_id, load_s = int(row[2]), float(row[1])
            log(f"Reusing the loaded {SLUG} (marker in bench_marker; loaded in {load_s:.0f} s).")
        else:
            log(f"Loading {SLUG}: {sizes.schools:,} schools, {sizes.requests:,} requests ...")
            started = time.monotonic()
            with engine.begin() as conn:
                city_id = _load(conn, sizes, log)
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                for table in ("school", "admin_area", "angkot_route", REQUESTS_TABLE):
                    conn.execute(text(f"VACUUM (ANALYZE) {table}"))
            load_s = time.monotonic() - started
            with engine.begin() as conn:
                conn.execute(
                    text(
                        "INSERT INTO bench_marker (slug, sizes, load_s)"
                        " VALUES (:slug, CAST(:sizes AS jsonb), :load_s)"
                        " ON CONFLICT (slug) DO UPDATE SET sizes = excluded.sizes,"
                        " load_s = excluded.load_s, loaded_at = now()"
                    ),
                    {"slug": SLUG, "sizes": wanted, "load_s": load_s},
                )
            log(f"Loaded {SLUG} in {load_s:.0f} s.")
        with engine.begin() as conn:
            _request_extras(conn)  # no-ops once there (data loaded by an older bench)
            _views(conn, city_id)
            centre = conn.execute(
                text("SELECT center_lon, center_lat FROM city WHERE id = :id"), {"id": city_id}
            ).one()
            box, count = _points_bbox(conn, city_id, sizes.schools)
    finally:
        engine.dispose()
    return BenchCity(
        slug=SLUG,
        city_id=city_id,
        bbox=BBOX,
        centre=(float(centre[0]), float(centre[1])),
        points_bbox=(box[0], box[1], box[2], box[3]),
        points_in_bbox=count,
        sizes=sizes,
        load_s=load_s,
        reused=reused,
    )
