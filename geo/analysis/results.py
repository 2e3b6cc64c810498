"""The typed results of the area reports: an area, its routes, schools, coverage and requests."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

LEVELS = ("kelurahan", "kecamatan")
# route coverage is measured at these walking distances from a route (metres)
COVERAGE_RADII_M = (300, 500)

# a count in a public answer: an int, or "< 5" for a cell under geo.requests.MIN_PUBLIC_COUNT
Count = int | str


@dataclass(frozen=True)
class Area:
    """A kelurahan or kecamatan: its code, name, parent and boundary.

    Attributes:
        level: ``kelurahan`` or ``kecamatan``.
        code: The Kemendagri code, e.g. ``36.71.01``.
        name: The official name.
        parent_code: The kecamatan of a kelurahan, the kota of a kecamatan.
        parent_name: That parent's name, when the city has it.
        area_km2: The area on the ellipsoid, km².
        bbox: ``(minx, miny, maxx, maxy)`` in lon/lat.
        geojson: The boundary as a GeoJSON geometry (text, EPSG:4326).
    """

    level: str
    code: str
    name: str
    parent_code: str | None
    parent_name: str | None
    area_km2: float
    bbox: tuple[float, float, float, float]
    geojson: str


@dataclass(frozen=True)
class SubArea:
    """A kelurahan of a kecamatan report, with its requests (public or full count)."""

    code: str
    name: str
    area_km2: float
    geojson: str
    requests: Count


@dataclass(frozen=True)
class RouteInArea:
    """An angkot route crossing the area (the lowest direction of its code), clipped to it.

    Attributes:
        length_m: Length of the route inside the area, metres (on the ellipsoid).
        geojson: The clipped line(s), GeoJSON geometry text.
    """

    id: int
    code: str
    name: str
    colour: str
    origin: str | None
    destination: str | None
    length_m: float
    geojson: str


@dataclass(frozen=True)
class SchoolInArea:
    """A school inside the area and its distance to the nearest active angkot route.

    Attributes:
        nearest_route_m: Metres to the nearest route (city's UTM zone); None: no route
            within 2 km.
    """

    id: int
    npsn: str
    name: str
    level: str
    status: str
    lon: float
    lat: float
    nearest_route_m: float | None


@dataclass(frozen=True)
class Coverage:
    """How much of the area, and of its schools, lies within ``radius_m`` of an angkot route.

    Attributes:
        radius_m: The distance from any active route, metres.
        area_share: The share of the area (0..1) within that distance.
        schools_within: Schools of the area within that distance.
        schools_total: Schools of the area.
    """

    radius_m: int
    area_share: float
    schools_within: int
    schools_total: int

    @property
    def school_share(self) -> float | None:
        """``schools_within / schools_total``; None for an area without schools."""
        return self.schools_within / self.schools_total if self.schools_total else None


@dataclass(frozen=True)
class RequestCount:
    """Requests of one type in one status (``"< 5"`` for small cells of public reports)."""

    type: str
    status: str
    count: Count


@dataclass(frozen=True)
class RequestPoint:
    """One request as a point, for staff reports only (no code, no title, no person)."""

    id: int
    type: str
    status: str
    lon: float
    lat: float
    created_at: datetime


@dataclass(frozen=True)
class AreaReport:
    """Everything a kelurahan or kecamatan report shows.

    Attributes:
        restricted: True when the caller may read requests (full counts and points: the
            answer is private); False for the public report (small counts as ``"< 5"``).
        requests_total: All requests of the area (public: ``"< 5"`` under 5).
        kelurahan: The kelurahan of a kecamatan, with their requests; empty for a kelurahan.
        request_points: Staff reports only; empty in public reports.
        roads_geojson: The area's streets clipped to it (``roads_in``), or None.
    """

    city_slug: str
    city_name: str
    area: Area
    restricted: bool
    generated_at: datetime
    routes: list[RouteInArea] = field(default_factory=list)
    schools: list[SchoolInArea] = field(default_factory=list)
    coverage: list[Coverage] = field(default_factory=list)
    requests: list[RequestCount] = field(default_factory=list)
    requests_total: Count = 0
    kelurahan: list[SubArea] = field(default_factory=list)
    request_points: list[RequestPoint] = field(default_factory=list)
    # the area's streets (one GeoJSON MultiLineString), the report map's base layer
    roads_geojson: str | None = None
