"""The permission matrix: every action has a sound rule; authorize, allowed and row_scope."""

from __future__ import annotations

import pytest

from geo.accounts import (
    ANONYMOUS,
    PERMISSIONS,
    ROLES,
    SCOPES,
    Grant,
    Principal,
    RowScope,
    Rule,
    UnknownActionError,
    allowed,
    authorize,
    cli_principal,
    matrix_problems,
    row_scope,
)
from geo.errors import AuthenticationRequiredError, PermissionDeniedError

CITY, OTHER = 1, 2
# the actions the doors use today and those the next issues name (accounts spec)
REQUIRED_ACTIONS = {
    "layers.read",
    "layers.read_restricted",
    "trips.plan",
    "places.search",
    "schools.read",
    "routes.read",
    "cities.read",
    "cities.manage",
    "service.health",
    "service.config",
    "auth.login",
    "auth.logout",
    "auth.me",
    "audit.read",
    "users.manage",
    "tokens.manage",
    "routes.edit",
    "routes.publish",
}


def user(
    *grants: Grant, city_id: int | None = CITY, scopes: frozenset[str] | None = None
) -> Principal:
    return Principal(
        user_id=7,
        username="u",
        display_name="U",
        city_id=city_id,
        grants=grants,
        via="session",
        scopes=scopes,
    )


def test_every_required_action_has_a_rule() -> None:
    assert set(PERMISSIONS) >= REQUIRED_ACTIONS
    assert any(a.startswith("requests.") for a in PERMISSIONS)
    assert any(a.startswith("audits.") for a in PERMISSIONS)


def test_matrix_is_sound() -> None:
    assert matrix_problems(PERMISSIONS) == []
    for action, rule in PERMISSIONS.items():
        assert isinstance(rule, Rule)
        assert rule.scope in SCOPES, action
        if rule.roles is not None:
            assert rule.roles, action
            assert set(ROLES) >= rule.roles, action
            assert "admin" in rule.roles, f"{action}: the deployment admin may do everything"


def test_every_role_is_used_and_known() -> None:
    assert set(ROLES) == {
        "warga",
        "dishub",
        "dishub_reviewer",
        "opd_staff",
        "inspektur",
        "sekolah",
        "admin_kota",
        "admin",
    }
    used = set().union(*(r.roles for r in PERMISSIONS.values() if r.roles is not None))
    assert used <= set(ROLES)
    assert set(ROLES) - used <= {"warga"}  # citizens act through rules open to anyone


def test_matrix_problems_finds_mistakes() -> None:
    bad = {
        "nodot": Rule(None),
        "x.y": Rule(frozenset({"superuser"})),
        "x.z": Rule(frozenset({"admin"}), "planet"),
        "x.w": Rule(None, "city"),
        "x.v": Rule(frozenset()),
    }
    assert len(matrix_problems(bad)) == 5


def test_matrix_cannot_be_changed_at_run_time() -> None:
    with pytest.raises(TypeError):
        PERMISSIONS["layers.read"] = Rule(frozenset({"admin"}))  # type: ignore[index]


def test_unknown_action_is_a_programming_error() -> None:
    with pytest.raises(UnknownActionError):
        authorize(ANONYMOUS, "layers.raed")
    with pytest.raises(UnknownActionError):
        allowed(user(Grant("admin"), city_id=None), "nope.nope")


def test_public_actions_are_open_to_anonymous() -> None:
    for action, rule in PERMISSIONS.items():
        if rule.roles is None:
            authorize(ANONYMOUS, action)
            authorize(ANONYMOUS, action, city_id=OTHER)


def test_anonymous_gets_authentication_required() -> None:
    with pytest.raises(AuthenticationRequiredError) as err:
        authorize(ANONYMOUS, "audit.read", city_id=CITY)
    assert type(err.value) is AuthenticationRequiredError
    assert err.value.code == "authentication-required"
    assert not allowed(ANONYMOUS, "audit.read")
    assert ANONYMOUS.is_anonymous
    assert ANONYMOUS.roles() == frozenset()


def test_wrong_role_is_denied() -> None:
    with pytest.raises(PermissionDeniedError, match="roles") as err:
        authorize(user(Grant("warga")), "audit.read", city_id=CITY)
    assert err.value.code == "permission-denied"
    assert not allowed(user(Grant("dishub")), "routes.publish", city_id=CITY)
    assert allowed(user(Grant("dishub_reviewer")), "routes.publish", city_id=CITY)


def test_wrong_city_is_denied_and_deployment_admin_passes() -> None:
    admin_kota = user(Grant("admin_kota"))
    authorize(admin_kota, "audit.read", city_id=CITY)
    authorize(admin_kota, "audit.read")  # no object city yet: the role alone
    with pytest.raises(PermissionDeniedError, match="another city"):
        authorize(admin_kota, "audit.read", city_id=OTHER)
    admin = user(Grant("admin"), city_id=None)
    assert admin.is_deployment_admin
    for city in (CITY, OTHER, None):
        authorize(admin, "audit.read", city_id=city)
    # a user without a city who is not an admin passes no city check
    odd = user(Grant("admin_kota"), city_id=None)
    with pytest.raises(PermissionDeniedError, match="another city"):
        authorize(odd, "audit.read", city_id=CITY)


def test_wrong_opd_and_kecamatan_are_denied() -> None:
    dishub = user(Grant("opd_staff", opd="DISHUB"))
    authorize(dishub, "requests.read", city_id=CITY, opd="DISHUB")
    with pytest.raises(PermissionDeniedError, match="another OPD"):
        authorize(dishub, "requests.read", city_id=CITY, opd="KESRA")
    with pytest.raises(PermissionDeniedError, match="another city"):
        authorize(dishub, "requests.read", city_id=OTHER, opd="DISHUB")
    local = user(Grant("opd_staff", opd="DISHUB", kecamatan="36.71.01"))
    authorize(local, "requests.read", city_id=CITY, opd="DISHUB", kecamatan="36.71.01")
    with pytest.raises(PermissionDeniedError, match="kecamatan"):
        authorize(local, "requests.read", city_id=CITY, opd="DISHUB", kecamatan="36.71.02")
    # two grants: either may allow
    both = user(Grant("opd_staff", opd="DISHUB"), Grant("opd_staff", opd="KESRA"))
    authorize(both, "requests.read", city_id=CITY, opd="KESRA")
    # a city admin has no OPD limit
    authorize(user(Grant("admin_kota")), "requests.read", city_id=CITY, opd="KESRA")


def test_token_scopes_limit_the_roles() -> None:
    limited = user(Grant("admin_kota"), scopes=frozenset({"users.manage"}))
    authorize(limited, "users.manage", city_id=CITY)
    authorize(limited, "layers.read")  # open to anyone anyway
    with pytest.raises(PermissionDeniedError, match="token"):
        authorize(limited, "audit.read", city_id=CITY)


def test_cli_principal_is_a_deployment_admin() -> None:
    cli = cli_principal("operator")
    assert cli.username == "cli:operator"
    assert cli.via == "cli"
    assert not cli.is_anonymous
    assert cli.is_deployment_admin
    for action in PERMISSIONS:
        authorize(cli, action, city_id=CITY)


def test_row_scope_keys_differ_per_scope() -> None:
    action = "layers.read_restricted"
    scopes = {
        "all": row_scope(user(Grant("admin_kota")), action, CITY),
        "admin": row_scope(user(Grant("admin"), city_id=None), action, CITY),
        "dishub": row_scope(user(Grant("opd_staff", opd="DISHUB")), action, CITY),
        "kesra": row_scope(user(Grant("opd_staff", opd="KESRA")), action, CITY),
        "two": row_scope(
            user(Grant("opd_staff", opd="KESRA"), Grant("opd_staff", opd="DISHUB")), action, CITY
        ),
        "kec": row_scope(
            user(Grant("opd_staff", opd="DISHUB", kecamatan="36.71.01")), action, CITY
        ),
    }
    assert scopes["all"] == scopes["admin"] == RowScope()
    assert scopes["all"].is_all
    assert scopes["all"].key == "opd=*;kec=*"
    assert scopes["dishub"].key == "opd=DISHUB;kec=*"
    assert scopes["two"].key == "opd=DISHUB,KESRA;kec=*"
    assert scopes["kec"].key == "opd=DISHUB;kec=36.71.01"
    keys = [s.key for name, s in scopes.items() if name != "admin"]
    assert len(set(keys)) == len(keys)
    assert scopes["dishub"].params() == {"opd": ["DISHUB"], "kecamatan": None, "types": []}
    # rows of some types whatever their OPD (the requests layer) are part of the key
    typed = RowScope(opd=("DISHUB",), types=("saran_transport",))
    assert typed.key == "opd=DISHUB;kec=*;types=saran_transport"
    assert typed.params()["types"] == ["saran_transport"]
    # a grant without OPD limit opens every OPD
    wide = row_scope(user(Grant("opd_staff", opd="KESRA"), Grant("admin_kota")), action, CITY)
    assert wide.opd is None


def test_row_scope_checks_authorization() -> None:
    with pytest.raises(AuthenticationRequiredError):
        row_scope(ANONYMOUS, "layers.read_restricted", CITY)
    with pytest.raises(PermissionDeniedError):
        row_scope(user(Grant("warga")), "layers.read_restricted", CITY)
    with pytest.raises(PermissionDeniedError):
        row_scope(user(Grant("opd_staff", opd="DISHUB")), "layers.read_restricted", OTHER)
    assert row_scope(ANONYMOUS, "layers.read", CITY).is_all
