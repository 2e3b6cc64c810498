"""The protected-land pre-checks: the parcel's share of protected rice fields (LP2B), green open
space (RTH) and river setbacks, one check per kind."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from geo.permits.verdicts import (
    LOLOS,
    MIN_OVERLAP_M2,
    PERLU_KAJIAN,
    TIDAK_LOLOS,
    Check,
    piece_feature,
)
from geo.permits.wording import num_en, num_id, pct

PROTECTED_KINDS = ("sawah", "rth", "sungai")

_PROTECTED_TEXT = {
    "sawah": (
        TIDAK_LOLOS,
        "Lahan sawah dilindungi (LP2B)",
        "Protected rice fields (LP2B)",
        "kawasan sawah dilindungi",
        "protected rice fields",
    ),
    "rth": (
        PERLU_KAJIAN,
        "Ruang terbuka hijau (RTH)",
        "Green open space (RTH)",
        "ruang terbuka hijau",
        "green open space",
    ),
    "sungai": (
        TIDAK_LOLOS,
        "Sempadan sungai",
        "River setback",
        "sempadan sungai",
        "a river setback",
    ),
}


def protected_check(kind: str, pieces: Sequence[Mapping[str, Any]], area: float) -> Check:
    """The parcel's share of one kind of protected land (``sawah``, ``rth``, ``sungai``)."""
    severity, title_id, title_en, what_id, what_en = _PROTECTED_TEXT[kind]
    inside = sum(float(p["area_m2"]) for p in pieces)
    share = inside / area if area > 0 else 0.0
    if inside > MIN_OVERLAP_M2:
        verdict = severity
        message_id = f"Sebagian persil ({num_id(inside)} m², {pct(share)}) berada di {what_id}."
        message_en = f"Part of the parcel ({num_en(inside)} m², {pct(share)}) lies in {what_en}."
    else:
        verdict = LOLOS
        message_id = f"Persil tidak berada di {what_id}."
        message_en = f"The parcel does not lie in {what_en}."
    names = sorted({str(p["name"]) for p in pieces})
    return Check(
        id=f"protected_{kind}",
        verdict=verdict,
        title_id=title_id,
        title_en=title_en,
        message_id=message_id,
        message_en=message_en,
        figures={"area_m2": round(inside, 1), "share": round(share, 4), "names": names},
        features=[piece_feature(p) for p in pieces],
    )
