"""Domain errors: one base ``GeoError``; api/ maps each subclass to an HTTP status."""

from __future__ import annotations

from typing import Any


class GeoError(Exception):
    """Base of every error the spatial core raises on purpose.

    Attributes:
        detail: A human-readable sentence safe to show to users (no SQL, no paths).
        errors: Optional field errors, each ``{"field": ..., "message": ...}``.
    """

    title = "Error"

    def __init__(self, detail: str, errors: list[dict[str, Any]] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or []


class NotFoundError(GeoError):
    """A city, layer or feature does not exist."""

    title = "Not found"


class InvalidInputError(GeoError):
    """Input is well-formed but not acceptable (bad bbox, out-of-range value)."""

    title = "Invalid input"


class InvalidGeometryError(InvalidInputError):
    """A geometry is empty, of the wrong type, invalid, or outside the city."""

    title = "Invalid geometry"


class InvalidFileError(InvalidInputError):
    """An import file is unreadable, empty, not geospatial, or lacks what the import needs."""

    title = "Invalid file"


class ConflictError(GeoError):
    """The write clashes with existing data (duplicate natural key)."""

    title = "Conflict"


class ClusterError(GeoError):
    """The embedded PostgreSQL cluster could not be created, started or stopped."""

    title = "Database cluster error"


class DatabaseUnavailableError(GeoError):
    """The database cannot be reached."""

    title = "Database unavailable"


class AuthenticationRequiredError(GeoError):
    """The operation needs a logged-in user and the caller is anonymous."""

    code = "authentication-required"
    title = "Authentication required"


class InvalidCredentialsError(AuthenticationRequiredError):
    """Unknown user, wrong password or inactive account (one message for all three)."""

    code = "invalid-credentials"
    title = "Invalid credentials"


class PermissionDeniedError(GeoError):
    """The caller is known but their roles or scope do not allow the operation."""

    code = "permission-denied"
    title = "Permission denied"


class LoginThrottledError(GeoError):
    """Too many failed logins for one account or one address; try again later.

    Attributes:
        retry_after_s: Seconds until the next attempt can succeed (at least 1).
    """

    code = "login-throttled"
    title = "Too many login attempts"

    def __init__(self, detail: str, retry_after_s: int) -> None:
        super().__init__(detail)
        self.retry_after_s = max(1, int(retry_after_s))


class PasswordPolicyError(InvalidInputError):
    """A new password is too short, too long or too common."""

    code = "weak-password"
    title = "Weak password"


class StaleVersionError(ConflictError):
    """The object changed since the version the client based its write on (HTTP 412)."""

    code = "stale-version"
    title = "Precondition failed"


class PreconditionRequiredError(GeoError):
    """A write that must name the version it is based on did not (HTTP 428)."""

    code = "precondition-required"
    title = "Precondition required"
