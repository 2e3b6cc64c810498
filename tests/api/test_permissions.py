"""Every operation × every role against the permission matrix (DESIGN §7).

The operations come from /openapi.json, so a new route without ``**requires(...)`` fails here.
Each is called with minimal valid parameters as anonymous and as one user per role (by cookie
session, then by API token) and must answer what its rule in ``geo.accounts.PERMISSIONS``
says: allowed -> a 2xx answer; anonymous on a role-restricted rule -> 401; a wrong role -> 403.
The restricted stand-ins (GET /admin/audit, GET /admin/users) are city-scoped: a city
administrator never reads another city's rows.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session

from geo.accounts import ANONYMOUS, PERMISSIONS, ROLES, Grant, Rule, grant, record, revoke
from tests.api.accounts import (
    ANON,
    CITY,
    OTHER_CITY,
    Cities,
    User,
    call,
    make_user,
    operations,
    sample_cities,
    session_user,
    users_per_role,
)

pytestmark = pytest.mark.postgis


def expected(rule: Rule, user: User, object_city: str | None) -> str:
    """What the matrix says about ``user`` calling an operation of ``rule``."""
    if rule.roles is None:
        return "allowed"
    if user.role is None:
        return "401"
    if user.role not in rule.roles:
        return "403"
    if rule.scope == "city" and user.city is not None and object_city not in (None, user.city):
        return "403"
    return "allowed"


# operations where the object decides beyond the door (a workflow step of one request): the
# matrix lets the caller in, then the workflow answers 404/409/412/428 (tests/api/
# test_requests_http.py walks those); here "allowed" means the door did not refuse
DOOR_ONLY = frozenset({"requests.step"})
# e-audit writes: called without a body here (422 past the door); tests/api/
# test_audits_http.py walks every audit endpoint with real records and bodies
DOOR_ONLY |= {"audits.edit", "audits.respond"}
# one request's reads (detail, private data, documents): past the door the request's OPD and
# kecamatan decide, as a 404 for one the caller does not handle (tests/api/
# test_requests_staff.py walks those)
DOOR_ONLY_PATHS = ("{request_id}", "{site_id}", "{audit_id}", "{finding_id}", "{photo_id}")
# a warga's stored permit check: past the door only an own izin application answers (404 for
# the sample's code; tests/api/test_permits_http.py walks the owner, a stranger, anonymous)
DOOR_ONLY_PATHS += ("/permit-check",)
# the route editor's writes: past the door the body, If-Match and the version's state decide
# (422/428/412/409; tests/api/test_editor_http.py walks those); its reads must answer 2xx
DOOR_ONLY_WRITES = ("/editor/",)


def check(status: int, want: str, action: str = "", path: str = "", method: str = "") -> bool:
    """Whether an answer's status is what the matrix expects."""
    door_only = action in DOOR_ONLY or any(p in path for p in DOOR_ONLY_PATHS)
    door_only |= method.lower() == "post" and any(p in path for p in DOOR_ONLY_WRITES)
    if want == "allowed" and door_only:
        return status not in (401, 403) and status < 500
    if want == "allowed":
        return 200 <= status < 300
    return status == int(want)


@pytest.fixture
def cities(db: Session) -> Cities:
    data = sample_cities(db)
    make_user(db, data, "login-target", "warga")
    return data


def test_every_operation_names_a_known_action(client: Any) -> None:
    ops = operations(client.get("/openapi.json").json())
    assert len(ops) >= 24  # the 19 public reads, /auth/{login,logout,me}, /admin/{audit,users}
    missing = [(m, p) for m, p, op in ops if "x-permission" not in op]
    unknown = [(m, p, op["x-permission"]) for m, p, op in ops if op.get("x-permission")]
    unknown = [entry for entry in unknown if entry[2] not in PERMISSIONS]
    assert missing == [], "operations without **requires(action)"
    assert unknown == [], "operations naming an action missing from geo.accounts.PERMISSIONS"


@pytest.mark.parametrize("via", ["session", "token"])
def test_every_operation_as_every_role(client: Any, db: Session, cities: Cities, via: str) -> None:
    spec = client.get("/openapi.json").json()
    users = [ANON, *users_per_role(db, cities, via=via)]
    assert {u.role for u in users} == {None, *ROLES}
    wrong = []
    calls = 0
    for method, path, op in operations(spec):
        rule = PERMISSIONS[op["x-permission"]]
        object_city = CITY if "{city}" in path else None
        for each in users:
            user = each
            if op["x-permission"] == "auth.logout" and via == "session" and each.role:
                # logging out ends the session: use a fresh one of the same user
                user = session_user(db, each.id, each.username, each.role, each.city)
            response = call(client, method, path, op, cities, user)
            calls += 1
            want = expected(rule, user, object_city)
            if not check(response.status_code, want, op["x-permission"], path, method):
                wrong.append((method, path, user.role, want, response.status_code))
            if response.status_code in (401, 403):
                assert response.headers["content-type"] == "application/problem+json"
    assert calls == len(operations(spec)) * len(users)
    assert wrong == []


def test_restricted_answers_name_the_reason(client: Any, db: Session, cities: Cities) -> None:
    warga = session_user(db, make_user(db, cities, "w", "warga"), "w", "warga", CITY)
    anonymous = client.get("/admin/audit")
    assert anonymous.status_code == 401
    assert anonymous.headers["www-authenticate"] == 'Bearer realm="tpo"'
    assert anonymous.json()["code"] == "authentication-required"
    client.cookies.clear()
    denied = client.get("/admin/audit", headers=warga.headers())
    assert denied.status_code == 403
    assert denied.json()["code"] == "permission-denied"
    assert "www-authenticate" not in denied.headers


def test_an_unknown_bearer_token_is_a_401_not_anonymous(client: Any, cities: Cities) -> None:
    headers = {"Authorization": "Bearer tpo_nottherealtokenatall"}
    me = client.get("/auth/me", headers=headers)
    assert me.status_code == 401
    assert me.headers["www-authenticate"] == 'Bearer realm="tpo"'
    # a public read needs no credential, so a bad one is not even looked at
    assert client.get("/cities", headers=headers).status_code == 200


@pytest.mark.parametrize("path", ["/admin/audit", "/admin/users"])
def test_a_city_admin_reads_only_their_city(
    client: Any, db: Session, cities: Cities, path: str
) -> None:
    """The restricted stand-ins (no restricted layer exists yet): rows of another city never
    reach a city administrator, asking for that city is a 403, and OPD staff of any OPD get
    403 (they have no right to these rows at all)."""
    admin_kota = session_user(
        db, make_user(db, cities, "ak", "admin_kota"), "ak", "admin_kota", CITY
    )
    other_admin = session_user(
        db,
        make_user(db, cities, "ak-bogor", "admin_kota", city=OTHER_CITY),
        "ak-bogor",
        "admin_kota",
        OTHER_CITY,
    )
    make_user(db, cities, "warga-bogor", "warga", city=OTHER_CITY, email="bogor@example.org")
    record(db, ANONYMOUS, "test.bogor_only", city_id=cities.ids[OTHER_CITY], object_id="B-1")
    record(db, ANONYMOUS, "test.tangerang_only", city_id=cities.ids[CITY], object_id="T-1")
    client.cookies.clear()
    own = client.get(path, headers=admin_kota.headers())
    assert own.status_code == 200, own.text
    assert "private" in own.headers["cache-control"]
    assert "bogor" not in own.text.lower()
    assert "B-1" not in own.text
    if path == "/admin/audit":
        assert "T-1" in own.text
    else:
        assert {u["username"] for u in own.json()["users"]} >= {"ak", "login-target"}
    client.cookies.clear()
    assert client.get(f"{path}?city={OTHER_CITY}", headers=admin_kota.headers()).status_code == 403
    client.cookies.clear()
    theirs = client.get(path, headers=other_admin.headers())
    assert theirs.status_code == 200
    assert "T-1" not in theirs.text
    assert "login-target" not in theirs.text
    for opd in ("DISHUB", "BAPPEDA"):
        name = f"staf-{opd.lower()}"
        staff_id = make_user(db, cities, name, "opd_staff")
        if opd != "DISHUB":
            revoke(db, staff_id, Grant("opd_staff", opd="DISHUB"))
            grant(db, staff_id, Grant("opd_staff", opd=opd))
        staff = session_user(db, staff_id, name, "opd_staff", CITY)
        client.cookies.clear()
        assert client.get(path, headers=staff.headers()).status_code == 403


def test_the_citizen_request_operations_name_their_actions(client: Any) -> None:
    """The form's reads are public; a warga's own list needs a warga (401/403 otherwise)."""
    ops = {
        (m, p): op["x-permission"] for m, p, op in operations(client.get("/openapi.json").json())
    }
    assert ops[("get", "/cities/{city}/services")] == "requests.services"
    assert ops[("get", "/cities/{city}/requests/nearby")] == "requests.nearby"
    assert ops[("get", "/cities/{city}/proposals")] == "requests.proposals"
    assert ops[("get", "/me/requests")] == "requests.own"
    assert ops[("get", "/cities/{city}/transfers/alternatives")] == "transfers.preview"
    for action in ("requests.services", "requests.nearby", "requests.proposals"):
        assert PERMISSIONS[action].roles is None
    assert PERMISSIONS["transfers.preview"].roles is None
    assert PERMISSIONS["requests.own"].roles == frozenset({"warga", "admin"})


def test_a_school_grant_reads_no_layer_rows_and_no_opd_object() -> None:
    """Role sekolah sees its school's transfers through the request core only: restricted
    layers and map reports give it no rows, and it passes no OPD- or kecamatan-scoped check."""
    from geo.accounts import Principal, allowed, row_scope

    school = Principal(
        user_id=5, username="s", display_name="s", city_id=1, grants=(Grant("sekolah", npsn="1"),)
    )
    scope = row_scope(school, "requests.read", 1)
    assert (scope.opd, scope.kecamatan) == ((), ())
    assert not allowed(school, "requests.read", city_id=1, opd="KESRA")
    assert allowed(school, "requests.read", city_id=1)
    assert not allowed(school, "layers.read_restricted", city_id=1)


def test_the_route_editor_operations_name_their_actions(client: Any) -> None:
    """Planners read and draft (routes.edit); reviewers return (routes.review) and publish
    (routes.publish); none of them is open to anyone or to OPD staff."""
    ops = {
        (m, p): op["x-permission"] for m, p, op in operations(client.get("/openapi.json").json())
    }
    base = "/cities/{city}/editor/routes"
    want = {
        ("get", base): "routes.edit",
        ("post", base): "routes.edit",
        ("get", base + "/{route_id}"): "routes.edit",
        ("get", base + "/{route_id}/versions"): "routes.edit",
        ("post", base + "/{route_id}/versions"): "routes.edit",
        ("get", base + "/{route_id}/versions/{version}"): "routes.edit",
        ("post", base + "/{route_id}/versions/{version}/restore"): "routes.edit",
        ("post", base + "/{route_id}/versions/{version}/publish"): "routes.publish",
        ("post", base + "/{route_id}/versions/{version}/return"): "routes.review",
        ("post", base + "/{route_id}/reverse"): "routes.edit",
        ("get", base + "/{route_id}/diff"): "routes.edit",
    }
    assert {key: ops.get(key) for key in want} == want
    for action in ("routes.edit", "routes.review", "routes.publish"):
        roles = PERMISSIONS[action].roles
        assert roles is not None
        assert "opd_staff" not in roles
        assert "dishub_reviewer" in roles
    assert "dishub" in (PERMISSIONS["routes.edit"].roles or ())
    assert "dishub" not in (PERMISSIONS["routes.publish"].roles or ())


# the route editor's planning signals (api/routers/planning.py): Dishub planners only
PLANNING_OPERATIONS = {
    ("get", "/cities/{city}/editor/coverage"),
    ("post", "/cities/{city}/editor/coverage/preview"),
    ("get", "/cities/{city}/editor/demand"),
    ("post", "/cities/{city}/editor/demand/served"),
}


def test_the_planning_operations_need_routes_edit(client: Any) -> None:
    ops = {
        (m, p): op["x-permission"] for m, p, op in operations(client.get("/openapi.json").json())
    }
    assert {ops.get(key) for key in PLANNING_OPERATIONS} == {"routes.edit"}
    assert set(PERMISSIONS["routes.edit"].roles or ()) == {"dishub", "dishub_reviewer", "admin"}


def test_the_gtfs_feed_is_public(client: Any) -> None:
    """The city's GTFS feed is a public read of the routes (published routes only)."""
    ops = {
        (m, p): op["x-permission"] for m, p, op in operations(client.get("/openapi.json").json())
    }
    assert ops[("get", "/cities/{city}/gtfs.zip")] == "routes.read"
    assert PERMISSIONS["routes.read"].roles is None


def test_the_parcel_intake_is_public(client: Any) -> None:
    """Anyone checks a parcel file before applying (permits.precheck: it writes nothing)."""
    ops = {
        (m, p): op["x-permission"] for m, p, op in operations(client.get("/openapi.json").json())
    }
    assert ops[("post", "/cities/{city}/permits/parcel")] == "permits.precheck"
    assert PERMISSIONS["permits.precheck"].roles is None


def test_the_permit_operations_name_their_actions(client: Any) -> None:
    """The pre-check and the form's uses are public; an application's stored checks follow
    the request detail's rule; a re-run needs the staff who handle permits (or admins)."""
    ops = {
        (m, p): op["x-permission"] for m, p, op in operations(client.get("/openapi.json").json())
    }
    assert ops[("post", "/cities/{city}/permits/check")] == "permits.precheck"
    assert ops[("get", "/cities/{city}/permits/uses")] == "permits.precheck"
    assert ops[("get", "/cities/{city}/permits/{request_id}/check")] == "requests.read"
    assert ops[("post", "/cities/{city}/permits/{request_id}/check")] == "permits.check"
    assert PERMISSIONS["permits.precheck"].roles is None
    assert PERMISSIONS["permits.check"] == Rule(
        frozenset({"opd_staff", "admin_kota", "admin"}), "city"
    )
