"""School transfers: the figures of schools seen from a home (the ``pindah_sekolah`` type's
spatial help, apart from its workflow and submission in ``geo.requests.transfer``).

Per school: the straight-line (geodesic) distance from the home (the zonasi measure), the walk
over the city's roads, the fastest angkot trip, the rank among the schools of the level nearest
the home, and the remaining capacity when the school layer has one, with a Bahasa sentence; and
the schools of a level nearest a home.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from pyproj import Geod
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo import transit
from geo.errors import InvalidInputError
from geo.points import margin_deg
from geo.transit import PlannerOptions, TransitNetwork, WalkingGraph

TYPE = "pindah_sekolah"

HOLDING_STATES = ("rekomendasi_dinas",)
ALTERNATIVES = 5
_GEOD = Geod(ellps="WGS84")


class UnknownSchoolError(InvalidInputError):
    """No school of the city has this NPSN (HTTP 422)."""

    code = "unknown-school"
    title = "Unknown school"


@dataclass(frozen=True)
class SchoolRow:
    """A school as the figures need it."""

    npsn: str
    name: str
    level: str
    status: str
    address: str | None
    lon: float
    lat: float
    capacity_remaining: int | None


@dataclass(frozen=True)
class Planning:
    """The city's walking graph and angkot network, and the trip planner's options."""

    graph: WalkingGraph
    transit: TransitNetwork
    options: PlannerOptions


_SCHOOL = text(
    "SELECT npsn, name, level, status, address, ST_X(geom) AS lon, ST_Y(geom) AS lat,"
    " capacity_remaining FROM school WHERE city_id = :c AND npsn = :npsn"
)
_NEAREST = text(
    """
    WITH p AS (SELECT ST_SetSRID(ST_MakePoint(:lon, :lat), 4326) AS g)
    SELECT * FROM (
        SELECT s.id, s.npsn, s.name, s.level, s.status, s.address,
               ST_X(s.geom) AS lon, ST_Y(s.geom) AS lat, s.capacity_remaining,
               ST_Distance(s.geom::geography, p.g::geography) AS d
        FROM school s, p
        WHERE s.city_id = :c AND s.level = :level
          AND (CAST(:status AS text) IS NULL OR s.status = :status)
        ORDER BY s.geom <-> p.g LIMIT :pool) c
    ORDER BY d, id LIMIT :limit
    """
)
# per school: how many schools of its level lie nearer the home (geography distances of the
# schools in the box around the home that holds the farthest of them, computed once)
_NEARER = text(
    """
    WITH p AS (SELECT ST_SetSRID(ST_MakePoint(:lon, :lat), 4326) AS g),
    near AS MATERIALIZED (
        SELECT s.npsn, s.level, ST_Distance(s.geom::geography, p.g::geography) AS d
        FROM school s, p
        WHERE s.city_id = :c AND s.level = ANY(:levels) AND s.geom && ST_Expand(p.g, :dx, :dy))
    SELECT t.npsn, (SELECT count(*) FROM near n
                    WHERE n.level = t.level AND n.npsn <> t.npsn AND n.d < t.d) AS nearer
    FROM near t WHERE t.npsn = ANY(:npsns)
    """
)
_HELD = text(
    "SELECT attrs->>'target_npsn' AS npsn, count(*) AS n FROM service_request"
    " WHERE city_id = :c AND type = :type AND status = ANY(:states)"
    " AND attrs->>'target_npsn' = ANY(:npsns) GROUP BY 1"
)


def find_school(session: Session, city_id: int, npsn: str, field: str) -> SchoolRow:
    """The school of the city with this NPSN.

    Raises:
        UnknownSchoolError: None (the field is named).
    """
    row = session.execute(_SCHOOL, {"c": city_id, "npsn": npsn}).first()
    if row is None:
        raise UnknownSchoolError(
            f"no school with NPSN {npsn[:16]!r} in this city",
            [{"field": field, "message": "unknown NPSN"}],
        )
    return SchoolRow(**row._mapping)


def _walks(planning: Planning, home: tuple[float, float], schools: Sequence[SchoolRow]) -> Any:
    graph = planning.graph
    xy = graph.project(
        np.array([home[0]] + [s.lon for s in schools]),
        np.array([home[1]] + [s.lat for s in schools]),
    )
    _, _, dist = _GEOD.inv(
        [home[0]] * len(schools),
        [home[1]] * len(schools),
        [s.lon for s in schools],
        [s.lat for s in schools],
    )
    straight = np.atleast_1d(np.asarray(dist, dtype=float))
    limit = float(straight.max()) * 3 + 2_000
    return straight, graph.walk_distances(xy[0], xy[1:], limit)


def trip_summary(plan_result: Mapping[str, Any]) -> dict[str, Any]:
    """The fastest angkot itinerary of a plan (one with a ride), or why there is none."""
    rides = [
        it for it in plan_result["itineraries"] if any(leg["mode"] == "ride" for leg in it["legs"])
    ]
    if not rides:
        reason = plan_result.get("reason") or "berjalan kaki lebih cepat daripada naik angkot"
        return {"found": False, "reason": reason}
    best = min(rides, key=lambda it: (it["duration_s"], it["transfers"]))
    return {
        "found": True,
        "duration_s": best["duration_s"],
        "fare_idr": best["fare_idr"],
        "transfers": best["transfers"],
        "walk_distance_m": best["walk_distance_m"],
        "routes": [leg["route"]["code"] for leg in best["legs"] if leg["mode"] == "ride"],
        "reason": None,
    }


def _ranks(
    session: Session,
    city_id: int,
    home: tuple[float, float],
    schools: Sequence[SchoolRow],
    straight: Any,
) -> dict[str, int]:
    """NPSN -> 1 + the number of schools of its level nearer the home (one statement)."""
    dx, dy = margin_deg(home[1], float(np.max(straight)) + 50)
    rows = session.execute(
        _NEARER,
        {"c": city_id, "lon": home[0], "lat": home[1], "dx": dx, "dy": dy}
        | {"levels": sorted({s.level for s in schools}), "npsns": [s.npsn for s in schools]},
    )
    return {r.npsn: int(r.nearer) + 1 for r in rows}


def remaining_capacity(
    session: Session, city_id: int, schools: Sequence[SchoolRow]
) -> dict[str, int | None]:
    """NPSN -> seats left for transfers (the layer's count minus those recommended into it and
    not yet in Dapodik); None where the school layer has no capacity."""
    known = [s.npsn for s in schools if s.capacity_remaining is not None]
    held: dict[str, int] = {}
    if known:
        rows = session.execute(
            _HELD, {"c": city_id, "type": TYPE, "states": list(HOLDING_STATES), "npsns": known}
        )
        held = {r.npsn: int(r.n) for r in rows}
    return {
        s.npsn: None
        if s.capacity_remaining is None
        else max(0, s.capacity_remaining - held.get(s.npsn, 0))
        for s in schools
    }


def _km(m: float) -> str:
    return f"{m / 1000:.1f}".replace(".", ",") + " km" if m >= 1000 else f"{m:.0f} m"


def explain(fig: Mapping[str, Any]) -> str:
    """The figures of one school in plain Bahasa Indonesia, one sentence each."""
    parts = [f"Jarak garis lurus dari rumah {_km(fig['distance_m'])} (ukuran zonasi)."]
    if fig["walk_distance_m"] is None:
        parts.append("Jalan kaki: tidak ada jalur di jaringan jalan.")
    else:
        minutes = max(1, round(fig["walk_duration_s"] / 60))
        parts.append(f"Jalan kaki {_km(fig['walk_distance_m'])}, sekitar {minutes} menit.")
    trip = fig["trip"]
    if trip["found"]:
        minutes = max(1, round(trip["duration_s"] / 60))
        changes = (
            "tanpa pindah angkot"
            if trip["transfers"] == 0
            else (f"{trip['transfers']} kali pindah angkot")
        )
        fare = f"{trip['fare_idr']:,}".replace(",", ".")
        parts.append(f"Angkot tercepat sekitar {minutes} menit, Rp {fare}, {changes}.")
    else:
        parts.append(f"Angkot: tidak ada perjalanan ({trip['reason']}).")
    parts.append(f"Sekolah {fig['level']} terdekat ke-{fig['rank']} dari rumah.")
    if fig["capacity_remaining"] is None:
        parts.append("Sisa daya tampung: tidak diketahui.")
    else:
        parts.append(f"Sisa daya tampung: {fig['capacity_remaining']} kursi.")
    return " ".join(parts)


def school_figures(
    session: Session,
    city_id: int,
    planning: Planning,
    home: tuple[float, float],
    schools: Sequence[SchoolRow],
) -> list[dict[str, Any]]:
    """The figures of each school seen from the home, in the order given.

    Args:
        session: Open session (read only).
        city_id: The city.
        planning: The walking graph, angkot network and planner options.
        home: (lon, lat) of the home.
        schools: The schools.

    Returns:
        Per school: ``npsn``, ``name``, ``level``, ``status``, ``address``, ``lon``, ``lat``,
        ``distance_m`` (geodesic, WGS84), ``walk_distance_m`` / ``walk_duration_s`` (None
        when the roads do not connect), ``trip`` {found, duration_s, fare_idr, transfers,
        walk_distance_m, routes, reason}, ``rank`` (1 = the nearest school of its level),
        ``capacity_remaining`` (None: not known), ``explanation`` (Bahasa).
    """
    if not schools:
        return []
    straight, walks = _walks(planning, home, schools)
    capacity = remaining_capacity(session, city_id, schools)
    ranks = _ranks(session, city_id, home, schools, straight)
    speed = planning.options.walk_ms
    out = []
    for i, s in enumerate(schools):
        walk = float(walks[i])
        # the figures of plan()'s fastest ride itinerary, without building legs and geometry
        trip = transit.fastest_trip(
            planning.graph, planning.transit, home, (s.lon, s.lat), planning.options
        )
        if not trip["found"]:
            trip["reason"] = trip["reason"] or "berjalan kaki lebih cepat daripada naik angkot"
        fig: dict[str, Any] = {
            "npsn": s.npsn,
            "name": s.name,
            "level": s.level,
            "status": s.status,
            "address": s.address,
            "lon": round(s.lon, 7),
            "lat": round(s.lat, 7),
            "distance_m": round(float(straight[i]), 1),
            "walk_distance_m": round(walk, 1) if math.isfinite(walk) else None,
            "walk_duration_s": round(walk / speed) if math.isfinite(walk) else None,
            "trip": trip,
            "rank": ranks[s.npsn],
            "capacity_remaining": capacity[s.npsn],
        }
        fig["explanation"] = explain(fig)
        out.append(fig)
    return out


def nearest_schools(
    session: Session,
    city_id: int,
    home: tuple[float, float],
    level: str,
    status: str | None,
    *,
    limit: int = ALTERNATIVES,
) -> list[SchoolRow]:
    """The ``limit`` schools of ``level`` (and ``status``) nearest the home, geodesic."""
    rows = session.execute(
        _NEAREST,
        {"c": city_id, "lon": home[0], "lat": home[1], "level": level, "status": status}
        | {"pool": limit * 2 + 20, "limit": limit},
    ).all()
    return [
        SchoolRow(
            npsn=r.npsn,
            name=r.name,
            level=r.level,
            status=r.status,
            address=r.address,
            lon=r.lon,
            lat=r.lat,
            capacity_remaining=r.capacity_remaining,
        )
        for r in rows
    ]
