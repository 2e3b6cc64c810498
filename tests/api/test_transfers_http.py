"""School transfers over HTTP: submit with figures, alternatives, the province notice, bad
input, and the two schools and the Dinas taking it through its steps."""

from __future__ import annotations

from typing import Any

import pytest
from pyproj import Geod
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.accounts import Grant, create_token, create_user, upsert_opd
from geo.transit import build_walking_graph
from tests.api.test_service import assert_problem
from tests.geo.synthetic import GridCity
from tests.geo.transfer_city import (
    CHILD,
    HOME,
    NISN,
    ORIGIN,
    SCHOOLS,
    SMA_SCHOOL,
    SMP_SCHOOL,
    TARGET,
    transfer_body,
    transfer_city,
    transfer_multipart,
)

pytestmark = pytest.mark.postgis
CITY = "/cities/pindah"
GEOD = Geod(ellps="WGS84")
PRIVATE = (CHILD, NISN, "Jl. Rumah Rahasia", "Ibu Wali Rahasia", "0812 1111 2222")


@pytest.fixture
def grid(db: Session) -> GridCity:
    city = transfer_city(db)
    upsert_opd(db, city.city.id, "DISDIK", "Dinas Pendidikan")
    return city


def _count(db: Session) -> int:
    return db.execute(text("SELECT count(*) FROM service_request")).scalar_one()


def _post(client: Any, body: dict[str, Any]) -> Any:
    data, files = transfer_multipart(body)
    return client.post(f"{CITY}/requests", data=data, files=files)


def _headers(db: Session, grid: GridCity, name: str, grant: Grant) -> dict[str, str]:
    uid = create_user(
        db,
        city_id=grid.city.id,
        username=name,
        display_name=f"Petugas {name}",
        password="kata-sandi-uji-7Qx",
        grants=[grant],
    )
    _, token = create_token(db, uid, name="test")
    return {"Authorization": f"Bearer {token}"}


def test_submit_shows_the_figures_and_tracking_shows_only_the_school(
    client: Any, db: Session, grid: GridCity
) -> None:
    home = grid.lonlat(*HOME)
    response = _post(client, transfer_body(home))
    assert response.status_code == 201, response.text
    receipt = response.json()
    assert receipt["code"].startswith("PSK-")
    fig = receipt["figures"]
    target = grid.lonlat(*next(s[3] for s in SCHOOLS if s[0] == TARGET))
    assert fig["distance_m"] == pytest.approx(GEOD.inv(*home, *target)[2], abs=0.1)
    graph = build_walking_graph(db, grid.city.id, grid.city.utm_srid)
    assert fig["walk_distance_m"] == pytest.approx(graph.path(home, target).distance_m, abs=0.1)
    assert fig["trip"]["found"]
    assert fig["trip"]["routes"] == ["E1"]
    assert "Jarak garis lurus" in fig["explanation"]
    tracked = client.get(f"/track/{receipt['code']}")
    assert tracked.status_code == 200
    body = tracked.json()
    assert body["type"] == "pindah_sekolah"
    assert body["school"] == f"Sekolah {TARGET}"
    assert body["kelurahan"] is None
    for secret in PRIVATE:
        assert secret not in tracked.text


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"target": SMA_SCHOOL}, "level-not-governed"),
        ({"target": "99999999"}, "unknown-school"),
        ({"target": SMP_SCHOOL}, "level-mismatch"),
        ({"nisn": "12345"}, "invalid-input"),
        ({"grade": 0}, "invalid-input"),
    ],
)
def test_bad_transfers_are_refused_and_write_nothing(
    client: Any, db: Session, grid: GridCity, change: dict[str, Any], code: str
) -> None:
    before = _count(db)
    problem = assert_problem(_post(client, transfer_body(grid.lonlat(*HOME), **change)), 422, code)
    if code == "level-not-governed":
        assert "Dindikbud Provinsi Banten" in problem["detail"]
        assert "Jl. Syech Nawawi Al Bantani, Palima, Kota Serang" in problem["detail"]
    assert _count(db) == before


def test_home_outside_the_city_is_refused(client: Any, db: Session, grid: GridCity) -> None:
    before = _count(db)
    for cell in ((-12, 10), (-30, 10)):
        response = _post(client, transfer_body(grid.lonlat(*cell)))
        assert_problem(response, 422)
    assert _count(db) == before


def test_alternatives(client: Any, db: Session, grid: GridCity) -> None:
    lon, lat = grid.lonlat(*HOME)
    url = f"{CITY}/transfers/alternatives?lon={lon}&lat={lat}&level=SD&target={TARGET}"
    response = client.get(url)
    assert response.status_code == 200, response.text
    body = response.json()
    assert len(body["alternatives"]) == 5
    assert body["target"]["npsn"] == TARGET
    graph = build_walking_graph(db, grid.city.id, grid.city.utm_srid)
    for school in [*body["alternatives"], body["target"]]:
        at = (school["lon"], school["lat"])
        assert school["distance_m"] == pytest.approx(GEOD.inv(lon, lat, *at)[2], abs=0.2)
        walk = graph.path((lon, lat), at).distance_m
        assert school["walk_distance_m"] == pytest.approx(walk, abs=0.5)
    distances = [a["distance_m"] for a in body["alternatives"]]
    assert distances == sorted(distances)
    province = client.get(f"{CITY}/transfers/alternatives?lon={lon}&lat={lat}&level=SMA")
    problem = assert_problem(province, 422, "level-not-governed")
    assert "Palima, Kota Serang" in problem["detail"]
    assert_problem(client.get(f"{CITY}/transfers/alternatives?lon={lon}&lat={lat}&level=XX"), 422)
    far = grid.lonlat(-30, 10)
    assert_problem(
        client.get(f"{CITY}/transfers/alternatives?lon={far[0]}&lat={far[1]}&level=SD"), 422
    )
    assert_problem(
        client.get(f"{CITY}/transfers/alternatives?lon={lon}&lat={lat}&level=SD&target=1"),
        422,
        "unknown-school",
    )


def test_the_schools_and_the_dinas_take_it_through(
    client: Any, db: Session, grid: GridCity
) -> None:
    receipt = _post(client, transfer_body(grid.lonlat(*HOME))).json()
    rid = receipt["id"]
    origin = _headers(db, grid, "sd-asal", Grant("sekolah", npsn=ORIGIN))
    target = _headers(db, grid, "sd-tujuan", Grant("sekolah", npsn=TARGET))
    other = _headers(db, grid, "sd-lain", Grant("sekolah", npsn="10000003"))
    dinas = _headers(db, grid, "disdik", Grant("opd_staff", opd="DISDIK"))
    for who, total in ((origin, 1), (target, 1), (other, 0), (dinas, 1)):
        listed = client.get(f"{CITY}/requests", headers=who)
        assert listed.status_code == 200, listed.text
        assert listed.json()["total"] == total
    assert client.get(f"{CITY}/requests/{rid}", headers=other).status_code == 404
    private = client.get(f"{CITY}/requests/{rid}/private", headers=target)
    assert private.status_code == 200
    assert NISN in private.text
    detail = client.get(f"{CITY}/requests/{rid}", headers=origin).json()
    assert [t["name"] for t in detail["transitions"]] == [
        "setujui_asal",
        "minta_perbaikan",
        "tolak",
    ]

    def step(who: dict[str, str], name: str, version: int, **fields: Any) -> Any:
        return client.post(
            f"{CITY}/requests/{rid}/transitions",
            json={"transition": name, **fields},
            headers=who | {"If-Match": f'"v{version}"'},
        )

    assert step(other, "setujui_asal", 1).status_code == 404
    assert_problem(step(target, "setujui_asal", 1), 409, "illegal-transition")
    assert step(origin, "setujui_asal", 1).status_code == 200
    assert step(target, "terima_tujuan", 2).status_code == 200
    db.execute(
        text("UPDATE school SET capacity_remaining = 0 WHERE city_id = :c AND npsn = :n"),
        {"c": grid.city.id, "n": TARGET},
    )
    assert_problem(step(dinas, "rekomendasikan", 3), 409, "no-capacity")
    db.execute(
        text("UPDATE school SET capacity_remaining = 3 WHERE city_id = :c AND npsn = :n"),
        {"c": grid.city.id, "n": TARGET},
    )
    assert step(dinas, "rekomendasikan", 3).status_code == 200
    assert step(target, "perbarui_dapodik", 4).status_code == 200
    done = step(dinas, "selesaikan", 5)
    assert done.json()["status"] == "selesai"
    timeline = client.get(f"/track/{receipt['code']}").json()["timeline"]
    assert [e["status"] for e in timeline][-1] == "selesai"
