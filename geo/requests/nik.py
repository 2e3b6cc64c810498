"""NIK (Nomor Induk Kependudukan): structure check and masking; the number itself is private."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

_NIK_RE = re.compile(r"^\d{16}$")
# Province codes (Kemendagri) run 11..96; the demo uses 99, which names no region, so a demo NIK
# can never be a real person's.
DEMO_PROVINCE = "99"


@dataclass(frozen=True)
class NikFacts:
    """What the structure of a NIK says."""

    region: str  # 6 digits: province, kabupaten/kota, kecamatan
    birth_date: date
    female: bool
    serial: int


def parse_nik(value: str, *, today: date | None = None) -> NikFacts:
    """Check the structure of a NIK: region, birth date (day + 40 for women), serial.

    Args:
        value: 16 digits.
        today: The date births cannot be after (default: today).

    Raises:
        ValueError: With a message saying which part is wrong.
    """
    if not _NIK_RE.match(value):
        raise ValueError("NIK harus 16 angka")
    province, regency, district = int(value[0:2]), int(value[2:4]), int(value[4:6])
    if not (11 <= province <= 99 and regency >= 1 and district >= 1):
        raise ValueError("kode wilayah NIK tidak dikenal")
    day, month, year2 = int(value[6:8]), int(value[8:10]), int(value[10:12])
    female = day > 40
    if female:
        day -= 40
    today = today or date.today()
    year = 2000 + year2 if 2000 + year2 <= today.year else 1900 + year2
    try:
        born = date(year, month, day)
    except ValueError:
        raise ValueError("tanggal lahir dalam NIK tidak valid") from None
    if born > today:
        raise ValueError("tanggal lahir dalam NIK tidak valid")
    serial = int(value[12:16])
    if serial == 0:
        raise ValueError("nomor urut NIK tidak boleh 0000")
    return NikFacts(value[0:6], born, female, serial)


def mask_nik(value: str) -> str:
    """``3671********0001``: the region's first four digits and the serial; never the birth date."""
    if not _NIK_RE.match(value):
        return "*" * min(len(value), 16)
    return value[:4] + "*" * 8 + value[-4:]
