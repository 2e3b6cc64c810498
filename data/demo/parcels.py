"""A few demo permit parcels (perizinan) inside kelurahan."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon

from data.demo.facts import Wilayah

N_PARCELS = 20
# permit type -> what is built (PBG: Persetujuan Bangunan Gedung, SLF: Sertifikat Laik Fungsi,
# KKPR: Kesesuaian Kegiatan Pemanfaatan Ruang)
PERMIT_USES = {
    "PBG": ("Ruko", "Rumah Tinggal", "Gudang", "Klinik"),
    "SLF": ("Pusat Perbelanjaan", "Sekolah", "Kantor"),
    "KKPR": ("Perumahan", "Kawasan Industri", "Pergudangan"),
}
STATUSES = ("aktif", "aktif", "aktif", "proses", "kedaluwarsa")


@dataclass(frozen=True)
class Parcel:
    """A generated parcel (UTM metres)."""

    code: str
    name: str
    permit_type: str
    status: str
    issued_on: datetime | None
    kelurahan_code: str
    geom: MultiPolygon


def _block(cx: float, cy: float, rng: np.random.Generator) -> Polygon:
    width, depth = rng.uniform(40.0, 180.0), rng.uniform(30.0, 120.0)
    box = shapely.box(-width / 2, -depth / 2, width / 2, depth / 2)
    box = shapely.affinity.rotate(box, float(rng.uniform(0, 180)), origin=(0, 0))
    return shapely.affinity.translate(box, cx, cy)


def make_parcels(
    kelurahan: tuple[Wilayah, ...], cells: tuple[MultiPolygon, ...], rng: np.random.Generator
) -> list[Parcel]:
    """Generate ``N_PARCELS`` parcels, each (one or two blocks) inside one kelurahan.

    Args:
        kelurahan: Kelurahan facts, in the order of ``cells``.
        cells: Kelurahan cells (UTM metres).
        rng: Seeded random stream.

    Returns:
        Parcels with unique codes.
    """
    chosen = rng.choice(len(cells), size=N_PARCELS, replace=False)
    start = datetime(2022, 1, 1, tzinfo=UTC)
    parcels: list[Parcel] = []
    for n, i in enumerate(sorted(int(c) for c in chosen)):
        cell = cells[i].buffer(-10.0)
        permit_type = sorted(PERMIT_USES)[int(rng.integers(len(PERMIT_USES)))]
        uses = PERMIT_USES[permit_type]
        use = uses[int(rng.integers(len(uses)))]
        minx, miny, maxx, maxy = cell.bounds
        blocks: list[Polygon] = []
        wanted = 2 if rng.random() < 0.25 else 1
        for _ in range(500):
            if blocks:  # a second block of the same permit lies next to the first
                first = blocks[0].centroid
                cx, cy = first.x + rng.uniform(-250, 250), first.y + rng.uniform(-250, 250)
            else:
                cx, cy = rng.uniform((minx, miny), (maxx, maxy))
            block = _block(cx, cy, rng)
            if cell.contains(block) and not any(b.distance(block) < 5.0 for b in blocks):
                blocks.append(block)
            if len(blocks) == wanted:
                break
        status = STATUSES[int(rng.integers(len(STATUSES)))]
        issued = None if status == "proses" else start + timedelta(days=int(rng.integers(0, 1000)))
        year = (issued or start + timedelta(days=1000)).year
        parcels.append(
            Parcel(
                code=f"{permit_type}-{year}-{n + 1:04d}",
                name=f"{use} {kelurahan[i].name}",
                permit_type=permit_type,
                status=status,
                issued_on=issued,
                kelurahan_code=kelurahan[i].code,
                geom=MultiPolygon(blocks),
            )
        )
    return parcels
