"""The citizen's hint before submitting (``nearby_hint``): requests of the same type near a
point in the last 90 days, as counts, statuses, kelurahan, days and rounded distances only."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.accounts import Principal, authorize
from geo.cities import CityInfo
from geo.errors import InvalidInputError
from geo.points import ensure_near_city
from geo.requests.catalogue import status_label
from geo.requests.nearby import DUPLICATE_DAYS, similar_nearby
from geo.requests.place import CITY_MARGIN_M, PLACE_SQL
from geo.requests.types import TYPES
from geo.requests.windows import WIB


class NearbyItem(BaseModel):
    """A similar request near a place, as the public hint shows it (no code, id or title)."""

    status: str
    status_label: str
    kelurahan: str | None
    created_on: date
    distance_m: int


class NearbyPlace(BaseModel):
    """Where the point lies: inside the city (+ 500 m) or not, and its kelurahan."""

    inside: bool
    kelurahan: str | None
    kecamatan: str | None


class NearbyHint(BaseModel):
    """How many requests of the same type lie near a point, recently."""

    type: str
    count: int
    radius_m: float
    days: int
    message: str
    items: list[NearbyItem]
    place: NearbyPlace


MAX_NEARBY_ITEMS = 20


def _metres(value: float) -> str:
    return f"{value:,.0f}".replace(",", ".")


def nearby_hint(
    session: Session,
    principal: Principal,
    city: CityInfo,
    type_name: str,
    *,
    lon: float,
    lat: float,
) -> NearbyHint:
    """Requests of the same type near ``lon, lat`` in the last 90 days: the citizen's hint.

    Within the type's ``nearby_radius_m``; distances rounded to 10 m, dates to the day; the
    message is one sentence in Bahasa Indonesia.

    Raises:
        InvalidInputError: An unknown type, bad coordinates, a point far (50 km) from the city.
    """
    authorize(principal, "requests.nearby", city_id=city.id)
    kind = TYPES.get(type_name)
    if kind is None:
        raise InvalidInputError(
            f"unknown request type {type_name[:32]!r}; known: {', '.join(sorted(TYPES))}",
            [{"field": "type", "in": "query", "message": "unknown request type"}],
        )
    ensure_near_city(city, lon, lat)
    minx, miny, maxx, maxy = city.bbox
    wkt = f"POINT({lon!r} {lat!r})"
    place = session.execute(
        PLACE_SQL,
        {"wkt": wkt, "c": city.id, "margin": CITY_MARGIN_M}
        | {"minx": minx, "miny": miny, "maxx": maxx, "maxy": maxy},
    ).one()
    found = similar_nearby(
        session, city.id, kind.name, wkt, radius_m=kind.nearby_radius_m, limit=100
    )
    codes = sorted({f.kelurahan_code for f in found if f.kelurahan_code})
    rows = session.execute(
        text(
            "SELECT code, name FROM admin_area WHERE city_id = :c AND level = 'kelurahan'"
            " AND code = ANY(:codes)"
        ),
        {"c": city.id, "codes": codes},
    ).all()
    names = {r.code: r.name for r in rows}
    radius = _metres(kind.nearby_radius_m)
    if found:
        message = (
            f"Sudah ada {len(found)} pengajuan serupa dalam {radius} m"
            f" dalam {DUPLICATE_DAYS} hari terakhir."
        )
    else:
        message = "Belum ada pengajuan serupa di dekat sini."
    return NearbyHint(
        type=kind.name,
        count=len(found),
        radius_m=kind.nearby_radius_m,
        days=DUPLICATE_DAYS,
        message=message,
        items=[
            NearbyItem(
                status=f.status,
                status_label=status_label(kind.name, f.status),
                kelurahan=names.get(f.kelurahan_code or ""),
                created_on=f.created_at.astimezone(WIB).date(),
                distance_m=int(round(f.distance_m / 10) * 10),
            )
            for f in found[:MAX_NEARBY_ITEMS]
        ],
        place=NearbyPlace(
            inside=bool(place.inside), kelurahan=place.name, kecamatan=place.kecamatan_name
        ),
    )
