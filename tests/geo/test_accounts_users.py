"""Users: create, list, disable, reset the password, grant and revoke roles; OPDs."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.accounts import (
    Grant,
    authenticate,
    create_user,
    get_user,
    grant,
    list_opds,
    list_users,
    principal_for_user,
    resolve_session,
    revoke,
    set_active,
    set_password,
    start_session,
    upsert_opd,
)
from geo.cities import CityInfo, create_city, delete_city
from geo.errors import (
    ConflictError,
    InvalidCredentialsError,
    InvalidInputError,
    NotFoundError,
    PasswordPolicyError,
)

pytestmark = pytest.mark.postgis

BBOX = (106.55, -6.26, 106.75, -6.09)
PASSWORD = "kuda-lari-pagi-17"
KECAMATAN = "36.71.01"
SQUARE = "MULTIPOLYGON(((106.60 -6.20, 106.62 -6.20, 106.62 -6.18, 106.60 -6.18, 106.60 -6.20)))"


@pytest.fixture
def city(db: Session) -> CityInfo:
    info = create_city(db, "testkota", "Kota Uji", BBOX)
    upsert_opd(db, info.id, "DISHUB", "Dinas Perhubungan")
    upsert_opd(db, info.id, "kesra", "Bagian Kesra")
    db.execute(
        text(
            "INSERT INTO admin_area (city_id, level, code, name, geom)"
            " VALUES (:c, 'kecamatan', :code, 'Tangerang', ST_GeomFromText(:wkt, 4326))"
        ),
        {"c": info.id, "code": KECAMATAN, "wkt": SQUARE},
    )
    return info


def add(db: Session, city: CityInfo | None, username: str, *grants: Grant, **kw: str) -> int:
    return create_user(
        db,
        city_id=city.id if city else None,
        username=username,
        display_name=kw.pop("display_name", f"Pengguna {username}"),
        password=kw.pop("password", PASSWORD),
        grants=grants,
        **kw,
    )


def test_opds(db: Session, city: CityInfo) -> None:
    assert [(o.code, o.name) for o in list_opds(db, city.id)] == [
        ("DISHUB", "Dinas Perhubungan"),
        ("KESRA", "Bagian Kesra"),
    ]
    upsert_opd(db, city.id, "KESRA", "Bagian Kesejahteraan Rakyat")
    assert list_opds(db, city.id)[1].name == "Bagian Kesejahteraan Rakyat"
    with pytest.raises(InvalidInputError):
        upsert_opd(db, city.id, "bad code!", "X")
    with pytest.raises(NotFoundError):
        upsert_opd(db, 999_999, "X", "X")


def test_create_get_and_list(db: Session, city: CityInfo) -> None:
    user_id = add(db, city, "Budi", Grant("opd_staff", opd="dishub"), email="budi@example.org")
    add(db, city, "ani", Grant("dishub"), Grant("dishub_reviewer"))
    admin_id = add(db, None, "root", Grant("admin"))
    budi = get_user(db, city_id=city.id, username="BUDI")
    assert budi.id == user_id
    assert budi.username == "Budi"
    assert budi.email == "budi@example.org"
    assert budi.active
    assert budi.last_login_at is None
    assert budi.grants == (Grant("opd_staff", opd="DISHUB"),)
    assert [u.username for u in list_users(db, city_id=city.id)] == ["ani", "Budi"]
    assert [u.id for u in list_users(db, city_id=None)] == [admin_id]
    with pytest.raises(NotFoundError):
        get_user(db, city_id=None, username="budi")  # not a deployment admin
    stored = db.execute(
        text("SELECT password_hash FROM app_user WHERE id = :u"), {"u": user_id}
    ).scalar_one()
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored


def test_usernames_are_unique_per_city_in_any_case(db: Session, city: CityInfo) -> None:
    add(db, city, "budi", Grant("warga"))
    with pytest.raises(ConflictError):
        add(db, city, "BUDI", Grant("warga"))
    other = create_city(db, "lain", "Kota Lain", BBOX)
    add(db, other, "budi", Grant("warga"))  # another city may have one
    add(db, None, "budi", Grant("admin"))  # and so may the deployment
    with pytest.raises(ConflictError):
        add(db, None, "Budi", Grant("admin"))


@pytest.mark.parametrize(
    ("username", "grants", "kw"),
    [
        ("bad name", (Grant("warga"),), {}),
        ("anonymous", (Grant("warga"),), {}),
        ("x" * 65, (Grant("warga"),), {}),
        ("ok", (Grant("superuser"),), {}),
        ("ok", (Grant("admin"),), {}),  # admin only without a city
        ("ok", (Grant("opd_staff"),), {}),  # needs an OPD
        ("ok", (Grant("opd_staff", opd="BPKAD"),), {}),  # not an OPD of the city
        ("ok", (Grant("dishub", kecamatan="36.71.99"),), {}),  # no such kecamatan
        ("ok", (Grant("warga"),), {"email": "not-an-email"}),
        ("ok", (Grant("warga"),), {"display_name": "  "}),
    ],
)
def test_bad_user_input(
    db: Session, city: CityInfo, username: str, grants: tuple[Grant, ...], kw: dict[str, str]
) -> None:
    with pytest.raises(InvalidInputError):
        add(db, city, username, *grants, **kw)
    assert list_users(db, city_id=city.id) == []


def test_weak_password_and_city_rules(db: Session, city: CityInfo) -> None:
    with pytest.raises(PasswordPolicyError):
        add(db, city, "budi", Grant("warga"), password="budi1234")
    with pytest.raises(InvalidInputError):
        add(db, None, "root", Grant("dishub"))  # a city role needs a city
    with pytest.raises(NotFoundError):
        create_user(db, city_id=999_999, username="x1", display_name="X", password=PASSWORD)


def test_disable_ends_sessions_and_logins(db: Session, city: CityInfo) -> None:
    user_id = add(db, city, "budi", Grant("dishub"))
    cookie, _ = start_session(
        db, principal_for_user(db, user_id, via="session"), ip=None, user_agent=None, ttl_s=60
    )
    set_active(db, user_id, False)
    assert not get_user(db, city_id=city.id, username="budi").active
    assert resolve_session(db, cookie) is None
    with pytest.raises(InvalidCredentialsError):
        authenticate(db, city_id=city.id, username="budi", password=PASSWORD, ip=None)
    with pytest.raises(InvalidCredentialsError):
        principal_for_user(db, user_id, via="session")
    set_active(db, user_id, True)
    authenticate(db, city_id=city.id, username="budi", password=PASSWORD, ip=None)
    with pytest.raises(NotFoundError):
        set_active(db, 999_999, False)


def test_reset_password(db: Session, city: CityInfo) -> None:
    user_id = add(db, city, "budi", Grant("dishub"))
    cookie, _ = start_session(
        db, principal_for_user(db, user_id, via="session"), ip=None, user_agent=None, ttl_s=60
    )
    new = "sapi-makan-rumput-42"
    set_password(db, user_id, new)
    assert resolve_session(db, cookie) is None  # the old sessions end
    authenticate(db, city_id=city.id, username="budi", password=new, ip=None)
    with pytest.raises(InvalidCredentialsError):
        authenticate(db, city_id=city.id, username="budi", password=PASSWORD, ip=None)
    with pytest.raises(PasswordPolicyError):
        set_password(db, user_id, "short")
    with pytest.raises(NotFoundError):
        set_password(db, 999_999, new)


def test_grant_and_revoke(db: Session, city: CityInfo) -> None:
    user_id = add(db, city, "budi", Grant("warga"))
    grant(db, user_id, Grant("opd_staff", opd="kesra"))
    grant(db, user_id, Grant("opd_staff", opd="KESRA"))  # twice: no change
    grant(db, user_id, Grant("dishub", kecamatan=KECAMATAN))
    principal = principal_for_user(db, user_id, via="session")
    assert set(principal.grants) == {
        Grant("warga"),
        Grant("opd_staff", opd="KESRA"),
        Grant("dishub", kecamatan=KECAMATAN),
    }
    revoke(db, user_id, Grant("opd_staff", opd="kesra"))
    revoke(db, user_id, Grant("dishub", kecamatan=KECAMATAN))
    assert principal_for_user(db, user_id, via="session").grants == (Grant("warga"),)
    with pytest.raises(NotFoundError):
        revoke(db, user_id, Grant("dishub"))  # not held
    with pytest.raises(InvalidInputError):
        grant(db, user_id, Grant("admin"))
    with pytest.raises(NotFoundError):
        grant(db, 999_999, Grant("warga"))


def test_the_database_refuses_unknown_roles(db: Session, city: CityInfo) -> None:
    user_id = add(db, city, "budi")
    with pytest.raises(Exception, match="ck_user_role_role_known"), db.begin_nested():
        db.execute(
            text("INSERT INTO user_role (user_id, role) VALUES (:u, 'root')"), {"u": user_id}
        )


def test_deleting_a_city_deletes_its_users(db: Session, city: CityInfo) -> None:
    user_id = add(db, city, "budi", Grant("dishub"))
    delete_city(db, city.slug)
    with pytest.raises(NotFoundError):
        principal_for_user(db, user_id, via="session")
