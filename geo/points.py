"""Points people give: parse and check lon,lat, and refuse points outside a city."""

from __future__ import annotations

import math

from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.cities import CityInfo
from geo.errors import InvalidInputError, PointOutsideCityError

_M_PER_DEG_LAT = 110_574.0
_M_PER_DEG_LON_EQ = 111_320.0
# how far outside its bbox a point may lie and still be asked about a city: beyond, the
# question makes no sense, and far enough away (90 degrees of longitude from the zone) the
# city's UTM projection gives infinities
NEAR_CITY_M = 50_000.0


def parse_lonlat(value: str, field: str) -> tuple[float, float]:
    """Parse ``"lon,lat"`` into floats.

    Raises:
        InvalidInputError: Not two finite numbers, or out of the lon/lat range.
    """
    parts = value.split(",")
    try:
        if len(parts) != 2:
            raise ValueError
        lon, lat = float(parts[0]), float(parts[1])
    except ValueError:
        raise InvalidInputError(
            f"{field} must be 'lon,lat' in degrees",
            [{"field": field, "in": "query", "message": "expected 'lon,lat'"}],
        ) from None
    check_lonlat(lon, lat, field)
    return lon, lat


def check_lonlat(lon: float, lat: float, field: str = "point") -> None:
    """Refuse non-finite or out-of-range coordinates.

    Raises:
        InvalidInputError: lon outside -180..180 or lat outside -90..90.
    """
    if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
        raise InvalidInputError(
            f"{field}: lon must be in -180..180 and lat in -90..90",
            [{"field": field, "in": "query", "message": "coordinates out of range"}],
        )


def ensure_in_city(session: Session, city: CityInfo, lon: float, lat: float, field: str) -> None:
    """Refuse a point outside the city's bbox or (when loaded) its kota boundary.

    Raises:
        PointOutsideCityError: The point lies outside the city.
    """
    minx, miny, maxx, maxy = city.bbox
    inside = minx <= lon <= maxx and miny <= lat <= maxy
    if inside:
        inside = bool(
            session.execute(
                text(
                    "SELECT NOT EXISTS (SELECT 1 FROM admin_area WHERE city_id = :c"
                    " AND level = 'kota') OR EXISTS (SELECT 1 FROM admin_area WHERE city_id = :c"
                    " AND level = 'kota' AND ST_DWithin(geom::geography,"
                    " ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography, 100))"
                ),
                {"c": city.id, "lon": lon, "lat": lat},
            ).scalar_one()
        )
    if not inside:
        raise PointOutsideCityError(
            f"{field} ({lon:.5f},{lat:.5f}) lies outside {city.name}",
            [{"field": field, "in": "query", "message": "outside the city"}],
        )


def margin_deg(lat: float, radius_m: float) -> tuple[float, float]:
    """Degrees (dx, dy) that surely cover ``radius_m`` around latitude ``lat`` (index prefilter)."""
    cos = max(math.cos(math.radians(min(abs(lat) + 1, 89.9))), 1e-6)
    return radius_m * 1.01 / (_M_PER_DEG_LON_EQ * cos), radius_m * 1.01 / _M_PER_DEG_LAT


def ensure_near_city(
    city: CityInfo, lon: float, lat: float, fields: tuple[str, str] = ("lon", "lat")
) -> None:
    """Refuse bad coordinates, and points more than ``NEAR_CITY_M`` outside the city's bbox.

    Schools and routes near a point just outside the city (a home across the border) are
    answered; a point far away is an error, as in ``trips``.

    Raises:
        InvalidInputError: Non-finite or out-of-range coordinates, or a point far away.
    """
    check_lonlat(lon, lat, ",".join(fields))
    minx, miny, maxx, maxy = city.bbox
    dx, dy = margin_deg(max(abs(miny), abs(maxy)), NEAR_CITY_M)
    if not (minx - dx <= lon <= maxx + dx and miny - dy <= lat <= maxy + dy):
        km = NEAR_CITY_M / 1000
        raise InvalidInputError(
            f"({lon:.5f},{lat:.5f}) lies more than {km:.0f} km outside {city.name}",
            [
                {"field": field, "in": "query", "message": f"more than {km:.0f} km from the city"}
                for field in fields
            ],
        )
