"""Accounts test helpers: users per role, logins, minimal valid calls of every operation.

A sample city ``tangerang`` (tests/layers/sample.py) and a second city ``bogor`` hold the data;
``call`` fills path and query parameters of any operation of /openapi.json with values that
exist there, so an allowed call gets past validation and lookups to a 2xx answer.
"""

from __future__ import annotations

import math
import urllib.parse
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.accounts import (
    ROLES,
    Grant,
    create_token,
    create_user,
    principal_for_user,
    start_session,
    upsert_opd,
)
from tests.api.request_sample import multipart, proposal
from tests.layers.sample import insert_sample_city

CITY = "tangerang"
TRACK_PLACEHOLDER = "SBK-TRACK-PLACEHOLDER"
OTHER_CITY = "bogor"
PASSWORD = "kuda-lari-pagi-di-sawah-17"  # passes the password policy; a test value only
LON, LAT = 106.65, -6.18
OPD_OF_ROLE = {"opd_staff": "DISHUB"}
# role sekolah acts for one school: the sample city's school 0 (an SD)
NPSN_OF_ROLE = {"sekolah": "20670000"}
OPDS = {"DISHUB": "Dinas Perhubungan", "BAPPEDA": "Bappeda"}


@dataclass(frozen=True)
class User:
    """A user made for a test, with how to authenticate as them."""

    id: int
    username: str
    role: str | None  # None: anonymous
    city: str | None
    cookie: str | None = None
    csrf: str | None = None
    token: str | None = None

    def headers(self, *, unsafe: bool = False) -> dict[str, str]:
        """Request headers authenticating as this user (cookie session or Bearer token)."""
        if self.token:
            return {"Authorization": f"Bearer {self.token}"}
        if self.cookie:
            headers = {"Cookie": f"tpo_session={self.cookie}"}
            if unsafe and self.csrf:
                headers["X-CSRF-Token"] = self.csrf
            return headers
        return {}


ANON = User(id=0, username="anonymous", role=None, city=None)


@dataclass(frozen=True)
class Cities:
    """The two sample cities and the ids of rows the calls use."""

    ids: dict[str, int]
    school_id: int
    route_id: int


def sample_cities(db: Session) -> Cities:
    """Insert ``tangerang`` and ``bogor`` (sample cities, two OPDs each) and read ids."""
    ids = {slug: insert_sample_city(db, slug).city.id for slug in (CITY, OTHER_CITY)}
    for city_id in ids.values():
        for code, name in OPDS.items():
            upsert_opd(db, city_id, code, name)
    school_id = db.execute(
        text("SELECT min(id) FROM school WHERE city_id = :c"), {"c": ids[CITY]}
    ).scalar_one()
    route_id = db.execute(
        text("SELECT min(id) FROM angkot_route WHERE city_id = :c"), {"c": ids[CITY]}
    ).scalar_one()
    return Cities(ids=ids, school_id=school_id, route_id=route_id)


def make_user(
    db: Session,
    cities: Cities,
    username: str,
    role: str,
    *,
    city: str | None = CITY,
    email: str | None = None,
    display_name: str | None = None,
) -> int:
    """A user with one role (``admin`` users are deployment admins: no city)."""
    city = None if role == "admin" else city
    return create_user(
        db,
        city_id=cities.ids[city] if city else None,
        username=username,
        display_name=display_name or f"Pengguna {username}",
        password=PASSWORD,
        email=email,
        grants=[Grant(role, opd=OPD_OF_ROLE.get(role), npsn=NPSN_OF_ROLE.get(role))],
    )


def session_user(db: Session, user_id: int, username: str, role: str, city: str | None) -> User:
    """``user_id`` logged in through a server-side session (as a cookie carries it)."""
    principal = principal_for_user(db, user_id, via="session")
    cookie, csrf = start_session(db, principal, ip=None, user_agent="pytest", ttl_s=3600)
    return User(user_id, username, role, city, cookie=cookie, csrf=csrf)


def token_user(db: Session, user_id: int, username: str, role: str, city: str | None) -> User:
    """``user_id`` calling with an API token."""
    _, token = create_token(db, user_id, name="pytest")
    return User(user_id, username, role, city, token=token)


def users_per_role(db: Session, cities: Cities, *, via: str) -> list[User]:
    """One user per role of ROLES (city ``tangerang``), logged in by session or token."""
    out = []
    for role in ROLES:
        username = f"{role.replace('_', '-')}-{via}"
        user_id = make_user(db, cities, username, role)
        city = None if role == "admin" else CITY
        login = session_user if via == "session" else token_user
        out.append(login(db, user_id, username, role, city))
    return out


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    """The WebMercatorQuad tile holding a point."""
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


def path_values(cities: Cities) -> dict[str, str]:
    """Values of the path parameters, all existing in the sample city."""
    x, y = tile_of(LON, LAT, 12)
    return {
        "city": CITY,
        "layer": "schools",
        "fid": str(cities.school_id),
        "route_id": str(cities.route_id),
        "version": "1",  # a route's first version (the route editor)
        "code": TRACK_PLACEHOLDER,
        "request_id": "1",  # replaced by the code of a request made just before
        "document_id": "1",
        # e-audit records (none exist in the sample cities: past the door, a 404)
        "site_id": "1",
        "audit_id": "1",
        "finding_id": "1",
        "photo_id": "1",
        "followup_id": "1",
        "level": "kecamatan",  # the map report of the sample city's west kecamatan
        "area_code": "36.71.01",
        "tms": "WebMercatorQuad",
        "z": "12",
        "x": str(x),
        "y": str(y),
    }


QUERY_VALUES = {
    "lon": str(LON),
    "lat": str(LAT),
    "radius_m": "2000",
    "q": "Kelurahan",
    "from": "106.62,-6.20",
    "to": "106.68,-6.16",
    "type": "bantuan",
    "level": "SD",
}


# JSON bodies of operations that need one, by path: a line across the sample city
_LINE = {"type": "LineString", "coordinates": [[106.62, -6.20], [106.68, -6.16]]}
# a 100 m square parcel in the sample city, clear of its permitted parcels
_PARCEL = {
    "type": "Polygon",
    "coordinates": [
        [
            [106.655, -6.205],
            [106.6559, -6.205],
            [106.6559, -6.2041],
            [106.655, -6.2041],
            [106.655, -6.205],
        ]
    ],
}
JSON_BODIES: dict[str, dict[str, Any]] = {
    "/cities/{city}/editor/coverage/preview": {"geometry": _LINE},
    "/cities/{city}/editor/demand/served": {"geometry": _LINE},
    "/cities/{city}/permits/parcel": {"geometry": _PARCEL},
    # a permit pre-check of a small parcel (the sample city has no ITBX table: any use)
    "/cities/{city}/permits/check": {
        "geometry": {
            "type": "Polygon",
            "coordinates": [
                [[106.65, -6.18], [106.6505, -6.18], [106.6505, -6.1795], [106.65, -6.18]]
            ],
        },
        "use": "Rumah tinggal",
        "declared_area_m2": 1500,
        "floors": 1,
        "footprint_m2": 100,
    },
}


def url_of(path: str, op: dict[str, Any], cities: Cities) -> str:
    """``path`` with its parameters filled; required query parameters get a valid value."""
    url = path
    for name, value in path_values(cities).items():
        url = url.replace("{" + name + "}", urllib.parse.quote(value, safe=""))
    assert "{" not in url, f"no sample value for a path parameter of {path}"
    query = {}
    for param in op.get("parameters", []):
        if param["in"] == "query" and param.get("required"):
            assert param["name"] in QUERY_VALUES, f"no sample value for {param['name']} of {path}"
            query[param["name"]] = QUERY_VALUES[param["name"]]
    return f"{url}?{urllib.parse.urlencode(query)}" if query else url


def call(
    client: Any, method: str, path: str, op: dict[str, Any], cities: Cities, user: User
) -> Any:
    """Call one operation as ``user`` with minimal valid parameters (and body)."""
    client.cookies.clear()
    unsafe = method.upper() not in {"GET", "HEAD", "OPTIONS"}
    kwargs: dict[str, Any] = {"headers": user.headers(unsafe=unsafe)}
    url = url_of(path, op, cities)
    if op.get("x-permission") == "auth.login":
        kwargs["json"] = {"username": "login-target", "password": PASSWORD, "city": CITY}
    elif op.get("x-permission") == "requests.submit":
        kwargs["data"], kwargs["files"] = multipart(proposal(LON, LAT))
    elif path.endswith("/routes/snap"):  # two points on the sample city's two-way Jalan 0
        kwargs["json"] = {"waypoints": [[106.62, -6.2146], [106.64, -6.2142]]}
    elif op.get("x-permission") == "requests.step":
        kwargs["json"] = {"transition": "mulai_verifikasi"}
    elif path in JSON_BODIES:
        kwargs["json"] = JSON_BODIES[path]
    elif op.get("x-permission") == "requests.track":
        data, files = multipart(proposal(LON, LAT))
        made = client.post(f"/cities/{CITY}/requests", data=data, files=files)
        assert made.status_code == 201, made.text
        url = url.replace(TRACK_PLACEHOLDER, made.json()["code"])
    if path.endswith("/editor/routes/{route_id}/diff"):
        url = url.split("?")[0] + "?from=1&to=1"
    response = client.request(method.upper(), url, **kwargs)
    client.cookies.clear()
    return response


def operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """Every (method, path, operation) of an OpenAPI document."""
    methods = {"get", "post", "put", "patch", "delete", "head", "options"}
    return [
        (method, path, op)
        for path, ops in sorted(spec["paths"].items())
        for method, op in sorted(ops.items())
        if method in methods
    ]
