"""Documented answers of the staff endpoints: planners' signals, snapping, the editor's route
features, requests by kelurahan, transport suggestions, and the permit pre-check."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from api.response_models import (
    AnyFeatureCollection,
    CodeName,
    Feature,
    FeatureCollection,
    LineGeometry,
    Model,
)


# -- route coverage and demand (the route editor's signals) -------------------------------
class CityShare(Model):
    """The city's area and the part within 400 m of a published route."""

    area_km2: float
    covered_km2: float
    share: float = Field(ge=0, le=1)


class KelurahanCoverage(CityShare):
    """One kelurahan's coverage and the routes serving it."""

    code: str
    name: str
    kecamatan: str
    kecamatan_code: str
    routes: list[str]


class Coverage(Model):
    """``GET /cities/{city}/editor/coverage``."""

    radius_m: float
    city: CityShare
    kelurahan: list[KelurahanCoverage]


class CoveragePreview(Model):
    """``POST /cities/{city}/editor/coverage/preview``."""

    kelurahan_added: list[CodeName]
    kelurahan_removed: list[CodeName]
    covered_km2_change: float
    share_change: float


class DesireLineProperties(Model):
    """Searches between two cells, with counts by reason."""

    searches: int


class DesireLines(FeatureCollection[DesireLineProperties]):
    """``GET /cities/{city}/editor/demand``: lines between 500 m cells."""

    from_: str = Field(alias="from", description="YYYY-MM-DD")
    to: str
    min_searches: int
    cell_m: int


class DemandServed(Model):
    """``POST /cities/{city}/editor/demand/served``."""

    searches_served: int
    pairs_served: int
    from_: str = Field(alias="from")
    to: str


# -- snapping and the editor's features ---------------------------------------------------
class SnapSegment(Model):
    """A stretch between two consecutive waypoints."""

    from_: int = Field(alias="from")
    to: int
    length_m: float
    free: bool = Field(description="Kept as a straight line")


class SnappedRoute(Model):
    """``POST /cities/{city}/routes/snap``."""

    geometry: LineGeometry
    length_m: float
    streets: list[str]
    segments: list[SnapSegment]
    snapped: list[list[float]]


class EditorRouteProperties(Model):
    """A route version's attributes and history."""

    code: str
    name: str
    direction: int
    origin: str | None
    destination: str | None
    colour: str | None
    fare_idr: int | None
    headway_s: int | None
    speed_kmh: float | None
    active: bool
    circular: bool
    version: int
    parent: int | None
    state: str = Field(description="draft, in_review, published, returned, superseded ...")
    author: str | None
    message: str | None
    saved_at: str
    length_m: float | None
    note: str | None


class EditorRouteFeature(Feature[EditorRouteProperties]):
    """A version of a route as a GeoJSON Feature (its ETag in the header)."""


# -- requests by kelurahan and transport suggestions --------------------------------------
class KelurahanCounts(Model):
    """A kelurahan's requests (of the principal's scope)."""

    code: str
    name: str
    kecamatan_code: str
    kecamatan: str
    area_km2: float
    count: int
    per_km2: float
    by_status: dict[str, int]


class Classes(Model):
    """Class breaks of the chosen measure."""

    measure: str
    method: str
    k: int
    breaks: list[float]


class RequestsByKelurahan(FeatureCollection[KelurahanCounts]):
    """``GET /cities/{city}/requests/by-kelurahan``: every kelurahan, with classes."""

    classes: Classes


class SuggestionProperties(Model):
    """A citizen's transport suggestion (no personal data)."""

    code: str
    kind: str | None
    kind_label: str | None
    note: str | None
    status: str
    status_label: str | None
    created_on: str
    kelurahan_code: str | None
    kelurahan: str | None
    version: int


class Suggestions(FeatureCollection[SuggestionProperties]):
    """``GET /cities/{city}/editor/suggestions``: newest first."""

    numberReturned: int  # noqa: N815 - the OGC API member name
    truncated: bool = Field(description="More than `limit` match")


# -- the permit pre-check -----------------------------------------------------------------
class PermitCheckItem(Model):
    """One check of the pre-check, with its figures and the GeoJSON that explains it."""

    id: str
    verdict: str
    title_id: str
    title_en: str
    message_id: str
    message_en: str
    figures: dict[str, Any]
    features: AnyFeatureCollection


class CheckedParcel(Model):
    """The parcel as measured."""

    area_m2: float
    declared_area_m2: float | None = None
    vertices: int | None = None
    repaired: bool | None = None
    repair_note: str | None = None


class CheckResult(Model):
    """A parcel's pre-check (indicative only: the legal answer remains the KKPR)."""

    verdict: str = Field(description="lolos, perlu_kajian or tidak_lolos")
    indicative: bool
    summary_id: str
    summary_en: str
    parcel: CheckedParcel
    checks: list[PermitCheckItem]
    layer_revisions: dict[str, int]


class CheckVersion(Model):
    """One stored run of an application's check."""

    version: int
    ran_at: str
    verdict: str
    layer_revisions: dict[str, int]


class StoredCheck(CheckResult):
    """The newest stored check of an application and the list of its versions."""

    version: int
    ran_at: str
    versions: list[CheckVersion] = Field(description="Newest first")


class Activity(Model):
    """An intended use (an ITBX activity)."""

    activity: str


class UsesAndZones(Model):
    """``GET /cities/{city}/permits/uses``."""

    uses: list[Activity]
    zones: list[CodeName]
