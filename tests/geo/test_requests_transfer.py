"""School transfers (pindah sekolah) on the request core: checks, figures, workflow, scope."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pyproj import Geod
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.accounts import ANONYMOUS, Grant
from geo.errors import InvalidGeometryError
from geo.requests.attachments import Upload, UploadStore
from geo.requests.queries import RequestFilter, list_requests
from geo.requests.schemas import RequestCreate
from geo.requests.service import submit
from geo.requests.steps import transition
from geo.requests.tracking import track
from geo.requests.transfer import (
    PROVINCE_OFFICE,
    LevelMismatchError,
    LevelNotGovernedError,
    NoCapacityError,
    Planning,
    UnknownSchoolError,
    trip_summary,
)
from geo.requests.transfer_alternatives import alternatives
from geo.requests.workflow import IllegalTransitionError
from geo.transit import fastest_trip, plan
from tests.geo.request_city import staff
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
    documents,
    planning_for,
    transfer_body,
    transfer_city,
)

pytestmark = pytest.mark.postgis
GEOD = Geod(ellps="WGS84")


@pytest.fixture
def grid(db: Session) -> GridCity:
    return transfer_city(db)


@pytest.fixture
def planning(db: Session, grid: GridCity) -> Planning:
    return planning_for(db, grid)


def _submit(
    db: Session, grid: GridCity, planning: Planning, tmp_path: Path, body: dict[str, Any]
) -> Any:
    return submit(
        db,
        ANONYMOUS,
        grid.city,
        RequestCreate.model_validate(body),
        documents=[Upload(*d) for d in documents()],
        store=UploadStore(tmp_path),
        planning=lambda: planning,
    )


def _count(db: Session) -> int:
    return db.execute(text("SELECT count(*) FROM service_request")).scalar_one()


def _school_lonlat(grid: GridCity, npsn: str) -> tuple[float, float]:
    cell = next(s[3] for s in SCHOOLS if s[0] == npsn)
    return grid.lonlat(*cell)


def _expected(grid: GridCity, planning: Planning, home: tuple[float, float], npsn: str) -> dict:
    """The figures of one school computed independently: pyproj's geodesic, the walking
    graph's own shortest path, the planner's fastest ride, a sort of the level's schools."""
    lon, lat = _school_lonlat(grid, npsn)
    _, _, dist = GEOD.inv(home[0], home[1], lon, lat)
    walk = planning.graph.path(home, (lon, lat)).distance_m
    level = next(s[1] for s in SCHOOLS if s[0] == npsn)
    same = [s for s in SCHOOLS if s[1] == level]
    by_distance = sorted(GEOD.inv(home[0], home[1], *grid.lonlat(*s[3]))[2] for s in same)
    result = plan(planning.graph, planning.transit, home, (lon, lat), planning.options)
    rides = [i for i in result["itineraries"] if any(g["mode"] == "ride" for g in i["legs"])]
    return {
        "distance_m": dist,
        "walk_m": walk,
        "rank": 1 + sum(1 for d in by_distance if d < dist - 1e-6),
        "trip": min(rides, key=lambda i: i["duration_s"]) if rides else None,
    }


def test_submission_computes_and_stores_the_figures(
    db: Session, grid: GridCity, planning: Planning, tmp_path: Path
) -> None:
    home = grid.lonlat(*HOME)
    receipt = _submit(db, grid, planning, tmp_path, transfer_body(home))
    assert receipt.code.startswith("PSK-")
    assert receipt.opd == "DISDIK"
    fig = receipt.figures
    want = _expected(grid, planning, home, TARGET)
    assert fig["distance_m"] == pytest.approx(want["distance_m"], abs=0.1)
    assert fig["walk_distance_m"] == pytest.approx(want["walk_m"], abs=0.1)
    assert fig["walk_duration_s"] == pytest.approx(want["walk_m"] / (4.5 / 3.6), abs=1)
    assert fig["rank"] == want["rank"]
    assert want["trip"] is not None
    assert fig["trip"]["found"]
    assert fig["trip"]["duration_s"] == want["trip"]["duration_s"]
    assert fig["trip"]["fare_idr"] == want["trip"]["fare_idr"] == 4000
    assert fig["trip"]["routes"] == ["E1"]
    assert fig["capacity_remaining"] is None
    assert "tidak diketahui" in fig["explanation"]
    row = db.execute(
        text(
            "SELECT r.attrs, ST_X(r.geom) AS lon, ST_Y(r.geom) AS lat, p.extra"
            " FROM service_request r JOIN request_private p ON p.request_id = r.id"
            " WHERE r.id = :id"
        ),
        {"id": receipt.id},
    ).one()
    assert row.attrs["figures"]["rank"] == fig["rank"]
    assert row.attrs["target_name"] == f"Sekolah {TARGET}"
    # the request's place is the target school; the home and the child are private
    assert (row.lon, row.lat) == pytest.approx(_school_lonlat(grid, TARGET), abs=1e-7)
    assert row.extra["home_point"] == pytest.approx(list(home), abs=1e-7)
    assert row.extra["student"]["nisn"] == NISN
    assert CHILD not in str(row.attrs)
    assert NISN not in str(row.attrs)
    public = track(db, receipt.code)
    assert public.school == f"Sekolah {TARGET}"
    assert public.kelurahan is None
    assert public.kecamatan is None
    assert CHILD not in public.model_dump_json()
    assert NISN not in public.model_dump_json()


@pytest.mark.parametrize(
    ("change", "error", "field"),
    [
        ({"target": SMA_SCHOOL, "origin": SMA_SCHOOL}, LevelNotGovernedError, "attrs.target_npsn"),
        ({"target": SMA_SCHOOL}, LevelNotGovernedError, "attrs.target_npsn"),
        ({"target": "99999999"}, UnknownSchoolError, "attrs.target_npsn"),
        ({"origin": "99999998"}, UnknownSchoolError, "attrs.origin_npsn"),
        ({"target": SMP_SCHOOL}, LevelMismatchError, "attrs.target_npsn"),
        ({"target": ORIGIN}, LevelMismatchError, "attrs.target_npsn"),
        ({"grade": 8}, LevelMismatchError, "private.student.grade"),
    ],
)
def test_bad_transfers_write_nothing(
    db: Session,
    grid: GridCity,
    planning: Planning,
    tmp_path: Path,
    change: dict[str, Any],
    error: type[Exception],
    field: str,
) -> None:
    before = _count(db)
    with pytest.raises(error) as caught:
        _submit(db, grid, planning, tmp_path, transfer_body(grid.lonlat(*HOME), **change))
    assert caught.value.errors[0]["field"] == field  # type: ignore[attr-defined]
    if error is LevelNotGovernedError:
        assert "Jl. Syech Nawawi Al Bantani, Palima, Kota Serang" in str(caught.value)
        assert PROVINCE_OFFICE in str(caught.value)
    assert _count(db) == before


def test_home_outside_the_city_is_refused(
    db: Session, grid: GridCity, planning: Planning, tmp_path: Path
) -> None:
    before = _count(db)
    for cell in ((-12, 10), (-30, 10)):  # just outside the kota polygon; far outside the bbox
        with pytest.raises(InvalidGeometryError):
            _submit(db, grid, planning, tmp_path, transfer_body(grid.lonlat(*cell)))
    assert _count(db) == before


def _sekolah(grid: GridCity, npsn: str) -> Any:
    return staff(grid.city, Grant("sekolah", npsn=npsn))


def _take(db: Session, grid: GridCity, who: Any, rid: int, name: str, version: int, **f: Any):
    return transition(db, who, grid.city, rid, name=name, fields=f, expected_version=version)


def test_workflow_by_each_school_and_the_dinas(
    db: Session, grid: GridCity, planning: Planning, tmp_path: Path
) -> None:
    receipt = _submit(db, grid, planning, tmp_path, transfer_body(grid.lonlat(*HOME)))
    origin, target = _sekolah(grid, ORIGIN), _sekolah(grid, TARGET)
    dinas = staff(grid.city, Grant("opd_staff", opd="DISDIK"))
    other = _sekolah(grid, "10000003")
    # each school sees the transfers naming it; an unrelated school sees none
    for who, seen in ((origin, 1), (target, 1), (other, 0), (dinas, 1)):
        assert list_requests(db, who, grid.city, RequestFilter()).total == seen
    with pytest.raises(IllegalTransitionError):  # the target school cannot approve for the origin
        _take(db, grid, target, receipt.id, "setujui_asal", 1)
    step = _take(db, grid, origin, receipt.id, "setujui_asal", 1)
    assert step.status == "disetujui_sekolah_asal"
    with pytest.raises(IllegalTransitionError):
        _take(db, grid, origin, receipt.id, "terima_tujuan", 2)
    step = _take(db, grid, target, receipt.id, "terima_tujuan", 2)
    with pytest.raises(IllegalTransitionError):  # the Dinas recommends, not a school
        _take(db, grid, target, receipt.id, "rekomendasikan", 3)
    step = _take(db, grid, dinas, receipt.id, "rekomendasikan", 3)
    assert step.status == "rekomendasi_dinas"
    fields = db.execute(
        text("SELECT fields FROM request_event WHERE request_id = :r ORDER BY id DESC LIMIT 1"),
        {"r": receipt.id},
    ).scalar_one()
    assert fields["capacity_remaining"] is None
    assert "tidak diketahui" in fields["capacity"]
    step = _take(db, grid, target, receipt.id, "perbarui_dapodik", 4)
    step = _take(db, grid, dinas, receipt.id, "selesaikan", 5)
    assert step.status == "selesai"


def test_capacity_is_checked_when_the_dinas_recommends(
    db: Session, grid: GridCity, planning: Planning, tmp_path: Path
) -> None:
    db.execute(
        text("UPDATE school SET capacity_remaining = 1 WHERE city_id = :c AND npsn = :n"),
        {"c": grid.city.id, "n": TARGET},
    )
    dinas = staff(grid.city, Grant("opd_staff", opd="DISDIK"))
    ids = []
    for _ in range(2):
        r = _submit(db, grid, planning, tmp_path, transfer_body(grid.lonlat(*HOME)))
        assert r.figures["capacity_remaining"] == 1
        _take(db, grid, _sekolah(grid, ORIGIN), r.id, "setujui_asal", 1)
        _take(db, grid, _sekolah(grid, TARGET), r.id, "terima_tujuan", 2)
        ids.append(r.id)
    _take(db, grid, dinas, ids[0], "rekomendasikan", 3)
    with pytest.raises(NoCapacityError):  # the one seat is held by the first
        _take(db, grid, dinas, ids[1], "rekomendasikan", 3)
    status = db.execute(
        text("SELECT status FROM service_request WHERE id = :id"), {"id": ids[1]}
    ).scalar_one()
    assert status == "diterima_sekolah_tujuan"
    out = alternatives(
        db,
        grid.city,
        planning,
        lon=grid.lonlat(*HOME)[0],
        lat=grid.lonlat(*HOME)[1],
        level="SD",
        target=TARGET,
    )
    assert out["target"]["capacity_remaining"] == 0


def test_reject_and_correction_need_a_reason(
    db: Session, grid: GridCity, planning: Planning, tmp_path: Path
) -> None:
    from geo.requests.workflow import TransitionFieldsError

    r = _submit(db, grid, planning, tmp_path, transfer_body(grid.lonlat(*HOME)))
    origin = _sekolah(grid, ORIGIN)
    with pytest.raises(TransitionFieldsError):
        _take(db, grid, origin, r.id, "tolak", 1)
    step = _take(db, grid, origin, r.id, "minta_perbaikan", 1, public_note="Rapor belum jelas")
    assert step.status == "perlu_perbaikan"


def test_alternatives_are_the_nearest_of_the_level(
    db: Session, grid: GridCity, planning: Planning
) -> None:
    home = grid.lonlat(*HOME)
    out = alternatives(db, grid.city, planning, lon=home[0], lat=home[1], level="SD", target=TARGET)
    sd = [s[0] for s in SCHOOLS if s[1] == "SD"]
    nearest = sorted(sd, key=lambda n: GEOD.inv(*home, *_school_lonlat(grid, n))[2])[:5]
    assert [a["npsn"] for a in out["alternatives"]] == nearest
    for a in [*out["alternatives"], out["target"]]:
        want = _expected(grid, planning, home, a["npsn"])
        assert a["distance_m"] == pytest.approx(want["distance_m"], abs=0.1)
        assert a["walk_distance_m"] == pytest.approx(want["walk_m"], abs=0.1)
        assert a["rank"] == want["rank"]
        if want["trip"] is None:
            assert not a["trip"]["found"]
        else:
            assert a["trip"]["duration_s"] == want["trip"]["duration_s"]
    assert [a["rank"] for a in out["alternatives"]] == [1, 2, 3, 4, 5]
    negeri = alternatives(
        db, grid.city, planning, lon=home[0], lat=home[1], level="SD", status="negeri"
    )
    assert {a["status"] for a in negeri["alternatives"]} == {"negeri"}
    assert negeri["target"] is None
    with pytest.raises(LevelNotGovernedError):
        alternatives(db, grid.city, planning, lon=home[0], lat=home[1], level="SMK")
    with pytest.raises(LevelMismatchError):
        alternatives(db, grid.city, planning, lon=home[0], lat=home[1], level="SMP", target=TARGET)


def test_no_trip_is_said_plainly() -> None:
    assert trip_summary({"itineraries": [], "reason": "tidak ada angkot"}) == {
        "found": False,
        "reason": "tidak ada angkot",
    }


def test_the_fastest_trip_summary_is_plans_fastest_itinerary(
    grid: GridCity, planning: Planning
) -> None:
    """fastest_trip() gives the figures of plan()'s fastest ride itinerary, pair by pair:
    near and far, beside a route and off it, and walking-distance pairs (no ride kept)."""
    cells = [HOME, (0.0, 0.0), (20.0, 20.0), (10.0, 10.0), (3.0, 17.0), (18.0, 2.0), (1.2, 10.0)]
    pairs = [(grid.lonlat(*a), grid.lonlat(*b)) for a in cells for b in cells if a != b]
    pairs += [(grid.lonlat(*HOME), _school_lonlat(grid, s[0])) for s in SCHOOLS]
    found = 0
    for a, b in pairs:
        want = trip_summary(plan(planning.graph, planning.transit, a, b, planning.options))
        got = fastest_trip(planning.graph, planning.transit, a, b, planning.options)
        if not got["found"]:
            got["reason"] = got["reason"] or "berjalan kaki lebih cepat daripada naik angkot"
        assert got == want, (a, b)
        found += bool(got["found"])
    assert 0 < found < len(pairs)


def test_a_school_grant_names_a_school_of_the_city(db: Session, grid: GridCity) -> None:
    from geo.accounts import create_user, principal_for_user
    from geo.errors import InvalidInputError

    def make(name: str, g: Grant) -> int:
        return create_user(
            db,
            city_id=grid.city.id,
            username=name,
            display_name=name,
            password="kata-sandi-uji-7Qx",
            grants=[g],
        )

    for name, g in (
        ("tanpa-npsn", Grant("sekolah")),
        ("npsn-asing", Grant("sekolah", npsn="99999999")),
        ("opd-npsn", Grant("opd_staff", opd=None, npsn=ORIGIN)),
    ):
        with pytest.raises(InvalidInputError) as caught:
            make(name, g)
        assert caught.value.errors[0]["field"] in {"npsn", "opd"}
    uid = make("sd-asal", Grant("sekolah", npsn=f" {ORIGIN} "))
    assert principal_for_user(db, uid, via="session").grants == (Grant("sekolah", npsn=ORIGIN),)
