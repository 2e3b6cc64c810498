"""About 900 demo schools with the real mix of levels and statuses, spread by kelurahan area."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Point
from shapely.geometry.base import BaseGeometry

from data.demo.facts import Wilayah

# (level, schools per 900, of which negeri): the Dapodik mix of Kota Tangerang (884 schools,
# 44 % negeri) scaled to 900.
LEVEL_MIX = (("SD", 485, 348), ("SMP", 189, 24), ("SMK", 127, 9), ("SMA", 84, 15), ("SLB", 15, 0))
PRIVATE_NAMES = (
    "Al-Ikhlas",
    "Al-Azhar",
    "Muhammadiyah",
    "Strada",
    "Bina Bangsa",
    "Tunas Harapan",
    "Nurul Huda",
    "Pelita Harapan",
    "Budi Mulia",
    "Mutiara Bangsa",
    "Yadika",
    "PGRI",
    "Dharma Karya",
    "Islam Terpadu Nurul Fikri",
    "Kristen Tirta Marta",
    "Permata Hati",
    "Nusantara",
    "Bakti Mulya",
    "Al-Hikmah",
    "Darul Ulum",
    "Tunas Bangsa",
    "Mandiri",
    "Taruna Bangsa",
    "Insan Kamil",
    "Karya Guna",
    "Bintang Timur",
    "Cahaya Madani",
    "Setia Budhi",
    "Wijaya Kusuma",
    "Harapan Bangsa",
)
EDGE_MARGIN_M = 15.0  # keep points this far inside their kelurahan


@dataclass(frozen=True)
class School:
    """A generated school (point in UTM metres)."""

    npsn: str
    name: str
    level: str
    status: str
    address: str
    kelurahan_code: str
    point: Point


def _point_in(inner: BaseGeometry, rng: np.random.Generator) -> Point:
    minx, miny, maxx, maxy = inner.bounds
    while True:
        xy = rng.uniform((minx, miny), (maxx, maxy), (32, 2))
        inside = shapely.contains_xy(inner, xy[:, 0], xy[:, 1])
        if inside.any():
            return Point(xy[int(np.argmax(inside))])


def _names(level: str, negeri: int, total: int, rng: np.random.Generator) -> list[str]:
    names = [f"{level} Negeri {k} Kota Tangerang" for k in range(1, negeri + 1)]
    used: dict[str, int] = {}
    for _ in range(total - negeri):
        base = PRIVATE_NAMES[int(rng.integers(len(PRIVATE_NAMES)))]
        used[base] = used.get(base, 0) + 1
        suffix = f" {used[base]}" if used[base] > 1 else ""
        names.append(f"{level} Swasta {base}{suffix}")
    return names


def make_schools(
    kelurahan: tuple[Wilayah, ...],
    cells: tuple[MultiPolygon, ...],
    kecamatan_names: dict[str, str],
    street_names: list[str],
    rng: np.random.Generator,
) -> list[School]:
    """Generate the schools of the demo city.

    Args:
        kelurahan: Kelurahan facts, in the order of ``cells``.
        cells: Kelurahan cells (UTM metres).
        kecamatan_names: Kecamatan code -> name (for addresses).
        street_names: Per kelurahan, a local street name for the address.
        rng: Seeded random stream.

    Returns:
        Schools with unique 8-digit NPSN-like ids, each inside its kelurahan.
    """
    inner = [c.buffer(-EDGE_MARGIN_M) for c in cells]
    inner = [i if not i.is_empty else c for i, c in zip(inner, cells, strict=True)]
    areas = np.array([c.area for c in cells])
    weights = areas / areas.sum()
    total = sum(n for _, n, _ in LEVEL_MIX)
    npsn = np.sort(rng.choice(100_000, size=total, replace=False)) + 20_600_000
    rng.shuffle(npsn)
    schools: list[School] = []
    for level, count, negeri in LEVEL_MIX:
        for k, name in enumerate(_names(level, negeri, count, rng)):
            i = int(rng.choice(len(cells), p=weights))
            kel = kelurahan[i]
            number = int(rng.integers(1, 200))
            address = (
                f"{street_names[i]} No. {number}, Kel. {kel.name}, "
                f"Kec. {kecamatan_names[kel.parent_code]}, Kota Tangerang {kel.postcode}"
            )
            schools.append(
                School(
                    npsn=str(int(npsn[len(schools)])),
                    name=name,
                    level=level,
                    status="negeri" if k < negeri else "swasta",
                    address=address,
                    kelurahan_code=kel.code,
                    point=_point_in(inner[i], rng),
                )
            )
    return schools
