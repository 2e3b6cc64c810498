"""Generate the whole demo city in memory (no database): outline, areas, roads, POIs, routes."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from shapely.geometry import LineString, MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from data.demo.areas import fit_kelurahan, union_cells
from data.demo.common import lonlat_to_utm, rng_for, utm_to_lonlat
from data.demo.facts import CityFacts, tangerang_facts
from data.demo.outline import make_outline
from data.demo.parcels import Parcel, make_parcels
from data.demo.roads import RoadEdge, build_roads, with_one_way_streets
from data.demo.routes import Route, make_routes, route_line
from data.demo.schools import School, make_schools

Progress = Callable[[str, int, int], None]
STEPS = ("outline", "kelurahan", "roads", "schools", "routes", "parcels", "insert")


@dataclass(frozen=True)
class AdminRow:
    """One admin area ready to insert (lon/lat)."""

    level: str
    code: str
    name: str
    parent_code: str
    geom: MultiPolygon


@dataclass(frozen=True)
class DemoCity:
    """Everything of a generated demo city; geometries in lon/lat (EPSG:4326)."""

    slug: str
    name: str
    outline: Polygon
    center: tuple[float, float]
    admin: tuple[AdminRow, ...]
    roads: tuple[RoadEdge, ...]
    schools: tuple[School, ...]
    routes: tuple[tuple[Route, LineString], ...]
    parcels: tuple[Parcel, ...]
    median_area_error: float
    max_area_error: float


def _lonlat(geoms: Sequence[BaseGeometry]) -> list[Any]:
    """Transform many UTM geometries at once; equal vertices stay equal."""
    if not geoms:
        return []
    return list(shapely.transform(np.array(geoms, dtype=object), utm_to_lonlat))


def generate_tangerang(facts: CityFacts, slug: str, progress: Progress) -> DemoCity:
    """Generate the Kota Tangerang demo city (deterministic for a given slug).

    Args:
        facts: Codes, names, centroids and areas of the city.
        slug: City slug; it seeds the random streams.
        progress: Called with (step, index, total) as the work goes.

    Returns:
        The generated city in lon/lat.
    """
    total = len(STEPS)
    kel = facts.kelurahan
    sites = lonlat_to_utm(
        np.array([k.lon for k in kel], dtype=float), np.array([k.lat for k in kel], dtype=float)
    )
    progress(STEPS[0], 1, total)
    outline = make_outline(sites, facts.kota.area_km2 * 1e6, rng_for(slug, "outline"))
    progress(STEPS[1], 2, total)
    fit = fit_kelurahan(sites, np.array([k.area_km2 * 1e6 for k in kel]), outline)
    admin_utm: list[tuple[str, str, str, str, MultiPolygon]] = [
        (
            facts.kota.level,
            facts.kota.code,
            facts.kota.name,
            facts.kota.parent_code,
            union_cells(fit.faces, fit.face_owner, set(range(len(kel)))),
        )
    ]
    for kec in facts.kecamatan:
        members = {i for i, k in enumerate(kel) if k.parent_code == kec.code}
        admin_utm.append(
            (
                kec.level,
                kec.code,
                kec.name,
                kec.parent_code,
                union_cells(fit.faces, fit.face_owner, members),
            )
        )
    admin_utm += [
        (k.level, k.code, k.name, k.parent_code, cell)
        for k, cell in zip(kel, fit.cells, strict=True)
    ]
    progress(STEPS[2], 3, total)
    centres = lonlat_to_utm(
        np.array([k.lon for k in facts.kecamatan], dtype=float),
        np.array([k.lat for k in facts.kecamatan], dtype=float),
    )
    network = build_roads(
        outline, list(fit.cells), [k.name for k in kel], centres, rng_for(slug, "roads")
    )
    progress(STEPS[3], 4, total)
    kecamatan_names = {k.code: k.name for k in facts.kecamatan}
    streets = [f"Jl. {k.name} Raya" for k in kel]
    schools = make_schools(kel, fit.cells, kecamatan_names, streets, rng_for(slug, "schools"))
    progress(STEPS[4], 5, total)
    cells_by_code = {k.code: cell for k, cell in zip(kel, fit.cells, strict=True)}
    routes = make_routes(network, facts, cells_by_code, rng_for(slug, "routes"))
    used = {e for route in routes for e, _ in route.path}
    network = with_one_way_streets(network, [k.name for k in kel], used)
    progress(STEPS[5], 6, total)
    parcels = make_parcels(kel, fit.cells, rng_for(slug, "parcels"))

    admin_geoms = _lonlat([row[4] for row in admin_utm])
    edge_geoms = _lonlat([e.geom for e in network.edges])
    school_geoms = _lonlat([s.point for s in schools])
    parcel_geoms = _lonlat([p.geom for p in parcels])
    (outline_ll,) = _lonlat([outline])
    assert isinstance(outline_ll, Polygon)
    centre = outline.representative_point()
    lon, lat = utm_to_lonlat(np.array([[centre.x, centre.y]]))[0]
    return DemoCity(
        slug=slug,
        name=facts.kota.name,
        outline=outline_ll,
        center=(float(lon), float(lat)),
        admin=tuple(
            AdminRow(level, code, name, parent, geom)
            for (level, code, name, parent, _), geom in zip(admin_utm, admin_geoms, strict=True)
        ),
        roads=tuple(
            RoadEdge(e.u, e.v, e.name, e.road_class, e.length_m, g, e.oneway)
            for e, g in zip(network.edges, edge_geoms, strict=True)
        ),
        schools=tuple(
            School(s.npsn, s.name, s.level, s.status, s.address, s.kelurahan_code, g)
            for s, g in zip(schools, school_geoms, strict=True)
        ),
        routes=tuple((r, route_line(r.path, edge_geoms)) for r in routes),
        parcels=tuple(
            Parcel(p.code, p.name, p.permit_type, p.status, p.issued_on, p.kelurahan_code, g)
            for p, g in zip(parcels, parcel_geoms, strict=True)
        ),
        median_area_error=fit.median_area_error,
        max_area_error=fit.max_area_error,
    )


def generate_demo_city(slug: str, progress: Progress | None = None) -> DemoCity:
    """Generate a known demo city by slug (only ``tangerang`` for now).

    Raises:
        KeyError: Unknown slug (the caller turns it into a domain error).
    """
    generators = {"tangerang": (tangerang_facts, generate_tangerang)}
    facts, make = generators[slug]
    return make(facts(), slug, progress or (lambda _step, _i, _n: None))
