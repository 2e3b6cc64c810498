"""A grid city with schools and an angkot route for the school-transfer tests (geo and api)."""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy.orm import Session

from geo.requests.transfer import TRANSFER_DOCUMENTS, Planning
from geo.transit import PlannerOptions, build_transit_network, build_walking_graph
from tests.geo.synthetic import GridCity, RouteSpec, build_grid_city

# npsn, level, status, (col, row)
SCHOOLS = [
    ("10000001", "SD", "negeri", (2, 2)),
    ("10000002", "SD", "negeri", (12, 11)),
    ("10000003", "SD", "swasta", (5, 5)),
    ("10000004", "SD", "swasta", (18, 18)),
    ("10000005", "SD", "negeri", (0, 20)),
    ("10000006", "SD", "negeri", (20, 0)),
    ("10000007", "SD", "swasta", (3, 12)),
    ("20000001", "SMP", "negeri", (3, 3)),
    ("20000002", "SMP", "negeri", (15, 15)),
    ("30000001", "SMA", "negeri", (8, 8)),
]
ORIGIN, TARGET, SMP_SCHOOL, SMA_SCHOOL = "10000001", "10000002", "20000001", "30000001"
EAST = RouteSpec("E1", [(c, 10) for c in range(21)], name="Timur")
HOME = (1.0, 10.2)  # grid cell of the home: beside the route, west
CHILD = "Ananda Rahasia Putri"
NISN = "0123456789"
PDF = b"%PDF-1.4\n% test document\n"


def transfer_city(db: Session, slug: str = "pindah") -> GridCity:
    """The grid city (21 x 21, 100 m) with :data:`SCHOOLS` and route E1 along row 10."""
    return build_grid_city(db, slug, routes=[EAST], schools=SCHOOLS)


def planning_for(db: Session, grid: GridCity) -> Planning:
    """The city's networks with the default planner options."""
    graph = build_walking_graph(db, grid.city.id, grid.city.utm_srid)
    return Planning(graph, build_transit_network(db, grid.city.id, graph), PlannerOptions())


def transfer_body(
    home: tuple[float, float], *, origin: str = ORIGIN, target: str = TARGET, **student: Any
) -> dict[str, Any]:
    """A valid ``pindah_sekolah`` submission from ``home`` (lon, lat)."""
    return {
        "type": "pindah_sekolah",
        "geometry": {"type": "Point", "coordinates": list(home)},
        "attrs": {"origin_npsn": origin, "target_npsn": target, "reason": "pindah_domisili"},
        "contact": {"name": "Ibu Wali Rahasia", "phone": "0812 1111 2222"},
        "private": {
            "student": {"name": CHILD, "nisn": NISN, "level": "SD", "grade": 4} | student,
            "home_address": "Jl. Rumah Rahasia No. 7",
        },
    }


def documents() -> list[tuple[str, str, bytes]]:
    """(slot, filename, content) of every document slot of a transfer."""
    return [(slot, f"{slot}.pdf", PDF) for slot in TRANSFER_DOCUMENTS]


def transfer_multipart(
    body: dict[str, Any],
) -> tuple[dict[str, str], list[tuple[str, tuple[str, bytes, str]]]]:
    """``data`` and ``files`` for ``client.post``: the JSON and one PDF per document slot."""
    files = [(slot, (name, content, "application/pdf")) for slot, name, content in documents()]
    return {"request": orjson.dumps(body).decode()}, files
