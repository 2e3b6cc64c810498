"""About 30 generated school transfers (pindah sekolah) of the demo city, at every step.

The demo's two school accounts (``sekolah_asal``, ``sekolah_tujuan``; data/demo/users.py) act
for the two SD nearest the city's centre (``demo_school_pair``): a third of the transfers move a
child from the first to the second, so each account finds work waiting; the rest move children
between schools near their homes. Every transfer goes through the type's own computation (the
figures, the target school as its place) by ``bulk_load``'s ``planning``, and walks the
transfer workflow with plausible step durations until the end date. Children and parents come
from the fixed name lists of data/demo/draws.py; NISNs start with 00, NIKs with province 99.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from shapely.geometry import Point
from sqlalchemy.orm import Session

from data.demo.common import lonlat_to_utm, rng_for, utm_to_lonlat
from data.demo.draws import (
    FAMILY,
    GIVEN,
    Rng,
    _person,
    _pick,
    choose,
    note_fields,
    step_event,
)
from data.demo.requests import demo_until
from geo.accounts import Principal
from geo.cities import CityInfo
from geo.requests.bulk import BulkEvent, BulkRequest, bulk_load
from geo.requests.nik import DEMO_PROVINCE
from geo.requests.transfer import (
    GRADES,
    TRANSFER_WORKFLOW,
    TYPE,
    Planning,
    SchoolRow,
    nearest_schools,
)
from geo.transit import PlannerCache, PlannerOptions

DEMO_TRANSFER_COUNT = 30
PAIR_SHARE = 1 / 3  # transfers from the demo origin school to the demo target school
DAYS = 45
# the demo accounts of the two schools' staff and of Dinas Pendidikan (data/demo/users.py)
ORIGIN_ACCOUNT, TARGET_ACCOUNT, DINAS_ACCOUNT = "sekolah_asal", "sekolah_tujuan", "opd_disdik"
REASONS = ("pindah_domisili", "orang_tua_pindah_tugas", "lainnya")
REPAIRS = ("Surat keterangan pindah belum ditandatangani kepala sekolah.", "KK belum terbaca.")
REFUSALS = ("Rombongan belajar kelas tujuan sudah penuh.", "Dokumen tidak sesuai data Dapodik.")


@dataclass(frozen=True)
class _Step:
    """The choices after a status ((transition, probability)) and the median days taken."""

    choices: tuple[tuple[str, float], ...]
    median_days: float


STEPS: dict[str, _Step] = {
    "diajukan": _Step((("setujui_asal", 0.85), ("minta_perbaikan", 0.1), ("tolak", 0.05)), 3),
    "perlu_perbaikan": _Step((("ajukan_ulang", 0.9), ("", 0.1)), 4),
    "disetujui_sekolah_asal": _Step(
        (("terima_tujuan", 0.85), ("tolak", 0.1), ("minta_perbaikan", 0.05)), 3
    ),
    "diterima_sekolah_tujuan": _Step((("rekomendasikan", 0.92), ("tolak", 0.08)), 4),
    "rekomendasi_dinas": _Step((("perbarui_dapodik", 1.0),), 4),
    "dapodik_diperbarui": _Step((("selesaikan", 1.0),), 2),
}


def demo_school_pair(session: Session, city: CityInfo) -> tuple[SchoolRow, SchoolRow]:
    """The demo's origin and target school: the two SD nearest the city's centre."""
    origin, target = nearest_schools(session, city.id, city.center, "SD", None, limit=2)
    return origin, target


def _actor(name: str, origin: str, target: str, pair: tuple[str, str]) -> str:
    if name == "ajukan_ulang":
        return "pemohon"
    if name in {"rekomendasikan", "selesaikan"}:
        return DINAS_ACCOUNT
    school = origin if name == "setujui_asal" else target
    if school == pair[0]:
        return ORIGIN_ACCOUNT
    return TARGET_ACCOUNT if school == pair[1] else f"sekolah_{school}"


def _history(
    rng: Rng, start: datetime, until: datetime, schools: tuple[str, str], pair: tuple[str, str]
) -> list[BulkEvent]:
    first = BulkEvent(
        transition=None, from_status=None, to_status="diajukan", at=start, actor="anonymous"
    )
    events = [first]
    status, at, repairs = "diajukan", start, 0
    while status in STEPS:
        step = STEPS[status]
        name = choose(rng, step.choices)
        if name == "minta_perbaikan" and repairs:
            name = "tolak"
        at = at + timedelta(days=step.median_days * float(rng.lognormal(0.0, 0.5)))
        if not name or at > until:
            break
        transition = TRANSFER_WORKFLOW.transition(name)
        assert transition is not None
        fields = note_fields(rng, name, REPAIRS, REFUSALS)
        repairs += name == "minta_perbaikan"
        if name == "rekomendasikan":
            fields |= {"capacity_remaining": None, "capacity": "sisa daya tampung tidak diketahui"}
        events.append(step_event(transition, status, at, _actor(name, *schools, pair), fields))
        status = transition.target
    return events


def _near(home: tuple[float, float], rng: Rng, lo_m: float, hi_m: float) -> tuple[float, float]:
    """A point ``lo_m``..``hi_m`` from ``home`` in a random direction."""
    x, y = lonlat_to_utm(np.array([home[0]]), np.array([home[1]]))[0]
    angle, dist = float(rng.uniform(0, 2 * np.pi)), float(rng.uniform(lo_m, hi_m))
    lon, lat = utm_to_lonlat(np.array([[x + dist * np.cos(angle), y + dist * np.sin(angle)]]))[0]
    return float(lon), float(lat)


def demo_transfers(
    session: Session, city: CityInfo, count: int = DEMO_TRANSFER_COUNT, *, until: datetime
) -> list[BulkRequest]:
    """Generate ``count`` transfers over the ``DAYS`` days before ``until`` (nothing written)."""
    rng = rng_for(city.slug, "transfers")
    origin0, target0 = demo_school_pair(session, city)
    pair = (origin0.npsn, target0.npsn)
    out = []
    for n in range(count):
        if n < count * PAIR_SHARE:
            level, home = "SD", _near((target0.lon, target0.lat), rng, 200, 900)
            origin, target = origin0, target0
        else:
            level = "SD" if rng.random() < 0.7 else "SMP"
            home = _near(city.center, rng, 300, 2_500)
            near = nearest_schools(session, city.id, home, level, None, limit=5)
            origin, target = near[int(rng.integers(1, 5))], near[int(rng.integers(0, 1))]
        parent = _person(rng, f"{DEMO_PROVINCE}71{int(rng.integers(1, 14)):02d}")
        given, _ = _pick(rng, GIVEN)
        created = until - timedelta(days=float(rng.uniform(0, DAYS)))
        steps = rng_for(city.slug, f"transfer:{n}")
        events = _history(steps, created, until, (origin.npsn, target.npsn), pair)
        address = f"Jl. Contoh Demo No. {int(rng.integers(1, 200))}"
        out.append(
            BulkRequest(
                type=TYPE,
                geometry=Point(home),
                attrs={
                    "origin_npsn": origin.npsn,
                    "target_npsn": target.npsn,
                    "reason": _pick(rng, REASONS),
                },
                contact=parent | {"email": f"orangtua{n + 1:03d}@contoh.invalid"},
                private={
                    "student": {
                        "name": f"{given} {_pick(rng, FAMILY)}",
                        "nisn": f"00{int(rng.integers(0, 10**8)):08d}",
                        "level": level,
                        "grade": int(rng.choice(list(GRADES[level]))),
                    },
                    "home_address": address,
                },
                created_at=created,
                events=events,
                status=events[-1].to_status,
                demo=True,
            )
        )
    return out


def load_demo_transfers(
    session: Session,
    principal: Principal,
    city: CityInfo,
    count: int = DEMO_TRANSFER_COUNT,
    *,
    until: datetime | None = None,
) -> int:
    """Generate and load the demo transfers with their computed figures; returns the count.

    Args:
        session: The database session (not committed here); the city's schools, roads and
            angkot routes are in it.
        principal: Who loads (a deployment administrator, as ``bulk_load`` asks).
        city: The city.
        count: How many transfers.
        until: The end of the period (default: the start of today, UTC).
    """
    rows = demo_transfers(session, city, count, until=until or demo_until())
    networks = PlannerCache().get(session, city)
    planning = Planning(graph=networks.graph, transit=networks.transit, options=PlannerOptions())
    return bulk_load(session, principal, city, rows, planning=planning)
