"""The request types the core knows: schemas, workflow, code prefix, routing, documents."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from pydantic import BaseModel

from geo.errors import (
    NotFoundError,
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
from geo.requests.workflow import Workflow


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
