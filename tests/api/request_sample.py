"""A valid e-sabakota proposal for HTTP tests: the JSON and the multipart files."""

from __future__ import annotations

from typing import Any

import orjson

from geo.requests.aid import AID_DOCUMENTS

PDF = b"%PDF-1.4\n% test document\n"
NIKS = ("9901014507900001", "9901010203850002", "9901016612800003")


def proposal(lon: float, lat: float, **attrs: Any) -> dict[str, Any]:
    """The request part of a proposal at ``lon, lat``."""
    return {
        "type": "bantuan",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "attrs": {
            "kind": "hibah",
            "organisation": "Yayasan Uji Sejahtera",
            "organisation_kind": "yayasan",
            "purpose": "Renovasi ruang belajar",
            "amount_requested_idr": 25_000_000,
            **attrs,
        },
        "contact": {"name": "Siti Contoh", "nik": NIKS[2], "phone": "0812 3456 7890"},
        "private": {
            "chair": {"name": "Siti Contoh", "nik": NIKS[0]},
            "secretary": {"name": "Budi Contoh", "nik": NIKS[1]},
            "bank_account": {"bank": "Bank Uji", "number": "1234567890", "holder": "Yayasan"},
        },
    }


def multipart(
    body: dict[str, Any], **replace: bytes
) -> tuple[dict[str, str], list[tuple[str, tuple[str, bytes, str]]]]:
    """``data`` and ``files`` for ``client.post``: the JSON and one PDF per document slot."""
    files = [
        (slot, (f"{slot}.pdf", replace.get(slot, PDF), "application/pdf"))
        for slot in AID_DOCUMENTS
        if replace.get(slot, PDF)
    ]
    return {"request": orjson.dumps(body).decode()}, files
