"""The requests wing: one geolocated request model for every service, its workflows as data."""

from geo.requests.aid import AID_WORKFLOW
from geo.requests.attachments import StoredFile, Upload, UploadStore, check_upload
from geo.requests.codes import new_code, normalise_code
from geo.requests.nearby import (
    DUPLICATE_DAYS,
    DUPLICATE_RADIUS_M,
    MIN_PUBLIC_COUNT,
    Similar,
    public_count,
    similar_nearby,
)
from geo.requests.nik import NikFacts, mask_nik, parse_nik
from geo.requests.place import CITY_MARGIN_M, PLACE_SQL, parse_geometry
from geo.requests.queries import layer_scope
from geo.requests.saran import SARAN, SARAN_WORKFLOW
from geo.requests.types import TYPE_LIMITED_ROLES
from geo.requests.workflow import (
    IllegalTransitionError,
    Transition,
    TransitionFieldsError,
    Workflow,
    WorkflowDefinitionError,
    validate_workflow,
)

__all__ = [
    "AID_WORKFLOW",
    "CITY_MARGIN_M",
    "DUPLICATE_DAYS",
    "DUPLICATE_RADIUS_M",
    "MIN_PUBLIC_COUNT",
    "PLACE_SQL",
    "SARAN",
    "SARAN_WORKFLOW",
    "TYPE_LIMITED_ROLES",
    "IllegalTransitionError",
    "NikFacts",
    "Similar",
    "StoredFile",
    "Transition",
    "TransitionFieldsError",
    "Upload",
    "UploadStore",
    "Workflow",
    "WorkflowDefinitionError",
    "check_upload",
    "layer_scope",
    "mask_nik",
    "new_code",
    "normalise_code",
    "parse_geometry",
    "parse_nik",
    "public_count",
    "similar_nearby",
    "validate_workflow",
]
