"""The request layers in SQL: the restricted points within a row scope, the public counts
per kelurahan with small cells suppressed, and their revisions (migration 0009)."""

from __future__ import annotations

import json
from typing import Any

import mapbox_vector_tile
import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.accounts import RowScope
from geo.errors import NotFoundError
from geo.requests import MIN_PUBLIC_COUNT, public_count
from layers.features import fetch_item, fetch_items, parse_items_query
from layers.grid import build_grid
from layers.registry import ALL, LAYERS
from layers.revision import layer_revisions
from layers.tiles import fetch_tile, is_aggregated
from tests.layers.request_rows import KELURAHAN, add_request
from tests.layers.sample import insert_sample_city, tile_of

pytestmark = pytest.mark.postgis
REQUESTS = LAYERS["requests"]
PUBLIC = LAYERS["requests_public"]
KEL1, KEL2, KEL3, KEL4 = KELURAHAN
KESRA = RowScope(opd=("KESRA",))
DISHUB = RowScope(opd=("DISHUB",))
CENTRE = (106.65, -6.18)
PROPERTIES = {
    "code",
    "type",
    "status",
    "kelurahan_code",
    "kecamatan_code",
    "opd_code",
    "title",
    "created_at",
    "status_changed_at",
    "demo",
}


def _items(db: Session, city_id: int, layer: Any, scope: RowScope | None, **query: str) -> Any:
    page = fetch_items(db, city_id, layer, parse_items_query(layer, list(query.items())), scope)
    return json.loads(b"[" + page.features + b"]")


def _tile(db: Session, city_id: int, layer: Any, z: int, scope: RowScope | None) -> Any:
    x, y = tile_of(*CENTRE, z)
    body = fetch_tile(db, city_id, layer, z=z, x=x, y=y, revision=1, scope=scope)
    return mapbox_vector_tile.decode(body).get(layer.id, {"features": []})["features"]


@pytest.fixture
def city_id(db: Session) -> int:
    cid = insert_sample_city(db).city.id
    for _ in range(3):
        add_request(db, cid, KEL1)  # KESRA, kecamatan 36.71.01
    add_request(db, cid, KEL3, opd="DISHUB", area=True)  # kecamatan 36.71.02
    add_request(db, cid, KEL4, status="selesai")  # KESRA, kecamatan 36.71.02
    return cid


def test_geom_point_is_the_point_or_a_point_on_the_area(db: Session, city_id: int) -> None:
    rows = db.execute(
        text(
            "SELECT GeometryType(geom), ST_Equals(geom_point, ST_PointN(ST_Boundary("
            " ST_GeometryN(geom, 1)), 1)) OR ST_Equals(geom, geom_point),"
            " ST_Intersects(geom_point, geom), GeometryType(geom_point)"
            " FROM service_request WHERE city_id = :c ORDER BY id"
        ),
        {"c": city_id},
    ).all()
    assert [r[0] for r in rows] == ["POINT"] * 3 + ["MULTIPOLYGON", "POINT"]
    assert all(r[2] and r[3] == "POINT" for r in rows)
    assert all(r[1] for r in rows if r[0] == "POINT")  # a point stays itself


def test_items_hold_only_the_rows_of_the_scope(db: Session, city_id: int) -> None:
    everything = _items(db, city_id, REQUESTS, RowScope())
    assert len(everything) == 5
    assert {f["properties"]["opd_code"] for f in _items(db, city_id, REQUESTS, KESRA)} == {"KESRA"}
    assert len(_items(db, city_id, REQUESTS, KESRA)) == 4
    dishub = _items(db, city_id, REQUESTS, DISHUB)
    assert [f["properties"]["kelurahan_code"] for f in dishub] == [KEL3]
    assert dishub[0]["geometry"]["type"] == "Point"  # the area, by a point on it
    east = _items(db, city_id, REQUESTS, RowScope(kecamatan=("36.71.02",)))
    assert {f["properties"]["kelurahan_code"] for f in east} == {KEL3, KEL4}
    both = RowScope(opd=("KESRA",), kecamatan=("36.71.02",))
    assert [f["properties"]["status"] for f in _items(db, city_id, REQUESTS, both)] == ["selesai"]
    assert _items(db, city_id, REQUESTS, RowScope(opd=())) == []  # no OPD: nothing
    assert set(everything[0]["properties"]) == PROPERTIES
    filtered = _items(db, city_id, REQUESTS, RowScope(), status="selesai")
    assert [f["properties"]["kelurahan_code"] for f in filtered] == [KEL4]


def test_a_restricted_read_without_a_scope_fails_closed(db: Session, city_id: int) -> None:
    query = parse_items_query(REQUESTS, [])
    with pytest.raises(ValueError, match="restricted"):
        fetch_items(db, city_id, REQUESTS, query)
    with pytest.raises(ValueError, match="restricted"):
        fetch_item(db, city_id, REQUESTS, 1, [])
    x, y = tile_of(*CENTRE, 14)
    with pytest.raises(ValueError, match="restricted"):
        fetch_tile(db, city_id, REQUESTS, z=14, x=x, y=y)


def test_one_item_outside_the_scope_is_not_found(db: Session, city_id: int) -> None:
    fid = _items(db, city_id, REQUESTS, DISHUB)[0]["id"]
    feature = json.loads(fetch_item(db, city_id, REQUESTS, fid, [], scope=DISHUB))
    assert feature["properties"]["opd_code"] == "DISHUB"
    with pytest.raises(NotFoundError):
        fetch_item(db, city_id, REQUESTS, fid, [], scope=KESRA)


def test_tiles_hold_only_the_rows_of_the_scope(db: Session, city_id: int) -> None:
    assert not is_aggregated(REQUESTS, 12)
    features = _tile(db, city_id, REQUESTS, 12, RowScope())
    assert len(features) == 5
    assert {f["properties"]["opd_code"] for f in _tile(db, city_id, REQUESTS, 12, DISHUB)} == {
        "DISHUB"
    }
    assert len(_tile(db, city_id, REQUESTS, 12, KESRA)) == 4
    # low zooms: counts per cell, counted live within the scope (never a shared grid)
    assert is_aggregated(REQUESTS, 10)
    counts = {
        s.key: sum(f["properties"]["count"] for f in _tile(db, city_id, REQUESTS, 10, s))
        for s in (RowScope(), KESRA, DISHUB)
    }
    assert counts == {RowScope().key: 5, KESRA.key: 4, DISHUB.key: 1}
    grid = db.execute(
        text("SELECT count(*) FROM layer_point_grid WHERE layer = 'requests'")
    ).scalar_one()
    assert grid == 0
    with pytest.raises(ValueError, match="no shared grid"):
        build_grid(db, city_id, REQUESTS)


def _counts(db: Session, city_id: int, **query: str) -> dict[str, tuple[Any, str]]:
    features = _items(db, city_id, PUBLIC, None, **query)
    by_kelurahan = {f["properties"]["kelurahan_code"]: f["properties"] for f in features}
    assert len(by_kelurahan) == len(features) == 4  # one feature per kelurahan, always
    return {k: (p["count"], p["count_label"]) for k, p in by_kelurahan.items()}


def test_public_counts_suppress_small_cells(db: Session) -> None:
    cid = insert_sample_city(db).city.id
    for _ in range(4):
        add_request(db, cid, KEL1)
    for _ in range(MIN_PUBLIC_COUNT):
        add_request(db, cid, KEL3, status="evaluasi")
    add_request(db, cid, KEL3, status="selesai")
    counts = _counts(db, cid)
    assert counts == {KEL1: (None, "< 5"), KEL2: (0, "0"), KEL3: (6, "6"), KEL4: (0, "0")}
    raw = dict(
        db.execute(
            text(
                "SELECT kelurahan_code, count(*) FROM service_request WHERE city_id = :c"
                " GROUP BY kelurahan_code"
            ),
            {"c": cid},
        ).all()
    )
    for code, (count, label) in counts.items():  # the view follows geo's rule
        shown = public_count(raw.get(code, 0))
        assert label == str(shown)
        assert count == (shown if isinstance(shown, int) else None)
    assert _counts(db, cid, status="evaluasi")[KEL3] == (5, "5")
    assert _counts(db, cid, status="selesai")[KEL3] == (None, "< 5")
    assert _counts(db, cid, status="evaluasi")[KEL1] == (0, "0")
    assert _counts(db, cid, type="bantuan", status="diajukan")[KEL1] == (None, "< 5")
    assert _counts(db, cid, type="bantuan") == counts
    add_request(db, cid, KEL1)
    assert _counts(db, cid)[KEL1] == (5, "5")
    feature = _items(db, cid, PUBLIC, None)[0]
    assert feature["geometry"]["type"] == "MultiPolygon"
    assert set(feature["properties"]) == {
        "kelurahan_code",
        "kelurahan_name",
        "kecamatan_code",
        "type",
        "status",
        "count",
        "count_label",
    }
    assert (feature["properties"]["type"], feature["properties"]["status"]) == (ALL, ALL)


def test_public_counts_of_a_city_without_requests(db: Session) -> None:
    cid = insert_sample_city(db).city.id
    assert set(_counts(db, cid).values()) == {(0, "0")}
    assert _items(db, cid, PUBLIC, None, status="selesai") == []  # no such status yet


def test_public_feature_ids_are_stable_and_unique(db: Session, city_id: int) -> None:
    rows = db.execute(
        text("SELECT id, type, status FROM request_public_count WHERE city_id = :c"),
        {"c": city_id},
    ).all()
    ids = [r[0] for r in rows]
    assert len(ids) == len(set(ids)) == 4 * 6  # (*,*) (b,*) (*,d) (*,s) (b,d) (b,s)
    first = _items(db, city_id, PUBLIC, None)[0]
    add_request(db, city_id, KEL2)
    again = json.loads(fetch_item(db, city_id, PUBLIC, first["id"], []))
    assert again["properties"]["kelurahan_code"] == first["properties"]["kelurahan_code"]


def test_public_tiles_draw_every_kelurahan_once(db: Session, city_id: int) -> None:
    features = _tile(db, city_id, PUBLIC, 12, None)
    assert len(features) == 4
    assert {f["properties"]["type"] for f in features} == {ALL}
    labels = {f["properties"]["kelurahan_code"]: f["properties"]["count_label"] for f in features}
    assert labels == {KEL1: "< 5", KEL2: "0", KEL3: "< 5", KEL4: "< 5"}


def test_revisions_follow_request_writes_of_the_city(db: Session) -> None:
    cid = insert_sample_city(db).city.id
    other = insert_sample_city(db, "other-city").city.id
    before, other_before = layer_revisions(db, cid), layer_revisions(db, other)
    assert "requests" not in before
    first = add_request(db, cid, KEL1)
    after = layer_revisions(db, cid)
    assert after["requests"] == 1
    assert after["requests_public"] == before["requests_public"] + 1
    assert {k: after[k] for k in before if k != "requests_public"} == {
        k: before[k] for k in before if k != "requests_public"
    }
    db.execute(
        text("UPDATE service_request SET status = 'evaluasi' WHERE city_id = :c"), {"c": cid}
    )
    add_request(db, cid, KEL2)
    db.execute(
        text("DELETE FROM service_request WHERE city_id = :c AND id = :i"), {"c": cid, "i": first}
    )
    final = layer_revisions(db, cid)
    assert final["requests"] == 4
    assert final["requests_public"] == before["requests_public"] + 4
    assert layer_revisions(db, other) == other_before  # another city's layers stay


def test_every_layer_has_revision_triggers(db: Session) -> None:
    """Each layer id (or its admin level) is the argument of insert, update and delete
    triggers on its source table (for the view: on the tables it reads)."""
    rows = db.execute(
        text(
            "SELECT c.relname, t.tgname, encode(t.tgargs, 'escape')"
            " FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
            " WHERE t.tgname LIKE 'tpo_rev%'"
        )
    ).all()
    bumped: dict[str, set[str]] = {}
    for table, name, args in rows:
        event = name.rsplit("_", 1)[1]
        bumped.setdefault(args.removesuffix("\\000"), set()).add(f"{table}:{event}")
    events = {"insert", "update", "delete"}
    for layer in LAYERS.values():
        key = "{level}" if layer.table == "admin_area" else layer.id
        tables = {t.split(":")[0] for t in bumped[key]}
        assert {t.split(":")[1] for t in bumped[key]} == events, layer.id
        if layer.id == "requests_public":
            assert tables == {"service_request", "admin_area"}
        elif layer.id == "route_coverage":  # the view of migration 0013
            assert tables == {"angkot_route", "admin_area"}
        elif layer.id == "audit_sites":  # the view audit_site_layer (migration 0017)
            assert tables == {"audit_site", "audit", "audit_finding"}
        else:
            assert layer.table in tables, layer.id
