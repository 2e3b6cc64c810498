"""Shared draws of the demo's generated requests (aid proposals, school transfers, audits):
people from fixed lists of generated names, with NIKs of a demo region (province 99, which names
no region) and 000-phones, never a real person; points inside a kelurahan; a workflow step
and the note it needs."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Point

from geo.requests.bulk import BulkEvent
from geo.requests.workflow import Transition

Rng = np.random.Generator

GIVEN = (
    ("Ahmad", False),
    ("Budi", False),
    ("Agus", False),
    ("Slamet", False),
    ("Wahyu", False),
    ("Yusuf", False),
    ("Hendra", False),
    ("Rahmat", False),
    ("Dedi", False),
    ("Eko", False),
    ("Fajar", False),
    ("Irfan", False),
    ("Siti", True),
    ("Dewi", True),
    ("Rina", True),
    ("Nur", True),
    ("Sri", True),
    ("Fitri", True),
    ("Lestari", True),
    ("Ayu", True),
    ("Indah", True),
    ("Maya", True),
    ("Wulan", True),
    ("Ratna", True),
)
FAMILY = (
    "Santoso",
    "Hidayat",
    "Saputra",
    "Wijaya",
    "Kurniawan",
    "Pratama",
    "Rahayu",
    "Setiawan",
    "Nugroho",
    "Permana",
    "Halim",
    "Gunawan",
    "Susanti",
    "Maulana",
    "Hakim",
    "Siregar",
)


def _pick(rng: Rng, items: tuple[Any, ...] | list[Any]) -> Any:
    return items[int(rng.integers(len(items)))]


def choose(rng: Rng, choices: tuple[tuple[str, float], ...]) -> str:
    """One of ``choices`` ((name, probability)), drawn from ``rng``."""
    weights = np.array([p for _, p in choices])
    return choices[int(rng.choice(len(choices), p=weights / weights.sum()))][0]


def note_fields(
    rng: Rng, name: str, repairs: tuple[str, ...], refusals: tuple[str, ...]
) -> dict[str, Any]:
    """The public note a repair request (``minta_perbaikan``) or a refusal (``tolak``) needs."""
    if name == "minta_perbaikan":
        return {"public_note": _pick(rng, repairs)}
    if name == "tolak":
        return {"public_note": _pick(rng, refusals)}
    return {}


def step_event(
    transition: Transition, status: str, at: datetime, actor: str, fields: dict[str, Any]
) -> BulkEvent:
    """The history event of taking ``transition`` from ``status``."""
    return BulkEvent(
        transition=transition.name,
        from_status=status,
        to_status=transition.target,
        at=at,
        actor=actor,
        fields=fields,
    )


def _person(rng: Rng, region: str) -> dict[str, Any]:
    given, female = _pick(rng, GIVEN)
    born = datetime(1955, 1, 1) + timedelta(days=int(rng.integers(0, 49 * 365)))
    day = born.day + (40 if female else 0)
    serial = int(rng.integers(1, 10_000))
    return {
        "name": f"{given} {_pick(rng, FAMILY)}",
        "nik": f"{region}{day:02d}{born.month:02d}{born.year % 100:02d}{serial:04d}",
        "phone": f"000-0000-{int(rng.integers(0, 10_000)):04d}",
    }


def _point_in(cell: MultiPolygon, rng: Rng) -> Point:
    minx, miny, maxx, maxy = cell.bounds
    while True:
        xy = rng.uniform((minx, miny), (maxx, maxy), (32, 2))
        inside = shapely.contains_xy(cell, xy[:, 0], xy[:, 1])
        if inside.any():
            return Point(xy[int(np.argmax(inside))])
