"""Demo e-audit data: about 150 generated audit sites over the demo city (points and small
areas) with audits at every step, visits, findings, the offices' answers and follow-ups.

Deterministic (one random stream per city); every row is labelled demo; contractors are made up
from a fixed word list ("CV Contoh ..."), no real firm or person. Loaded through
``geo.audits.bulk_load_audits``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
import shapely
from shapely.geometry import Point, mapping

from data.demo.common import rng_for
from data.demo.draws import _point_in
from data.demo.generate import DemoCity
from geo.accounts import Principal
from geo.audits import (
    AUDIT_WORKFLOW,
    BulkAudit,
    BulkFinding,
    BulkSite,
    BulkVisit,
    FindingCreate,
    SiteCreate,
    bulk_load_audits,
)
from geo.cities import CityInfo

DEMO_AUDIT_SITE_COUNT = 150
AUDITED_SHARE = 0.6
AREA_SHARE = 0.25  # sites drawn as a small area (a building plot, a market) instead of a point
# OPD -> activities it funds (the demo city's offices; see data/demo/users.py DEMO_OPDS)
ACTIVITIES: dict[str, tuple[str, ...]] = {
    "DPUPR": (
        "Peningkatan jalan lingkungan",
        "Normalisasi saluran drainase",
        "Pembangunan turap kali",
        "Rehabilitasi jembatan",
    ),
    "DISDIK": ("Rehabilitasi ruang kelas", "Pembangunan toilet sekolah", "Pengadaan meubelair"),
    "DINKES": ("Renovasi puskesmas", "Pembangunan posyandu"),
    "PERKIM": ("Penataan taman kota", "Bedah rumah tidak layak huni", "Penerangan jalan umum"),
    "DISHUB": ("Pembangunan halte angkot", "Pemasangan rambu lalu lintas"),
}
WORDS = ("Maju", "Jaya", "Sentosa", "Abadi", "Karya", "Mandiri", "Sejahtera", "Bangun", "Prima")
PROBLEMS = {
    "potensi_kerugian": (
        "Volume pekerjaan terpasang kurang dari kontrak",
        "Kelebihan pembayaran atas pekerjaan yang belum selesai",
    ),
    "ketidakpatuhan": (
        "Jaminan pelaksanaan tidak diperpanjang",
        "Keterlambatan pekerjaan belum dikenai denda",
    ),
    "kelemahan_spi": (
        "Pengawasan lapangan tidak didokumentasikan",
        "Berita acara serah terima tidak lengkap",
    ),
}
RECOMMENDATIONS = {
    "potensi_kerugian": "Menyetorkan kelebihan pembayaran ke kas daerah",
    "ketidakpatuhan": "Menegakkan ketentuan kontrak dan mengenakan denda keterlambatan",
    "kelemahan_spi": "Memperbaiki prosedur pengawasan dan dokumentasi pekerjaan",
}
STEP_DAYS = (0, 14, 7, 30, 21, 10, 60)  # days from each step to the next (typical APIP pace)


def _site(rng: np.random.Generator, n: int, kelurahan: list[Any]) -> SiteCreate:
    kel = kelurahan[int(rng.integers(len(kelurahan)))]
    point: Point = _point_in(kel.geom, rng)
    geometry: dict[str, Any] = mapping(point)
    if rng.random() < AREA_SHARE:
        half = float(rng.uniform(0.0002, 0.0006))  # 20-70 m
        box = shapely.box(point.x - half, point.y - half, point.x + half, point.y + half)
        geometry = mapping(box)
    opd = list(ACTIVITIES)[int(rng.integers(len(ACTIVITIES)))]
    activity = ACTIVITIES[opd][int(rng.integers(len(ACTIVITIES[opd])))]
    budget = int(np.clip(600_000_000 * rng.lognormal(0, 0.7), 50_000_000, 20_000_000_000))
    budget = budget // 1_000_000 * 1_000_000
    firm = f"{'CV' if budget < 2_500_000_000 else 'PT'} Contoh {WORDS[n % len(WORDS)]}"
    return SiteCreate(
        geometry=dict(geometry),
        opd_code=opd,
        activity=f"{activity} {kel.name} (demo {n + 1})",
        budget_idr=budget,
        fiscal_year=int(rng.choice([2024, 2025, 2026], p=[0.2, 0.4, 0.4])),
        contractor=f"{firm} {WORDS[int(rng.integers(len(WORDS)))]}",
        contract_value_idr=int(budget * rng.uniform(0.88, 0.99)) // 1000 * 1000,
        progress_pct=round(float(rng.choice([100.0, rng.uniform(20, 100)])), 1),
    )


def _findings(
    rng: np.random.Generator, site: SiteCreate, status: str, lha: date | None
) -> tuple[BulkFinding, ...]:
    if status in ("direncanakan", "surat_tugas"):
        return ()
    out = []
    for _ in range(int(rng.integers(0, 4))):
        category = str(rng.choice(list(PROBLEMS), p=[0.4, 0.35, 0.25]))
        loss = 0
        if category == "potensi_kerugian":
            loss = int(site.budget_idr * rng.uniform(0.005, 0.08)) // 100_000 * 100_000
        severity = str(rng.choice(["rendah", "sedang", "tinggi"], p=[0.4, 0.4, 0.2]))
        if loss > 200_000_000:
            severity = "tinggi"
        finding = FindingCreate(
            opd_code=site.opd_code,
            category=category,
            severity=severity,
            potential_loss_idr=loss,
            description=str(rng.choice(PROBLEMS[category])),
            recommendation=RECOMMENDATIONS[category],
        )
        responses: tuple[str, ...] = ()
        if status != "pemeriksaan" and rng.random() < 0.8:
            responses = ("Kami menerima temuan ini dan akan menindaklanjuti",)
        followups: tuple[tuple[str, str | None, str], ...] = ()
        state = "belum_ditindaklanjuti"
        if lha is not None:
            done = status == "selesai" or rng.random() < 0.55
            if done:
                state = "sesuai" if rng.random() < 0.9 else "tidak_dapat_ditindaklanjuti"
                followups = (
                    ("opd", None, "Bukti tindak lanjut disampaikan"),
                    ("inspektorat", state, "Tindak lanjut telah diperiksa"),
                )
            elif rng.random() < 0.5:
                state = "belum_sesuai"
                followups = (
                    ("opd", None, "Sebagian bukti disampaikan"),
                    ("inspektorat", state, "Bukti belum memadai"),
                )
        out.append(BulkFinding(finding, state, responses, followups))
    return tuple(out)


def demo_audits(
    city: DemoCity, count: int = DEMO_AUDIT_SITE_COUNT, *, today: date
) -> list[BulkSite]:
    """Generate ``count`` audit sites of the demo city; about 60% have an audit, at every step
    (the LHA dates spread over the last year, so some follow-ups are past their 60 days)."""
    rng = rng_for(city.slug, "audits")
    kelurahan = [a for a in city.admin if a.level == "kelurahan"]
    path = [AUDIT_WORKFLOW.initial, *(t.target for t in AUDIT_WORKFLOW.transitions)]
    out = []
    for n in range(count):
        site = _site(rng, n, kelurahan)
        audits: tuple[BulkAudit, ...] = ()
        if rng.random() < AUDITED_SHARE:
            reached = int(rng.integers(len(path)))
            status = path[reached]
            start = datetime.combine(
                today - timedelta(days=int(rng.integers(20, 400))), datetime.min.time(), UTC
            )
            dates = [start]
            for days in STEP_DAYS[1 : reached + 1]:
                dates.append(dates[-1] + timedelta(days=days))
            dates = [min(d, datetime.combine(today, datetime.min.time(), UTC)) for d in dates]
            lha = dates[4].date() if reached >= 4 else None
            visits: tuple[BulkVisit, ...] = ()
            if reached >= 2:
                centre = shapely.geometry.shape(site.geometry).centroid
                dx, dy = rng.normal(0, 0.0004, 2)
                visits = (
                    BulkVisit(
                        dates[2] + timedelta(hours=3),
                        float(centre.x + dx),
                        float(centre.y + dy),
                        "Pemeriksaan fisik di lokasi",
                    ),
                )
            audits = (
                BulkAudit(
                    basis="pkpt" if rng.random() < 0.8 else "permintaan",
                    title=f"Audit {site.activity}"[:300],
                    status=status,
                    step_dates=dates,
                    surat_tugas_no=f"700/ST-{n + 1:03d}/Insp" if reached >= 1 else None,
                    surat_tugas_date=dates[1].date() if reached >= 1 else None,
                    lha_no=f"LHA-{n + 1:03d}/Insp" if lha else None,
                    lha_date=lha,
                    visits=visits,
                    findings=_findings(rng, site, status, lha),
                ),
            )
        out.append(BulkSite(site, audits))
    return out


def load_demo_audits(
    session: Any,
    principal: Principal,
    info: CityInfo,
    city: DemoCity,
    count: int = DEMO_AUDIT_SITE_COUNT,
    *,
    today: date | None = None,
) -> int:
    """Generate the demo city's audit sites and load them; returns how many sites.

    Args:
        session: The database session (not committed here).
        principal: Who loads (a deployment administrator).
        info: The city row the generated ``city`` was loaded as.
        city: The generated demo city.
        count: How many sites.
        today: The day the demo is built for (default: today, UTC).
    """
    day = today or datetime.now(UTC).date()
    sites, _, _ = bulk_load_audits(
        session, principal, info, demo_audits(city, count, today=day), demo=True
    )
    return sites
