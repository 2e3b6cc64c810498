"""The permits wing's errors: each a GeoError with a stable code (api/ maps the statuses)."""

from __future__ import annotations

from typing import Any

from geo.errors import FileTooLargeError, InvalidFileError, InvalidGeometryError


class ParcelFormatError(InvalidFileError):
    """An upload that is no GeoJSON, KML, GeoPackage or zipped Shapefile, or cannot be read."""

    code = "parcel-format"
    title = "Unknown or unreadable parcel file"


class ParcelCrsMissingError(InvalidFileError):
    """A parcel without a coordinate reference system (a zip without .prj, a GeoPackage
    without SRS, GeoJSON whose coordinates are not longitude/latitude)."""

    code = "parcel-crs-missing"
    title = "Parcel file without a coordinate reference system"


class ParcelArchiveError(InvalidFileError):
    """A zip that is refused before it is unpacked: too large once inflated (a zip bomb),
    too many members, encrypted, or corrupt."""

    code = "parcel-archive"
    title = "Refused archive"


class UploadTooLargeError(FileTooLargeError):
    """An upload over ``TPO_MAX_UPLOAD_BYTES`` (HTTP 413)."""

    code = "upload-too-large"
    title = "Upload too large"


class ParcelGeometryTypeError(InvalidGeometryError):
    """Not one Polygon or MultiPolygon (a line, a point, several features, nothing)."""

    code = "parcel-geometry-type"
    title = "Parcel is not a polygon"


class ParcelInvalidError(InvalidGeometryError):
    """A self-intersecting (or otherwise invalid) parcel that cannot be repaired safely.

    Attributes:
        location: ``[lon, lat]`` of the problem (the self-intersection), when known.
        reason: GEOS's reason, e.g. ``"Self-intersection"``.
    """

    code = "parcel-invalid"
    title = "Invalid parcel geometry"

    def __init__(
        self,
        detail: str,
        location: list[float] | None = None,
        reason: str | None = None,
        errors: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(detail, errors)
        self.location = location
        self.reason = reason

    def members(self) -> dict[str, Any]:
        """``location`` (``[lon, lat]`` or null) and ``reason`` for the problem body."""
        return {"location": self.location, "reason": self.reason}


class ParcelTooManyVerticesError(InvalidGeometryError):
    """A parcel with more vertices than the limit (10,000)."""

    code = "parcel-too-many-vertices"
    title = "Parcel has too many vertices"


class ParcelAreaError(InvalidGeometryError):
    """A parcel smaller than 10 m² or larger than 1,000 ha (measured in UTM 48S)."""

    code = "parcel-area"
    title = "Parcel area out of range"


class ParcelOutsideCityError(InvalidGeometryError):
    """A parcel that does not lie (wholly) inside the city boundary.

    Attributes:
        outside_m2: The area of the parcel outside the city (m², UTM 48S).
    """

    code = "parcel-outside-city"
    title = "Parcel outside the city"

    def __init__(
        self, detail: str, outside_m2: float = 0.0, errors: list[dict[str, Any]] | None = None
    ) -> None:
        super().__init__(detail, errors)
        self.outside_m2 = outside_m2

    def members(self) -> dict[str, Any]:
        """``outside_m2`` for the problem body."""
        return {"outside_m2": round(self.outside_m2, 1)}
