"""The audit wing's errors (each a GeoError with a stable code)."""

from __future__ import annotations

from geo.errors import ConflictError, NotFoundError


class AuditNotFoundError(NotFoundError):
    """No such audit site, audit, finding or photo in this city."""

    code = "audit-not-found"
    title = "Audit record not found"


class AuditStepClosedError(ConflictError):
    """The audit is not at the step this write belongs to (a response outside the notisi)."""

    code = "audit-step-closed"
    title = "Not at this step of the audit"
