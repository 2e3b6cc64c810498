"""Typed inputs and outputs of the request core; one attributes schema per request type."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from geo.requests.nik import parse_nik

Text200 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Text2000 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
Phone = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\+?[0-9 \-]{8,20}$")]
MAX_AMOUNT_IDR = 100_000_000_000  # Rp 100 miliar: above any city's whole grant budget line


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Person(_Strict):
    """A named person of a proposal (private)."""

    name: Text200
    nik: str
    phone: Phone | None = None

    @field_validator("nik")
    @classmethod
    def _nik(cls, value: str) -> str:
        parse_nik(value)
        return value


class BankAccount(_Strict):
    """The organisation's bank account (private)."""

    bank: Text200
    number: Annotated[str, StringConstraints(pattern=r"^[0-9\-]{5,30}$")]
    holder: Text200


class AidAttributes(_Strict):
    """Public attributes of an e-sabakota proposal (organisations are public, people are not)."""

    kind: Literal["hibah", "bansos"]
    organisation: Text200
    organisation_kind: Literal[
        "yayasan",
        "masjid_musala",
        "gereja",
        "rt_rw",
        "karang_taruna",
        "kelompok_tani",
        "ormas",
        "lainnya",
    ]
    legal_status: Annotated[str, StringConstraints(max_length=200)] | None = None
    purpose: Text2000
    amount_requested_idr: int = Field(ge=1, le=MAX_AMOUNT_IDR)


class SaranAttributes(_Strict):
    """A citizen's transport suggestion to Dishub (type ``saran_transport``); all public to
    the planners who read it (no personal data belongs here: the contact is apart)."""

    kind: Literal["butuh_trayek", "ngetem", "halte", "lainnya"]
    note: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]


class AidPrivate(_Strict):
    """Private part of an e-sabakota proposal."""

    chair: Person
    secretary: Person
    bank_account: BankAccount


class Contact(_Strict):
    """Who to reach about a request (private)."""

    name: Text200
    nik: str | None = None
    phone: Phone | None = None
    email: (
        Annotated[str, StringConstraints(max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
        | None
    ) = None
    address: Annotated[str, StringConstraints(max_length=500)] | None = None

    @field_validator("nik")
    @classmethod
    def _nik(cls, value: str | None) -> str | None:
        if value is not None:
            parse_nik(value)
        return value


class RequestCreate(_Strict):
    """A new request as the citizen (or an office) submits it."""

    type: str = Field(max_length=32)
    geometry: dict[str, Any]
    attrs: dict[str, Any]
    # required by most types; a type with ``contact_required=False`` (saran_transport) may be
    # sent without one (anonymous suggestions)
    contact: Contact | None = None
    private: dict[str, Any] = Field(default_factory=dict)


class Receipt(BaseModel):
    """What the submitter gets back."""

    id: int
    code: str
    type: str
    status: str
    kelurahan: str | None
    kecamatan: str | None
    opd: str | None
    version: int


class TrackEvent(BaseModel):
    """One public step of a request's timeline."""

    at: datetime
    status: str
    note: str | None


class TrackPublic(BaseModel):
    """The public tracking view: no personal data."""

    code: str
    type: str
    status: str
    kelurahan: str | None
    kecamatan: str | None
    created_at: datetime
    timeline: list[TrackEvent]


# --- the OPD staff side (geo/requests/queries.py): rows, detail, private data ---------------


class StaffRequestRow(BaseModel):
    """One request in the staff table (no personal data)."""

    id: int
    code: str
    type: str
    status: str
    status_label: str
    title: str
    kelurahan_code: str | None
    kelurahan: str | None
    kecamatan_code: str | None
    kecamatan: str | None
    opd: str | None
    created_at: datetime
    status_changed_at: datetime
    step_age_days: int
    due_at: datetime | None
    overdue: bool
    lon: float
    lat: float
    version: int
    demo: bool


class StaffRequestPage(BaseModel):
    """A page of the staff table and how many rows match in all."""

    items: list[StaffRequestRow]
    total: int
    total_exact: bool = True
    limit: int
    offset: int


class StaffDocument(BaseModel):
    """A document of a request (``url`` filled by the HTTP door)."""

    id: int
    slot: str
    slot_label: str
    filename: str
    media_type: str
    size_bytes: int
    sha256: str
    url: str | None = None


class StaffTimelineEntry(BaseModel):
    """One step of a request's history as staff see it (internal notes included)."""

    at: datetime
    actor: str
    transition: str | None
    from_status: str | None
    to_status: str
    public_note: str | None
    internal_note: str | None
    fields: dict[str, Any]


class StaffTransition(BaseModel):
    """A step the principal may take now, with the fields it needs."""

    name: str
    label: str
    to_status: str
    requires: list[str]


class StaffSimilar(BaseModel):
    """A possible duplicate: the same type nearby, recently."""

    id: int
    code: str
    status: str
    distance_m: float
    created_at: datetime


class StaffDeadlines(BaseModel):
    """The due dates of a request: its step's and, once paid, the LPJ's."""

    step_due_at: datetime | None
    lpj_due_at: datetime | None
    overdue: bool


class StaffRequestDetail(StaffRequestRow):
    """One request as its handling staff see it (personal data apart, see StaffPrivate)."""

    geometry: dict[str, Any]
    attrs: dict[str, Any]
    priority: int
    documents: list[StaffDocument]
    timeline: list[StaffTimelineEntry]
    transitions: list[StaffTransition]
    similar: list[StaffSimilar]
    deadlines: StaffDeadlines
    private_allowed: bool


class StaffContact(BaseModel):
    """The submitter's contact, NIK masked."""

    name: str
    nik: str | None
    phone: str | None
    email: str | None
    address: str | None


class StaffPrivate(BaseModel):
    """The personal data of a request (every NIK masked); each read is audit-logged."""

    contact: StaffContact
    private: dict[str, Any]


class FacetState(BaseModel):
    """One state of a request type, in workflow order, as the staff filters list it."""

    code: str
    label: str


class FacetType(BaseModel):
    """One request type the staff workspace can filter by, with its states."""

    code: str
    title_id: str
    title_en: str
    states: list[FacetState]


class FacetOpd(BaseModel):
    """One OPD (city office) of the city."""

    code: str
    name: str


class StaffFacets(BaseModel):
    """What the staff filters offer: the request types with their states, the city's OPDs."""

    types: list[FacetType]
    opds: list[FacetOpd]
