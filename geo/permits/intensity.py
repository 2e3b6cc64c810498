"""The building-intensity pre-checks: building coverage (KDB), floor area ratio (KLB) and green
area (KDH) of the building applied for, against the strictest zone the parcel touches."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from geo.permits.verdicts import LOLOS, MIN_OVERLAP_M2, PERLU_KAJIAN, TIDAK_LOLOS, Building, Check
from geo.permits.wording import num_en, num_id
from geo.permits.zoning import zone_totals


def intensity_checks(
    building: Building | None, pieces: Sequence[Mapping[str, Any]], area: float
) -> list[Check]:
    """KDB, KLB, KDH against the strictest zone the parcel touches (when the zones have them)."""
    if building is None or area <= 0:
        return []
    zones = [z for z in zone_totals(pieces) if z["area_m2"] > MIN_OVERLAP_M2]
    out: list[Check] = []
    kdb_zones = [z for z in zones if z["kdb"] is not None]
    if kdb_zones:
        zone = min(kdb_zones, key=lambda z: z["kdb"])
        value = building.footprint_m2 / area * 100
        out.append(
            _limit("kdb", value, zone, zone["kdb"], exceeded=value > zone["kdb"], pieces=pieces)
        )
    klb_zones = [z for z in zones if z["klb"] is not None]
    if klb_zones:
        zone = min(klb_zones, key=lambda z: z["klb"])
        value = building.floors * building.footprint_m2 / area
        out.append(
            _limit("klb", value, zone, zone["klb"], exceeded=value > zone["klb"], pieces=pieces)
        )
    kdh_zones = [z for z in zones if z["kdh"] is not None]
    if kdh_zones:
        zone = max(kdh_zones, key=lambda z: z["kdh"])
        if building.green_m2 is None:
            out.append(_limit("kdh", None, zone, zone["kdh"], exceeded=False, pieces=pieces))
        else:
            value = building.green_m2 / area * 100
            out.append(
                _limit("kdh", value, zone, zone["kdh"], exceeded=value < zone["kdh"], pieces=pieces)
            )
    return out


_LIMIT_TEXT = {
    "kdb": ("Koefisien Dasar Bangunan (KDB)", "Building coverage (KDB)", "%", "maks.", "max."),
    "klb": ("Koefisien Lantai Bangunan (KLB)", "Floor area ratio (KLB)", "", "maks.", "max."),
    "kdh": ("Koefisien Dasar Hijau (KDH)", "Green area (KDH)", "%", "min.", "min."),
}


def _limit(
    check_id: str,
    value: float | None,
    zone: Mapping[str, Any],
    limit: float,
    *,
    exceeded: bool,
    pieces: Sequence[Mapping[str, Any]],
) -> Check:
    title_id, title_en, unit, bound_id, bound_en = _LIMIT_TEXT[check_id]
    digits = 2 if check_id == "klb" else 1
    sep = " " if unit else ""
    lim_id = f"{bound_id} {num_id(limit, digits)}{sep}{unit}"
    lim_en = f"{bound_en} {num_en(limit, digits)}{sep}{unit}"
    name = check_id.upper()
    if value is None:
        verdict = PERLU_KAJIAN
        message_id = (
            f"Luas ruang hijau tidak diisi; zona {zone['code']} menetapkan {name} {lim_id}."
        )
        message_en = f"No green area given; zone {zone['code']} sets {name} {lim_en}."
    else:
        val_id = f"{num_id(value, digits)}{sep}{unit}"
        val_en = f"{num_en(value, digits)}{sep}{unit}"
        verdict = TIDAK_LOLOS if exceeded else LOLOS
        if exceeded:
            message_id = f"{name} {val_id} melampaui batas zona {zone['code']} ({lim_id})."
            message_en = f"{name} {val_en} exceeds the limit of zone {zone['code']} ({lim_en})."
        else:
            message_id = f"{name} {val_id} memenuhi batas zona {zone['code']} ({lim_id})."
            message_en = f"{name} {val_en} is within the limit of zone {zone['code']} ({lim_en})."
    return Check(
        id=check_id,
        verdict=verdict,
        title_id=title_id,
        title_en=title_en,
        message_id=message_id,
        message_en=message_en,
        figures={
            "value": round(value, 4) if value is not None else None,
            "limit": limit,
            "zone": zone["code"],
        },
        features=[
            {
                "type": "Feature",
                "geometry": p["geometry"],
                "properties": {"code": p["code"], "name": p["name"], name.lower(): limit},
            }
            for p in pieces
            if p["code"] == zone["code"]
        ],
    )
