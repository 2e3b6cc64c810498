"""The request types the core knows: schemas, workflow, code prefix, routing, documents."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from geo.errors import (
    NotFoundError,
)
from geo.models import ROLES
from geo.permits import (
    DPMPTSP,
    IZIN_DEADLINES_DAYS,
    IZIN_DOCUMENTS,
    IZIN_FINAL,
    IZIN_INITIAL,
    IZIN_OPTIONAL_DOCUMENTS,
    IZIN_STATE_LABELS,
    IZIN_STATES,
    IZIN_TRANSITION_LABELS,
    IZIN_TRANSITIONS,
    PermitAttributes,
    after_izin_step,
    prepare_izin,
)
from geo.requests.aid import AID_DOCUMENTS, AID_OPTIONAL_DOCUMENTS, AID_WORKFLOW
from geo.requests.nearby import DUPLICATE_RADIUS_M
from geo.requests.place import POINT_OR_AREA
from geo.requests.saran import DISHUB, SARAN, SARAN_HANDLERS, SARAN_KINDS, SARAN_WORKFLOW
from geo.requests.schemas import (
    AidAttributes,
    AidPrivate,
    SaranAttributes,
)
from geo.requests.transfer import (
    SCHOOL_SIDES,
    TRANSFER_DOCUMENTS,
    TRANSFER_FORM,
    TRANSFER_WORKFLOW,
    TransferAttributes,
    TransferPrivate,
    check_step,
    prepare_transfer,
)
from geo.requests.workflow import Transition, Workflow, validate_workflow


@dataclass(frozen=True, kw_only=True)
class RequestType:
    """What the core knows of one request type: its schemas, workflow, code prefix, routing."""

    name: str
    prefix: str
    workflow: Workflow
    attrs: type[BaseModel]
    private: type[BaseModel] | None
    opd: str
    title_field: str
    documents: Mapping[str, str]
    optional_documents: Mapping[str, str]
    # what the citizen's form calls the service, in Bahasa Indonesia and English
    title_id: str = ""
    title_en: str = ""
    # the attribute that names the kind (hibah / bansos), and the kinds with their titles:
    # each kind may have its own submission window (geo/requests/windows.py)
    kind_field: str | None = None
    kinds: Mapping[str, str] = field(default_factory=dict)
    # requests of the same type within this distance are shown as "similar nearby"
    nearby_radius_m: float = DUPLICATE_RADIUS_M
    # checks against other layers and computed attributes at submission (school transfers):
    # (session, city, attrs, private, geometry, planning) -> Prepared (attrs, private, wkt)
    prepare: Callable[..., Any] | None = None
    # checks of a step beyond the workflow (capacity): (session, city_id, attrs, step) -> the
    # fields to keep with the event; raises to refuse the step
    check_step: Callable[..., dict[str, Any]] | None = None
    # attributes naming the schools whose staff (role sekolah) handle the request, and per
    # state the one whose staff act from it
    school_fields: tuple[str, ...] = ()
    school_sides: Mapping[str, str] = field(default_factory=dict)
    # the attribute the public tracking page shows as the request's place (instead of the
    # kelurahan and kecamatan); None: the kelurahan
    track_place_field: str | None = None
    # what else the citizen's form needs of this type (catalogue ``form``)
    form: Mapping[str, Any] = field(default_factory=dict)
    # the GeoJSON geometry types the place may be (a Polygon is stored as a MultiPolygon)
    geometry_types: frozenset[str] = frozenset(POINT_OR_AREA)
    # whether the submitter must give a contact (name ...); False: anonymous suggestions
    contact_required: bool = True
    # contact fields the type does not ask for (refused when sent: no needless personal data)
    contact_refused: frozenset[str] = frozenset()
    # roles (beyond opd_staff of the routed OPD and city admins) that read and handle every
    # request of this type in their city, within their kecamatan when scoped, and of no
    # other type (geo/requests/queries.visibility, geo/requests/steps)
    handler_roles: frozenset[str] = frozenset()
    # what a type does in the writing transaction of a step, after the status changed and the
    # event was written (permits: the pre-check on submission, the parcel on approval):
    # (session, principal, city_id, request_id, transition) with the ``Transition`` taken,
    # None for the submission; raises to refuse the step (the transaction rolls back)
    after_step: Callable[..., None] | None = None


# permits (#15): the workflow rows of geo/permits/workflow.py as the core's Workflow
IZIN_WORKFLOW = Workflow(
    type="izin",
    initial=IZIN_INITIAL,
    states=IZIN_STATES,
    final=frozenset(IZIN_FINAL),
    transitions=tuple(
        Transition(name, frozenset(sources), target, frozenset(roles), requires, opd)
        for name, sources, target, roles, requires, opd in IZIN_TRANSITIONS
    ),
    deadlines_days=IZIN_DEADLINES_DAYS,
    state_labels=IZIN_STATE_LABELS,
    transition_labels=IZIN_TRANSITION_LABELS,
)
validate_workflow(IZIN_WORKFLOW, ROLES)


TYPES: dict[str, RequestType] = {
    "bantuan": RequestType(
        name="bantuan",
        prefix="SBK",
        workflow=AID_WORKFLOW,
        attrs=AidAttributes,
        private=AidPrivate,
        opd="KESRA",
        title_field="organisation",
        documents=AID_DOCUMENTS,
        optional_documents=AID_OPTIONAL_DOCUMENTS,
        title_id="Hibah dan bantuan sosial (e-Sabakota)",
        title_en="Grants and social aid (e-Sabakota)",
        kind_field="kind",
        kinds={"hibah": "Hibah", "bansos": "Bantuan sosial"},
    ),
    "pindah_sekolah": RequestType(
        name="pindah_sekolah",
        prefix="PSK",
        workflow=TRANSFER_WORKFLOW,
        attrs=TransferAttributes,
        private=TransferPrivate,
        opd="DISDIK",
        title_field="title",
        documents=TRANSFER_DOCUMENTS,
        optional_documents={},
        title_id="Pindah sekolah (SD/SMP)",
        title_en="School transfer (SD/SMP)",
        nearby_radius_m=0.0,
        prepare=prepare_transfer,
        check_step=check_step,
        school_fields=("origin_npsn", "target_npsn"),
        school_sides=SCHOOL_SIDES,
        track_place_field="target_name",
        form=TRANSFER_FORM,
        geometry_types=frozenset({"Point"}),
    ),
    SARAN: RequestType(
        name=SARAN,
        prefix="SRN",
        workflow=SARAN_WORKFLOW,
        attrs=SaranAttributes,
        private=None,
        opd=DISHUB,
        title_field="kind",
        documents={},
        optional_documents={},
        title_id="Saran angkutan umum (Dishub)",
        title_en="Public transport suggestion (Dishub)",
        kind_field="kind",
        kinds=SARAN_KINDS,
        geometry_types=frozenset({"Point", "LineString"}),
        contact_required=False,
        contact_refused=frozenset({"nik", "address"}),
        handler_roles=SARAN_HANDLERS,
    ),
    "izin": RequestType(
        name="izin",
        prefix="IZN",
        workflow=IZIN_WORKFLOW,
        attrs=PermitAttributes,
        private=None,
        opd=DPMPTSP,
        title_field="title",
        documents=IZIN_DOCUMENTS,
        optional_documents=IZIN_OPTIONAL_DOCUMENTS,
        title_id="Izin bangunan dan pemanfaatan ruang (PBG)",
        title_en="Building and land-use permit (PBG)",
        nearby_radius_m=0.0,
        prepare=prepare_izin,
        geometry_types=frozenset({"Polygon", "MultiPolygon"}),
        after_step=after_izin_step,
    ),
}
# roles that handle only the types naming them (never city-wide or OPD-wide roles)
TYPE_LIMITED_ROLES: frozenset[str] = frozenset(r for k in TYPES.values() for r in k.handler_roles)
if TYPE_LIMITED_ROLES & {"opd_staff", "admin_kota", "admin", "warga"}:  # pragma: no cover
    raise ValueError("handler_roles may name only roles limited to their types")


def types_handled_by(role: str) -> list[str]:
    """The request types whose ``handler_roles`` name ``role``, sorted."""
    return sorted(n for n, k in TYPES.items() if role in k.handler_roles)


class RequestNotFoundError(NotFoundError):
    """No such request (or not one the principal may see)."""

    code = "request-not-found"
    title = "Request not found"


def handling_opds(kind: RequestType, opd_code: str | None) -> frozenset[str]:
    """The OPDs whose staff handle a request: the one it is routed to and those of its steps."""
    steps = {t.opd for t in kind.workflow.transitions if t.opd}
    return frozenset(steps | ({opd_code} if opd_code else set()))
