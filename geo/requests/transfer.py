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

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints
from sqlalchemy.orm import Session

from geo.cities import CityInfo
from geo.errors import ConflictError, InvalidGeometryError, InvalidInputError
from geo.models import ROLES
from geo.points import ensure_in_city
from geo.requests.schemas import Text200, _Strict
from geo.requests.transfer_figures import (
    ALTERNATIVES,
    TYPE,
    Planning,
    SchoolRow,
    UnknownSchoolError,
    explain,
    find_school,
    nearest_schools,
    remaining_capacity,
    school_figures,
    trip_summary,
)
from geo.requests.workflow import Transition, Workflow, validate_workflow

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

Npsn = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9A-Za-z]{1,16}$")]


# -- errors --------------------------------------------------------------------------------
class LevelNotGovernedError(InvalidInputError):
    """The target school is SMA, SMK or SLB: the province handles the transfer (HTTP 422)."""

    code = "level-not-governed"
    title = "Handled by the province (Dindikbud Provinsi Banten)"


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
def check_governed(level: str, field: str = "attrs.target_npsn") -> None:
    """Refuse a level the city does not govern, saying where to go instead.

    Raises:
        LevelNotGovernedError: SMA, SMK or SLB.
    """
    if level in PROVINCE_LEVELS:
        raise LevelNotGovernedError(
            PROVINCE_NOTICE, [{"field": field, "message": f"level {level}: {PROVINCE_OFFICE}"}]
        )


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


# the figures live in geo.requests.transfer_figures; these names stay importable from here
__all__ = [
    "ALTERNATIVES",
    "TYPE",
    "LevelMismatchError",
    "LevelNotGovernedError",
    "NoCapacityError",
    "Planning",
    "SchoolRow",
    "TransferAttributes",
    "TransferPrivate",
    "UnknownSchoolError",
    "check_step",
    "explain",
    "nearest_schools",
    "prepare_transfer",
    "remaining_capacity",
    "school_figures",
    "trip_summary",
]
