"""Demo accounts of the demo city: its OPDs and one user per role, each with a random password."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from data.demo.transfers import demo_school_pair
from geo.accounts import Grant, create_user, generate_password, upsert_opd
from geo.cities import CityInfo
from geo.requests.transfer import SchoolRow

# the city offices (OPD) of Kota Tangerang that the services route to
DEMO_OPDS = (
    ("DISHUB", "Dinas Perhubungan"),
    ("DISDIK", "Dinas Pendidikan"),
    ("BPKAD", "Badan Pengelolaan Keuangan dan Aset Daerah"),
    ("DPMPTSP", "Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu"),
    ("INSPEKTORAT", "Inspektorat"),
    ("BAPPEDA", "Badan Perencanaan Pembangunan Daerah"),
    ("KESRA", "Bagian Kesejahteraan Rakyat"),
    ("TAPD", "Tim Anggaran Pemerintah Daerah"),
    # the offices whose spending the demo audits look at (data/demo/audits.py)
    ("DPUPR", "Dinas Pekerjaan Umum dan Penataan Ruang"),
    ("DINKES", "Dinas Kesehatan"),
    ("PERKIM", "Dinas Perumahan, Permukiman dan Pertanahan"),
)

# username, display name, role, OPD (None: no OPD scope)
DEMO_USERS = (
    ("warga", "Warga Demo", "warga", None),
    ("dishub", "Perencana Dishub (demo)", "dishub", None),
    ("dishub_reviewer", "Peninjau Dishub (demo)", "dishub_reviewer", None),
    ("opd_kesra", "Staf Bagian Kesra (demo)", "opd_staff", "KESRA"),
    ("opd_tapd", "Staf TAPD (demo)", "opd_staff", "TAPD"),
    ("opd_bpkad", "Staf BPKAD (demo)", "opd_staff", "BPKAD"),
    ("opd_disdik", "Staf Dinas Pendidikan (demo)", "opd_staff", "DISDIK"),
    ("opd_dpmptsp", "Staf DPMPTSP (demo)", "opd_staff", "DPMPTSP"),
    ("inspektur", "Inspektur (demo)", "inspektur", None),
    ("inspektur_2", "Inspektur Kedua (demo)", "inspektur", None),
    ("admin_kota", "Admin Kota (demo)", "admin_kota", None),
)


@dataclass(frozen=True)
class DemoAccount:
    """A demo account as printed once at the first start."""

    username: str
    role: str
    opd: str | None
    password: str
    npsn: str | None = None


def create_demo_accounts(session: Session, city: CityInfo) -> list[DemoAccount]:
    """Seed the demo city's OPDs and create one account per role with a random password.

    No password is known in advance: each is generated here and returned once, for the
    caller to show to the person who started the server. The two school accounts
    (role ``sekolah``) act for the demo transfers' origin and target school
    (``data.demo.transfers.demo_school_pair``).

    Args:
        session: The database session (not committed here).
        city: The demo city.
    """
    for code, name in DEMO_OPDS:
        upsert_opd(session, city.id, code, name)
    accounts = []
    for username, display_name, role, opd in DEMO_USERS:
        password = generate_password()
        create_user(
            session,
            city_id=city.id,
            username=username,
            display_name=display_name,
            password=password,
            grants=[Grant(role, opd=opd)],
        )
        accounts.append(DemoAccount(username, role, opd, password))
    origin, target = demo_school_pair(session, city)
    for username, school in (("sekolah_asal", origin), ("sekolah_tujuan", target)):
        accounts.append(_school_account(session, city, username, school))
    return accounts


def _school_account(
    session: Session, city: CityInfo, username: str, school: SchoolRow
) -> DemoAccount:
    password = generate_password()
    create_user(
        session,
        city_id=city.id,
        username=username,
        display_name=f"Staf {school.name} (demo)",
        password=password,
        grants=[Grant("sekolah", npsn=school.npsn)],
    )
    return DemoAccount(username, "sekolah", None, password, npsn=school.npsn)
