"""The permits bench city: 10,000 permitted parcels, a zoning plan of 2,000 zones with its ITBX
table, protected rice fields (the real layer from ../shared/data when present), parks and
rivers with their setbacks; and the 200-vertex parcels the pre-check is timed on."""

from __future__ import annotations

import math
import random
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson
from shapely.geometry import LineString, Point, Polygon, box, mapping
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from data.importers import import_protected, import_zoning
from geo.cities import create_city
from geo.store import PROJECT_ROOT

SLUG = "permits-bench"
BBOX = (106.55, -6.26, 106.75, -6.09)  # about Kota Tangerang: 22 x 19 km
PARCELS_GRID = (100, 100)  # 10,000 permitted parcels
ZONES_GRID = (50, 40)  # 2,000 zones
CODES = ("R-1", "R-2", "R-3", "R-4", "K-1", "K-2", "I-2", "SPU", "RTH", "PTL")
ACTIVITIES = (
    "Rumah tinggal", "Rumah kos", "Minimarket", "Restoran", "Kantor", "Gudang", "Bengkel",
    "Pabrik ringan", "Sekolah", "Klinik", "Tempat ibadah", "Hotel", "SPBU", "Taman bermain",
    "Lapangan olahraga",
)  # fmt: skip
PARKS, RIVERS = 200, 5
SAWAH = (
    PROJECT_ROOT.parent / "shared" / "data" / "landuse-sawah-big" / "sawah_kota_tangerang.geojson"
)
PARCEL_VERTICES = 200
Log = Any


def _verdict(code: str, n: int) -> str:
    if code in {"RTH", "PTL"}:
        return "X" if n % 3 else "T"
    return "ITBX"[(CODES.index(code) * 5 + n) % 4] if n % 2 else "I"


def _geojson(path: Path, features: list[dict[str, Any]]) -> Path:
    path.write_bytes(orjson.dumps({"type": "FeatureCollection", "features": features}))
    return path


def _feature(geom: Any, **props: Any) -> dict[str, Any]:
    return {"type": "Feature", "properties": props, "geometry": mapping(geom)}


def ensure_city(engine: Engine, log: Log) -> tuple[int, dict[str, Any]]:
    """The bench city, built once (reused while the bench cluster lives): (city id, facts)."""
    with engine.connect() as conn:
        row = conn.execute(text("SELECT id FROM city WHERE slug = :s"), {"s": SLUG}).first()
    if row is not None:
        return int(row[0]), _facts(engine, int(row[0]), load_s=None)
    started = time.monotonic()
    minx, miny, maxx, maxy = BBOX
    with Session(engine) as session:
        city = create_city(session, SLUG, "Kota Uji Perizinan", BBOX)
        session.execute(
            text(
                "INSERT INTO admin_area (city_id, level, code, name, geom) VALUES"
                " (:c, 'kota', '99.01', 'Kota Uji Perizinan',"
                " ST_Multi(ST_MakeEnvelope(:x0, :y0, :x1, :y1, 4326)))"
            ),
            {"c": city.id, "x0": minx, "y0": miny, "x1": maxx, "y1": maxy},
        )
        log(f"Inserting {PARCELS_GRID[0] * PARCELS_GRID[1]:,} permitted parcels ...")
        nx, ny = PARCELS_GRID
        dx, dy = (maxx - minx) / nx, (maxy - miny) / ny
        session.execute(
            text(
                "INSERT INTO permit_parcel (city_id, code, name, permit_type, issued_on, geom)"
                " SELECT :c, 'PB-' || i || '-' || j, 'Persil uji ' || i || '/' || j, 'PBG',"
                " now(), ST_Multi(ST_Segmentize(ST_MakeEnvelope("
                "   :x0 + i * :dx + 0.0002, :y0 + j * :dy + 0.0002,"
                "   :x0 + i * :dx + 0.0002 + :w, :y0 + j * :dy + 0.0002 + :h, 4326), 0.0001))"
                " FROM generate_series(0, :nx - 1) i, generate_series(0, :ny - 1) j"
            ),
            {
                "c": city.id, "x0": minx, "y0": miny, "dx": dx, "dy": dy,
                "w": dx * 0.45, "h": dy * 0.45, "nx": nx, "ny": ny,
            },
        )  # fmt: skip
        with tempfile.TemporaryDirectory(prefix="tpo-bench-permits-") as tmp:
            folder = Path(tmp)
            log(f"Importing {ZONES_GRID[0] * ZONES_GRID[1]:,} zones and the ITBX table ...")
            import_zoning(session, SLUG, _zones(folder), itbx=_itbx(folder))
            if SAWAH.exists():
                log("Importing the real rice fields of Kota Tangerang (../shared/data) ...")
                import_protected(session, SLUG, SAWAH, kind="sawah")
            else:
                log("No ../shared/data: synthetic rice fields ...")
                import_protected(session, SLUG, _sawah(folder), kind="sawah")
            import_protected(session, SLUG, _parks(folder), kind="rth")
            import_protected(session, SLUG, _rivers(folder), kind="sungai")
        session.commit()
        city_id = city.id
    with engine.begin() as conn:
        for table in ("permit_parcel", "zoning_zone", "zoning_rule", "protected_area"):
            conn.execute(text(f"ANALYZE {table}"))
    return city_id, _facts(engine, city_id, load_s=time.monotonic() - started)


def _zones(folder: Path) -> Path:
    minx, miny, maxx, maxy = BBOX
    nx, ny = ZONES_GRID
    dx, dy = (maxx - minx) / nx, (maxy - miny) / ny
    features = []
    for i in range(nx):
        for j in range(ny):
            code = CODES[(i * 7 + j * 3) % len(CODES)]
            cell = box(minx + i * dx, miny + j * dy, minx + (i + 1) * dx, miny + (j + 1) * dy)
            kdb, klb, kdh = (None, None, None) if code in {"RTH", "PTL"} else (60, 2.4, 20)
            features.append(
                _feature(
                    cell.segmentize(dx / 8),
                    kode=code,
                    nama=f"Zona {code}",
                    kdb=kdb,
                    klb=klb,
                    kdh=kdh,
                )
            )
    return _geojson(folder / "zones.geojson", features)


def _itbx(folder: Path) -> Path:
    lines = ["zone_code,activity,verdict"]
    lines += [f"{c},{a},{_verdict(c, n)}" for c in CODES for n, a in enumerate(ACTIVITIES)]
    path = folder / "itbx.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def _blobs(n: int, seed: int, radius_deg: float) -> list[Polygon]:
    rng = random.Random(seed)
    minx, miny, maxx, maxy = BBOX
    out = []
    for _ in range(n):
        centre = Point(rng.uniform(minx + 0.01, maxx - 0.01), rng.uniform(miny + 0.01, maxy - 0.01))
        out.append(centre.buffer(radius_deg * rng.uniform(0.5, 1.5), 16))
    return out


def _sawah(folder: Path) -> Path:
    features = [_feature(p, nama="Sawah uji") for p in _blobs(120, 3, 0.004)]
    return _geojson(folder / "sawah.geojson", features)


def _parks(folder: Path) -> Path:
    features = [_feature(p, nama=f"Taman {n}") for n, p in enumerate(_blobs(PARKS, 5, 0.0012))]
    return _geojson(folder / "rth.geojson", features)


def _rivers(folder: Path) -> Path:
    minx, miny, maxx, maxy = BBOX
    features = []
    for r in range(RIVERS):
        y0 = miny + (r + 0.5) * (maxy - miny) / RIVERS
        points = [
            (minx + k * (maxx - minx) / 200, y0 + 0.004 * math.sin(k / 9 + r)) for k in range(201)
        ]
        depth = (2.0, 8.0, 25.0, 5.0, 1.5)[r]
        features.append(
            _feature(LineString(points), nama=f"Kali Uji {r}", depth_m=depth, has_levee=r == 3)
        )
    return _geojson(folder / "sungai.geojson", features)


def _facts(engine: Engine, city_id: int, load_s: float | None) -> dict[str, Any]:
    with engine.connect() as conn:

        def count(sql: str) -> int:
            return int(conn.execute(text(sql), {"c": city_id}).scalar_one())

        facts: dict[str, Any] = {
            "parcels": count("SELECT count(*) FROM permit_parcel WHERE city_id = :c"),
            "zones": count("SELECT count(*) FROM zoning_zone WHERE city_id = :c"),
            "rules": count("SELECT count(*) FROM zoning_rule WHERE city_id = :c"),
        }
        for kind in ("sawah", "rth", "sungai"):
            facts[kind] = int(
                conn.execute(
                    text("SELECT count(*) FROM protected_area WHERE city_id = :c AND kind = :k"),
                    {"c": city_id, "k": kind},
                ).scalar_one()
            )
        facts["protected_vertices"] = count(
            "SELECT coalesce(sum(ST_NPoints(geom)), 0) FROM protected_area WHERE city_id = :c"
        )
    facts["real_sawah"] = SAWAH.exists()
    facts["load_s"] = load_s
    return facts


def parcels(n: int, seed: int = 11) -> list[dict[str, Any]]:
    """``n`` 200-vertex parcels (wavy rings, about 1 ha) at random places in the city."""
    rng = random.Random(seed)
    minx, miny, maxx, maxy = BBOX
    out = []
    for _ in range(n):
        cx, cy = rng.uniform(minx + 0.005, maxx - 0.005), rng.uniform(miny + 0.005, maxy - 0.005)
        phase = rng.uniform(0, math.tau)
        ring = []
        for k in range(PARCEL_VERTICES):
            angle = math.tau * k / PARCEL_VERTICES
            radius = 0.00055 * (1 + 0.15 * math.sin(5 * angle + phase))
            ring.append(
                (round(cx + radius * math.cos(angle), 7), round(cy + radius * math.sin(angle), 7))
            )
        out.append({"type": "Polygon", "coordinates": [[*ring, ring[0]]]})
    return out
