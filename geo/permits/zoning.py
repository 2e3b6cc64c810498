"""The zoning pre-check: the intended use against the ITBX verdict of every zone the parcel
touches (I permitted, T limited, B conditional, X not permitted), and the part outside the plan."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from geo.permits.verdicts import LOLOS, MIN_OVERLAP_M2, PERLU_KAJIAN, TIDAK_LOLOS, Check, worst
from geo.permits.wording import num_en, num_id, pct

_ITBX_VERDICT = {"I": LOLOS, "T": PERLU_KAJIAN, "B": PERLU_KAJIAN, "X": TIDAK_LOLOS}
_ITBX_ID = {
    "I": "diperbolehkan",
    "T": "diperbolehkan terbatas",
    "B": "diperbolehkan bersyarat",
    "X": "tidak diperbolehkan",
    None: "tidak diatur",
}
_ITBX_EN = {
    "I": "permitted",
    "T": "limited",
    "B": "conditional",
    "X": "not permitted",
    None: "not listed",
}


def zone_totals(pieces: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The pieces summed per zone code (one code may have several polygons)."""
    totals: dict[str, dict[str, Any]] = {}
    for p in pieces:
        zone = totals.setdefault(
            p["code"],
            {"code": p["code"], "name": p["name"], "verdict": p["itbx"], "area_m2": 0.0}
            | {k: p[k] for k in ("kdb", "klb", "kdh")},
        )
        zone["area_m2"] += float(p["area_m2"])
    return sorted(totals.values(), key=lambda z: -z["area_m2"])


def zoning_check(
    use: str, use_known: bool, pieces: Sequence[Mapping[str, Any]], area: float
) -> Check:
    """The use against the ITBX verdict of each zone touched (> 1 m²): the worst of them, and
    perlu_kajian for a use the table lacks, no zone at all or a part outside every zone."""
    zones = zone_totals(pieces)
    counted = [z for z in zones if z["area_m2"] > MIN_OVERLAP_M2]
    covered = sum(z["area_m2"] for z in zones)
    uncovered = max(0.0, area - covered)
    for z in zones:
        z["share"] = round(z["area_m2"] / area, 4) if area > 0 else 0.0
        z["area_m2"] = round(z["area_m2"], 1)
    if not use_known:
        verdict = PERLU_KAJIAN
        head_id = f"Kegiatan '{use}' tidak ada dalam tabel ITBX kota."
        head_en = f"The activity '{use}' is not in the city's ITBX table."
    elif not counted:
        verdict = PERLU_KAJIAN
        head_id = "Persil tidak berada di zona mana pun dalam rencana zonasi."
        head_en = "The parcel lies in no zone of the zoning plan."
    else:
        verdict = worst(_ITBX_VERDICT.get(z["verdict"], PERLU_KAJIAN) for z in counted)
        if uncovered > MIN_OVERLAP_M2:
            verdict = worst([verdict, PERLU_KAJIAN])
        head_id = f"Kegiatan '{use}':"
        head_en = f"Activity '{use}':"
    parts_id = [
        f"{z['code']} {z['name']} ({pct(z['share'])}) {_ITBX_ID[z['verdict']]}" for z in counted
    ]
    parts_en = [
        f"{z['code']} {z['name']} ({pct(z['share'])}) {_ITBX_EN[z['verdict']]}" for z in counted
    ]
    message_id = " ".join([head_id, "; ".join(parts_id)]).strip()
    message_en = " ".join([head_en, "; ".join(parts_en)]).strip()
    if uncovered > MIN_OVERLAP_M2 and counted:
        message_id += f"; {num_id(uncovered)} m² di luar rencana zonasi"
        message_en += f"; {num_en(uncovered)} m² outside the zoning plan"
    return Check(
        id="zoning",
        verdict=verdict,
        title_id="Kesesuaian zonasi (ITBX)",
        title_en="Zoning (ITBX)",
        message_id=message_id.rstrip(":") + ("" if message_id.endswith(".") else "."),
        message_en=message_en.rstrip(":") + ("" if message_en.endswith(".") else "."),
        figures={
            "use": use,
            "use_known": use_known,
            "zones": [
                {k: z[k] for k in ("code", "name", "verdict", "area_m2", "share")} for z in zones
            ],
            "uncovered_m2": round(uncovered, 1),
        },
        features=[
            {
                "type": "Feature",
                "geometry": p["geometry"],
                "properties": {
                    "code": p["code"],
                    "name": p["name"],
                    "itbx": p["itbx"],
                    "area_m2": round(float(p["area_m2"]), 1),
                },
            }
            for p in pieces
        ],
    )
