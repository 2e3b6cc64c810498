"""The spatial pre-check of a permit application (#15 §2): area, overlaps, zoning, protected
land and building intensity, each with a verdict, its figures and the geometry explaining it.

Every spatial figure comes from one SQL statement (``_CHECK_SQL``): the parcel's area and the
pieces it shares with permitted parcels, pending applications, zones (with the ITBX verdict of
the intended use) and protected areas, each piece's area measured in UTM 48S (EPSG:32748),
plus the layer revisions read. Python only weighs the pieces and writes the sentences, one
module per concern: ``overlaps`` (area, overlaps), ``zoning`` (ITBX), ``protected`` (LP2B, RTH,
river setbacks), ``intensity`` (KDB, KLB, KDH), ``wording`` (numbers, the summary). This module
runs the statement and keeps results as versions of an application (``store_check``).
The result is indicative: the legal answer remains the KKPR through OSS and the city's
planning letter (Keterangan Rencana Kota, KRK).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
import shapely
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.accounts import Principal
from geo.errors import InvalidGeometryError, NotFoundError
from geo.permits.intensity import intensity_checks
from geo.permits.overlaps import area_check, overlap_check
from geo.permits.protected import PROTECTED_KINDS, protected_check
from geo.permits.verdicts import (
    PERLU_KAJIAN,
    TIDAK_LOLOS,
    UTM_48S,
    Building,
    CheckResult,
    worst,
)
from geo.permits.wording import summary
from geo.permits.zoning import zoning_check

MIN_PIECE_M2 = 0.01  # pieces below this are not even shown
# states of an izin application still pending (geo/permits/workflow.py)
PENDING_STATES = ("diajukan", "pemeriksaan", "perlu_perbaikan")
CHECK_LAYERS = ("zoning", "protected_areas", "parcels")


class PermitCheckNotFoundError(NotFoundError):
    """No such permit application (or not one of this city), or it has no check yet."""

    code = "permit-check-not-found"
    title = "Permit check not found"


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
        area_check(area, declared_area_m2, geom),
        overlap_check("overlap_parcels", row.parcels, area, TIDAK_LOLOS),
        overlap_check("overlap_pending", row.pending, area, PERLU_KAJIAN),
        zoning_check(use, bool(row.use_known), row.zones, area),
        *(
            protected_check(kind, [p for p in row.protected if p["kind"] == kind], area)
            for kind in PROTECTED_KINDS
        ),
        *intensity_checks(building, row.zones, area),
    ]
    verdict = worst(c.verdict for c in checks)
    revisions = {layer: int(row.revisions.get(layer, 0)) for layer in CHECK_LAYERS}
    summary_id, summary_en = summary(checks)
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


def geometry_from_geojson(obj: Mapping[str, Any]) -> BaseGeometry:
    """A shapely geometry from a GeoJSON geometry object (InvalidGeometryError when not one)."""
    try:
        return shapely.geometry.shape(dict(obj))
    except Exception:
        raise InvalidGeometryError(
            "geometry is not a GeoJSON geometry",
            [{"field": "geometry", "message": "a GeoJSON Polygon or MultiPolygon is expected"}],
        ) from None
