"""ORM models by domain (SQLAlchemy 2 typed mapping, GeoAlchemy2 geometry columns)."""

from geo.models.accounts import (
    ROLES,
    ApiToken,
    AppUser,
    AuditLog,
    LoginAttempt,
    Opd,
    UserRole,
    UserSession,
)
from geo.models.audits import (
    AUDIT_BASES,
    AUDIT_STATES,
    FINDING_CATEGORIES,
    FOLLOWUP_STATUSES,
    SEVERITIES,
    Audit,
    AuditEvent,
    AuditFinding,
    AuditInspector,
    AuditPhoto,
    AuditSite,
    AuditVisit,
    FindingFollowup,
    FindingResponse,
)
from geo.models.base import ADMIN_LEVELS, NAMING, SCHOOL_LEVELS, SCHOOL_STATUSES, Base
from geo.models.city import AdminArea, City
from geo.models.demand import DEMAND_REASONS, TripDemand
from geo.models.editing import LIVE_STATES, VERSION_STATES, RouteVersion
from geo.models.layers import REVISIONED_TABLES, LayerPointGrid, LayerPointGridState, LayerRevision
from geo.models.parcels import PermitParcel
from geo.models.permits import (
    CHECK_VERDICTS,
    ITBX,
    PROTECTED_KINDS,
    PermitCheck,
    ProtectedArea,
    RiverLine,
    ZoningRule,
    ZoningZone,
)
from geo.models.places import Place, PlaceWord
from geo.models.requests import (
    REQUEST_TYPES,
    RequestAttachment,
    RequestEvent,
    RequestPrivate,
    ServiceRequest,
)
from geo.models.schools import School
from geo.models.transport import AngkotRoute, RoadEdge

__all__ = [
    "ADMIN_LEVELS",
    "AUDIT_BASES",
    "AUDIT_STATES",
    "CHECK_VERDICTS",
    "DEMAND_REASONS",
    "FINDING_CATEGORIES",
    "FOLLOWUP_STATUSES",
    "ITBX",
    "LIVE_STATES",
    "NAMING",
    "PROTECTED_KINDS",
    "REQUEST_TYPES",
    "REVISIONED_TABLES",
    "ROLES",
    "SCHOOL_LEVELS",
    "SCHOOL_STATUSES",
    "SEVERITIES",
    "VERSION_STATES",
    "AdminArea",
    "AngkotRoute",
    "ApiToken",
    "AppUser",
    "Audit",
    "AuditEvent",
    "AuditFinding",
    "AuditInspector",
    "AuditLog",
    "AuditPhoto",
    "AuditSite",
    "AuditVisit",
    "Base",
    "City",
    "FindingFollowup",
    "FindingResponse",
    "LayerPointGrid",
    "LayerPointGridState",
    "LayerRevision",
    "LoginAttempt",
    "Opd",
    "PermitCheck",
    "PermitParcel",
    "Place",
    "PlaceWord",
    "ProtectedArea",
    "RequestAttachment",
    "RequestEvent",
    "RequestPrivate",
    "RiverLine",
    "RoadEdge",
    "RouteVersion",
    "School",
    "ServiceRequest",
    "TripDemand",
    "UserRole",
    "UserSession",
    "ZoningRule",
    "ZoningZone",
]
