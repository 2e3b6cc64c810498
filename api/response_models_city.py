"""Documented answers of the citizens' endpoints: routes, schools, places, trips, transfers."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from api.response_models import (
    CodeName,
    FeatureCollection,
    Geometry,
    LineGeometry,
    Model,
    PointGeometry,
)

LonLat = list[float]


# -- routes -------------------------------------------------------------------------------
class NearRouteProperties(Model):
    """One direction of a route near the point."""

    id: int
    code: str
    name: str
    direction: int
    origin: str | None
    destination: str | None
    colour: str | None
    fare_idr: int | None
    headway_s: int | None
    mode: str = Field(description="angkot, bus or brt")
    directions: int = Field(description="Active directions of the route's code")
    distance_m: float
    nearest_point: PointGeometry


class RoutesNear(FeatureCollection[NearRouteProperties]):
    """``GET /cities/{city}/routes/near``: nearest first."""


class SchoolAlong(Model):
    """A school within 300 m of a route."""

    id: int
    npsn: str
    name: str
    level: str
    status: str
    distance_m: float
    point: PointGeometry


class RouteDetailProperties(Model):
    """A route with what it passes."""

    id: int
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
    length_m: float
    kelurahan: list[CodeName]
    schools: list[SchoolAlong]


class RouteDetail(Model):
    """``GET /cities/{city}/routes/{route_id}``: one GeoJSON Feature."""

    type: Literal["Feature"]
    id: int
    geometry: Geometry | None
    properties: RouteDetailProperties


# -- schools ------------------------------------------------------------------------------
class NearSchoolProperties(Model):
    """A school with its distance from the point."""

    id: int
    npsn: str
    name: str
    level: str
    status: str
    address: str | None
    kelurahan_code: str | None
    distance_m: float = Field(description="Geodesic (PPDB zonasi)")
    walk_distance_m: float | None = Field(description="By road; null when not reachable")
    walk_duration_s: int | None


class NearSchools(FeatureCollection[NearSchoolProperties]):
    """``GET /cities/{city}/schools/nearest`` and ``/schools/within``: nearest first."""


# -- places -------------------------------------------------------------------------------
class SearchResult(Model):
    """One match of a place search."""

    kind: str = Field(description="kelurahan, kecamatan, school, road, stop, route ...")
    name: str
    detail: str | None
    id: int | str | None
    point: LonLat
    bbox: list[float] | None
    score: float
    directions: int | None = Field(default=None, description="Routes: directions found")
    ids: list[int] | None = Field(default=None, description="Routes: the ids of the directions")


class SearchAnswer(Model):
    """``GET /cities/{city}/search``: best match first."""

    query: str
    results: list[SearchResult]


class Street(Model):
    """The nearest named road."""

    name: str
    distance_m: float


class PlaceAt(Model):
    """``GET /cities/{city}/places/at``."""

    point: LonLat
    street: Street | None
    kelurahan: CodeName | None
    kecamatan: CodeName | None
    label: str | None


# -- trips --------------------------------------------------------------------------------
class Stop(Model):
    """Where a leg starts or ends (a named street, when known)."""

    name: str | None = None
    point: LonLat


class LegRoute(Model):
    """The route a ride leg takes."""

    id: int
    code: str
    name: str
    colour: str | None
    direction: int
    mode: str


class Leg(Model):
    """A walk or a ride; rides have ``vehicle``, ``route``, ``board``, ``alight``, ``wait_s``
    and ``fare_idr``, walks ``from``, ``to``, ``streets`` and ``on_network``."""

    mode: Literal["walk", "ride"]
    geometry: LineGeometry
    distance_m: float
    duration_s: int
    instruction_id: str
    instruction_en: str
    depart_at: str | None = Field(default=None, description="ISO 8601, city time")
    arrive_at: str | None = None
    vehicle: str | None = None
    wait_s: int | None = None
    fare_idr: int | None = None
    route: LegRoute | None = None
    board: Stop | None = None
    alight: Stop | None = None
    on_network: bool | None = None
    streets: list[str] | None = None


class Itinerary(Model):
    """One way to make the trip."""

    labels: list[Literal["fastest", "fewest_transfers", "least_walking"]]
    kind: Literal["transit", "walk_only"]
    duration_s: int
    wait_s: int
    cost_s: int
    walk_distance_m: float
    fare_idr: int
    transfers: int
    legs: list[Leg]
    depart_at: str | None = None
    arrive_at: str | None = None


class AreaPoint(Model):
    """The kecamatan or kelurahan an ``area:<code>`` end stands for."""

    level: str
    code: str
    name: str
    point: LonLat


class TripEnd(Model):
    """A point planned from or to."""

    point: LonLat
    area: AreaPoint | None


class TripAnswer(Model):
    """``GET /cities/{city}/trips``."""

    kind: Literal["trip", "same_place"]
    itineraries: list[Itinerary]
    reason: str | None
    reason_en: str | None
    from_: TripEnd = Field(alias="from")
    to: TripEnd


# -- school transfers ---------------------------------------------------------------------
class SchoolTrip(Model):
    """The fastest angkot trip to a school, or why there is none."""

    found: bool
    reason: str | None
    duration_s: int | None = None
    fare_idr: int | None = None
    transfers: int | None = None
    walk_distance_m: float | None = None
    routes: list[str] | None = None


class SchoolFigures(Model):
    """A school's figures seen from the home."""

    npsn: str
    name: str
    level: str
    status: str
    address: str | None
    lon: float
    lat: float
    distance_m: float
    walk_distance_m: float | None
    walk_duration_s: int | None
    trip: SchoolTrip
    rank: int = Field(description="Among the schools of the level nearest the home")
    capacity_remaining: int | None = Field(description="null: not known")
    explanation: str = Field(description="The same in one Bahasa Indonesia sentence")


class TransferAlternatives(Model):
    """``GET /cities/{city}/transfers/alternatives``."""

    level: str
    status: str | None
    target: SchoolFigures | None
    alternatives: list[SchoolFigures]
    notice: Any | None


# -- the request form's catalogue ---------------------------------------------------------
class Texts(Model):
    """A text in Bahasa Indonesia (``id``) and English (``en``)."""

    id: str
    en: str


class Window(Model):
    """When submissions of a kind are open."""

    open: bool
    opens_on: str | None
    closes_on: str | None


class ServiceKind(Model):
    """A kind of request (hibah, bansos, ...)."""

    code: str
    title: Texts
    window: Window | None = None


class DocumentSlot(Model):
    """A document the form asks for."""

    slot: str
    label: Texts
    required: bool


class Service(Model):
    """A service a citizen may ask for (``GET /cities/{city}/services`` lists them)."""

    type: str
    prefix: str = Field(description="Of its tracking codes")
    title: Texts
    kind_field: str | None
    kinds: list[ServiceKind]
    open: bool
    organisation_kinds: list[ServiceKind]
    documents: list[DocumentSlot]
    max_file_bytes: int
    accepted_media_types: list[str]
    nearby_radius_m: float
    geometry_types: list[str]
    contact_required: bool
    contact_fields: list[str]
    limits: dict[str, dict[str, Any]] = Field(description="JSON-Schema-like limits per field")
    form: dict[str, Any] = Field(description="Extra choices of the type's form")
