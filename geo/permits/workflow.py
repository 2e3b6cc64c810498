"""The izin (permit application) workflow as data, and its hooks into the request core.

diajukan → pemeriksaan (DPMPTSP) → perlu_perbaikan | disetujui | ditolak; perlu_perbaikan →
pemeriksaan (the applicant's fix, or staff); disetujui and ditolak are final; a note is
required to ask for a fix or to refuse. The request core builds its ``Workflow`` from these
rows (geo/requests/types.py), so this wing needs nothing of geo.requests.

Hooks (``RequestType.prepare`` and ``RequestType.after_step``):

- ``prepare_izin`` at submission: the intended use must be one of the city's ITBX table,
  the parcel within the intake limits (area, vertices);
- ``after_izin_step`` in the writing transaction: after the submission it runs the pre-check
  and keeps it as version 1; on ``disetujui`` it inserts the parcel into ``permit_parcel``
  (the ``parcels`` layer's revision bumps in the same transaction: tiles and ETags change).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import shapely
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.accounts import Principal
from geo.cities import CityInfo
from geo.errors import InvalidInputError
from geo.permits.check import run_check, store_check
from geo.permits.intake import check_parcel, geojson_of, parcel_from_geojson
from geo.permits.verdicts import Building

DPMPTSP = "DPMPTSP"
IZIN_INITIAL = "diajukan"
IZIN_STATES = ("diajukan", "pemeriksaan", "perlu_perbaikan", "disetujui", "ditolak")
IZIN_FINAL = ("disetujui", "ditolak")
APPROVED = "disetujui"
# (name, sources, target, roles, required fields, OPD whose staff take it)
IZIN_TRANSITIONS: tuple[
    tuple[str, tuple[str, ...], str, tuple[str, ...], tuple[str, ...], str | None], ...
] = (
    ("mulai_pemeriksaan", ("diajukan",), "pemeriksaan", ("opd_staff",), (), DPMPTSP),
    (
        "minta_perbaikan",
        ("pemeriksaan",),
        "perlu_perbaikan",
        ("opd_staff",),
        ("public_note",),
        DPMPTSP,
    ),
    ("ajukan_ulang", ("perlu_perbaikan",), "pemeriksaan", ("pemohon", "opd_staff"), (), DPMPTSP),
    ("setujui", ("pemeriksaan",), "disetujui", ("opd_staff", "admin_kota"), (), DPMPTSP),
    (
        "tolak",
        ("diajukan", "pemeriksaan"),
        "ditolak",
        ("opd_staff", "admin_kota"),
        ("public_note",),
        DPMPTSP,
    ),
)
IZIN_DEADLINES_DAYS = {"diajukan": 3, "pemeriksaan": 14, "perlu_perbaikan": 30}
IZIN_STATE_LABELS = {
    "diajukan": "Diajukan",
    "pemeriksaan": "Pemeriksaan (DPMPTSP)",
    "perlu_perbaikan": "Perlu perbaikan",
    "disetujui": "Disetujui",
    "ditolak": "Ditolak",
}
IZIN_TRANSITION_LABELS = {
    "mulai_pemeriksaan": "Mulai pemeriksaan",
    "minta_perbaikan": "Minta perbaikan",
    "ajukan_ulang": "Ajukan ulang",
    "setujui": "Setujui",
    "tolak": "Tolak",
}
IZIN_DOCUMENTS = {"ktp": "KTP pemohon", "sertifikat": "Sertifikat tanah"}
IZIN_OPTIONAL_DOCUMENTS = {"gambar": "Gambar rencana bangunan"}


class UnknownUseError(InvalidInputError):
    """The intended use is not an activity of the city's ITBX table (HTTP 422)."""

    code = "permit-use-unknown"
    title = "Unknown intended use"


@dataclass(frozen=True)
class PreparedPermit:
    """An application made ready to store (what ``RequestType.prepare`` returns)."""

    attrs: dict[str, Any]
    private: dict[str, Any]
    wkt: str


def known_uses(session: Session, city_id: int) -> list[str]:
    """The activities of the city's ITBX table, sorted."""
    rows = session.execute(
        text("SELECT DISTINCT activity FROM zoning_rule WHERE city_id = :c ORDER BY activity"),
        {"c": city_id},
    )
    return [str(r[0]) for r in rows]


def uses_and_zones(session: Session, city_id: int) -> dict[str, list[dict[str, str]]]:
    """What the application form offers: the ITBX table's activities and the zones (code, name).

    Returns:
        ``{"uses": [{"activity"}], "zones": [{"code", "name"}]}``, each sorted.
    """
    zones = session.execute(
        text(
            "SELECT DISTINCT ON (code) code, name FROM zoning_zone WHERE city_id = :c"
            " ORDER BY code, id"
        ),
        {"c": city_id},
    )
    return {
        "uses": [{"activity": a} for a in known_uses(session, city_id)],
        "zones": [{"code": str(z.code), "name": str(z.name)} for z in zones],
    }


def check_use(session: Session, city_id: int, use: str, field: str = "use") -> None:
    """Refuse a use that is not in the city's ITBX table (a city without one accepts any:
    its zoning check then says perlu_kajian).

    Raises:
        UnknownUseError: Not one of the table's activities.
    """
    row = session.execute(
        text(
            "SELECT EXISTS (SELECT 1 FROM zoning_rule WHERE city_id = :c) AS has_table,"
            " EXISTS (SELECT 1 FROM zoning_rule WHERE city_id = :c AND activity = :u) AS known"
        ),
        {"c": city_id, "u": use},
    ).one()
    if row.has_table and not row.known:
        raise UnknownUseError(
            f"'{use[:64]}' is not an activity of the city's zoning table (GET .../permits/uses)",
            [{"field": field, "message": "unknown activity"}],
        )


def prepare_izin(
    session: Session,
    city: CityInfo,
    attrs: Mapping[str, Any],
    private: Mapping[str, Any],
    geometry: Any,
    *,
    planning: Any = None,
) -> PreparedPermit:
    """Check an application before it is stored (nothing written).

    The parcel goes through the intake (``parcel_from_geojson``, ``check_parcel``: inside the
    city, 10 m² ≤ area ≤ 1,000 ha, ≤ 10,000 vertices); its area in UTM 48S is kept as
    ``attrs.area_m2``.

    Raises:
        UnknownUseError: A use the city's ITBX table does not have.
        InvalidGeometryError: A parcel the intake refuses (its ``parcel-*`` subclasses).
    """
    del planning  # permits need no networks
    parcel = parcel_from_geojson(geojson_of(geometry))
    check_parcel(session, city.id, parcel)
    check_use(session, city.id, str(attrs["use"]), "attrs.use")
    return PreparedPermit(
        attrs=dict(attrs) | {"area_m2": round(parcel.area_m2, 1)},
        private=dict(private),
        wkt=parcel.geometry.wkt,
    )


def after_izin_step(
    session: Session, principal: Principal, city_id: int, request_id: int, step: Any
) -> None:
    """What an izin application does in the writing transaction of a step.

    Args:
        session: Open session (not committed here).
        principal: Who took the step (or submitted).
        city_id: The city.
        request_id: The application.
        step: The ``Transition`` taken (its ``target``); None for the submission.
    """
    if step is None:
        run_and_store(session, principal, city_id, request_id)
    elif step.target == APPROVED:
        approve_parcel(session, city_id, request_id)


def run_and_store(session: Session, principal: Principal, city_id: int, request_id: int) -> int:
    """Run the pre-check of a stored application on its parcel and keep it (next version).

    Returns:
        The version stored.
    """
    row = session.execute(
        text(
            "SELECT ST_AsBinary(geom) AS wkb, attrs FROM service_request"
            " WHERE city_id = :c AND id = :r AND type = 'izin'"
        ),
        {"c": city_id, "r": request_id},
    ).one()
    attrs = row.attrs
    result = run_check(
        session,
        city_id,
        shapely.from_wkb(bytes(row.wkb)),
        str(attrs["use"]),
        float(attrs["declared_area_m2"]),
        Building(
            floors=int(attrs["floors"]),
            footprint_m2=float(attrs["footprint_m2"]),
            green_m2=None if attrs.get("green_m2") is None else float(attrs["green_m2"]),
        ),
        exclude_request_id=request_id,
    )
    return store_check(session, principal, city_id, request_id, result)


def approve_parcel(session: Session, city_id: int, request_id: int) -> int:
    """The approved application's parcel as a permitted parcel (code: its tracking code).

    Returns:
        The new ``permit_parcel`` id.
    """
    parcel_id = session.execute(
        text(
            "INSERT INTO permit_parcel (city_id, code, name, permit_type, status, issued_on,"
            " geom, request_id)"
            " SELECT city_id, code, left(coalesce(attrs->>'title', title), 200),"
            " left(coalesce(attrs->>'permit_type', 'PBG'), 64), 'aktif', now(), geom, id"
            " FROM service_request WHERE city_id = :c AND id = :r AND type = 'izin'"
            " RETURNING id"
        ),
        {"c": city_id, "r": request_id},
    ).scalar_one()
    return int(parcel_id)
