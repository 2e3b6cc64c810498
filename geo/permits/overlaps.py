"""The pre-check of the parcel itself and of what it overlaps: its measured area against the
declared one, and the pieces it shares with permitted parcels and with pending applications."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from shapely.geometry import MultiPolygon, mapping

from geo.permits.verdicts import LOLOS, MIN_OVERLAP_M2, PERLU_KAJIAN, UTM_48S, Check, piece_feature
from geo.permits.wording import num_en, num_id, pct

AREA_TOLERANCE = 0.05  # measured vs declared area: more apart → perlu_kajian


def area_check(area: float, declared: float, geom: MultiPolygon) -> Check:
    """The measured area (UTM 48S) against the declared one: more than 5 % apart → perlu_kajian."""
    diff = (area - declared) / declared if declared > 0 else float("inf")
    verdict = PERLU_KAJIAN if abs(diff) > AREA_TOLERANCE else LOLOS
    pct_id = num_id(abs(diff) * 100, 1) if declared > 0 else "∞"
    pct_en = num_en(abs(diff) * 100, 1) if declared > 0 else "∞"
    if verdict == LOLOS:
        message_id = (
            f"Luas terukur {num_id(area)} m² sesuai luas yang dinyatakan"
            f" ({num_id(declared)} m², selisih {pct_id} %)."
        )
        message_en = (
            f"The measured area {num_en(area)} m² matches the declared area"
            f" ({num_en(declared)} m², {pct_en} % apart)."
        )
    else:
        message_id = (
            f"Luas terukur {num_id(area)} m² berbeda {pct_id} % dari luas yang dinyatakan"
            f" ({num_id(declared)} m²)."
        )
        message_en = (
            f"The measured area {num_en(area)} m² is {pct_en} % off the declared area"
            f" ({num_en(declared)} m²)."
        )
    return Check(
        id="area",
        verdict=verdict,
        title_id="Luas persil",
        title_en="Parcel area",
        message_id=message_id,
        message_en=message_en,
        figures={
            "area_m2": round(area, 1),
            "declared_area_m2": declared,
            "difference_share": round(diff, 4) if declared > 0 else None,
            "crs": f"EPSG:{UTM_48S}",
        },
        features=[
            {
                "type": "Feature",
                "geometry": mapping(geom),
                "properties": {"kind": "parcel", "area_m2": round(area, 1)},
            }
        ],
    )


_OVERLAP_TEXT = {
    "overlap_parcels": (
        "Tumpang tindih dengan persil berizin",
        "Overlap with permitted parcels",
        "persil berizin",
        "permitted parcel(s)",
    ),
    "overlap_pending": (
        "Tumpang tindih dengan pengajuan lain",
        "Overlap with pending applications",
        "pengajuan izin lain yang sedang diproses",
        "pending application(s)",
    ),
}


def overlap_check(
    check_id: str, pieces: Sequence[Mapping[str, Any]], area: float, severity: str
) -> Check:
    """The pieces shared with permitted parcels or pending applications (``check_id``); any
    over 1 m² gives ``severity``."""
    title_id, title_en, what_id, what_en = _OVERLAP_TEXT[check_id]
    real = [p for p in pieces if p["area_m2"] > MIN_OVERLAP_M2]
    shared = sum(float(p["area_m2"]) for p in real)
    share = shared / area if area > 0 else 0.0
    if real:
        verdict = severity
        message_id = (
            f"Persil tumpang tindih dengan {len(real)} {what_id}"
            f" (seluas {num_id(shared)} m², {pct(share)})."
        )
        message_en = (
            f"The parcel overlaps {len(real)} {what_en} ({num_en(shared)} m², {pct(share)})."
        )
    else:
        verdict = LOLOS
        message_id = f"Tidak ada tumpang tindih dengan {what_id}."
        message_en = f"No overlap with {what_en}."
    items = [
        {k: (round(float(v), 1) if k == "area_m2" else v) for k, v in p.items() if k != "geometry"}
        | {"share": round(float(p["area_m2"]) / area, 4) if area > 0 else 0.0}
        for p in real
    ]
    return Check(
        id=check_id,
        verdict=verdict,
        title_id=title_id,
        title_en=title_en,
        message_id=message_id,
        message_en=message_en,
        figures={
            "area_m2": round(shared, 1),
            "share": round(share, 4),
            "count": len(real),
            "items": items,
        },
        features=[piece_feature(p, kind=check_id) for p in pieces],
    )
