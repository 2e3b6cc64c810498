"""The request layers over HTTP with real users: who sees ``requests`` (401/403, row scopes),
private answers that never cross scopes (ETags, 304, the response cache, tiles), and the public
counts of ``requests_public`` following submissions."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import mapbox_vector_tile
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from geo.accounts import PERMISSIONS, Grant, create_user, upsert_opd
from layers.registry import LAYERS
from tests.api.accounts import (
    ANON,
    CITY,
    OTHER_CITY,
    PASSWORD,
    Cities,
    User,
    make_user,
    operations,
    sample_cities,
    session_user,
    tile_of,
    token_user,
    users_per_role,
)
from tests.api.request_sample import multipart, proposal
from tests.api.test_permissions import check, expected
from tests.api.test_service import assert_problem
from tests.layers.request_rows import KELURAHAN, add_request
from tests.layers.sample import insert_sample_city

pytestmark = pytest.mark.postgis
BASE = f"/cities/{CITY}/collections"
GEOJSON = "application/geo+json"
PRIVATE = "private, no-cache"
VARY = "Cookie, Authorization"  # then Accept-Encoding on text answers (api/compression.py)
KESRA_POINT = (106.62, -6.21)  # kelurahan 36.71.01.1001 of the sample city
DISHUB_POINT = (106.68, -6.15)  # kelurahan 36.71.02.1004
KEL1, KEL2, KEL3, KEL4 = KELURAHAN
Z = 14


@dataclass(frozen=True)
class World:
    """The two sample cities, one user of each kind, and requests of two OPDs."""

    cities: Cities
    users: dict[str, User]
    kesra_id: int  # a request handled by KESRA (the aid routing)
    dishub_id: int  # a transport suggestion, routed to DISHUB


def submit(client: Any, lon: float, lat: float) -> dict[str, Any]:
    """Submit an aid proposal anonymously over HTTP (the real door) and return its receipt."""
    data, files = multipart(proposal(lon, lat))
    response = client.post(f"/cities/{CITY}/requests", data=data, files=files)
    assert response.status_code == 201, response.text
    receipt: dict[str, Any] = response.json()
    return receipt


def _staff(db: Session, cities: Cities, name: str, opd: str, city: str = CITY) -> User:
    user_id = create_user(
        db,
        city_id=cities.ids[city],
        username=name,
        display_name=f"Staf {name}",
        password=PASSWORD,
        grants=[Grant("opd_staff", opd=opd)],
    )
    return session_user(db, user_id, name, "opd_staff", city)


@pytest.fixture
def world(client: Any, db: Session) -> World:
    cities = sample_cities(db)
    for city_id in cities.ids.values():
        upsert_opd(db, city_id, "KESRA", "Bagian Kesra")
    users = {
        "anonymous": ANON,
        "warga": session_user(db, make_user(db, cities, "w", "warga"), "w", "warga", CITY),
        "kesra": _staff(db, cities, "kesra", "KESRA"),
        "dishub": _staff(db, cities, "dishub", "DISHUB"),
        "kesra_bogor": _staff(db, cities, "kesra-bogor", "KESRA", OTHER_CITY),
        "admin_kota": session_user(
            db, make_user(db, cities, "ak", "admin_kota"), "ak", "admin_kota", CITY
        ),
        "admin": session_user(db, make_user(db, cities, "root", "admin"), "root", "admin", None),
    }
    kesra = submit(client, *KESRA_POINT)
    # a transport suggestion goes to Dishub; Kesra takes no step of that type, so (as in the
    # staff API) Kesra's staff never see it, and Dishub's OPD staff see it as routed to them
    suggestion = client.post(
        f"/cities/{CITY}/requests",
        json={
            "type": "saran_transport",
            "geometry": {"type": "Point", "coordinates": list(DISHUB_POINT)},
            "attrs": {"kind": "halte", "note": "Butuh halte di sini"},
        },
    )
    assert suggestion.status_code == 201, suggestion.text
    other = suggestion.json()
    assert (kesra["opd"], other["opd"]) == ("KESRA", "DISHUB")
    return World(cities, users, kesra["id"], other["id"])


def get(client: Any, url: str, user: User, **headers: str) -> Any:
    client.cookies.clear()
    response = client.get(url, headers={**user.headers(), **headers})
    client.cookies.clear()
    return response


def _ids(response: Any) -> list[int]:
    return [f["id"] for f in response.json()["features"]]


def _tile_url(lon: float, lat: float) -> str:
    x, y = tile_of(lon, lat, Z)
    return f"{BASE}/requests/tiles/WebMercatorQuad/{Z}/{x}/{y}"


def test_the_list_of_layers_depends_on_who_asks(client: Any, world: World) -> None:
    listed = {}
    for name in ("anonymous", "warga", "kesra", "admin_kota"):
        response = get(client, BASE, world.users[name])
        assert response.status_code == 200
        assert response.headers["vary"].startswith(VARY)
        listed[name] = [c["id"] for c in response.json()["collections"]]
        cache_control = response.headers["cache-control"]
        assert cache_control == (PRIVATE if "requests" in listed[name] else "public, no-cache")
    assert "requests" not in listed["anonymous"]
    assert "requests_public" in listed["anonymous"]
    assert listed["warga"] == listed["anonymous"]
    assert sorted(listed["kesra"]) == sorted([*listed["anonymous"], "requests"])
    # admin_kota also reads the inspectorate's audit_sites (audits.read)
    assert sorted(listed["admin_kota"]) == sorted([*listed["kesra"], "audit_sites"])
    anonymous = get(client, BASE, ANON).headers["etag"]
    kesra = get(client, BASE, world.users["kesra"]).headers["etag"]
    assert anonymous != kesra
    assert get(client, BASE, ANON, **{"If-None-Match": kesra}).status_code == 200


def test_restricted_urls_answer_by_role(client: Any, world: World) -> None:
    urls = {
        "collection": f"{BASE}/requests",
        "items": f"{BASE}/requests/items",
        "item": f"{BASE}/requests/items/{world.kesra_id}",
        "queryables": f"{BASE}/requests/queryables",
        "tilejson": f"{BASE}/requests/tiles/WebMercatorQuad",
        "tile": _tile_url(*KESRA_POINT),
    }
    for kind, url in urls.items():
        anonymous = get(client, url, ANON)
        assert_problem(anonymous, 401, "authentication-required")
        assert anonymous.headers["www-authenticate"] == 'Bearer realm="tpo"'
        warga = get(client, url, world.users["warga"])
        assert_problem(warga, 403, "permission-denied")
        assert_problem(get(client, url, world.users["kesra_bogor"]), 403, "permission-denied")
        for refused in (anonymous, warga):  # problems of a restricted layer are private too
            assert refused.headers["cache-control"] == "private, no-store"
            assert refused.headers["vary"].startswith(VARY)
        for name in ("kesra", "admin_kota", "admin"):
            response = get(client, url, world.users[name])
            assert response.status_code == 200, (kind, name, response.text)
            assert response.headers["cache-control"] == PRIVATE, (kind, name)
            assert response.headers["vary"].startswith(VARY), (kind, name)
        dishub = get(client, url, world.users["dishub"])
        if kind == "item":  # another OPD's request is not there for Dishub
            assert_problem(dishub, 404, "feature-not-found")
            assert dishub.headers["cache-control"] == "private, no-store"
        elif kind == "tile":  # nothing of Dishub's in the tile of Kesra's request
            assert dishub.status_code == 204
            assert dishub.headers["cache-control"] == PRIVATE
        else:
            assert dishub.status_code == 200


def test_items_and_etags_never_cross_scopes(client: Any, world: World) -> None:
    url = f"{BASE}/requests/items?limit=50"
    kesra, dishub, admin = (world.users[n] for n in ("kesra", "dishub", "admin_kota"))
    first = get(client, url, kesra)
    assert first.headers["content-type"] == GEOJSON
    assert _ids(first) == [world.kesra_id]
    assert first.headers["x-layer-cache"] == "miss"
    assert get(client, url, kesra).headers["x-layer-cache"] == "hit"
    other = get(client, url, dishub)
    assert _ids(other) == [world.dishub_id]  # the same URL, not Kesra's cached page
    assert other.headers["x-layer-cache"] == "miss"
    everything = get(client, url, admin)
    assert sorted(_ids(everything)) == sorted([world.kesra_id, world.dishub_id])
    etags = {r.headers["etag"] for r in (first, other, everything)}
    assert len(etags) == 3
    for response in (first, other, everything):
        assert response.headers["cache-control"] == PRIVATE
        assert response.headers["vary"].startswith(VARY)
        assert "public" not in response.headers["cache-control"]
    kesra_etag = first.headers["etag"]
    assert get(client, url, dishub, **{"If-None-Match": kesra_etag}).status_code == 200
    assert get(client, url, admin, **{"If-None-Match": kesra_etag}).status_code == 200
    not_modified = get(client, url, kesra, **{"If-None-Match": kesra_etag})
    assert not_modified.status_code == 304
    assert not_modified.headers["cache-control"] == PRIVATE
    assert not_modified.headers["vary"].startswith(VARY)
    # one item: the scope is in its ETag too
    item = f"{BASE}/requests/items/{world.kesra_id}"
    kesra_item = get(client, item, kesra).headers["etag"]
    admin_item = get(client, item, admin)
    assert admin_item.status_code == 200
    assert admin_item.headers["etag"] != kesra_item
    assert get(client, item, admin, **{"If-None-Match": kesra_item}).status_code == 200
    props = admin_item.json()["properties"]
    assert props["opd_code"] == "KESRA"
    assert props["kelurahan_code"] == KEL1
    assert admin_item.json()["geometry"]["type"] == "Point"


def test_a_token_reads_with_its_users_scope(client: Any, db: Session, world: World) -> None:
    kesra = world.users["kesra"]
    by_token = token_user(db, kesra.id, kesra.username, "opd_staff", CITY)
    url = f"{BASE}/requests/items"
    cookie = get(client, url, kesra)
    token = get(client, url, by_token)
    assert _ids(token) == _ids(cookie) == [world.kesra_id]
    assert token.headers["etag"] == cookie.headers["etag"]  # same scope, same representation
    bad = get(client, url, ANON, Authorization="Bearer tpo_nottherealtokenatall")
    assert_problem(bad, 401)


def test_tiles_never_cross_scopes(client: Any, world: World) -> None:
    kesra, dishub, admin = (world.users[n] for n in ("kesra", "dishub", "admin_kota"))
    url = _tile_url(*DISHUB_POINT)
    own = get(client, url, dishub)
    assert own.status_code == 200
    assert own.headers["content-type"] == "application/vnd.mapbox-vector-tile"
    features = mapbox_vector_tile.decode(own.content)["requests"]["features"]
    assert [f["properties"]["opd_code"] for f in features] == ["DISHUB"]
    assert get(client, url, kesra).status_code == 204
    everyone = get(client, url, admin)
    assert everyone.status_code == 200
    tags = {r.headers["etag"] for r in (own, get(client, url, kesra), everyone)}
    assert len(tags) == 3
    dishub_etag = own.headers["etag"]
    assert get(client, url, dishub, **{"If-None-Match": dishub_etag}).status_code == 304
    assert get(client, url, kesra, **{"If-None-Match": dishub_etag}).status_code == 204
    assert get(client, url, admin, **{"If-None-Match": dishub_etag}).status_code == 200
    # low zoom: counts per cell within the scope, never a grid shared by all readers
    x, y = tile_of(*DISHUB_POINT, 10)
    low = f"{BASE}/requests/tiles/WebMercatorQuad/10/{x}/{y}"
    counts = {}
    for name, user in (("dishub", dishub), ("admin", admin), ("kesra", kesra)):
        body = get(client, low, user).content
        decoded = mapbox_vector_tile.decode(body) if body else {}
        cells = decoded.get("requests", {"features": []})["features"]
        counts[name] = sum(f["properties"]["count"] for f in cells)
    assert counts == {"dishub": 1, "admin": 2, "kesra": 1}


def _public_counts(client: Any, **query: str) -> tuple[Any, dict[str, tuple[Any, str]]]:
    params = "&".join(f"{k}={v}" for k, v in query.items())
    response = get(client, f"{BASE}/requests_public/items?{params}", ANON)
    assert response.status_code == 200
    props = [f["properties"] for f in response.json()["features"]]
    return response, {p["kelurahan_code"]: (p["count"], p["count_label"]) for p in props}


def test_public_counts_follow_submissions(client: Any, world: World) -> None:
    """4 requests in a kelurahan show "< 5", the fifth makes it 5; each submission bumps the
    layer's revision, so a client's old copy is never confirmed with a 304."""
    for _ in range(3):
        submit(client, *KESRA_POINT)
    first, counts = _public_counts(client)
    assert counts[KEL1] == (None, "< 5")  # 4 requests
    assert counts[KEL4] == (None, "< 5")  # 1 request
    assert len(counts) == 4  # one feature per kelurahan
    assert first.headers["cache-control"] == "public, no-cache"
    assert "Cookie" not in first.headers.get("vary", "")
    etag = first.headers["etag"]
    url = f"{BASE}/requests_public/items"
    assert get(client, url, ANON, **{"If-None-Match": etag}).status_code == 304
    restricted = get(client, f"{BASE}/requests/items", world.users["admin_kota"]).headers["etag"]
    submit(client, *KESRA_POINT)
    after = get(client, url, ANON, **{"If-None-Match": etag})
    assert after.status_code == 200
    assert after.headers["etag"] != etag
    _, counts = _public_counts(client)
    assert counts[KEL1] == (5, "5")
    _, diajukan = _public_counts(client, type="bantuan", status="diajukan")
    assert diajukan[KEL1] == (5, "5")
    _, other_status = _public_counts(client, status="selesai")
    assert other_status == {}  # no request reached it yet: no such rows
    admin = world.users["admin_kota"]
    now = get(client, f"{BASE}/requests/items", admin, **{"If-None-Match": restricted})
    assert now.status_code == 200  # the restricted layer's revision moved too
    x, y = tile_of(106.65, -6.18, 12)  # the whole sample city
    tile = get(client, f"{BASE}/requests_public/tiles/WebMercatorQuad/12/{x}/{y}", ANON)
    assert tile.status_code == 200
    labels = {
        f["properties"]["kelurahan_code"]: f["properties"]["count_label"]
        for f in mapbox_vector_tile.decode(tile.content)["requests_public"]["features"]
    }
    assert labels[KEL1] == "5"
    assert labels[KEL4] == "< 5"


def test_bad_filters_of_the_public_counts(client: Any, world: World) -> None:
    body = assert_problem(get(client, f"{BASE}/requests_public/items?type=sulap", ANON), 400)
    assert body["errors"][0]["field"] == "type"
    body = assert_problem(get(client, f"{BASE}/requests_public/items?count=3", ANON), 400)
    assert body["errors"][0]["field"] == "count"


def test_layer_operations_on_the_restricted_layer_as_every_role(
    client: Any, db: Session, world: World
) -> None:
    """The OGC and tile operations of the restricted layer answer what its action
    (``requests.read``, as the staff API) says, for every role (the walk of test_permissions.py
    uses a public layer)."""
    spec = client.get("/openapi.json").json()
    scope_rule = LAYERS["requests"].row_scope
    assert scope_rule is not None
    rule = PERMISSIONS[scope_rule.action]
    users = [ANON, *users_per_role(db, world.cities, via="session")]
    x, y = tile_of(*DISHUB_POINT, Z)
    values = {
        "{city}": CITY,
        "{layer}": "requests",
        "{fid}": str(world.dishub_id),  # a suggestion: Dishub's staff and planners read it
        "{z}": str(Z),
        "{x}": str(x),
        "{y}": str(y),
        "{tms}": "WebMercatorQuad",
    }
    wrong = []
    walked = 0
    for method, path, _op in operations(spec):
        if "{layer}" not in path:
            continue
        url = path
        for name, value in values.items():
            url = url.replace(name, value)
        for user in users:
            response = get(client, url, user)
            walked += 1
            want = expected(rule, user, CITY)
            if want == "allowed" and path.endswith("{fid}") and user.role == "sekolah":
                want = "404"  # a school's staff pass the door, but see no point on the map
            if not check(response.status_code, want):
                wrong.append((method, path, user.role, want, response.status_code))
    # collection, items, item, queryables, tilesets, tileset, tilejson, tile
    assert walked == 8 * len(users)
    assert wrong == []


LIVE = "reqlayers-live"


@pytest.fixture
def live_city(live_server: Any) -> Iterator[str]:
    """The sample city with one request, committed into the live database; deleted after."""
    engine = create_engine(live_server.db_url)
    try:
        with Session(engine) as session:
            session.execute(text("DELETE FROM city WHERE slug = :s"), {"s": LIVE})
            city_id = insert_sample_city(session, LIVE).city.id
            add_request(session, city_id, KEL1)
            session.commit()
        yield f"{live_server.url}/cities/{LIVE}/collections"
    finally:
        with Session(engine) as session:
            session.execute(text("DELETE FROM city WHERE slug = :s"), {"s": LIVE})
            session.commit()
        engine.dispose()


def test_the_pooled_items_path_refuses_without_a_login(live_city: str) -> None:
    """The real server (pooled items read, a session of its own for the caller): anonymous and
    unknown-token callers of the restricted layer get 401; the public counts answer."""
    with httpx.Client(timeout=30) as http:
        anonymous = http.get(f"{live_city}/requests/items")
        assert anonymous.status_code == 401
        assert anonymous.headers["cache-control"] == "private, no-store"
        token = http.get(
            f"{live_city}/requests/items", headers={"Authorization": "Bearer tpo_notarealtoken"}
        )
        assert token.status_code == 401
        public = http.get(f"{live_city}/requests_public/items")
        assert public.status_code == 200
        assert public.headers["cache-control"] == "public, no-cache"
        labels = {
            f["properties"]["kelurahan_code"]: f["properties"]["count_label"]
            for f in public.json()["features"]
        }
        assert labels == {KEL1: "< 5", KEL2: "0", KEL3: "0", KEL4: "0"}


def test_the_layer_shows_what_the_staff_table_lists(client: Any, db: Session, world: World) -> None:
    """The restricted layer and the staff API apply one rule (requests.read): the same requests
    for every reader, a planner of Dishub (suggestions only) included."""
    planner_id = make_user(db, world.cities, "perencana", "dishub")
    readers = {
        **{n: world.users[n] for n in ("kesra", "dishub", "admin_kota", "admin")},
        "planner": session_user(db, planner_id, "perencana", "dishub", CITY),
    }
    seen = {}
    for name, user in readers.items():
        layer = get(client, f"{BASE}/requests/items?limit=100", user)
        table = get(client, f"/cities/{CITY}/requests?limit=100", user)
        assert layer.status_code == table.status_code == 200, name
        seen[name] = sorted(_ids(layer))
        assert seen[name] == sorted(r["id"] for r in table.json()["items"]), name
    assert seen["kesra"] == [world.kesra_id]
    assert seen["dishub"] == seen["planner"] == [world.dishub_id]
    assert seen["admin_kota"] == seen["admin"] == sorted([world.kesra_id, world.dishub_id])
