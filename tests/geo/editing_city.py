"""The route editor's test city: a grid city with two routes, and users per editor role."""

from __future__ import annotations

from sqlalchemy.orm import Session

from geo.accounts import Grant, Principal, create_token, create_user, principal_for_user, upsert_opd
from tests.geo.synthetic import GridCity, RouteSpec, build_grid_city

SLUG = "sunting"
PASSWORD = "kuda-lari-pagi-di-sawah-17"  # passes the password policy; a test value only
EAST = RouteSpec(
    "E1",
    [(c, 10) for c in range(21)],
    name="Barat - Timur",
    origin="Terminal Barat",
    destination="Pasar Timur",
)
WEST_EDGE = RouteSpec("W1", [(0, r) for r in range(21)], colour="#33a02c", fare_idr=3000)


def editing_city(db: Session) -> GridCity:
    """A 2 km x 2 km grid city (kelurahan Barat | Timur at column 10) with E1 and W1."""
    return build_grid_city(db, SLUG, routes=[EAST, WEST_EDGE])


def user(db: Session, grid: GridCity, username: str, role: str) -> int:
    """A user of the grid city with one role (opd_staff of DISHUB)."""
    opd = None
    if role == "opd_staff":
        upsert_opd(db, grid.city.id, "DISHUB", "Dinas Perhubungan")
        opd = "DISHUB"
    return create_user(
        db,
        city_id=grid.city.id,
        username=username,
        display_name=f"Pengguna {username}",
        password=PASSWORD,
        grants=[Grant(role, opd=opd)],
    )


def principal(db: Session, grid: GridCity, username: str, role: str) -> Principal:
    """The principal of a new user of the grid city."""
    return principal_for_user(db, user(db, grid, username, role), via="session")


def bearer(db: Session, grid: GridCity, username: str, role: str) -> dict[str, str]:
    """Headers authenticating a new user of the grid city by API token."""
    _, token = create_token(db, user(db, grid, username, role), name="pytest")
    return {"Authorization": f"Bearer {token}"}


def line(grid: GridCity, path: list[tuple[float, float]]) -> dict[str, object]:
    """A GeoJSON LineString through grid points."""
    return {"type": "LineString", "coordinates": [list(grid.lonlat(c, r)) for c, r in path]}


def props(**changes: object) -> dict[str, object]:
    """E1's attributes with ``changes``."""
    base: dict[str, object] = {
        "code": "E1",
        "name": "Barat - Timur",
        "direction": 0,
        "origin": "Terminal Barat",
        "destination": "Pasar Timur",
        "colour": "#e31a1c",
        "fare_idr": 4000,
        "headway_s": 600,
        "speed_kmh": 15.0,
        "active": True,
        "circular": False,
    }
    return {**base, **changes}
