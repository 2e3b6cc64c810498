"""Pindah sekolah online (type ``pindah_sekolah``): a parent asks to move a child to another school.

Mid-year transfers (mutasi) after Permendikbud 44/2019: the origin school's head approves, the
target school's head accepts, the Dinas Pendidikan checks capacity and recommends, Dapodik is
updated. Kota Tangerang's Dinas Pendidikan (DISDIK) governs SD and SMP; SMA, SMK and SLB belong
to the province (Dindikbud Provinsi Banten), so such a target is turned away with its address.

Computed when submitted and kept with the request (``attrs.figures``): the straight-line
(geodesic) distance home -> target school (the zonasi measure), the walk over the city's roads,
the fastest angkot trip, the rank of the target among the schools of its level nearest the home
and its remaining capacity when the school layer has one. The home (address and point) and the
student stay in the request's private part; the request's place is the target school.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import Field, StringConstraints
from pyproj import Geod
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo import transit
from geo.cities import CityInfo
from geo.errors import ConflictError, InvalidGeometryError, InvalidInputError
from geo.models import ROLES, SCHOOL_LEVELS, SCHOOL_STATUSES
from geo.points import ensure_in_city, margin_deg
from geo.requests.schemas import Text200, _Strict
from geo.requests.workflow import Transition, Workflow, validate_workflow
from geo.transit import PlannerOptions, TransitNetwork, WalkingGraph

TYPE = "pindah_sekolah"
DISDIK = "DISDIK"
CITY_LEVELS = ("SD", "SMP")
PROVINCE_LEVELS = ("SMA", "SMK", "SLB")
# grades (kelas) of each level the city governs
GRADES = {"SD": range(1, 7), "SMP": range(7, 10)}
PROVINCE_OFFICE = (
    "Dinas Pendidikan dan Kebudayaan Provinsi Banten (Dindikbud Provinsi Banten),"
    " Jl. Syech Nawawi Al Bantani, Palima, Kota Serang"
)
PROVINCE_NOTICE = (
    "Sekolah jenjang SMA, SMK dan SLB dikelola oleh Pemerintah Provinsi Banten, bukan Pemerintah"
    f" Kota. Ajukan pindah sekolah ke {PROVINCE_OFFICE}."
)
PROVINCE_NOTICE_EN = (
    "SMA, SMK and SLB schools are run by the Province of Banten, not the city. Apply for the"
    f" transfer at {PROVINCE_OFFICE}."
)
REASONS = {
    "pindah_domisili": ("Pindah domisili", "Moving house"),
    "orang_tua_pindah_tugas": ("Orang tua pindah tugas", "Parent transferred for work"),
    "lainnya": ("Lainnya", "Other"),
}
TRANSFER_DOCUMENTS = {
    "surat_permohonan": "Surat permohonan orang tua/wali",
    "surat_keterangan_pindah": "Surat keterangan pindah dari sekolah asal",
    "rapor": "Rapor",
    "kk": "Kartu keluarga (KK)",
    "akta_kelahiran": "Akta kelahiran",
    "surat_kesediaan": "Surat kesediaan menerima dari sekolah tujuan",
}
TRANSFER_DOCUMENTS_EN = {
    "surat_permohonan": "Request letter of the parent or guardian",
    "surat_keterangan_pindah": "Transfer certificate from the current school",
    "rapor": "School report (rapor)",
    "kk": "Family card (KK)",
    "akta_kelahiran": "Birth certificate",
    "surat_kesediaan": "Letter of acceptance from the target school",
}
# what the citizen's form shows (the catalogue's ``form`` of the type)
TRANSFER_FORM = {
    "levels": list(CITY_LEVELS),
    "province_levels": list(PROVINCE_LEVELS),
    "grades": {level: list(grades) for level, grades in GRADES.items()},
    "province_notice": {"id": PROVINCE_NOTICE, "en": PROVINCE_NOTICE_EN},
    "reasons": [{"code": c, "title": {"id": i, "en": e}} for c, (i, e) in REASONS.items()],
    "alternatives": 5,
}
# the requests already recommended into a school that Dapodik does not count yet
HOLDING_STATES = ("rekomendasi_dinas",)
ALTERNATIVES = 5
_GEOD = Geod(ellps="WGS84")

Npsn = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9A-Za-z]{1,16}$")]


# -- errors --------------------------------------------------------------------------------
class LevelNotGovernedError(InvalidInputError):
    """The target school is SMA, SMK or SLB: the province handles the transfer (HTTP 422)."""

    code = "level-not-governed"
    title = "Handled by the province (Dindikbud Provinsi Banten)"


class UnknownSchoolError(InvalidInputError):
    """No school of the city has this NPSN (HTTP 422)."""

    code = "unknown-school"
    title = "Unknown school"


class LevelMismatchError(InvalidInputError):
    """The origin and target schools (or the student's level) are of different levels (422)."""

    code = "level-mismatch"
    title = "Schools of different levels"


class NoCapacityError(ConflictError):
    """The target school has no seat left for a transfer (HTTP 409)."""

    code = "no-capacity"
    title = "No capacity left at the target school"


# -- schemas --------------------------------------------------------------------------------
class TransferAttributes(_Strict):
    """What the parent picks: the two schools (by NPSN) and the reason."""

    origin_npsn: Npsn
    target_npsn: Npsn
    reason: Literal["pindah_domisili", "orang_tua_pindah_tugas", "lainnya"]


class Student(_Strict):
    """The child (private)."""

    name: Text200
    nisn: Annotated[str, StringConstraints(pattern=r"^[0-9]{10}$")]
    level: Literal["SD", "SMP", "SMA", "SMK", "SLB"]
    grade: int = Field(ge=1, le=12)


class TransferPrivate(_Strict):
    """The private part of a transfer: the child and the home (from the family card)."""

    student: Student
    home_address: Annotated[str, StringConstraints(min_length=1, max_length=500)]
    reason_note: Annotated[str, StringConstraints(max_length=1000)] | None = None


# -- workflow -------------------------------------------------------------------------------
STAFF = frozenset({"opd_staff"})
SCHOOL = frozenset({"sekolah"})
SUBMITTER = frozenset({"pemohon"})
# which school's staff act from each state (the attribute naming it)
SCHOOL_SIDES = {
    "diajukan": "origin_npsn",
    "disetujui_sekolah_asal": "target_npsn",
    "rekomendasi_dinas": "target_npsn",
}
REVIEW_STATES = frozenset({"diajukan", "disetujui_sekolah_asal", "diterima_sekolah_tujuan"})


def _t(
    name: str,
    sources: set[str] | frozenset[str],
    target: str,
    roles: frozenset[str],
    *,
    requires: tuple[str, ...] = (),
) -> Transition:
    return Transition(name, frozenset(sources), target, roles, requires, None)


TRANSFER_WORKFLOW = Workflow(
    type=TYPE,
    initial="diajukan",
    states=(
        "diajukan",
        "disetujui_sekolah_asal",
        "diterima_sekolah_tujuan",
        "rekomendasi_dinas",
        "dapodik_diperbarui",
        "selesai",
        "perlu_perbaikan",
        "ditolak",
    ),
    final=frozenset({"selesai", "ditolak"}),
    transitions=(
        _t("setujui_asal", {"diajukan"}, "disetujui_sekolah_asal", SCHOOL),
        _t("terima_tujuan", {"disetujui_sekolah_asal"}, "diterima_sekolah_tujuan", SCHOOL),
        _t("rekomendasikan", {"diterima_sekolah_tujuan"}, "rekomendasi_dinas", STAFF),
        _t("perbarui_dapodik", {"rekomendasi_dinas"}, "dapodik_diperbarui", SCHOOL | STAFF),
        _t("selesaikan", {"dapodik_diperbarui"}, "selesai", STAFF),
        _t(
            "minta_perbaikan",
            REVIEW_STATES,
            "perlu_perbaikan",
            SCHOOL | STAFF,
            requires=("public_note",),
        ),
        _t("ajukan_ulang", {"perlu_perbaikan"}, "diajukan", SUBMITTER),
        _t("tolak", REVIEW_STATES, "ditolak", SCHOOL | STAFF, requires=("public_note",)),
    ),
    deadlines_days={
        "diajukan": 5,
        "disetujui_sekolah_asal": 5,
        "diterima_sekolah_tujuan": 7,
        "rekomendasi_dinas": 7,
        "dapodik_diperbarui": 7,
        "perlu_perbaikan": 30,
    },
    state_labels={
        "diajukan": "Diajukan",
        "disetujui_sekolah_asal": "Disetujui sekolah asal",
        "diterima_sekolah_tujuan": "Diterima sekolah tujuan",
        "rekomendasi_dinas": "Rekomendasi Dinas Pendidikan",
        "dapodik_diperbarui": "Dapodik diperbarui",
        "selesai": "Selesai",
        "perlu_perbaikan": "Perlu perbaikan",
        "ditolak": "Ditolak",
    },
    transition_labels={
        "setujui_asal": "Setujui (sekolah asal)",
        "terima_tujuan": "Terima (sekolah tujuan)",
        "rekomendasikan": "Beri rekomendasi",
        "perbarui_dapodik": "Dapodik sudah diperbarui",
        "selesaikan": "Selesaikan",
        "minta_perbaikan": "Minta perbaikan",
        "ajukan_ulang": "Ajukan ulang",
        "tolak": "Tolak",
    },
)
validate_workflow(TRANSFER_WORKFLOW, ROLES)


def acting_school(status: str, attrs: Mapping[str, Any]) -> str | None:
    """The NPSN of the school whose staff act on a transfer in ``status`` (None: none)."""
    field = SCHOOL_SIDES.get(status)
    value = attrs.get(field) if field else None
    return str(value) if value else None


# -- schools and figures --------------------------------------------------------------------
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


def check_governed(level: str, field: str = "attrs.target_npsn") -> None:
    """Refuse a level the city does not govern, saying where to go instead.

    Raises:
        LevelNotGovernedError: SMA, SMK or SLB.
    """
    if level in PROVINCE_LEVELS:
        raise LevelNotGovernedError(
            PROVINCE_NOTICE, [{"field": field, "message": f"level {level}: {PROVINCE_OFFICE}"}]
        )


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


# -- submission -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Prepared:
    """A transfer made ready to store: its attributes with the figures, its private part with
    the home point, and the place of the request (the target school)."""

    attrs: dict[str, Any]
    private: dict[str, Any]
    wkt: str


def _home_point(geometry: Any) -> tuple[float, float]:
    if geometry.geom_type != "Point":
        raise InvalidGeometryError(
            "the home is a point (from the family card)",
            [{"field": "geometry", "message": "a Point is expected"}],
        )
    return float(geometry.x), float(geometry.y)


def prepare_transfer(
    session: Session,
    city: CityInfo,
    attrs: Mapping[str, Any],
    private: Mapping[str, Any],
    geometry: Any,
    *,
    planning: Planning | None,
) -> Prepared:
    """Check a transfer against the school layer and compute its figures (nothing written).

    Args:
        session: Open session.
        city: The city.
        attrs: The validated ``TransferAttributes`` as JSON.
        private: The validated ``TransferPrivate`` as JSON.
        geometry: The home point (shapely).
        planning: The city's networks (required).

    Raises:
        InvalidGeometryError: The home is not a point, or lies outside the city.
        UnknownSchoolError: An NPSN the city's school layer does not have.
        LevelNotGovernedError: A target (or origin) of SMA, SMK or SLB.
        LevelMismatchError: Origin, target and student of different levels, or a grade that
            the level does not have, or the same school twice.
    """
    if planning is None:
        raise ValueError("a school transfer needs the city's networks (planning)")
    home = _home_point(geometry)
    ensure_in_city(session, city, home[0], home[1], "geometry")
    origin = find_school(session, city.id, attrs["origin_npsn"], "attrs.origin_npsn")
    target = find_school(session, city.id, attrs["target_npsn"], "attrs.target_npsn")
    check_governed(target.level)
    check_governed(origin.level, "attrs.origin_npsn")
    student = private["student"]
    if origin.level != target.level or student["level"] != target.level:
        raise LevelMismatchError(
            f"the schools and the student must be of one level (origin {origin.level},"
            f" target {target.level}, student {student['level']})",
            [{"field": "attrs.target_npsn", "message": "level differs from the origin school"}],
        )
    if origin.npsn == target.npsn:
        raise LevelMismatchError(
            "the target school is the current school",
            [{"field": "attrs.target_npsn", "message": "same as the origin school"}],
        )
    if student["grade"] not in GRADES[target.level]:
        grades = GRADES[target.level]
        raise LevelMismatchError(
            f"grade {student['grade']} is not a grade of {target.level}"
            f" ({grades.start}-{grades.stop - 1})",
            [{"field": "private.student.grade", "message": "not a grade of this level"}],
        )
    (fig,) = school_figures(session, city.id, planning, home, [target])
    out = dict(attrs) | {
        "origin_name": origin.name,
        "target_name": target.name,
        "level": target.level,
        "title": f"{origin.name} → {target.name}",
        "figures": {k: v for k, v in fig.items() if k not in {"npsn", "address"}},
    }
    return Prepared(
        attrs=out,
        private=dict(private) | {"home_point": [round(home[0], 7), round(home[1], 7)]},
        wkt=f"POINT({target.lon!r} {target.lat!r})",
    )


def check_step(
    session: Session, city_id: int, attrs: Mapping[str, Any], step: str
) -> dict[str, Any]:
    """What the Dinas step checks: the target's remaining capacity when it recommends.

    Returns:
        Fields to keep with the event: ``capacity_remaining`` (None: not known) and
        ``capacity`` (a Bahasa sentence).

    Raises:
        NoCapacityError: The school layer has a capacity and no seat is left.
    """
    if step != "rekomendasikan":
        return {}
    target = find_school(session, city_id, str(attrs.get("target_npsn", "")), "target_npsn")
    left = remaining_capacity(session, city_id, [target])[target.npsn]
    if left is None:
        return {"capacity_remaining": None, "capacity": "sisa daya tampung tidak diketahui"}
    if left <= 0:
        raise NoCapacityError(
            f"{target.name} has no seat left for a transfer (daya tampung penuh)",
            [{"field": "transition", "message": "no remaining capacity at the target school"}],
        )
    return {"capacity_remaining": left, "capacity": f"sisa daya tampung {left} kursi"}


def check_preview_filters(level: str, status: str | None) -> None:
    """Refuse an unknown level or status, and levels the city does not govern.

    Raises:
        InvalidInputError: Unknown level or status.
        LevelNotGovernedError: SMA, SMK, SLB.
    """
    if level not in SCHOOL_LEVELS:
        raise InvalidInputError(
            f"level must be one of {', '.join(CITY_LEVELS)}",
            [{"field": "level", "in": "query", "message": "unknown level"}],
        )
    check_governed(level, "level")
    if status is not None and status not in SCHOOL_STATUSES:
        raise InvalidInputError(
            f"status must be one of {', '.join(SCHOOL_STATUSES)}",
            [{"field": "status", "in": "query", "message": "unknown status"}],
        )


def alternatives(
    session: Session,
    city: CityInfo,
    planning: Planning,
    *,
    lon: float,
    lat: float,
    level: str,
    status: str | None = None,
    target: str | None = None,
) -> dict[str, Any]:
    """The 5 schools of ``level`` (and ``status``) nearest a home with their figures, and the
    figures of the chosen target (public: no personal data is read or kept).

    Raises:
        PointOutsideCityError: The home lies outside the city.
        InvalidInputError: Bad level or status.
        LevelNotGovernedError: SMA, SMK, SLB.
        UnknownSchoolError: An unknown target NPSN.
        LevelMismatchError: A target of another level.
    """
    check_preview_filters(level, status)
    ensure_in_city(session, city, lon, lat, "lon,lat")
    home = (lon, lat)
    chosen = None
    if target is not None:
        school = find_school(session, city.id, target, "target")
        check_governed(school.level, "target")
        if school.level != level:
            raise LevelMismatchError(
                f"the target school is {school.level}, not {level}",
                [{"field": "target", "in": "query", "message": "level differs"}],
            )
        chosen = school
    near = nearest_schools(session, city.id, home, level, status)
    figures = school_figures(
        session, city.id, planning, home, [*near, *([chosen] if chosen else [])]
    )
    return {
        "level": level,
        "status": status,
        "target": figures[-1] if chosen else None,
        "alternatives": figures[: len(near)],
        "notice": None,
    }
