"""The spatial pre-check of a permit application (#15 §2): area, overlaps, zoning, protected
land and building intensity, each with a verdict, its figures and the geometry explaining it.

Every spatial figure comes from one SQL statement (``_CHECK_SQL``): the parcel's area and the
pieces it shares with permitted parcels, pending applications, zones (with the ITBX verdict of
the intended use) and protected areas, each piece's area measured in UTM 48S (EPSG:32748),
plus the layer revisions read. Python only weighs the pieces and writes the sentences.
The result is indicative: the legal answer remains the KKPR through OSS and the city's
planning letter (Keterangan Rencana Kota, KRK).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
import shapely
from shapely.geometry import MultiPolygon, Polygon, mapping
from shapely.geometry.base import BaseGeometry
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.accounts import Principal
from geo.errors import InvalidGeometryError, NotFoundError

LOLOS, PERLU_KAJIAN, TIDAK_LOLOS = "lolos", "perlu_kajian", "tidak_lolos"
VERDICTS = (LOLOS, PERLU_KAJIAN, TIDAK_LOLOS)  # in order of severity
AREA_TOLERANCE = 0.05  # measured vs declared area: more apart → perlu_kajian
MIN_OVERLAP_M2 = 1.0  # smaller shared pieces are drawing noise, not overlaps
MIN_PIECE_M2 = 0.01  # pieces below this are not even shown
UTM_48S = 32748
# states of an izin application still pending (geo/permits/workflow.py)
PENDING_STATES = ("diajukan", "pemeriksaan", "perlu_perbaikan")
CHECK_LAYERS = ("zoning", "protected_areas", "parcels")
DISCLAIMER_ID = (
    "Hasil ini indikatif; keputusan resmi tetap KKPR melalui OSS dan Keterangan Rencana Kota (KRK)."
)
DISCLAIMER_EN = (
    "This result is indicative; the legal answer remains the KKPR through OSS and the city's"
    " planning letter (KRK)."
)


class PermitCheckNotFoundError(NotFoundError):
    """No such permit application (or not one of this city), or it has no check yet."""

    code = "permit-check-not-found"
    title = "Permit check not found"


@dataclass(frozen=True)
class Building:
    """The building applied for: floors, footprint and (optional) green area, in m²."""

    floors: int
    footprint_m2: float
    green_m2: float | None = None


@dataclass(frozen=True)
class Check:
    """One check: its verdict, sentences, figures and the geometry that explains it."""

    id: str
    verdict: str
    title_id: str
    title_en: str
    message_id: str
    message_en: str
    figures: dict[str, Any]
    features: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        """The check as the API shows it (``features`` a GeoJSON FeatureCollection)."""
        return {
            "id": self.id,
            "verdict": self.verdict,
            "title_id": self.title_id,
            "title_en": self.title_en,
            "message_id": self.message_id,
            "message_en": self.message_en,
            "figures": self.figures,
            "features": {"type": "FeatureCollection", "features": self.features},
        }


@dataclass(frozen=True)
class CheckResult:
    """The pre-check of one parcel and use (what ``run_check`` returns, ``store_check`` keeps)."""

    verdict: str
    summary_id: str
    summary_en: str
    parcel: dict[str, Any]
    checks: list[Check]
    layer_revisions: dict[str, int]

    def as_json(self) -> dict[str, Any]:
        """The CheckResult JSON of the permit contract."""
        return {
            "verdict": self.verdict,
            "indicative": True,
            "summary_id": self.summary_id,
            "summary_en": self.summary_en,
            "parcel": self.parcel,
            "checks": [c.as_json() for c in self.checks],
            "layer_revisions": self.layer_revisions,
        }

    def check(self, check_id: str) -> Check | None:
        """The check called ``check_id``, if it ran."""
        return next((c for c in self.checks if c.id == check_id), None)


# Pieces of a layer the parcel shares: (alias t) its rows meeting the parcel, each with the
# polygonal part of the intersection and that part's area in UTM 48S.
def _pieces(table: str, where: str, props: str, joins: str = "") -> str:
    return f"""
    SELECT coalesce(jsonb_agg(jsonb_build_object({props}, 'area_m2', x.a,
                    'geometry', ST_AsGeoJSON(x.piece, 7)::jsonb) ORDER BY x.a DESC), '[]')
    FROM pa JOIN {table} t ON t.city_id = :c AND t.geom && pa.g AND ST_Intersects(t.geom, pa.g)
    {joins}
    CROSS JOIN LATERAL (
        SELECT q.piece, ST_Area(ST_Transform(q.piece, {UTM_48S})) AS a
        FROM (SELECT ST_CollectionExtract(ST_Intersection(t.geom, pa.g), 3) AS piece) q
    ) x
    WHERE {where} AND x.a > {MIN_PIECE_M2}
    """  # noqa: S608 - fixed fragments of this module, never input


_CHECK_SQL = text(
    f"""
WITH pa AS (
    SELECT g, ST_Area(ST_Transform(g, {UTM_48S})) AS area
    FROM (SELECT ST_Multi(ST_GeomFromWKB(:wkb, 4326)) AS g) p
)
SELECT
    (SELECT area FROM pa) AS area_m2,
    ({
        _pieces(
            "permit_parcel",
            "(CAST(:exclude AS bigint) IS NULL"
            " OR t.request_id IS DISTINCT FROM CAST(:exclude AS bigint))",
            "'code', t.code, 'name', t.name, 'permit_type', t.permit_type",
        )
    }) AS parcels,
    ({
        _pieces(
            "service_request",
            "t.type = 'izin' AND t.status = ANY(CAST(:pending AS text[]))"
            " AND GeometryType(t.geom) = 'MULTIPOLYGON'"
            " AND t.id IS DISTINCT FROM CAST(:exclude AS bigint)",
            "'status', t.status",
        )
    }) AS pending,
    ({
        _pieces(
            "zoning_zone",
            "TRUE",
            "'code', t.code, 'name', t.name, 'kdb', t.kdb, 'klb', t.klb, 'kdh', t.kdh,"
            " 'itbx', r.verdict",
            "LEFT JOIN zoning_rule r ON r.city_id = t.city_id AND r.zone_code = t.code"
            " AND r.activity = :use",
        )
    }) AS zones,
    ({_pieces("protected_area", "TRUE", "'kind', t.kind, 'name', t.name")}) AS protected,
    EXISTS (SELECT 1 FROM zoning_rule r WHERE r.city_id = :c AND r.activity = :use) AS use_known,
    (SELECT coalesce(jsonb_object_agg(layer, revision), '{{}}') FROM layer_revision
     WHERE city_id = :c AND layer = ANY(CAST(:layers AS text[]))) AS revisions
"""  # noqa: S608 - fixed fragments of this module, never input
)


def _multipolygon(parcel: Any) -> MultiPolygon:
    geom = getattr(parcel, "geometry", parcel)
    if isinstance(geom, Polygon):
        geom = MultiPolygon([geom])
    if not isinstance(geom, MultiPolygon) or geom.is_empty or not geom.is_valid:
        raise InvalidGeometryError(
            "the parcel must be a valid Polygon or MultiPolygon",
            [{"field": "geometry", "message": "a valid Polygon or MultiPolygon is expected"}],
        )
    return geom


def _vertices(geom: MultiPolygon) -> int:
    """Distinct vertices: coordinates less the closing one of each ring."""
    rings = sum(1 + len(p.interiors) for p in geom.geoms)
    return int(shapely.get_num_coordinates(geom)) - rings


def run_check(  # noqa: PLR0917 - the contract's signature (permit-contract.md)
    session: Session,
    city_id: int,
    parcel: Any,
    use: str,
    declared_area_m2: float,
    building: Building | None,
    *,
    exclude_request_id: int | None = None,
) -> CheckResult:
    """Run the pre-check of a parcel for an intended use (one SQL statement, writes nothing).

    Args:
        session: Open session.
        city_id: The city.
        parcel: A ``ParcelInput`` (its ``geometry`` and ``vertices`` are used) or a shapely
            Polygon/MultiPolygon in EPSG:4326.
        use: The intended activity (a row of the city's ITBX table, ``zoning_rule.activity``).
        declared_area_m2: The area the applicant declares.
        building: Floors, footprint and green area; None: the intensity checks are skipped.
        exclude_request_id: The application being checked (its own pending request and its
            own approved parcel are not overlaps).

    Returns:
        The result, verdict the worst of the checks.

    Raises:
        InvalidGeometryError: Not a valid (multi)polygon.
    """
    geom = _multipolygon(parcel)
    vertices = getattr(parcel, "vertices", None) or _vertices(geom)
    row = session.execute(
        _CHECK_SQL,
        {
            "wkb": shapely.to_wkb(geom),
            "c": city_id,
            "use": use,
            "exclude": exclude_request_id,
            "pending": list(PENDING_STATES),
            "layers": list(CHECK_LAYERS),
        },
    ).one()
    area = float(row.area_m2)
    checks = [
        _area_check(area, declared_area_m2, geom),
        _overlap_check("overlap_parcels", row.parcels, area, TIDAK_LOLOS),
        _overlap_check("overlap_pending", row.pending, area, PERLU_KAJIAN),
        _zoning_check(use, bool(row.use_known), row.zones, area),
        *(
            _protected_check(kind, [p for p in row.protected if p["kind"] == kind], area)
            for kind in ("sawah", "rth", "sungai")
        ),
        *_intensity_checks(building, row.zones, area),
    ]
    verdict = _worst(c.verdict for c in checks)
    revisions = {layer: int(row.revisions.get(layer, 0)) for layer in CHECK_LAYERS}
    summary_id, summary_en = _summary(checks)
    return CheckResult(
        verdict=verdict,
        summary_id=summary_id,
        summary_en=summary_en,
        parcel={
            "area_m2": round(area, 1),
            "declared_area_m2": declared_area_m2,
            "vertices": int(vertices),
        },
        checks=checks,
        layer_revisions=revisions,
    )


def store_check(
    session: Session, principal: Principal, city_id: int, request_id: int, result: CheckResult
) -> int:
    """Keep a check of an izin application as its next version (never overwrites one).

    The application's attributes keep ``check_verdict`` and ``check_version``.

    Args:
        session: Open session (not committed here).
        principal: Who ran it (``ran_by``; none for anonymous submissions).
        city_id: The city.
        request_id: The application (``service_request.id`` of type ``izin``).
        result: What ``run_check`` gave.

    Returns:
        The new version number (1, 2, …).

    Raises:
        PermitCheckNotFoundError: No izin application ``request_id`` in this city.
    """
    # the row lock serialises two runs on one application, so versions never clash
    found = session.execute(
        text(
            "SELECT id FROM service_request WHERE city_id = :c AND id = :r AND type = 'izin'"
            " FOR UPDATE"
        ),
        {"c": city_id, "r": request_id},
    ).first()
    if found is None:
        raise PermitCheckNotFoundError(f"no permit application {request_id}")
    body = result.as_json()
    version = session.execute(
        text(
            "WITH v AS (INSERT INTO permit_check (city_id, request_id, version, ran_by, verdict,"
            " result, layer_revisions)"
            " SELECT :c, :r, coalesce(max(version), 0) + 1, :by, :verdict,"
            " CAST(:result AS jsonb), CAST(:revs AS jsonb)"
            " FROM permit_check WHERE city_id = :c AND request_id = :r RETURNING version)"
            " UPDATE service_request SET attrs = attrs || jsonb_build_object("
            "'check_verdict', CAST(:verdict AS text), 'check_version', (SELECT version FROM v))"
            " WHERE city_id = :c AND id = :r RETURNING (SELECT version FROM v)"
        ),
        {
            "c": city_id,
            "r": request_id,
            "by": principal.user_id,
            "verdict": result.verdict,
            "result": orjson.dumps(body).decode(),
            "revs": orjson.dumps(result.layer_revisions).decode(),
        },
    ).scalar_one()
    return int(version)


def stored_checks(session: Session, city_id: int, request_id: int) -> list[dict[str, Any]]:
    """Every stored check of an application, newest first: version, ran_at, verdict, the
    layer revisions, and (the newest only) the CheckResult JSON as ``result``."""
    rows = session.execute(
        text(
            "SELECT version, ran_at, verdict, layer_revisions,"
            " CASE WHEN version = max(version) OVER () THEN result END AS result"
            " FROM permit_check WHERE city_id = :c AND request_id = :r ORDER BY version DESC"
        ),
        {"c": city_id, "r": request_id},
    ).all()
    return [dict(r._mapping) for r in rows]


# --- the checks ---------------------------------------------------------------------------


def _worst(verdicts: Iterable[str]) -> str:
    return max(verdicts, key=VERDICTS.index, default=LOLOS)


def _num_id(value: float, digits: int = 0) -> str:
    """A number as Bahasa writes it: 1.734,5."""
    return f"{value:,.{digits}f}".replace(",", "_").replace(".", ",").replace("_", ".")


def _num_en(value: float, digits: int = 0) -> str:
    return f"{value:,.{digits}f}"


def _pct(share: float) -> str:
    return f"{round(share * 100)} %"


def _feature(piece: Mapping[str, Any], **props: Any) -> dict[str, Any]:
    keep = {k: v for k, v in piece.items() if k != "geometry"}
    keep["area_m2"] = round(float(keep["area_m2"]), 1)
    return {"type": "Feature", "geometry": piece["geometry"], "properties": keep | props}


def _area_check(area: float, declared: float, geom: MultiPolygon) -> Check:
    diff = (area - declared) / declared if declared > 0 else float("inf")
    verdict = PERLU_KAJIAN if abs(diff) > AREA_TOLERANCE else LOLOS
    pct_id = _num_id(abs(diff) * 100, 1) if declared > 0 else "∞"
    pct_en = _num_en(abs(diff) * 100, 1) if declared > 0 else "∞"
    if verdict == LOLOS:
        message_id = (
            f"Luas terukur {_num_id(area)} m² sesuai luas yang dinyatakan"
            f" ({_num_id(declared)} m², selisih {pct_id} %)."
        )
        message_en = (
            f"The measured area {_num_en(area)} m² matches the declared area"
            f" ({_num_en(declared)} m², {pct_en} % apart)."
        )
    else:
        message_id = (
            f"Luas terukur {_num_id(area)} m² berbeda {pct_id} % dari luas yang dinyatakan"
            f" ({_num_id(declared)} m²)."
        )
        message_en = (
            f"The measured area {_num_en(area)} m² is {pct_en} % off the declared area"
            f" ({_num_en(declared)} m²)."
        )
    return Check(
        id="area",
        verdict=verdict,
        title_id="Luas persil",
        title_en="Parcel area",
        message_id=message_id,
        message_en=message_en,
        figures={
            "area_m2": round(area, 1),
            "declared_area_m2": declared,
            "difference_share": round(diff, 4) if declared > 0 else None,
            "crs": f"EPSG:{UTM_48S}",
        },
        features=[
            {
                "type": "Feature",
                "geometry": mapping(geom),
                "properties": {"kind": "parcel", "area_m2": round(area, 1)},
            }
        ],
    )


_OVERLAP_TEXT = {
    "overlap_parcels": (
        "Tumpang tindih dengan persil berizin",
        "Overlap with permitted parcels",
        "persil berizin",
        "permitted parcel(s)",
    ),
    "overlap_pending": (
        "Tumpang tindih dengan pengajuan lain",
        "Overlap with pending applications",
        "pengajuan izin lain yang sedang diproses",
        "pending application(s)",
    ),
}


def _overlap_check(
    check_id: str, pieces: Sequence[Mapping[str, Any]], area: float, severity: str
) -> Check:
    title_id, title_en, what_id, what_en = _OVERLAP_TEXT[check_id]
    real = [p for p in pieces if p["area_m2"] > MIN_OVERLAP_M2]
    shared = sum(float(p["area_m2"]) for p in real)
    share = shared / area if area > 0 else 0.0
    if real:
        verdict = severity
        message_id = (
            f"Persil tumpang tindih dengan {len(real)} {what_id}"
            f" (seluas {_num_id(shared)} m², {_pct(share)})."
        )
        message_en = (
            f"The parcel overlaps {len(real)} {what_en} ({_num_en(shared)} m², {_pct(share)})."
        )
    else:
        verdict = LOLOS
        message_id = f"Tidak ada tumpang tindih dengan {what_id}."
        message_en = f"No overlap with {what_en}."
    items = [
        {k: (round(float(v), 1) if k == "area_m2" else v) for k, v in p.items() if k != "geometry"}
        | {"share": round(float(p["area_m2"]) / area, 4) if area > 0 else 0.0}
        for p in real
    ]
    return Check(
        id=check_id,
        verdict=verdict,
        title_id=title_id,
        title_en=title_en,
        message_id=message_id,
        message_en=message_en,
        figures={
            "area_m2": round(shared, 1),
            "share": round(share, 4),
            "count": len(real),
            "items": items,
        },
        features=[_feature(p, kind=check_id) for p in pieces],
    )


_ITBX_VERDICT = {"I": LOLOS, "T": PERLU_KAJIAN, "B": PERLU_KAJIAN, "X": TIDAK_LOLOS}
_ITBX_ID = {
    "I": "diperbolehkan",
    "T": "diperbolehkan terbatas",
    "B": "diperbolehkan bersyarat",
    "X": "tidak diperbolehkan",
    None: "tidak diatur",
}
_ITBX_EN = {
    "I": "permitted",
    "T": "limited",
    "B": "conditional",
    "X": "not permitted",
    None: "not listed",
}


def _zone_totals(pieces: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The pieces summed per zone code (one code may have several polygons)."""
    totals: dict[str, dict[str, Any]] = {}
    for p in pieces:
        zone = totals.setdefault(
            p["code"],
            {"code": p["code"], "name": p["name"], "verdict": p["itbx"], "area_m2": 0.0}
            | {k: p[k] for k in ("kdb", "klb", "kdh")},
        )
        zone["area_m2"] += float(p["area_m2"])
    return sorted(totals.values(), key=lambda z: -z["area_m2"])


def _zoning_check(
    use: str, use_known: bool, pieces: Sequence[Mapping[str, Any]], area: float
) -> Check:
    zones = _zone_totals(pieces)
    counted = [z for z in zones if z["area_m2"] > MIN_OVERLAP_M2]
    covered = sum(z["area_m2"] for z in zones)
    uncovered = max(0.0, area - covered)
    for z in zones:
        z["share"] = round(z["area_m2"] / area, 4) if area > 0 else 0.0
        z["area_m2"] = round(z["area_m2"], 1)
    if not use_known:
        verdict = PERLU_KAJIAN
        head_id = f"Kegiatan '{use}' tidak ada dalam tabel ITBX kota."
        head_en = f"The activity '{use}' is not in the city's ITBX table."
    elif not counted:
        verdict = PERLU_KAJIAN
        head_id = "Persil tidak berada di zona mana pun dalam rencana zonasi."
        head_en = "The parcel lies in no zone of the zoning plan."
    else:
        verdict = _worst(_ITBX_VERDICT.get(z["verdict"], PERLU_KAJIAN) for z in counted)
        if uncovered > MIN_OVERLAP_M2:
            verdict = _worst([verdict, PERLU_KAJIAN])
        head_id = f"Kegiatan '{use}':"
        head_en = f"Activity '{use}':"
    parts_id = [
        f"{z['code']} {z['name']} ({_pct(z['share'])}) {_ITBX_ID[z['verdict']]}" for z in counted
    ]
    parts_en = [
        f"{z['code']} {z['name']} ({_pct(z['share'])}) {_ITBX_EN[z['verdict']]}" for z in counted
    ]
    message_id = " ".join([head_id, "; ".join(parts_id)]).strip()
    message_en = " ".join([head_en, "; ".join(parts_en)]).strip()
    if uncovered > MIN_OVERLAP_M2 and counted:
        message_id += f"; {_num_id(uncovered)} m² di luar rencana zonasi"
        message_en += f"; {_num_en(uncovered)} m² outside the zoning plan"
    return Check(
        id="zoning",
        verdict=verdict,
        title_id="Kesesuaian zonasi (ITBX)",
        title_en="Zoning (ITBX)",
        message_id=message_id.rstrip(":") + ("" if message_id.endswith(".") else "."),
        message_en=message_en.rstrip(":") + ("" if message_en.endswith(".") else "."),
        figures={
            "use": use,
            "use_known": use_known,
            "zones": [
                {k: z[k] for k in ("code", "name", "verdict", "area_m2", "share")} for z in zones
            ],
            "uncovered_m2": round(uncovered, 1),
        },
        features=[
            {
                "type": "Feature",
                "geometry": p["geometry"],
                "properties": {
                    "code": p["code"],
                    "name": p["name"],
                    "itbx": p["itbx"],
                    "area_m2": round(float(p["area_m2"]), 1),
                },
            }
            for p in pieces
        ],
    )


_PROTECTED_TEXT = {
    "sawah": (
        TIDAK_LOLOS,
        "Lahan sawah dilindungi (LP2B)",
        "Protected rice fields (LP2B)",
        "kawasan sawah dilindungi",
        "protected rice fields",
    ),
    "rth": (
        PERLU_KAJIAN,
        "Ruang terbuka hijau (RTH)",
        "Green open space (RTH)",
        "ruang terbuka hijau",
        "green open space",
    ),
    "sungai": (
        TIDAK_LOLOS,
        "Sempadan sungai",
        "River setback",
        "sempadan sungai",
        "a river setback",
    ),
}


def _protected_check(kind: str, pieces: Sequence[Mapping[str, Any]], area: float) -> Check:
    severity, title_id, title_en, what_id, what_en = _PROTECTED_TEXT[kind]
    inside = sum(float(p["area_m2"]) for p in pieces)
    share = inside / area if area > 0 else 0.0
    if inside > MIN_OVERLAP_M2:
        verdict = severity
        message_id = f"Sebagian persil ({_num_id(inside)} m², {_pct(share)}) berada di {what_id}."
        message_en = f"Part of the parcel ({_num_en(inside)} m², {_pct(share)}) lies in {what_en}."
    else:
        verdict = LOLOS
        message_id = f"Persil tidak berada di {what_id}."
        message_en = f"The parcel does not lie in {what_en}."
    names = sorted({str(p["name"]) for p in pieces})
    return Check(
        id=f"protected_{kind}",
        verdict=verdict,
        title_id=title_id,
        title_en=title_en,
        message_id=message_id,
        message_en=message_en,
        figures={"area_m2": round(inside, 1), "share": round(share, 4), "names": names},
        features=[_feature(p) for p in pieces],
    )


def _intensity_checks(
    building: Building | None, pieces: Sequence[Mapping[str, Any]], area: float
) -> list[Check]:
    """KDB, KLB, KDH against the strictest zone the parcel touches (when the zones have them)."""
    if building is None or area <= 0:
        return []
    zones = [z for z in _zone_totals(pieces) if z["area_m2"] > MIN_OVERLAP_M2]
    out: list[Check] = []
    kdb_zones = [z for z in zones if z["kdb"] is not None]
    if kdb_zones:
        zone = min(kdb_zones, key=lambda z: z["kdb"])
        value = building.footprint_m2 / area * 100
        out.append(
            _limit("kdb", value, zone, zone["kdb"], exceeded=value > zone["kdb"], pieces=pieces)
        )
    klb_zones = [z for z in zones if z["klb"] is not None]
    if klb_zones:
        zone = min(klb_zones, key=lambda z: z["klb"])
        value = building.floors * building.footprint_m2 / area
        out.append(
            _limit("klb", value, zone, zone["klb"], exceeded=value > zone["klb"], pieces=pieces)
        )
    kdh_zones = [z for z in zones if z["kdh"] is not None]
    if kdh_zones:
        zone = max(kdh_zones, key=lambda z: z["kdh"])
        if building.green_m2 is None:
            out.append(_limit("kdh", None, zone, zone["kdh"], exceeded=False, pieces=pieces))
        else:
            value = building.green_m2 / area * 100
            out.append(
                _limit("kdh", value, zone, zone["kdh"], exceeded=value < zone["kdh"], pieces=pieces)
            )
    return out


_LIMIT_TEXT = {
    "kdb": ("Koefisien Dasar Bangunan (KDB)", "Building coverage (KDB)", "%", "maks.", "max."),
    "klb": ("Koefisien Lantai Bangunan (KLB)", "Floor area ratio (KLB)", "", "maks.", "max."),
    "kdh": ("Koefisien Dasar Hijau (KDH)", "Green area (KDH)", "%", "min.", "min."),
}


def _limit(
    check_id: str,
    value: float | None,
    zone: Mapping[str, Any],
    limit: float,
    *,
    exceeded: bool,
    pieces: Sequence[Mapping[str, Any]],
) -> Check:
    title_id, title_en, unit, bound_id, bound_en = _LIMIT_TEXT[check_id]
    digits = 2 if check_id == "klb" else 1
    sep = " " if unit else ""
    lim_id = f"{bound_id} {_num_id(limit, digits)}{sep}{unit}"
    lim_en = f"{bound_en} {_num_en(limit, digits)}{sep}{unit}"
    name = check_id.upper()
    if value is None:
        verdict = PERLU_KAJIAN
        message_id = (
            f"Luas ruang hijau tidak diisi; zona {zone['code']} menetapkan {name} {lim_id}."
        )
        message_en = f"No green area given; zone {zone['code']} sets {name} {lim_en}."
    else:
        val_id = f"{_num_id(value, digits)}{sep}{unit}"
        val_en = f"{_num_en(value, digits)}{sep}{unit}"
        verdict = TIDAK_LOLOS if exceeded else LOLOS
        if exceeded:
            message_id = f"{name} {val_id} melampaui batas zona {zone['code']} ({lim_id})."
            message_en = f"{name} {val_en} exceeds the limit of zone {zone['code']} ({lim_en})."
        else:
            message_id = f"{name} {val_id} memenuhi batas zona {zone['code']} ({lim_id})."
            message_en = f"{name} {val_en} is within the limit of zone {zone['code']} ({lim_en})."
    return Check(
        id=check_id,
        verdict=verdict,
        title_id=title_id,
        title_en=title_en,
        message_id=message_id,
        message_en=message_en,
        figures={
            "value": round(value, 4) if value is not None else None,
            "limit": limit,
            "zone": zone["code"],
        },
        features=[
            {
                "type": "Feature",
                "geometry": p["geometry"],
                "properties": {"code": p["code"], "name": p["name"], name.lower(): limit},
            }
            for p in pieces
            if p["code"] == zone["code"]
        ],
    )


def _summary(checks: Sequence[Check]) -> tuple[str, str]:
    """The plain-language summary: the sentences of the checks that did not pass, worst
    first, then the disclaimer."""
    flagged = sorted(
        (c for c in checks if c.verdict != LOLOS), key=lambda c: -VERDICTS.index(c.verdict)
    )
    if not flagged:
        head_id = "Semua pemeriksaan awal lolos."
        head_en = "Every pre-check passed."
    else:
        head_id = " ".join(c.message_id for c in flagged)
        head_en = " ".join(c.message_en for c in flagged)
    return f"{head_id} {DISCLAIMER_ID}", f"{head_en} {DISCLAIMER_EN}"


def geometry_from_geojson(obj: Mapping[str, Any]) -> BaseGeometry:
    """A shapely geometry from a GeoJSON geometry object (InvalidGeometryError when not one)."""
    try:
        return shapely.geometry.shape(dict(obj))
    except Exception:
        raise InvalidGeometryError(
            "geometry is not a GeoJSON geometry",
            [{"field": "geometry", "message": "a GeoJSON Polygon or MultiPolygon is expected"}],
        ) from None
