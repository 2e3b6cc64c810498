"""N synthetic aid requests for the demo city (default a million), generated lazily in chunks.

Cheaper per row than data/demo/requests.py (vectorised draws, pools of points and people), but
the same kind of rows: points inside the kelurahan, every status reached through legal histories
of the aid workflow, over the last 12 months. They go in through ``geo.requests.bulk.bulk_load``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import numpy as np
import shapely
from shapely.geometry import MultiPolygon

from data.demo.generate import DemoCity
from geo.requests.bulk import BulkEvent, BulkRequest

POINTS_PER_KELURAHAN = 2_000
CHUNK = 5_000
_FULL = (
    "mulai_verifikasi",
    "lolos_verifikasi",
    "selesai_evaluasi",
    "tetapkan",
    "tandatangani_nphd",
    "cairkan",
    "unggah_lpj",
    "selesaikan",
)
# workflow paths and how often each is taken; a request stops somewhere along its path
PATHS: tuple[tuple[tuple[str, ...], float], ...] = (
    (_FULL, 0.62),
    (("mulai_verifikasi", "minta_perbaikan", "ajukan_ulang", *_FULL[1:]), 0.18),
    (("mulai_verifikasi", "tolak"), 0.06),
    (("mulai_verifikasi", "lolos_verifikasi", "tolak"), 0.08),
    (("mulai_verifikasi", "lolos_verifikasi", "selesai_evaluasi", "tolak"), 0.06),
)
TARGET = {
    "mulai_verifikasi": "verifikasi_dokumen",
    "lolos_verifikasi": "evaluasi",
    "minta_perbaikan": "perlu_perbaikan",
    "ajukan_ulang": "verifikasi_dokumen",
    "selesai_evaluasi": "rekomendasi",
    "tetapkan": "ditetapkan",
    "tolak": "ditolak",
    "tandatangani_nphd": "nphd",
    "cairkan": "dicairkan",
    "unggah_lpj": "lpj",
    "selesaikan": "selesai",
}
DAYS = {"minta_perbaikan": 6.0, "ajukan_ulang": 8.0, "selesai_evaluasi": 18.0, "tetapkan": 21.0}
KINDS = ("yayasan", "masjid_musala", "rt_rw", "karang_taruna", "ormas", "lainnya")


def _fields(name: str, requested: int) -> dict[str, object]:
    if name in {"minta_perbaikan", "tolak"}:
        return {"public_note": "Catatan uji beban."}
    if name == "selesai_evaluasi":
        return {"berita_acara": "BA/BENCH"}
    if name == "tetapkan":
        return {"approved_amount_idr": requested // 2}
    if name == "unggah_lpj":
        return {"lpj": "LPJ/BENCH"}
    return {}


def _pool(cell: MultiPolygon, rng: np.random.Generator, n: int) -> list[str]:
    """``n`` points inside ``cell`` as WKT."""
    minx, miny, maxx, maxy = cell.bounds
    shapely.prepare(cell)
    out: list[str] = []
    while len(out) < n:
        xy = rng.uniform((minx, miny), (maxx, maxy), (n * 2, 2))
        inside = xy[shapely.contains_xy(cell, xy[:, 0], xy[:, 1])]
        out += [f"POINT({x:.6f} {y:.6f})" for x, y in inside[: n - len(out)]]
    return out


def _people(rng: np.random.Generator, n: int) -> list[dict[str, str]]:
    people = []
    for k in range(n):
        day = int(rng.integers(1, 29)) + (40 if k % 2 else 0)
        nik = f"997101{day:02d}{int(rng.integers(1, 13)):02d}{int(rng.integers(60, 100)):02d}"
        people.append(
            {
                "name": f"Penguji {k:03d}",
                "nik": f"{nik}{k + 1:04d}",
                "phone": f"000-0000-{k:04d}",
            }
        )
    return people


def synthetic_requests(
    city: DemoCity, n: int, *, until: datetime, seed: int = 12
) -> Iterator[BulkRequest]:
    """Yield ``n`` requests of ``city`` submitted in the 365 days before ``until``.

    Args:
        city: The generated demo city (its kelurahan place the points).
        n: How many.
        until: The end of the period; no event is later.
        seed: The random seed.
    """
    rng = np.random.default_rng(seed)
    cells = [a.geom for a in city.admin if a.level == "kelurahan"]
    pools = [_pool(c, rng, POINTS_PER_KELURAHAN) for c in cells]
    weights = rng.lognormal(0.0, 0.35, len(cells))
    weights /= weights.sum()
    people = _people(rng, 200)
    shares = np.array([p for _, p in PATHS])
    shares /= shares.sum()
    made = 0
    while made < n:
        size = min(CHUNK, n - made)
        kel = rng.choice(len(cells), size=size, p=weights)
        spot = rng.integers(0, POINTS_PER_KELURAHAN, size)
        age_days = rng.uniform(0, 365, size)
        path = rng.choice(len(PATHS), size=size, p=shares)
        stop = rng.random(size)
        gaps = rng.lognormal(np.log(7.0), 0.6, (size, 12))
        amount = (rng.lognormal(np.log(50e6), 0.7, size) // 100_000 * 100_000).clip(1e6, 5e8)
        who = rng.integers(0, len(people), (size, 3))
        for i in range(size):
            created = until - timedelta(days=float(age_days[i]))
            steps = PATHS[int(path[i])][0]
            requested = int(amount[i])
            events = [
                BulkEvent(
                    transition=None,
                    from_status=None,
                    to_status="diajukan",
                    at=created,
                    actor="anonymous",
                )
            ]
            status, at = "diajukan", created
            for k, name in enumerate(steps[: int(stop[i] * (len(steps) + 1))]):
                at = at + timedelta(days=float(gaps[i, k]) * DAYS.get(name, 7.0) / 7.0)
                if at > until:
                    break
                events.append(
                    BulkEvent(
                        transition=name,
                        from_status=status,
                        to_status=TARGET[name],
                        at=at,
                        actor="bench",
                        fields=_fields(name, requested),
                    )
                )
                status = TARGET[name]
            number = made + i
            chair, secretary, contact = (people[int(j)] for j in who[i])
            yield BulkRequest(
                type="bantuan",
                geometry=pools[int(kel[i])][int(spot[i])],
                attrs={
                    "kind": "hibah",
                    "organisation": f"Lembaga Uji {number}",
                    "organisation_kind": KINDS[number % len(KINDS)],
                    "purpose": "Uji beban",
                    "amount_requested_idr": requested,
                },
                contact=contact,
                private={
                    "chair": chair,
                    "secretary": secretary,
                    "bank_account": {"bank": "Bank Uji", "number": "000-0000", "holder": "Uji"},
                },
                created_at=created,
                events=events,
                status=status,
            )
        made += size
