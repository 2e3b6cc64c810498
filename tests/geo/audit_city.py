"""A sample city for the audit tests: OPDs, an inspector, office staff, and audits at a step."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from geo.accounts import Grant, Principal, create_user, principal_for_user, upsert_opd
from geo.audits import (
    AuditCreate,
    FindingCreate,
    SiteCreate,
    StepCreate,
    add_finding,
    create_audit,
    create_site,
    load_audit,
    take_step,
)
from geo.cities import CityInfo
from tests.layers.sample import insert_sample_city

OPDS = {"DPUPR": "Dinas PUPR", "DINDIK": "Dinas Pendidikan", "DISHUB": "Dinas Perhubungan"}
PASSWORD = "kuda-lari-pagi-di-sawah-17"
SITE_POINT = (106.62, -6.20)
# a road section (a polygon) in the west of the sample city
ROAD: dict[str, Any] = {
    "type": "Polygon",
    "coordinates": [
        [[106.63, -6.19], [106.64, -6.19], [106.64, -6.188], [106.63, -6.188], [106.63, -6.19]]
    ],
}


@dataclass(frozen=True)
class AuditCity:
    """The city and its people."""

    city: CityInfo
    inspector: Principal
    inspector_id: int
    dpupr: Principal  # opd_staff of DPUPR (the audited office)
    dishub: Principal  # opd_staff of DISHUB (another office)
    admin_kota: Principal


def _user(db: Session, city: CityInfo, name: str, role: str, opd: str | None = None) -> int:
    return create_user(
        db,
        city_id=city.id,
        username=name,
        display_name=f"Pengguna {name}",
        password=PASSWORD,
        grants=[Grant(role, opd=opd)],
    )


def audit_city(db: Session, slug: str = "audit-test") -> AuditCity:
    """The sample city with three OPDs, an inspector, staff of DPUPR and DISHUB, an admin_kota."""
    city = insert_sample_city(db, slug).city
    for code, name in OPDS.items():
        upsert_opd(db, city.id, code, name)
    ids = {
        "insp": _user(db, city, f"{slug}-insp", "inspektur"),
        "dpupr": _user(db, city, f"{slug}-dpupr", "opd_staff", "DPUPR"),
        "dishub": _user(db, city, f"{slug}-dishub", "opd_staff", "DISHUB"),
        "ak": _user(db, city, f"{slug}-ak", "admin_kota"),
    }
    p = {k: principal_for_user(db, v, via="session") for k, v in ids.items()}
    return AuditCity(city, p["insp"], ids["insp"], p["dpupr"], p["dishub"], p["ak"])


def site(
    db: Session, ac: AuditCity, geometry: dict[str, Any] | None = None, opd: str = "DPUPR"
) -> int:
    """A DPUPR site (a point unless ``geometry``)."""
    lon, lat = SITE_POINT
    return create_site(
        db,
        ac.inspector,
        ac.city,
        SiteCreate(
            geometry=geometry or {"type": "Point", "coordinates": [lon, lat]},
            opd_code=opd,
            activity="Pembangunan saluran drainase",
            budget_idr=1_500_000_000,
            fiscal_year=2026,
            contractor="CV Contoh Jaya",
            contract_value_idr=1_420_000_000,
            progress_pct=80,
        ),
    )


STEPS = {
    "surat_tugas": StepCreate(
        transition="terbitkan_surat_tugas",
        surat_tugas_no="700/ST-12/Insp/2026",
        surat_tugas_date=date(2026, 8, 1),
        inspectors=[],
    ),
    "pemeriksaan": StepCreate(transition="mulai_pemeriksaan"),
    "notisi": StepCreate(transition="kirim_notisi"),
    "lha": StepCreate(transition="terbitkan_lha", lha_no="LHA-07/2026", lha_date=date(2026, 9, 1)),
    "pemantauan": StepCreate(transition="mulai_pemantauan"),
}


def step(db: Session, ac: AuditCity, audit_id: int, name: str, **change: object) -> None:
    """Take the step leading to state ``name`` with the sample fields (``change`` overrides)."""
    body = STEPS[name]
    if name == "surat_tugas":
        body = body.model_copy(update={"inspectors": [ac.inspector_id]})
    body = body.model_copy(update=change)
    version = load_audit(db, ac.city.id, audit_id).version
    take_step(db, ac.inspector, ac.city, audit_id, body, expected_version=version)


FINDING = FindingCreate(
    opd_code="DPUPR",
    category="potensi_kerugian",
    severity="tinggi",
    potential_loss_idr=125_000_000,
    description="Volume pekerjaan saluran kurang dari kontrak",
    recommendation="Kembalikan kelebihan bayar ke kas daerah",
)


def audit_at(
    db: Session, ac: AuditCity, state: str, *, site_id: int | None = None, findings: int = 1
) -> tuple[int, list[int]]:
    """An audit of a DPUPR site taken to ``state`` with ``findings`` findings (added during
    the fieldwork); its id and the findings' ids."""
    sid = site_id or site(db, ac)
    audit_id = create_audit(
        db, ac.inspector, ac.city, AuditCreate(site_id=sid, title="Audit drainase 2026")
    )
    ids: list[int] = []
    current = "direncanakan"
    for name in ("surat_tugas", "pemeriksaan", "notisi", "lha", "pemantauan"):
        if current == state:
            break
        if name == "notisi":
            ids = [
                add_finding(db, ac.inspector, ac.city, audit_id, FINDING) for _ in range(findings)
            ]
        step(db, ac, audit_id, name)
        current = name
    if current == "pemeriksaan":
        ids = [add_finding(db, ac.inspector, ac.city, audit_id, FINDING) for _ in range(findings)]
    return audit_id, ids
