"""The services a citizen may ask for: what the form is built from, and the words it shows.

One entry per request type: its kinds and their submission windows today, the organisation
kinds, the document slots, file limits and the field limits read from the very pydantic
schemas the server validates with, so the browser checks the same rules (the server judges).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from pydantic import BaseModel
from sqlalchemy.orm import Session

from geo.accounts import PERMISSIONS, Principal, authorize, list_opds
from geo.cities import CityInfo
from geo.requests.saran import SARAN, SARAN_KINDS_EN, SARAN_WORKFLOW
from geo.requests.schemas import Contact, FacetOpd, FacetState, FacetType, StaffFacets
from geo.requests.types import TYPE_LIMITED_ROLES, TYPES, RequestType, types_handled_by
from geo.requests.windows import SubmissionWindows, window_of, window_state

# the steps as citizens and staff read them (Bahasa Indonesia; the browser has English)
STATUS_LABELS: Mapping[str, Mapping[str, str]] = {
    "bantuan": {
        "diajukan": "Diajukan",
        "verifikasi_dokumen": "Verifikasi dokumen",
        "perlu_perbaikan": "Perlu perbaikan",
        "evaluasi": "Evaluasi",
        "rekomendasi": "Rekomendasi TAPD",
        "ditetapkan": "Ditetapkan (DNPH)",
        "ditolak": "Ditolak",
        "nphd": "NPHD ditandatangani",
        "dicairkan": "Dicairkan",
        "lpj": "LPJ diunggah",
        "selesai": "Selesai",
    },
    SARAN: dict(SARAN_WORKFLOW.state_labels),
}
ORGANISATION_KINDS: Mapping[str, tuple[str, str]] = {
    "yayasan": ("Yayasan", "Foundation"),
    "masjid_musala": ("Masjid / musala", "Mosque / prayer room"),
    "gereja": ("Gereja", "Church"),
    "rt_rw": ("RT / RW", "Neighbourhood (RT / RW)"),
    "karang_taruna": ("Karang taruna", "Youth organisation"),
    "kelompok_tani": ("Kelompok tani", "Farmers' group"),
    "ormas": ("Ormas", "Civil society organisation"),
    "lainnya": ("Lainnya", "Other"),
}
KIND_TITLES_EN = {"hibah": "Grant", "bansos": "Social aid", **SARAN_KINDS_EN}
DOCUMENT_LABELS_EN = {
    "proposal": "Proposal",
    "surat_pernyataan": "Statement of responsibility",
    "sk_kepengurusan": "Board decree (SK kepengurusan)",
    "akta_notaris": "Notarial deed",
    "npwp": "Tax number (NPWP)",
    "domisili": "Certificate of domicile from the kelurahan",
    "ktp_ketua": "ID card of the chair",
    "ktp_sekretaris": "ID card of the secretary",
    "izin_operasional": "Operating permit",
}
# what geo/requests/attachments.py sniffs from the bytes (a test keeps the two in step)
ACCEPTED_MEDIA_TYPES = ("application/pdf", "image/jpeg", "image/png")
NIK_PATTERN = r"^[0-9]{16}$"
_LIMIT_KEYS = ("minLength", "maxLength", "pattern", "minimum", "maximum", "enum")


def status_label(type_name: str, status: str) -> str:
    """The Bahasa label of a status (the code itself when the type has none)."""
    return STATUS_LABELS.get(type_name, {}).get(status, status.replace("_", " ").capitalize())


def staff_facets(session: Session, principal: Principal, city: CityInfo) -> StaffFacets:
    """What the staff workspace's filters offer: the request types the caller reads, their states
    in workflow order with their Bahasa labels, and the city's OPDs by code.

    Args:
        session: Open session (read only).
        principal: The caller: staff of the city (``requests.read``).
        city: The city.

    Returns:
        The types and OPDs.

    Raises:
        AuthenticationRequiredError: Anonymous caller.
        PermissionDeniedError: Not staff, or staff of another city.
    """
    authorize(principal, "requests.read", city_id=city.id)
    readers = PERMISSIONS["requests.read"].roles or frozenset()
    grants = [g for g in principal.grants if g.role in readers]
    if grants and all(g.role in TYPE_LIMITED_ROLES for g in grants):  # Dishub: its types only
        shown = {name for g in grants for name in types_handled_by(g.role)}
    else:
        shown = set(TYPES)
    types = [
        FacetType(
            code=kind.name,
            title_id=kind.title_id or kind.name,
            title_en=kind.title_en or kind.name,
            states=[
                FacetState(code=state, label=status_label(kind.name, state))
                for state in kind.workflow.states
            ],
        )
        for kind in TYPES.values()
        if kind.name in shown
    ]
    opds = [FacetOpd(code=o.code, name=o.name) for o in list_opds(session, city.id)]
    return StaffFacets(types=types, opds=opds)


def _resolve(node: dict[str, Any], defs: Mapping[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref")
    if isinstance(ref, str):
        resolved: dict[str, Any] = defs[ref.rsplit("/", 1)[-1]]
        return resolved
    options = [o for o in node.get("anyOf", []) if o.get("type") != "null"]
    if len(options) == 1:
        return _resolve(options[0], defs)
    return node


def field_limits(model: type[BaseModel], prefix: str) -> dict[str, dict[str, Any]]:
    """Dotted field -> its limits (length, pattern, range, choices, required) from the schema.

    Args:
        model: A pydantic model the server validates with.
        prefix: The name of its part of the request (``attrs``, ``private``, ``contact``).
    """
    schema = model.model_json_schema()
    defs = schema.get("$defs", {})
    out: dict[str, dict[str, Any]] = {}

    def walk(node: dict[str, Any], path: str) -> None:
        node = _resolve(node, defs)
        properties = node.get("properties")
        if isinstance(properties, dict):
            required = set(node.get("required", []))
            for name, child in properties.items():
                walk(child, f"{path}.{name}")
                if f"{path}.{name}" in out:
                    out[f"{path}.{name}"]["required"] = name in required
            return
        limits = {key: node[key] for key in _LIMIT_KEYS if key in node}
        if "const" in node:
            limits["enum"] = [node["const"]]
        limits["type"] = node.get("type", "string")
        if path.rsplit(".", 1)[-1] == "nik":  # 16 digits here; parse_nik judges the rest
            limits["pattern"] = NIK_PATTERN
        out[path] = limits

    walk(schema, prefix)
    return out


@dataclass(frozen=True)
class _Ctx:
    windows: SubmissionWindows
    city_slug: str
    today: date
    max_file_bytes: int


def _kinds(kind: RequestType, ctx: _Ctx) -> list[dict[str, Any]]:
    out = []
    for code, title in kind.kinds.items():
        state = window_state(window_of(ctx.windows, ctx.city_slug, kind.name, code), ctx.today)
        out.append(
            {
                "code": code,
                "title": {"id": title, "en": KIND_TITLES_EN.get(code, title)},
                "window": {
                    "open": state.open,
                    "opens_on": state.opens_on.isoformat() if state.opens_on else None,
                    "closes_on": state.closes_on.isoformat() if state.closes_on else None,
                },
            }
        )
    return out


def _service(kind: RequestType, ctx: _Ctx) -> dict[str, Any]:
    documents = [
        {
            "slot": slot,
            "label": {"id": label, "en": DOCUMENT_LABELS_EN.get(slot, label)},
            "required": required,
        }
        for mapping, required in ((kind.documents, True), (kind.optional_documents, False))
        for slot, label in mapping.items()
    ]
    limits = field_limits(kind.attrs, "attrs") | field_limits(Contact, "contact")
    if kind.private is not None:
        limits |= field_limits(kind.private, "private")
    kinds = _kinds(kind, ctx)
    return {
        "type": kind.name,
        "prefix": kind.prefix,
        "title": {"id": kind.title_id or kind.name, "en": kind.title_en or kind.name},
        "kind_field": kind.kind_field,
        "kinds": kinds,
        "open": not kinds or any(k["window"]["open"] for k in kinds),
        "organisation_kinds": [
            {"code": code, "title": {"id": title_id, "en": title_en}}
            for code, (title_id, title_en) in ORGANISATION_KINDS.items()
        ]
        if "organisation_kind" in kind.attrs.model_fields
        else [],
        "documents": documents,
        "max_file_bytes": ctx.max_file_bytes,
        "accepted_media_types": list(ACCEPTED_MEDIA_TYPES),
        "nearby_radius_m": kind.nearby_radius_m,
        "geometry_types": sorted(kind.geometry_types),
        "contact_required": kind.contact_required,
        "contact_fields": [f for f in Contact.model_fields if f not in kind.contact_refused],
        "limits": limits,
    }


def services(
    city_slug: str,
    *,
    windows: SubmissionWindows,
    today: date,
    max_file_bytes: int,
) -> list[dict[str, Any]]:
    """The catalogue of services the form is built from (no database work).

    Args:
        city_slug: The city (its windows).
        windows: The parsed submission windows (``TPO_SUBMISSION_WINDOWS``).
        today: The day in the city.
        max_file_bytes: Size limit of one document.

    Returns:
        One dict per request type: ``type``, ``prefix``, ``title`` {id, en}, ``kinds`` [{code,
        title, window {open, opens_on, closes_on}}], ``open``, ``organisation_kinds``,
        ``documents`` [{slot, label, required}], ``max_file_bytes``, ``accepted_media_types``,
        ``nearby_radius_m``, ``geometry_types`` (GeoJSON types the place may be),
        ``contact_required``, ``contact_fields``, ``limits`` (dotted field -> minLength/
        maxLength/pattern/minimum/maximum/enum/required; a contact the type does not require
        keeps ``contact.name`` required once a contact is given).
    """
    ctx = _Ctx(windows, city_slug, today, max_file_bytes)
    return [_service(kind, ctx) for kind in TYPES.values()]
