"""Domain errors: one ``GeoError`` tree, each class with a stable code; api/ maps statuses."""

from __future__ import annotations

from typing import Any, ClassVar


class GeoError(Exception):
    """Base of every error the spatial core raises on purpose.

    Every subclass sets its own ``code``: a stable kebab-case name that clients and scripts
    may rely on (the problem+json ``type`` and ``code``, the CLI's exit status). A code is
    never reused or renamed; a more specific error is a new subclass with a new code, so a
    client that knows only the base code (``not-found``) still understands it.

    Attributes:
        code: The stable name of this kind of error, e.g. ``"city-not-found"``.
        title: A short English summary of the kind of error.
        detail: A human-readable sentence safe to show to users (no SQL, no paths).
        errors: Optional field errors, each ``{"field": ..., "message": ...}``.
    """

    code: ClassVar[str] = "error"
    title: ClassVar[str] = "Error"

    def __init__(self, detail: str, errors: list[dict[str, Any]] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or []

    def members(self) -> dict[str, Any]:
        """Extension members of the problem body beyond ``errors`` (none by default)."""
        return {}


class NotFoundError(GeoError):
    """A city, layer or feature does not exist."""

    code = "not-found"
    title = "Not found"


class CityNotFoundError(NotFoundError):
    """No city with this slug."""

    code = "city-not-found"
    title = "City not found"


class LayerNotFoundError(NotFoundError):
    """No public layer with this id."""

    code = "layer-not-found"
    title = "Layer not found"


class FeatureNotFoundError(NotFoundError):
    """No feature with this id in the layer of this city."""

    code = "feature-not-found"
    title = "Feature not found"


class RouteNotFoundError(NotFoundError):
    """No angkot route with this id in this city."""

    code = "route-not-found"
    title = "Route not found"


class RouteVersionNotFoundError(NotFoundError):
    """No such version of this route."""

    code = "route-version-not-found"
    title = "Route version not found"


class AreaNotFoundError(NotFoundError):
    """No kelurahan or kecamatan with this code in this city."""

    code = "area-not-found"
    title = "Area not found"


class TileOutOfRangeError(NotFoundError):
    """A tile address outside the tile matrix set or the layer's zoom range."""

    code = "tile-out-of-range"
    title = "Tile out of range"


class InvalidInputError(GeoError):
    """Input is well-formed but not acceptable (bad bbox, out-of-range value)."""

    code = "invalid-input"
    title = "Invalid input"


class InvalidGeometryError(InvalidInputError):
    """A geometry is empty, of the wrong type, invalid, or outside the city."""

    code = "invalid-geometry"
    title = "Invalid geometry"


class PointOutsideCityError(InvalidGeometryError):
    """A point (a trip's start, a home) lies outside the city's area."""

    code = "point-outside-city"
    title = "Point outside the city"


class RouteInvalidError(InvalidGeometryError):
    """A route's geometry or attributes fail validation; ``errors`` lists each problem.

    Each entry is ``{"code": "spike", "message": "...", "at": [lon, lat]}``.
    """

    code = "route-invalid"
    title = "Invalid route"


class InvalidFileError(InvalidInputError):
    """An import file is unreadable, empty, not geospatial, or lacks what the import needs."""

    code = "invalid-file"
    title = "Invalid file"


class SnapUnreachableError(InvalidInputError):
    """Route waypoints the drive network cannot reach (HTTP 422).

    Attributes:
        unreachable: One entry per waypoint: ``{"index", "code", "reason", "reason_en",
            "distance_m"}`` (``code`` is ``off-network`` or ``no-path``; ``reason`` in Bahasa
            Indonesia).
    """

    code = "snap-unreachable"
    title = "Waypoints not reachable by road"

    def __init__(self, detail: str, unreachable: list[dict[str, Any]] | None = None) -> None:
        super().__init__(detail)
        self.unreachable = unreachable or []

    def members(self) -> dict[str, Any]:
        """Extension members of the problem body: ``unreachable``."""
        return {"unreachable": self.unreachable}


class ConflictError(GeoError):
    """The write clashes with existing data (duplicate natural key)."""

    code = "conflict"
    title = "Conflict"


class CityExistsError(ConflictError):
    """A city with this slug exists already."""

    code = "city-exists"
    title = "City exists"


class InvalidSettingError(GeoError):
    """A setting (a ``TPO_*`` variable or ``.env``) has a value the program cannot run with."""

    code = "invalid-setting"
    title = "Invalid setting"


class InsecureSettingError(InvalidSettingError):
    """A production deployment has a missing, default or weak secret, or an insecure URL."""

    code = "insecure-setting"
    title = "Insecure setting"


class ClusterError(GeoError):
    """The embedded PostgreSQL cluster could not be created, started or stopped."""

    code = "cluster-error"
    title = "Database cluster error"


class DatabaseUnavailableError(GeoError):
    """The database cannot be reached."""

    code = "database-unavailable"
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

    def __init__(self, detail: str, retry_after_s: int = 60) -> None:
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


class RouteVersionStaleError(StaleVersionError):
    """A route was saved by someone else since the version the edit was based on (HTTP 412).

    The rejected edit is kept as a draft of the caller (``draft_version``), so nothing is lost.

    Attributes:
        saved_by: Who saved the version in between (username; None for an import).
        saved_at: When (ISO 8601, UTC).
        head: The route's newest version number now (its ETag is ``r{id}v{head}``).
        saved_version: The version saved in between (to rebase onto).
        draft_version: The version the rejected edit was kept as (None when not kept).
    """

    code = "route-version-stale"
    title = "Route changed since your version"

    def __init__(
        self,
        detail: str,
        *,
        saved_by: str | None = None,
        saved_at: str | None = None,
        head: int | None = None,
        saved_version: int | None = None,
        draft_version: int | None = None,
    ) -> None:
        super().__init__(detail)
        self.saved_version = saved_version
        self.saved_by = saved_by
        self.saved_at = saved_at
        self.head = head
        self.draft_version = draft_version

    def members(self) -> dict[str, Any]:
        """``saved_by``, ``saved_at``, ``head`` and ``draft_version`` for the problem body."""
        return {
            "saved_by": self.saved_by,
            "saved_at": self.saved_at,
            "head": self.head,
            "saved_version": self.saved_version,
            "draft_version": self.draft_version,
        }


class RouteVersionStateError(ConflictError):
    """The version is not in a state that allows the step (publishing a superseded one)."""

    code = "route-version-state"
    title = "Route version in the wrong state"


class RouteCodeTakenError(ConflictError):
    """Another route of the city has this code and direction already."""

    code = "route-code-taken"
    title = "Route code taken"


class PreconditionRequiredError(GeoError):
    """A write that must name the version it is based on did not (HTTP 428)."""

    code = "precondition-required"
    title = "Precondition required"


class UnsupportedFileError(InvalidInputError):
    """A document that is not a PDF, JPEG or PNG by its content (HTTP 415 at the door)."""

    code = "unsupported-file"
    title = "Unsupported file"


class FileTooLargeError(InvalidInputError):
    """A document over the size limit (HTTP 413 at the door)."""

    code = "file-too-large"
    title = "File too large"


class SubmissionsThrottledError(GeoError):
    """Too many anonymous submissions from one address within the hour (HTTP 429).

    Attributes:
        retry_after_s: Seconds until the oldest counted submission leaves the window.
    """

    code = "submissions-throttled"
    title = "Too many submissions"

    def __init__(self, detail: str, retry_after_s: int = 3600) -> None:
        super().__init__(detail)
        self.retry_after_s = max(1, int(retry_after_s))


class SubmissionWindowClosedError(ConflictError):
    """A request of a kind whose submission window is closed today (HTTP 409).

    Attributes:
        opens_on: The day the window opens again (ISO date), for the form to show.
    """

    code = "submission-window-closed"
    title = "Submission window closed"

    def __init__(
        self, detail: str, opens_on: str = "", errors: list[dict[str, Any]] | None = None
    ) -> None:
        super().__init__(detail, errors)
        self.opens_on = opens_on
