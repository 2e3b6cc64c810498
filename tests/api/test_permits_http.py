"""Permits over HTTP (#15): the draft pre-check writes nothing, bad input is a 422 problem,
staff read and re-run an application's stored checks, and an approval puts the parcel into
the parcels layer at once (its items' ETag changes, the parcel is in the items and its tile)."""

from __future__ import annotations

from typing import Any

import mapbox_vector_tile
import orjson
import pytest
from shapely.geometry import box, mapping
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.accounts import Grant, create_user
from geo.accounts.users import upsert_opd
from tests.api.accounts import PASSWORD, User, session_user
from tests.geo.permit_city import CLEAN, CROSSING, PermitCity, insert_permit_city
from tests.geo.permit_sample import application, documents
from tests.geo.test_permit_check import utm_area
from tests.layers.sample import tile_of

pytestmark = pytest.mark.postgis
CITY = "/cities/izin-test"


@pytest.fixture
def pc(db: Session) -> PermitCity:
    return insert_permit_city(db)


def _draft(**change: Any) -> dict[str, Any]:
    body = {
        "geometry": mapping(CROSSING),
        "use": "Rumah tinggal",
        "declared_area_m2": round(utm_area(CROSSING)),
        "floors": 2,
        "footprint_m2": 1_000.0,
        "green_m2": 1_500.0,
    }
    return body | change


def _written(db: Session) -> tuple[int, ...]:
    return tuple(
        db.execute(
            text(
                "SELECT (SELECT count(*) FROM service_request), (SELECT count(*) FROM"
                " permit_check), (SELECT coalesce(sum(revision), 0) FROM layer_revision),"
                " (SELECT count(*) FROM audit_log)"
            )
        ).one()
    )


def test_draft_check_answers_the_result_and_writes_nothing(
    client: Any, db: Session, pc: PermitCity
) -> None:
    before = _written(db)
    r = client.post(f"{CITY}/permits/check", json=_draft())
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["verdict"] == "tidak_lolos"
    assert body["indicative"] is True
    assert "sawah dilindungi" in body["summary_id"]
    ids = [c["id"] for c in body["checks"]]
    assert ids[:4] == ["area", "overlap_parcels", "overlap_pending", "zoning"]
    zoning = next(c for c in body["checks"] if c["id"] == "zoning")
    assert zoning["features"]["type"] == "FeatureCollection"
    assert {f["properties"]["itbx"] for f in zoning["features"]["features"]} == {"I", "T"}
    assert set(body["layer_revisions"]) == {"zoning", "protected_areas", "parcels"}
    assert (body["parcel"]["repaired"], body["parcel"]["vertices"]) == (False, 4)
    assert _written(db) == before


def test_uses_list_the_itbx_activities_and_zones(client: Any, pc: PermitCity) -> None:
    r = client.get(f"{CITY}/permits/uses")
    assert r.status_code == 200
    assert r.json() == {
        "uses": [{"activity": "Pabrik"}, {"activity": "Rumah tinggal"}, {"activity": "Toko"}],
        "zones": [
            {"code": "K-1", "name": "Perdagangan dan jasa"},
            {"code": "R-2", "name": "Perumahan kepadatan sedang"},
        ],
    }


BOWTIE = {
    "type": "Polygon",
    "coordinates": [
        [[106.63, -6.15], [106.64, -6.14], [106.64, -6.15], [106.63, -6.14], [106.63, -6.15]]
    ],
}


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"use": "Kebun binatang"}, "permit-use-unknown"),
        ({"geometry": BOWTIE}, "parcel-invalid"),
        ({"geometry": {"type": "Point", "coordinates": [106.63, -6.15]}}, "parcel-geometry-type"),
        ({"geometry": {"type": "Polygon", "coordinates": "x"}}, "parcel-format"),
        ({"geometry": mapping(box(106.71, -6.15, 106.711, -6.149))}, "parcel-outside-city"),
        ({"floors": 0}, "validation-error"),
        ({"declared_area_m2": -5}, "validation-error"),
        ({"extra": 1}, "validation-error"),
    ],
    ids=[
        "unknown-use",
        "bowtie",
        "point",
        "garbage",
        "outside",
        "no-floors",
        "negative-area",
        "extra",
    ],
)
def test_bad_input_is_a_422_problem_and_writes_nothing(
    client: Any, db: Session, pc: PermitCity, change: dict[str, Any], code: str
) -> None:
    before = _written(db)
    r = client.post(f"{CITY}/permits/check", json=_draft(**change))
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["code"] == code
    assert "Traceback" not in r.text
    assert _written(db) == before


def _staff(db: Session, pc: PermitCity, name: str, grant: Grant) -> User:
    if grant.opd:
        upsert_opd(db, pc.city.id, grant.opd, grant.opd)
    uid = create_user(
        db,
        city_id=pc.city.id,
        username=name,
        display_name=name,
        password=PASSWORD,
        grants=[grant],
    )
    return session_user(db, uid, name, grant.role, pc.city.slug)


def _submit(client: Any, parcel: Any) -> dict[str, Any]:
    body = application(parcel, round(utm_area(parcel)))
    files = [(slot, (f"{slot}.pdf", data, "application/pdf")) for slot, data in documents().items()]
    r = client.post(f"{CITY}/requests", data={"request": orjson.dumps(body).decode()}, files=files)
    assert r.status_code == 201, r.text
    return dict(r.json())


def _step(client: Any, user: User, rid: int, name: str, version: int, **fields: Any) -> int:
    client.cookies.clear()
    r = client.post(
        f"{CITY}/requests/{rid}/transitions",
        json={"transition": name, **fields},
        headers=user.headers(unsafe=True) | {"If-Match": f'"v{version}"'},
    )
    assert r.status_code == 200, r.text
    return int(r.json()["version"])


def test_stored_checks_rerun_and_approval_reach_the_parcels_layer(
    client: Any, db: Session, pc: PermitCity
) -> None:
    receipt = _submit(client, CROSSING)
    rid = receipt["id"]
    staff = _staff(db, pc, "staf_dpmptsp", Grant("opd_staff", opd="DPMPTSP"))
    other = _staff(db, pc, "staf_kesra", Grant("opd_staff", opd="KESRA"))
    client.cookies.clear()
    assert client.get(f"{CITY}/permits/{rid}/check").status_code == 401
    got = client.get(f"{CITY}/permits/{rid}/check", headers=staff.headers())
    assert got.status_code == 200, got.text
    first = got.json()
    assert (first["version"], first["verdict"]) == (1, "tidak_lolos")
    assert [v["version"] for v in first["versions"]] == [1]
    client.cookies.clear()
    hidden = client.post(f"{CITY}/permits/{rid}/check", headers=other.headers(unsafe=True))
    assert hidden.status_code == 404  # KESRA does not handle permits
    client.cookies.clear()
    again = client.post(f"{CITY}/permits/{rid}/check", headers=staff.headers(unsafe=True))
    assert again.status_code == 201, again.text
    assert again.json()["version"] == 2
    assert [v["version"] for v in again.json()["versions"]] == [2, 1]

    # before approval: the parcel is not in the parcels layer
    items = f"{CITY}/collections/parcels/items?limit=1000"
    client.cookies.clear()
    old = client.get(items)
    assert receipt["code"] not in old.text
    x, y = tile_of(CROSSING.centroid.x, CROSSING.centroid.y, 16)
    tile = f"{CITY}/collections/parcels/tiles/WebMercatorQuad/16/{x}/{y}"
    assert client.get(tile).status_code == 204  # nothing there yet
    v = _step(client, staff, rid, "mulai_pemeriksaan", receipt["version"])
    _step(client, staff, rid, "setujui", v)
    client.cookies.clear()
    new = client.get(items, headers={"If-None-Match": old.headers["etag"]})
    assert new.status_code == 200
    assert new.headers["etag"] != old.headers["etag"]
    codes = {f["properties"]["code"]: f for f in new.json()["features"]}
    assert codes[receipt["code"]]["properties"]["name"] == "Rumah Keluarga Uji"
    drawn = client.get(tile)
    assert drawn.status_code == 200
    features = mapbox_vector_tile.decode(drawn.content)["parcels"]["features"]
    assert receipt["code"] in {f["properties"]["code"] for f in features}


def test_a_clean_application_is_checked_lolos(client: Any, db: Session, pc: PermitCity) -> None:
    receipt = _submit(client, CLEAN)
    staff = _staff(db, pc, "staf_dpmptsp", Grant("opd_staff", opd="DPMPTSP"))
    client.cookies.clear()
    got = client.get(f"{CITY}/permits/{receipt['id']}/check", headers=staff.headers()).json()
    assert got["verdict"] == "lolos"
    client.cookies.clear()
    missing = client.get(f"{CITY}/permits/{receipt['id'] + 999}/check", headers=staff.headers())
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"


def test_the_applicant_sees_the_stored_check_of_own_application(
    client: Any, db: Session, pc: PermitCity
) -> None:
    """A warga who submitted an application reads its stored check by tracking code; another
    warga gets the same 404 as for a code that does not exist, anonymous callers 401."""
    owner = _staff(db, pc, "pemohon", Grant("warga"))
    stranger = _staff(db, pc, "tetangga", Grant("warga"))
    body = application(CROSSING, round(utm_area(CROSSING)))
    files = [(slot, (f"{slot}.pdf", data, "application/pdf")) for slot, data in documents().items()]
    client.cookies.clear()
    sent = client.post(
        f"{CITY}/requests",
        data={"request": orjson.dumps(body).decode()},
        files=files,
        headers=owner.headers(unsafe=True),
    )
    assert sent.status_code == 201, sent.text
    code = sent.json()["code"]
    url = f"/me/requests/{code}/permit-check"
    client.cookies.clear()
    mine = client.get(url, headers=owner.headers())
    assert mine.status_code == 200, mine.text
    assert mine.headers["cache-control"] == "private, no-store"
    assert (mine.json()["version"], mine.json()["verdict"]) == (1, "tidak_lolos")
    client.cookies.clear()
    assert client.get(url.lower(), headers=owner.headers()).status_code == 200  # as typed
    client.cookies.clear()
    theirs = client.get(url, headers=stranger.headers())
    assert theirs.status_code == 404
    assert theirs.headers["content-type"] == "application/problem+json"
    client.cookies.clear()
    assert client.get(url).status_code == 401
    client.cookies.clear()
    nonsense = client.get("/me/requests/NOT-A-CODE/permit-check", headers=owner.headers())
    assert nonsense.status_code == 404
