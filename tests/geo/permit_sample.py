"""A valid izin application (the request JSON), shared by the geo and HTTP permit tests."""

from __future__ import annotations

from typing import Any

from shapely.geometry import Polygon, mapping

from tests.api.request_sample import NIKS, PDF

PERMIT_DOCUMENTS = ("ktp", "sertifikat")


def application(parcel: Polygon, declared_area_m2: float, **attrs: Any) -> dict[str, Any]:
    """The request part of an izin application on ``parcel``."""
    return {
        "type": "izin",
        "geometry": mapping(parcel),
        "attrs": {
            "title": "Rumah Keluarga Uji",
            "use": "Rumah tinggal",
            "declared_area_m2": declared_area_m2,
            "floors": 2,
            "footprint_m2": 1_000.0,
            "green_m2": 1_500.0,
            **attrs,
        },
        "contact": {"name": "Siti Pemohon", "nik": NIKS[2], "phone": "0812 3456 7890"},
    }


def documents() -> dict[str, bytes]:
    """One PDF per required document slot."""
    return dict.fromkeys(PERMIT_DOCUMENTS, PDF)
