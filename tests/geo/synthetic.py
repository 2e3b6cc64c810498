"""Synthetic cities for planner tests and benchmarks: a metric road grid, routes along it."""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from pyproj import Transformer
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from geo.cities import CityInfo, create_city, delete_city

UTM_SRID = 32748
# south-west corner of the grid in UTM 48S (inside Kota Tangerang's lon/lat range)
ORIGIN_X = 680_000.0
ORIGIN_Y = 9_313_000.0
_TO_LONLAT = Transformer.from_crs(UTM_SRID, 4326, always_xy=True)

GridPoint = tuple[int, int]  # (column, row)


@dataclass
class RouteSpec:
    """A route as a path of grid points, in its direction of travel."""

    code: str
    path: list[GridPoint]
    direction: int = 0
    speed_kmh: float = 15.0
    headway_s: int = 600
    fare_idr: int = 4000
    colour: str = "#e31a1c"
    name: str | None = None
    origin: str | None = None
    destination: str | None = None


@dataclass
class GridCity:
    """What a builder inserted: the city, the grid and the route ids by code/direction."""

    city: CityInfo
    cols: int
    rows: int
    spacing_m: float
    route_ids: dict[tuple[str, int], int] = field(default_factory=dict)

    def lonlat(self, col: float, row: float) -> tuple[float, float]:
        """Lon/lat of a (fractional) grid position."""
        return to_lonlat(col, row, self.spacing_m)

    def xy(self, col: float, row: float) -> tuple[float, float]:
        """UTM metres of a (fractional) grid position."""
        return (ORIGIN_X + col * self.spacing_m, ORIGIN_Y + row * self.spacing_m)


def to_lonlat(col: float, row: float, spacing_m: float) -> tuple[float, float]:
    """Lon/lat of grid position (col, row) for a grid of ``spacing_m``."""
    lon, lat = _TO_LONLAT.transform(ORIGIN_X + col * spacing_m, ORIGIN_Y + row * spacing_m)
    return (float(lon), float(lat))


def _wkt_line(points: list[tuple[float, float]]) -> str:
    return "LINESTRING(" + ", ".join(f"{x:.8f} {y:.8f}" for x, y in points) + ")"


def _wkt_box(a: tuple[float, float], b: tuple[float, float]) -> str:
    (x0, y0), (x1, y1) = a, b
    ring = f"{x0} {y0}, {x1} {y0}, {x1} {y1}, {x0} {y1}, {x0} {y0}"
    return f"MULTIPOLYGON((({ring})))"


def build_grid_city(
    session: Session,
    slug: str,
    *,
    cols: int = 21,
    rows: int = 21,
    spacing_m: float = 100.0,
    routes: list[RouteSpec] | None = None,
    schools: list[tuple[str, str, str, GridPoint]] | None = None,
    with_areas: bool = True,
    margin_m: float = 1500.0,
) -> GridCity:
    """Insert a city whose roads are a ``cols`` x ``rows`` grid, plus routes and schools.

    Horizontal streets are named ``Jalan Baris {row}``, vertical ones ``Jalan Kolom {col}``.
    The city bbox is the grid plus ``margin_m``. With ``with_areas`` the west and east halves
    are kelurahan ``Barat``/``Timur`` of one kecamatan, inside a kota polygon covering the grid
    plus five cells (smaller than the bbox).
    Schools are ``(npsn, level, status, (col, row))``, named ``Sekolah {npsn}``.
    """
    lo = to_lonlat(-margin_m / spacing_m, -margin_m / spacing_m, spacing_m)
    hi = to_lonlat(cols - 1 + margin_m / spacing_m, rows - 1 + margin_m / spacing_m, spacing_m)
    city = create_city(session, slug, f"Kota {slug.title()}", (lo[0], lo[1], hi[0], hi[1]))
    grid = GridCity(city, cols, rows, spacing_m)
    edges: list[dict[str, object]] = []
    for r in range(rows):
        for c in range(cols):
            node = r * cols + c
            if c + 1 < cols:
                line = [grid.lonlat(c, r), grid.lonlat(c + 1, r)]
                edges.append(
                    {"u": node, "v": node + 1, "name": f"Jalan Baris {r}", "wkt": _wkt_line(line)}
                )
            if r + 1 < rows:
                line = [grid.lonlat(c, r), grid.lonlat(c, r + 1)]
                edges.append(
                    {
                        "u": node,
                        "v": node + cols,
                        "name": f"Jalan Kolom {c}",
                        "wkt": _wkt_line(line),
                    }
                )
    for e in edges:
        e["city"] = city.id
    session.execute(
        text(
            "INSERT INTO road_edge (city_id, u, v, name, length_m, geom) VALUES (:city, :u, :v,"
            " :name, ST_Length(ST_GeomFromText(:wkt, 4326)::geography),"
            " ST_GeomFromText(:wkt, 4326))"
        ),
        edges,
    )
    if with_areas:
        mid = (cols - 1) / 2
        areas = [
            (
                "kota",
                "99.01",
                "Kota Uji",
                None,
                _wkt_box(grid.lonlat(-5, -5), grid.lonlat(cols + 4, rows + 4)),
            ),
            (
                "kecamatan",
                "99.01.01",
                "Kecamatan Tengah",
                "99.01",
                _wkt_box(grid.lonlat(-5, -5), grid.lonlat(cols + 4, rows + 4)),
            ),
            (
                "kelurahan",
                "99.01.01.1001",
                "Kelurahan Barat",
                "99.01.01",
                _wkt_box(grid.lonlat(-5, -5), grid.lonlat(mid, rows + 4)),
            ),
            (
                "kelurahan",
                "99.01.01.1002",
                "Kelurahan Timur",
                "99.01.01",
                _wkt_box(grid.lonlat(mid, -5), grid.lonlat(cols + 4, rows + 4)),
            ),
        ]
        session.execute(
            text(
                "INSERT INTO admin_area (city_id, level, code, name, parent_code, geom)"
                " VALUES (:city, :level, :code, :name, :parent, ST_GeomFromText(:wkt, 4326))"
            ),
            [
                {
                    "city": city.id,
                    "level": lv,
                    "code": code,
                    "name": name,
                    "parent": parent,
                    "wkt": wkt,
                }
                for lv, code, name, parent, wkt in areas
            ],
        )
    for spec in routes or []:
        grid.route_ids[(spec.code, spec.direction)] = insert_route(session, grid, spec)
    for npsn, level, status, (c, r) in schools or []:
        lon, lat = grid.lonlat(c, r)
        session.execute(
            text(
                "INSERT INTO school (city_id, npsn, name, level, status, geom)"
                " VALUES (:city, :npsn, :name, :level, :status,"
                " ST_SetSRID(ST_MakePoint(:lon, :lat), 4326))"
            ),
            {
                "city": city.id,
                "npsn": npsn,
                "name": f"Sekolah {npsn}",
                "level": level,
                "status": status,
                "lon": lon,
                "lat": lat,
            },
        )
    session.flush()
    return grid


def insert_route(session: Session, grid: GridCity, spec: RouteSpec) -> int:
    """Insert one route direction along grid points; returns its id."""
    wkt = _wkt_line([grid.lonlat(c, r) for c, r in spec.path])
    return int(
        session.execute(
            text(
                "INSERT INTO angkot_route (city_id, code, name, direction, origin, destination,"
                " colour, fare_idr, headway_s, speed_kmh, geom) VALUES (:city, :code, :name,"
                " :direction, :origin, :destination, :colour, :fare, :headway, :speed,"
                " ST_GeomFromText(:wkt, 4326)) RETURNING id"
            ),
            {
                "city": grid.city.id,
                "code": spec.code,
                "name": spec.name or f"Trayek {spec.code}",
                "direction": spec.direction,
                "origin": spec.origin,
                "destination": spec.destination,
                "colour": spec.colour,
                "fare": spec.fare_idr,
                "headway": spec.headway_s,
                "speed": spec.speed_kmh,
                "wkt": wkt,
            },
        ).scalar_one()
    )


def set_route_path(session: Session, grid: GridCity, route_id: int, path: list[GridPoint]) -> None:
    """Move a route onto another path of grid points (an edit, as the route editor does)."""
    session.execute(
        text("UPDATE angkot_route SET geom = ST_GeomFromText(:wkt, 4326) WHERE id = :id"),
        {"wkt": _wkt_line([grid.lonlat(c, r) for c, r in path]), "id": route_id},
    )


def random_grid_routes(
    cols: int, rows: int, count: int, seed: int, legs: int = 4
) -> list[RouteSpec]:
    """``count`` random routes, each a staircase of ``legs`` straight runs along the grid."""
    rnd = random.Random(seed)
    specs = []
    for n in range(count):
        c, r = rnd.randrange(cols), rnd.randrange(rows)
        path = [(c, r)]
        horizontal = rnd.random() < 0.5
        for _ in range(legs):
            if horizontal:
                c2 = rnd.randrange(cols)
                step = 1 if c2 >= c else -1
                path.extend((x, r) for x in range(c + step, c2 + step, step) if x != c)
                c = c2
            else:
                r2 = rnd.randrange(rows)
                step = 1 if r2 >= r else -1
                path.extend((c, y) for y in range(r + step, r2 + step, step) if y != r)
                r = r2
            horizontal = not horizontal
        path = [p for i, p in enumerate(path) if i == 0 or p != path[i - 1]]
        if len(path) < 2 or len(set(path)) != len(path):
            path = [(0, n % rows), (cols - 1, n % rows)]
        colour = f"#{rnd.randrange(0x1000000):06x}"
        specs.append(
            RouteSpec(
                code=f"R{n:03d}",
                path=path,
                speed_kmh=rnd.choice([12.0, 15.0, 20.0]),
                headway_s=rnd.choice([300, 600, 900]),
                fare_idr=rnd.choice([3000, 4000, 5000]),
                colour=colour,
            )
        )
    return specs


@contextmanager
def committed_grid_city(engine: Engine, slug: str, **options: Any) -> Iterator[GridCity]:
    """A grid city committed (for code that opens its own sessions), deleted afterwards."""
    with Session(engine) as session:
        grid = build_grid_city(session, slug, **options)
        session.commit()
    try:
        yield grid
    finally:
        with Session(engine) as session:
            delete_city(session, slug)
            session.commit()
