"""Cities: list, look up, create and delete the cities one deployment serves."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from sqlalchemy import String, bindparam, text
from sqlalchemy.engine import RowMapping
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from geo.errors import CityExistsError, CityNotFoundError, InvalidInputError

BBox = tuple[float, float, float, float]

_SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")


def is_valid_slug(value: str) -> bool:
    """Tell whether ``value`` is a valid city slug (``tangerang``, ``tangerang-real``)."""
    return bool(_SLUG_RE.match(value))


_SELECT_CITIES = text(
    "SELECT c.id, c.slug, c.name, c.demo, c.default_zoom, c.utm_srid, c.center_lon,"
    " c.center_lat, ST_XMin(c.bbox) AS minx, ST_YMin(c.bbox) AS miny,"
    " ST_XMax(c.bbox) AS maxx, ST_YMax(c.bbox) AS maxy"
    " FROM city c WHERE :slug IS NULL OR c.slug = :slug ORDER BY c.name"
).bindparams(bindparam("slug", type_=String()))


@dataclass(frozen=True)
class CityInfo:
    """A city as the rest of the code sees it."""

    id: int
    slug: str
    name: str
    demo: bool
    bbox: BBox
    center: tuple[float, float]
    zoom: int
    utm_srid: int


def _to_info(row: RowMapping) -> CityInfo:
    return CityInfo(
        id=row["id"],
        slug=row["slug"],
        name=row["name"],
        demo=row["demo"],
        bbox=(row["minx"], row["miny"], row["maxx"], row["maxy"]),
        center=(row["center_lon"], row["center_lat"]),
        zoom=row["default_zoom"],
        utm_srid=row["utm_srid"],
    )


def utm_srid_for(lon: float, lat: float) -> int:
    """EPSG code of the WGS 84 UTM zone that holds ``lon, lat`` (32748 for Tangerang)."""
    zone = min(60, max(1, math.floor((lon + 180.0) / 6.0) + 1))
    return (32700 if lat < 0 else 32600) + zone


def validate_bbox(bbox: BBox) -> BBox:
    """Check a lon/lat bounding box.

    Args:
        bbox: ``(minx, miny, maxx, maxy)`` in degrees.

    Returns:
        The same box, as floats.

    Raises:
        InvalidInputError: Values are not finite, out of range, or min >= max.
    """
    minx, miny, maxx, maxy = (float(v) for v in bbox)
    if not all(math.isfinite(v) for v in (minx, miny, maxx, maxy)):
        raise InvalidInputError("bbox values must be finite numbers")
    if not (-180 <= minx < maxx <= 180):
        raise InvalidInputError("bbox longitudes must satisfy -180 <= minx < maxx <= 180")
    if not (-90 <= miny < maxy <= 90):
        raise InvalidInputError("bbox latitudes must satisfy -90 <= miny < maxy <= 90")
    return (minx, miny, maxx, maxy)


def list_cities(session: Session) -> list[CityInfo]:
    """All cities, ordered by name."""
    rows = session.execute(_SELECT_CITIES, {"slug": None}).mappings()
    return [_to_info(row) for row in rows]


def get_city(session: Session, slug: str) -> CityInfo:
    """The city with this slug.

    Raises:
        CityNotFoundError: No such city.
    """
    if not is_valid_slug(slug):
        raise CityNotFoundError(f"no city '{slug[:64]}'")
    row = session.execute(_SELECT_CITIES, {"slug": slug}).mappings().first()
    if row is None:
        raise CityNotFoundError(f"no city '{slug}'")
    return _to_info(row)


def create_city(
    session: Session,
    slug: str,
    name: str,
    bbox: BBox,
    *,
    center: tuple[float, float] | None = None,
    zoom: int = 12,
    demo: bool = False,
) -> CityInfo:
    """Insert a city.

    Args:
        session: Open session; the caller commits.
        slug: URL name, e.g. ``tangerang``.
        name: Display name, e.g. ``Kota Tangerang``.
        bbox: Extent in lon/lat.
        center: Map centre; the bbox centre when omitted.
        zoom: Default map zoom.
        demo: Whether the city holds generated demo data.

    Raises:
        InvalidInputError: Bad slug, name, bbox or zoom.
        CityExistsError: The slug is taken.
    """
    if not is_valid_slug(slug):
        raise InvalidInputError(
            "a city slug is 1-64 lowercase letters, digits or '-', not starting or ending with '-'"
        )
    if not name.strip():
        raise InvalidInputError("a city needs a name")
    minx, miny, maxx, maxy = validate_bbox(bbox)
    lon, lat = center if center is not None else ((minx + maxx) / 2, (miny + maxy) / 2)
    if not (minx <= lon <= maxx and miny <= lat <= maxy):
        raise InvalidInputError("the map centre must lie inside the city bbox")
    if not 0 <= zoom <= 22:
        raise InvalidInputError("zoom must be between 0 and 22")
    try:
        with session.begin_nested():
            session.execute(
                text(
                    "INSERT INTO city (slug, name, bbox, center_lon, center_lat, default_zoom,"
                    " utm_srid, demo) VALUES (:slug, :name,"
                    " ST_MakeEnvelope(:minx, :miny, :maxx, :maxy, 4326),"
                    " :lon, :lat, :zoom, :srid, :demo)"
                ),
                {
                    "slug": slug,
                    "name": name.strip(),
                    "minx": minx,
                    "miny": miny,
                    "maxx": maxx,
                    "maxy": maxy,
                    "lon": lon,
                    "lat": lat,
                    "zoom": zoom,
                    "srid": utm_srid_for(lon, lat),
                    "demo": demo,
                },
            )
    except IntegrityError as exc:
        raise CityExistsError(f"a city '{slug}' exists already") from exc
    return get_city(session, slug)


def delete_city(session: Session, slug: str) -> None:
    """Delete a city and (by cascade) all of its rows.

    Raises:
        CityNotFoundError: No such city.
    """
    city = get_city(session, slug)
    session.execute(text("DELETE FROM city WHERE id = :id"), {"id": city.id})


def set_city_extent(session: Session, city_id: int) -> None:
    """Set the city's bbox and centre from its admin areas (after a boundary import)."""
    session.execute(
        text(
            "UPDATE city SET bbox = ext.box,"
            " center_lon = ST_X(ST_PointOnSurface(ext.u)),"
            " center_lat = ST_Y(ST_PointOnSurface(ext.u))"
            " FROM (SELECT ST_Envelope(ST_Collect(geom)) AS box, ST_Union(geom) AS u"
            "       FROM admin_area WHERE city_id = :id) ext"
            " WHERE city.id = :id AND ext.box IS NOT NULL"
            " AND GeometryType(ext.box) = 'POLYGON'"
        ),
        {"id": city_id},
    )


def city_outline_geojson(session: Session, city: CityInfo) -> bytes:
    """The city outline as a GeoJSON FeatureCollection built in SQL.

    Uses the ``kota`` admin area when there is one, else the union of kecamatan, else the bbox.
    """
    row = session.execute(
        text(
            """
            WITH src AS (
                SELECT geom FROM admin_area WHERE city_id = :id AND level = 'kota'
                UNION ALL
                SELECT ST_Union(geom) FROM admin_area
                WHERE city_id = :id AND level = 'kecamatan'
                  AND NOT EXISTS (SELECT 1 FROM admin_area
                                  WHERE city_id = :id AND level = 'kota')
                HAVING count(*) > 0
            ), shape AS (
                SELECT coalesce((SELECT ST_Union(geom) FROM src),
                                (SELECT bbox FROM city WHERE id = :id)) AS geom
            )
            SELECT json_build_object(
                'type', 'FeatureCollection',
                'features', json_build_array(json_build_object(
                    'type', 'Feature', 'id', CAST(:slug AS text),
                    'geometry', ST_AsGeoJSON(geom, 6)::json,
                    'properties', json_build_object(
                        'name', CAST(:name AS text), 'slug', CAST(:slug AS text))
                ))
            )::text FROM shape
            """
        ),
        {"id": city.id, "slug": city.slug, "name": city.name},
    ).scalar_one()
    return str(row).encode()
