"""About 3,000 generated e-sabakota proposals of the demo city, with histories; no real person.

Deterministic for a city, a count and an end date. Proposals fall in the last 12 months (more in
the January-March submission window), spread over the kelurahan by a population proxy: BPS draws
kelurahan to hold similar populations, so each gets a similar share (with seeded variation) and
kecamatan with many small kelurahan — the dense ones — get more per km². Each proposal walks the
aid workflow with plausible step durations (some stall past their deadline, some go back for
repairs, some are refused), and stops where the end date finds it. People come from a fixed list
of generated names; NIKs start with province 99, which names no region; phones are 000-numbers
(data/demo/draws.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
from sqlalchemy.orm import Session

from data.demo.common import rng_for
from data.demo.draws import Rng, _person, _pick, _point_in, choose, note_fields, step_event
from data.demo.generate import DemoCity
from geo.accounts import Principal
from geo.cities import CityInfo
from geo.requests import AID_WORKFLOW
from geo.requests.bulk import BulkEvent, BulkRequest, bulk_load
from geo.requests.nik import DEMO_PROVINCE

DEMO_REQUEST_COUNT = 3_000
DAYS = 365
WINDOW_MONTHS = (1, 2, 3)  # the January-March submission window gets this much more
WINDOW_WEIGHT = 3.0
SPREAD = 0.35  # sigma of the per-kelurahan lognormal variation
STALL_SHARE = 0.08  # steps that take 3-5 times as long (overdue in the workspace)

ARABIC = (
    "Ikhlas",
    "Hidayah",
    "Muttaqin",
    "Falah",
    "Barkah",
    "Ittihad",
    "Amanah",
    "Taqwa",
    "Huda",
    "Furqon",
    "Istiqomah",
    "Mubarok",
)
FOUNDATION = (
    ("Bina", "Cahaya", "Tunas", "Pelita", "Mitra", "Insan", "Bakti", "Sinar"),
    ("Umat", "Bangsa", "Sejahtera", "Mandiri", "Peduli", "Kasih", "Madani", "Mulia"),
)
MOSQUES = ("Masjid", "Musala", "Masjid Jami")
FARMERS = ("Subur Makmur", "Sri Rejeki", "Tani Maju", "Hijau Lestari", "Mekar Sari")
CHURCHES = ("GKI", "HKBP", "GBI", "GPIB")
# organisation kind -> (share, purposes)
KINDS: dict[str, tuple[float, tuple[str, ...]]] = {
    "masjid_musala": (
        0.27,
        (
            "Renovasi atap dan plafon",
            "Pembangunan tempat wudu",
            "Pengadaan karpet dan pengeras suara",
        ),
    ),
    "yayasan": (
        0.20,
        ("Beasiswa anak yatim", "Renovasi ruang belajar", "Pelatihan keterampilan menjahit"),
    ),
    "rt_rw": (
        0.18,
        (
            "Perbaikan saluran air lingkungan",
            "Pembangunan pos ronda",
            "Penerangan jalan lingkungan",
        ),
    ),
    "karang_taruna": (
        0.10,
        (
            "Pelatihan kewirausahaan pemuda",
            "Turnamen olahraga antar-RW",
            "Bank sampah dan daur ulang",
        ),
    ),
    "ormas": (0.08, ("Pelatihan kader kesehatan", "Kegiatan sosial Ramadan")),
    "lainnya": (0.07, ("Pengadaan alat posyandu", "Majelis taklim: sarana kegiatan")),
    "gereja": (0.05, ("Renovasi gedung serbaguna", "Kegiatan sosial Natal")),
    "kelompok_tani": (0.05, ("Pengadaan bibit dan pupuk", "Irigasi kebun kota")),
}
BANSOS_PURPOSES = (
    "Bantuan korban banjir",
    "Bantuan korban kebakaran",
    "Bantuan biaya pengobatan warga tidak mampu",
    "Bantuan lansia terlantar",
)
REPAIRS = (
    "Lengkapi SK kepengurusan yang masih berlaku.",
    "NPWP atas nama lembaga belum dilampirkan.",
    "Surat keterangan domisili sudah kedaluwarsa.",
    "Rincian anggaran belum sesuai format.",
)
REFUSALS = (
    "Lembaga sudah menerima hibah pada tahun anggaran sebelumnya.",
    "Usulan tidak sesuai prioritas daerah tahun ini.",
    "Pagu anggaran tahun ini tidak mencukupi.",
    "Dokumen tidak memenuhi syarat setelah verifikasi.",
)
ACTORS = {"KESRA": "opd_kesra", "TAPD": "opd_tapd", "BPKAD": "opd_bpkad"}


@dataclass(frozen=True)
class _Step:
    """What may follow a status: (transition, probability) choices and the median days taken."""

    choices: tuple[tuple[str, float], ...]
    median_days: float


# the next step from each status; a status missing here is final
STEPS: dict[str, _Step] = {
    "diajukan": _Step((("mulai_verifikasi", 1.0),), 3),
    "verifikasi_dokumen": _Step(
        (("lolos_verifikasi", 0.76), ("minta_perbaikan", 0.19), ("tolak", 0.05)), 6
    ),
    "perlu_perbaikan": _Step((("ajukan_ulang", 0.85), ("", 0.15)), 8),  # "": never comes back
    "evaluasi": _Step((("selesai_evaluasi", 0.80), ("tolak", 0.10), ("minta_perbaikan", 0.10)), 18),
    "rekomendasi": _Step((("tetapkan", 0.92), ("tolak", 0.08)), 21),
    "ditetapkan": _Step((("tandatangani_nphd", 1.0),), 14),
    "nphd": _Step((("cairkan", 1.0),), 21),
    "dicairkan": _Step((("unggah_lpj", 1.0),), 60),
    "lpj": _Step((("selesaikan", 1.0),), 10),
}


def _organisation(rng: Rng, kind: str, kelurahan: str) -> tuple[str, str | None]:
    rt, rw = int(rng.integers(1, 16)), int(rng.integers(1, 13))
    names: dict[str, Callable[[], tuple[str, str | None]]] = {
        "masjid_musala": lambda: (
            f"{_pick(rng, MOSQUES)} Al-{_pick(rng, ARABIC)} {kelurahan}",
            "Terdaftar di KUA kecamatan",
        ),
        "yayasan": lambda: (
            f"Yayasan {_pick(rng, FOUNDATION[0])} {_pick(rng, FOUNDATION[1])}",
            "Badan hukum (SK Kemenkumham)",
        ),
        "rt_rw": lambda: (f"RT {rt:03d}/RW {rw:03d} Kelurahan {kelurahan}", "SK Lurah"),
        "karang_taruna": lambda: (f"Karang Taruna RW {rw:03d} {kelurahan}", "SK Lurah"),
        "ormas": lambda: (f"Forum Warga Peduli {kelurahan}", "Terdaftar di Kesbangpol"),
        "lainnya": lambda: (f"Posyandu Melati {rw} {kelurahan}", None),
        "gereja": lambda: (f"{_pick(rng, CHURCHES)} Jemaat {kelurahan}", "Terdaftar di Kemenag"),
        "kelompok_tani": lambda: (f"Kelompok Tani {_pick(rng, FARMERS)} {kelurahan}", None),
    }
    return names[kind]()


def _history(
    rng: Rng, start: datetime, until: datetime, requested: int, serial: int
) -> list[BulkEvent]:
    """Walk the aid workflow from ``start`` until a final status or until ``until`` comes."""
    events = [
        BulkEvent(
            transition=None,
            from_status=None,
            to_status="diajukan",
            at=start,
            actor="anonymous",
            fields={},
        )
    ]
    status, at, repairs = "diajukan", start, 0
    while status in STEPS:
        step = STEPS[status]
        name = choose(rng, step.choices)
        if name == "minta_perbaikan" and repairs >= 2:
            name = "tolak"
        days = step.median_days * float(rng.lognormal(0.0, 0.45))
        if rng.random() < STALL_SHARE:
            days *= float(rng.uniform(3.0, 5.0))
        at = at + timedelta(days=days, hours=float(rng.uniform(-3, 3)))
        if not name or at > until:
            break
        transition = AID_WORKFLOW.transition(name)
        assert transition is not None
        fields = note_fields(rng, name, REPAIRS, REFUSALS)
        repairs += name == "minta_perbaikan"
        if name == "selesai_evaluasi":
            fields["berita_acara"] = f"BA/{serial:04d}/KESRA/{at.year}"
            fields["public_note"] = "Evaluasi dan peninjauan lapangan selesai."
        elif name == "tetapkan":
            share = float(rng.uniform(0.5, 1.0))
            fields["approved_amount_idr"] = max(
                100_000, int(requested * share) // 100_000 * 100_000
            )
            fields["public_note"] = "Masuk daftar nominatif penerima hibah (DNPH)."
        elif name == "unggah_lpj":
            fields["lpj"] = f"LPJ/{serial:04d}/{at.year}"
        if rng.random() < 0.1:
            fields["internal_note"] = "Dicek bersama tim (demo)."
        opd = transition.opd or ("TAPD" if status == "rekomendasi" else "KESRA")
        actor = "pemohon" if name in {"ajukan_ulang", "unggah_lpj"} else ACTORS[opd]
        events.append(step_event(transition, status, at, actor, fields))
        status = transition.target
    return events


def demo_requests(
    city: DemoCity, count: int = DEMO_REQUEST_COUNT, *, until: datetime
) -> list[BulkRequest]:
    """Generate ``count`` aid proposals of the demo city over the 12 months before ``until``.

    Args:
        city: The generated demo city (its kelurahan cells place the proposals).
        count: How many.
        until: The end of the period (timezone-aware); histories stop there.

    Returns:
        The proposals with their histories, labelled demo, ready for ``bulk_load``.
    """
    rng = rng_for(city.slug, "requests")
    kelurahan = [a for a in city.admin if a.level == "kelurahan"]
    weights = rng.lognormal(0.0, SPREAD, len(kelurahan))
    where = rng.choice(len(kelurahan), size=count, p=weights / weights.sum())
    start = until - timedelta(days=DAYS)
    days = [start + timedelta(days=d) for d in range(DAYS)]
    day_w = np.array([WINDOW_WEIGHT if d.month in WINDOW_MONTHS else 1.0 for d in days])
    when = rng.choice(DAYS, size=count, p=day_w / day_w.sum())
    shares = np.array([share for share, _ in KINDS.values()])
    kinds = list(KINDS)
    out: list[BulkRequest] = []
    for n in range(count):
        kel = kelurahan[int(where[n])]
        kind = kinds[int(rng.choice(len(kinds), p=shares / shares.sum()))]
        bansos = rng.random() < 0.25
        organisation, legal = _organisation(rng, kind, kel.name)
        purpose = _pick(rng, BANSOS_PURPOSES if bansos else KINDS[kind][1])
        median = 10_000_000 if bansos else 75_000_000
        requested = int(np.clip(median * rng.lognormal(0, 0.6), 1_000_000, 500_000_000))
        requested = requested // 100_000 * 100_000
        region = f"{DEMO_PROVINCE}71{kel.parent_code[-2:]}"
        chair, secretary = _person(rng, region), _person(rng, region)
        created = days[int(when[n])] + timedelta(hours=float(rng.uniform(1, 10)))  # 08-17 WIB
        # each history its own stream: a later ``until`` continues the same histories
        steps = rng_for(city.slug, f"request-history:{n}")
        events = _history(steps, created, until, requested, n + 1)
        out.append(
            BulkRequest(
                type="bantuan",
                geometry=_point_in(kel.geom, rng),
                attrs={
                    "kind": "bansos" if bansos else "hibah",
                    "organisation": organisation,
                    "organisation_kind": kind,
                    "legal_status": legal,
                    "purpose": f"{purpose} ({kel.name})",
                    "amount_requested_idr": requested,
                },
                contact={
                    "name": chair["name"],
                    "nik": chair["nik"],
                    "phone": chair["phone"],
                    "email": f"pengaju{n + 1:04d}@contoh.invalid",
                    "address": f"Jl. {kel.name} Raya No. {int(rng.integers(1, 200))}, {kel.name}",
                },
                private={
                    "chair": chair,
                    "secretary": secretary,
                    "bank_account": {
                        "bank": "Bank Contoh (demo)",
                        "number": f"000-{int(rng.integers(0, 10**7)):07d}",
                        "holder": organisation,
                    },
                },
                created_at=created,
                events=events,
                status=events[-1].to_status,
                demo=True,
            )
        )
    return out


def demo_until() -> datetime:
    """The end of the demo period: the start of today (UTC), so a day's loads agree."""
    now = datetime.now(UTC)
    return datetime(now.year, now.month, now.day, tzinfo=UTC)


def load_demo_requests(
    session: Session,
    principal: Principal,
    info: CityInfo,
    city: DemoCity,
    count: int = DEMO_REQUEST_COUNT,
    *,
    until: datetime | None = None,
) -> int:
    """Generate the demo city's proposals and load them through ``bulk_load``; returns the count.

    Args:
        session: The database session (not committed here).
        principal: Who loads (a deployment administrator, as ``bulk_load`` asks).
        info: The city row the generated ``city`` was loaded as.
        city: The generated demo city.
        count: How many proposals.
        until: The end of the 12 months (default: the start of today, UTC).
    """
    rows = demo_requests(city, count, until=until or demo_until())
    return bulk_load(session, principal, info, rows)
