"""What the pre-check speaks in: the verdicts and their order, the building applied for, one
check and the whole result, and the GeoJSON feature of a piece the parcel shares with a layer."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

LOLOS, PERLU_KAJIAN, TIDAK_LOLOS = "lolos", "perlu_kajian", "tidak_lolos"
VERDICTS = (LOLOS, PERLU_KAJIAN, TIDAK_LOLOS)  # in order of severity
MIN_OVERLAP_M2 = 1.0  # smaller shared pieces are drawing noise, not overlaps
UTM_48S = 32748


@dataclass(frozen=True)
class Building:
    """The building applied for: floors, footprint and (optional) green area, in m²."""

    floors: int
    footprint_m2: float
    green_m2: float | None = None


@dataclass(frozen=True)
class Check:
    """One check: its verdict, sentences, figures and the geometry that explains it."""

    id: str
    verdict: str
    title_id: str
    title_en: str
    message_id: str
    message_en: str
    figures: dict[str, Any]
    features: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        """The check as the API shows it (``features`` a GeoJSON FeatureCollection)."""
        return {
            "id": self.id,
            "verdict": self.verdict,
            "title_id": self.title_id,
            "title_en": self.title_en,
            "message_id": self.message_id,
            "message_en": self.message_en,
            "figures": self.figures,
            "features": {"type": "FeatureCollection", "features": self.features},
        }


@dataclass(frozen=True)
class CheckResult:
    """The pre-check of one parcel and use (what ``run_check`` returns, ``store_check`` keeps)."""

    verdict: str
    summary_id: str
    summary_en: str
    parcel: dict[str, Any]
    checks: list[Check]
    layer_revisions: dict[str, int]

    def as_json(self) -> dict[str, Any]:
        """The CheckResult JSON of the permit contract."""
        return {
            "verdict": self.verdict,
            "indicative": True,
            "summary_id": self.summary_id,
            "summary_en": self.summary_en,
            "parcel": self.parcel,
            "checks": [c.as_json() for c in self.checks],
            "layer_revisions": self.layer_revisions,
        }

    def check(self, check_id: str) -> Check | None:
        """The check called ``check_id``, if it ran."""
        return next((c for c in self.checks if c.id == check_id), None)


def worst(verdicts: Iterable[str]) -> str:
    """The most severe of ``verdicts`` (``lolos`` when there are none)."""
    return max(verdicts, key=VERDICTS.index, default=LOLOS)


def piece_feature(piece: Mapping[str, Any], **props: Any) -> dict[str, Any]:
    """A shared piece as a GeoJSON Feature: its figures (area rounded) and ``props``."""
    keep = {k: v for k, v in piece.items() if k != "geometry"}
    keep["area_m2"] = round(float(keep["area_m2"]), 1)
    return {"type": "Feature", "geometry": piece["geometry"], "properties": keep | props}
