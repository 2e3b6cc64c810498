"""What the audit commands take (``XCreate``) and return (``XPublic``): typed, bounded."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

MAX_IDR = 10**14  # Rp 100 trillion: above any city's whole budget
Category = Literal["kelemahan_spi", "ketidakpatuhan", "potensi_kerugian"]
Severity = Literal["rendah", "sedang", "tinggi"]
FollowupStatus = Literal[
    "belum_ditindaklanjuti", "belum_sesuai", "sesuai", "tidak_dapat_ditindaklanjuti"
]
OpdCode = Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_.\-]+$")


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class SiteCreate(_In):
    """An audit site: the place of an OPD-funded activity."""

    geometry: dict[str, Any]
    opd_code: str = OpdCode
    activity: str = Field(min_length=3, max_length=300)
    budget_idr: int = Field(ge=0, le=MAX_IDR)
    fiscal_year: int = Field(ge=2000, le=2100)
    contractor: str | None = Field(default=None, max_length=200)
    contract_value_idr: int | None = Field(default=None, ge=0, le=MAX_IDR)
    progress_pct: float = Field(default=0, ge=0, le=100)


class AuditCreate(_In):
    """A new audit of a site, in the annual plan (``pkpt``) or on request (``permintaan``)."""

    site_id: int = Field(ge=1, le=2**62)
    basis: Literal["pkpt", "permintaan"] = "pkpt"
    title: str = Field(min_length=3, max_length=300)


class StepCreate(_In):
    """One workflow step of an audit with the fields it needs."""

    transition: str = Field(min_length=1, max_length=64)
    note: str | None = Field(default=None, max_length=4000)
    surat_tugas_no: str | None = Field(default=None, min_length=1, max_length=100)
    surat_tugas_date: date | None = None
    inspectors: list[int] | None = Field(default=None, max_length=20)
    lha_no: str | None = Field(default=None, min_length=1, max_length=100)
    lha_date: date | None = None


class VisitCreate(_In):
    """A field visit from a phone; the position only when the phone gave one."""

    visited_at: datetime | None = None
    lon: float | None = None
    lat: float | None = None
    accuracy_m: float | None = Field(default=None, ge=0, le=100_000)
    note: str | None = Field(default=None, max_length=4000)


class FindingCreate(_In):
    """A finding of an audit, owned by one office."""

    opd_code: str = OpdCode
    category: Category
    severity: Severity
    potential_loss_idr: int = Field(default=0, ge=0, le=MAX_IDR)
    description: str = Field(min_length=3, max_length=8000)
    recommendation: str = Field(min_length=3, max_length=8000)


class FindingUpdate(_In):
    """The inspectorate's change of a finding (before the LHA); the office never edits one."""

    category: Category | None = None
    severity: Severity | None = None
    potential_loss_idr: int | None = Field(default=None, ge=0, le=MAX_IDR)
    description: str | None = Field(default=None, min_length=3, max_length=8000)
    recommendation: str | None = Field(default=None, min_length=3, max_length=8000)


class ResponseCreate(_In):
    """The office's answer to a finding in the notisi step."""

    text: str = Field(min_length=3, max_length=8000)


class FollowupCreate(_In):
    """The office's follow-up action on a finding (after the LHA)."""

    note: str = Field(min_length=3, max_length=8000)


class AssessmentCreate(_In):
    """The inspectorate's assessment of a finding's follow-up."""

    status: FollowupStatus
    note: str = Field(min_length=3, max_length=8000)


class EntryPublic(BaseModel):
    """One response or follow-up entry of a finding."""

    id: int
    at: datetime
    actor: str
    side: str
    status: str | None = None
    text: str


class PhotoPublic(BaseModel):
    """A photo's metadata (the bytes at ``/audit-photos/{id}``, and for the office at
    ``/audit-findings/{finding_id}/photos/{id}``); ``followup_id``: the office's follow-up
    entry it documents."""

    id: int
    audit_id: int | None
    visit_id: int | None
    finding_id: int | None
    followup_id: int | None = None
    filename: str
    media_type: str
    size_bytes: int


class FindingPublic(BaseModel):
    """A finding with its clock: due 60 days after the LHA date, overdue while still open."""

    id: int
    audit_id: int
    site_id: int
    activity: str
    audit_status: str
    opd_code: str
    category: str
    severity: str
    potential_loss_idr: int
    description: str
    recommendation: str
    followup_status: str
    lha_date: date | None
    due_date: date | None
    days_left: int | None
    overdue: bool
    version: int
    responses: list[EntryPublic] = []
    followups: list[EntryPublic] = []
    photos: list[PhotoPublic] = []


class VisitPublic(BaseModel):
    """A visit as recorded."""

    id: int
    visited_at: datetime
    inspector: str
    lon: float | None
    lat: float | None
    accuracy_m: float | None
    distance_m: float | None
    note: str | None


class EventPublic(BaseModel):
    """One step of an audit's history."""

    at: datetime
    actor: str
    transition: str | None
    from_status: str | None
    to_status: str
    note: str | None


class AuditPublic(BaseModel):
    """An audit as the inspectorate sees it."""

    id: int
    site_id: int
    activity: str
    site_opd_code: str
    basis: str
    title: str
    status: str
    status_label: str
    surat_tugas_no: str | None
    surat_tugas_date: date | None
    inspectors: list[str]
    lha_no: str | None
    lha_date: date | None
    version: int
    transitions: list[dict[str, str]] = []
    findings: list[FindingPublic] = []
    visits: list[VisitPublic] = []
    events: list[EventPublic] = []
    photos: list[PhotoPublic] = []


class OpdRow(BaseModel):
    """One row of the per-OPD table."""

    opd_code: str
    opd_name: str | None
    sites: int
    audits: int
    findings: int
    open_findings: int
    potential_loss_idr: int
    overdue_findings: int


class CreatedPublic(BaseModel):
    """The id of what was just written."""

    id: int


class StepPublic(BaseModel):
    """An audit after a step: its status and new version (its ETag)."""

    id: int
    status: str
    version: int


class InspectorPublic(BaseModel):
    """An active inspector of the city (role ``inspektur``), to name in a surat tugas."""

    id: int
    username: str
    display_name: str


class AuditSummary(BaseModel):
    """One audit of the list, with its site and its number of findings."""

    id: int
    site_id: int
    activity: str
    opd_code: str
    fiscal_year: int
    basis: str
    title: str
    status: str
    surat_tugas_no: str | None
    lha_date: date | None
    followup_due: date | None
    version: int
    findings: int


class SiteAudit(BaseModel):
    """One audit of a site, as the site's feature lists them."""

    id: int
    basis: str
    title: str
    status: str
    lha_date: date | None


class SiteProperties(BaseModel):
    """An audit site's properties with its latest audit's state and its open findings."""

    opd_code: str
    activity: str
    budget_idr: int
    fiscal_year: int
    contractor: str | None
    contract_value_idr: int | None
    progress_pct: float
    kelurahan_code: str | None
    kecamatan_code: str | None
    kelurahan_name: str | None
    kecamatan_name: str | None
    audit_status: str
    open_findings: int
    worst_severity: str | None
    potential_loss_idr: int
    overdue_findings: int
    colour: str
    demo: bool
    audits: list[SiteAudit] | None = None


class SiteFeature(BaseModel):
    """An audit site as a GeoJSON Feature (a Point, Polygon or MultiPolygon, lon/lat)."""

    type: Literal["Feature"]
    id: int
    geometry: dict[str, Any]
    properties: SiteProperties


class SiteCollection(BaseModel):
    """Audit sites as a GeoJSON FeatureCollection."""

    type: Literal["FeatureCollection"]
    features: list[SiteFeature]
