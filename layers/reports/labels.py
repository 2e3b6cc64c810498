"""Bahasa Indonesia words and numbers of the reports (the one place that words them)."""

from __future__ import annotations

from datetime import datetime

from geo.analysis import Count

TYPE_LABELS = {
    "bantuan": "Hibah / bantuan sosial (e-sabakota)",
    "pindah_sekolah": "Pindah sekolah",
    "izin": "Perizinan",
    "audit": "Audit",
    "saran_transport": "Saran transportasi",
}
LEVEL_LABELS = {"kelurahan": "Kelurahan", "kecamatan": "Kecamatan"}
SCHOOL_STATUS = {"negeri": "Negeri", "swasta": "Swasta"}
MONTHS = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)


def status_label(code: str) -> str:
    """A workflow status code as words: ``verifikasi_dokumen`` -> ``Verifikasi dokumen``."""
    words = code.replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def number(value: float, digits: int = 0) -> str:
    """A number the Indonesian way: ``1.234,5`` (dot for thousands, comma for decimals)."""
    text = f"{value:,.{digits}f}"
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def count(value: Count) -> str:
    """A count, or the ``"< 5"`` of a suppressed cell, as shown."""
    return value if isinstance(value, str) else number(value)


def percent(share: float | None) -> str:
    """A share 0..1 as ``42,5%``; ``–`` when there is nothing to share."""
    return "–" if share is None else number(share * 100, 1) + "%"


def when(at: datetime) -> str:
    """A timestamp as ``2 Desember 2026, 01.05 UTC``."""
    return f"{at.day} {MONTHS[at.month - 1]} {at.year}, {at:%H.%M} UTC"


def title(level_label: str, name: str) -> str:
    """``Laporan Kecamatan Cibodas``; a name that already says its level is not repeated."""
    if name.lower().startswith(level_label.lower() + " "):
        return f"Laporan {name}"
    return f"Laporan {level_label} {name}"
