"""The pre-check's words: numbers as Bahasa Indonesia and English write them, and the summary
of a result (the sentences of the checks that did not pass, worst first, then the disclaimer)."""

from __future__ import annotations

from collections.abc import Sequence

from geo.permits.verdicts import LOLOS, VERDICTS, Check

DISCLAIMER_ID = (
    "Hasil ini indikatif; keputusan resmi tetap KKPR melalui OSS dan Keterangan Rencana Kota (KRK)."
)
DISCLAIMER_EN = (
    "This result is indicative; the legal answer remains the KKPR through OSS and the city's"
    " planning letter (KRK)."
)


def num_id(value: float, digits: int = 0) -> str:
    """A number as Bahasa writes it: 1.734,5."""
    return f"{value:,.{digits}f}".replace(",", "_").replace(".", ",").replace("_", ".")


def num_en(value: float, digits: int = 0) -> str:
    """A number as English writes it: 1,734.5."""
    return f"{value:,.{digits}f}"


def pct(share: float) -> str:
    """A share (0..1) as whole per cent: ``42 %``."""
    return f"{round(share * 100)} %"


def summary(checks: Sequence[Check]) -> tuple[str, str]:
    """The plain-language summary (Bahasa, English): the sentences of the checks that did not
    pass, worst first, then the disclaimer."""
    flagged = sorted(
        (c for c in checks if c.verdict != LOLOS), key=lambda c: -VERDICTS.index(c.verdict)
    )
    if not flagged:
        head_id = "Semua pemeriksaan awal lolos."
        head_en = "Every pre-check passed."
    else:
        head_id = " ".join(c.message_id for c in flagged)
        head_en = " ".join(c.message_en for c in flagged)
    return f"{head_id} {DISCLAIMER_ID}", f"{head_en} {DISCLAIMER_EN}"
