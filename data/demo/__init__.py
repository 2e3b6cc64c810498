"""The demo city: a deterministic, offline, generated Kota Tangerang loaded in a few seconds."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from data.demo.audits import load_demo_audits
from data.demo.generate import STEPS, DemoCity, generate_demo_city
from data.demo.load import insert_demo_city
from data.demo.requests import load_demo_requests
from data.demo.transfers import DEMO_TRANSFER_COUNT, load_demo_transfers
from geo.accounts import Principal
from geo.cities import create_city, delete_city, get_city
from geo.errors import CityExistsError, CityNotFoundError, InvalidInputError

KNOWN_DEMO_CITIES = ("tangerang",)

__all__ = ["KNOWN_DEMO_CITIES", "DemoCity", "DemoSummary", "generate_demo_city", "load_demo_city"]


@dataclass(frozen=True)
class DemoSummary:
    """What ``load_demo_city`` inserted (rows per table) and how well the kelurahan fit."""

    slug: str
    city_id: int
    kota: int
    kecamatan: int
    kelurahan: int
    road_edges: int
    schools: int
    angkot_routes: int
    permit_parcels: int
    median_area_error: float
    elapsed_s: float
    requests: int = 0
    audit_sites: int = 0
    transfers: int = 0


def load_demo_city(
    session: Session,
    slug: str = "tangerang",
    *,
    replace: bool = False,
    progress: Callable[[str, int, int], None] | None = None,
    requests: int = 0,
    principal: Principal | None = None,
    audit_sites: int = 0,
    transfers: int | None = None,
) -> DemoSummary:
    """Generate the demo city ``slug`` and insert it; the caller commits.

    Args:
        session: Open session.
        slug: A known demo city (``tangerang``).
        replace: Delete an existing city with this slug (and all its rows) first.
        progress: Called with (step, index, total) during the work.
        requests: How many demo aid proposals to load with it (``tpo serve`` and
            ``tpo city demo`` load ``DEMO_REQUEST_COUNT``; tests keep the city small).
        principal: Who loads the proposals (a deployment administrator; needed with
            ``requests`` or ``audit_sites``).
        audit_sites: How many demo audit sites (with audits and findings) to load
            (``DEMO_AUDIT_SITE_COUNT`` from the CLI; tests load none).
        transfers: How many demo school transfers to load (None: ``DEMO_TRANSFER_COUNT``
            when ``requests`` are loaded, else none).

    Returns:
        Row counts per table.

    Raises:
        InvalidInputError: Unknown demo city.
        CityExistsError: The city exists and ``replace`` is false.
    """
    if slug not in KNOWN_DEMO_CITIES:
        known = ", ".join(KNOWN_DEMO_CITIES)
        raise InvalidInputError(f"no demo city '{slug[:64]}' (known: {known})")
    started = time.perf_counter()
    report = progress or (lambda _step, _i, _n: None)
    if replace:
        with contextlib.suppress(CityNotFoundError):
            delete_city(session, slug)
    elif _exists(session, slug):
        raise CityExistsError(f"a city '{slug}' exists already (use replace to reload it)")
    city = generate_demo_city(slug, report)
    minx, miny, maxx, maxy = city.outline.bounds
    info = create_city(
        session, slug, city.name, (minx, miny, maxx, maxy), center=city.center, zoom=12, demo=True
    )
    report(STEPS[-1], len(STEPS), len(STEPS))
    insert_demo_city(session, info.id, city, principal)
    loaded = 0
    if requests:
        if principal is None:
            raise ValueError("loading demo requests needs the principal who loads them")
        loaded = load_demo_requests(session, principal, info, city, requests)
    moved = DEMO_TRANSFER_COUNT if transfers is None and requests else transfers or 0
    if moved:
        if principal is None:
            raise ValueError("loading demo transfers needs the principal who loads them")
        moved = load_demo_transfers(session, principal, info, moved)
    sites = 0
    if audit_sites:
        if principal is None:
            raise ValueError("loading demo audits needs the principal who loads them")
        sites = load_demo_audits(session, principal, info, city, audit_sites)
    levels = [a.level for a in city.admin]
    return DemoSummary(
        slug=slug,
        city_id=info.id,
        kota=levels.count("kota"),
        kecamatan=levels.count("kecamatan"),
        kelurahan=levels.count("kelurahan"),
        road_edges=len(city.roads),
        schools=len(city.schools),
        angkot_routes=len(city.routes),
        permit_parcels=len(city.parcels),
        median_area_error=city.median_area_error,
        elapsed_s=time.perf_counter() - started,
        requests=loaded,
        audit_sites=sites,
        transfers=moved,
    )


def _exists(session: Session, slug: str) -> bool:
    try:
        get_city(session, slug)
    except CityNotFoundError:
        return False
    return True
