"""Transport suggestions (saran_transport) on PostGIS: points and lines, who sees and moves them."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.accounts import ANONYMOUS, Grant
from geo.cities import CityInfo
from geo.errors import InvalidGeometryError, InvalidInputError
from geo.models import ROLES
from geo.requests import (
    SARAN_WORKFLOW,
    IllegalTransitionError,
    TransitionFieldsError,
    WorkflowDefinitionError,
    validate_workflow,
)
from geo.requests.catalogue import services
from geo.requests.detail import request_detail
from geo.requests.queries import RequestFilter, list_requests
from geo.requests.schemas import RequestCreate
from geo.requests.service import RequestNotFoundError, submit, transition
from geo.requests.tracking import track
from geo.requests.windows import NO_WINDOWS
from tests.geo.request_city import city_with_proposals, staff

pytestmark = pytest.mark.postgis

# the sample city (tests/layers/sample.py): kelurahan 1 south-west, 2 north-west, 3 south-east
SW, NW, SE = (106.62, -6.20), (106.62, -6.16), (106.68, -6.20)


@pytest.fixture
def city(db: Session, tmp_path: Path) -> CityInfo:
    return city_with_proposals(db, tmp_path / "uploads")  # 10 aid proposals beside


def _saran(geometry: dict[str, Any], **extra: Any) -> RequestCreate:
    body: dict[str, Any] = {
        "type": "saran_transport",
        "geometry": geometry,
        "attrs": {"kind": "butuh_trayek", "note": "Butuh angkot dari pasar ke terminal"},
    }
    return RequestCreate.model_validate(body | extra)


def _point(lon: float, lat: float) -> dict[str, Any]:
    return {"type": "Point", "coordinates": [lon, lat]}


def _line(*points: tuple[float, float]) -> dict[str, Any]:
    return {"type": "LineString", "coordinates": [list(p) for p in points]}


def _count(db: Session, table: str = "service_request") -> int:
    return db.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()


def test_an_anonymous_point_is_placed_routed_and_keeps_no_person(
    db: Session, city: CityInfo
) -> None:
    before = _count(db, "request_private")
    receipt = submit(db, ANONYMOUS, city, _saran(_point(*SW)))
    assert receipt.code.startswith("SRN-")
    assert (receipt.status, receipt.opd, receipt.kelurahan) == ("diterima", "DISHUB", "Kelurahan 1")
    assert _count(db, "request_private") == before  # no contact given: no personal row at all
    row = db.execute(
        text("SELECT title, attrs FROM service_request WHERE id = :id"), {"id": receipt.id}
    ).one()
    assert row.title == "Butuh angkot dari sini ke sana"
    assert row.attrs == {"kind": "butuh_trayek", "note": "Butuh angkot dari pasar ke terminal"}
    tracked = track(db, receipt.code)
    assert (tracked.type, tracked.status, tracked.kelurahan) == (
        "saran_transport",
        "diterima",
        "Kelurahan 1",
    )


def test_a_line_is_stored_whole_and_placed_by_its_start(db: Session, city: CityInfo) -> None:
    receipt = submit(db, ANONYMOUS, city, _saran(_line(SE, (106.65, -6.19), NW)))
    assert receipt.kelurahan == "Kelurahan 3"  # "dari sini": where the line starts
    row = db.execute(
        text(
            "SELECT GeometryType(geom) AS kind, ST_NPoints(geom) AS n, ST_AsText(geom_point) AS pt,"
            " kelurahan_code FROM service_request WHERE id = :id"
        ),
        {"id": receipt.id},
    ).one()
    assert (row.kind, row.n, row.pt, row.kelurahan_code) == (
        "LINESTRING",
        3,
        "POINT(106.68 -6.2)",
        "36.71.02.1003",
    )
    back = submit(db, ANONYMOUS, city, _saran(_line(NW, SE)))
    assert back.kelurahan == "Kelurahan 2"


def test_a_contact_is_optional_private_and_asks_no_nik(db: Session, city: CityInfo) -> None:
    contact = {"name": "Rina Penumpang", "phone": "0812 1111 2222", "email": "rina@contoh.invalid"}
    receipt = submit(db, ANONYMOUS, city, _saran(_point(*SW), contact=contact))
    row = db.execute(
        text("SELECT name, phone, email, nik FROM request_private WHERE request_id = :id"),
        {"id": receipt.id},
    ).one()
    assert tuple(row) == ("Rina Penumpang", "0812 1111 2222", "rina@contoh.invalid", None)
    assert "Rina" not in track(db, receipt.code).model_dump_json()
    before = _count(db)
    with pytest.raises(InvalidInputError) as refused:
        submit(
            db,
            ANONYMOUS,
            city,
            _saran(_point(*SW), contact={**contact, "nik": "9901014507900001"}),
        )
    assert refused.value.errors == [
        {"field": "contact.nik", "message": "not asked for this service"}
    ]
    assert _count(db) == before


@pytest.mark.parametrize(
    ("attrs", "field"),
    [
        ({"kind": "terbang", "note": "x"}, "attrs.kind"),
        ({"kind": "ngetem", "note": "x" * 1001}, "attrs.note"),
        ({"kind": "ngetem", "note": "   "}, "attrs.note"),
        ({"kind": "ngetem"}, "attrs.note"),
        ({"kind": "ngetem", "note": "x", "name": "Rina"}, "attrs.name"),
    ],
)
def test_bad_attributes_are_refused_by_field(
    db: Session, city: CityInfo, attrs: dict[str, Any], field: str
) -> None:
    before = _count(db)
    with pytest.raises(InvalidInputError) as bad:
        submit(db, ANONYMOUS, city, _saran(_point(*SW), attrs=attrs))
    assert [e["field"] for e in bad.value.errors] == [field]
    assert _count(db) == before


@pytest.mark.parametrize(
    ("geometry", "words"),
    [
        (_line(SW, (106.90, -6.18)), "outside"),  # ends 20 km east of the city
        (_line((106.90, -6.18), SW), "outside"),  # starts there
        (_point(106.90, -6.18), "outside"),
        (_line(SW, SW), "two different points"),
        (_line(SW), "not valid GeoJSON"),
        (
            {
                "type": "Polygon",
                "coordinates": [
                    [[106.61, -6.21], [106.63, -6.21], [106.63, -6.19], [106.61, -6.21]]
                ],
            },
            "Point or LineString",
        ),
        ({"type": "MultiLineString", "coordinates": [[list(SW), list(NW)]]}, "Point or LineString"),
        (_line(SW, (200.0, -6.18)), "lon in -180..180"),
    ],
)
def test_bad_places_are_refused_and_nothing_is_written(
    db: Session, city: CityInfo, geometry: dict[str, Any], words: str
) -> None:
    before = _count(db)
    with pytest.raises(InvalidGeometryError) as bad:
        submit(db, ANONYMOUS, city, _saran(geometry))
    assert words in bad.value.detail
    assert _count(db) == before


def test_aid_proposals_still_refuse_lines(db: Session, city: CityInfo) -> None:
    from geo.requests.aid import AID_DOCUMENTS
    from geo.requests.attachments import Upload
    from tests.api.request_sample import PDF, proposal

    body = proposal(*SW) | {"geometry": _line(SW, NW)}
    documents = [Upload(slot, f"{slot}.pdf", PDF) for slot in AID_DOCUMENTS]
    with pytest.raises(InvalidGeometryError, match="Point, Polygon or MultiPolygon"):
        submit(db, ANONYMOUS, city, RequestCreate.model_validate(body), documents=documents)


def test_dishub_moves_a_suggestion_through_its_workflow(db: Session, city: CityInfo) -> None:
    planner = staff(city, Grant("dishub"))
    reviewer = staff(city, Grant("dishub_reviewer"))
    receipt = submit(db, ANONYMOUS, city, _saran(_line(SW, NW)))
    detail = request_detail(db, planner, city, receipt.id)
    assert (detail.lon, detail.lat) == SW  # the line's start, where its kelurahan is
    assert detail.geometry["type"] == "LineString"
    with pytest.raises(IllegalTransitionError) as early:
        transition(
            db,
            planner,
            city,
            receipt.id,
            name="tindak_lanjuti",
            fields={"public_note": "x"},
            expected_version=1,
        )
    assert early.value.allowed == ["tinjau", "tolak"]
    seen = transition(db, planner, city, receipt.id, name="tinjau", fields={}, expected_version=1)
    assert (seen.status, seen.version) == ("ditinjau", 2)
    with pytest.raises(TransitionFieldsError):
        transition(
            db, reviewer, city, receipt.id, name="tindak_lanjuti", fields={}, expected_version=2
        )
    note = "Trayek baru R09 melewati jalan ini mulai Januari"
    done = transition(
        db,
        reviewer,
        city,
        receipt.id,
        name="tindak_lanjuti",
        fields={"public_note": note},
        expected_version=2,
    )
    assert done.status == "ditindaklanjuti"
    with pytest.raises(IllegalTransitionError) as final:
        transition(
            db,
            reviewer,
            city,
            receipt.id,
            name="tolak",
            fields={"public_note": "x"},
            expected_version=3,
        )
    assert final.value.allowed == []
    timeline = track(db, receipt.code).timeline
    assert [(e.status, e.note) for e in timeline] == [
        ("diterima", None),
        ("ditinjau", None),
        ("ditindaklanjuti", note),
    ]


def test_a_rejection_needs_a_public_note(db: Session, city: CityInfo) -> None:
    reviewer = staff(city, Grant("dishub_reviewer"))
    receipt = submit(db, ANONYMOUS, city, _saran(_point(*SW)))
    with pytest.raises(TransitionFieldsError):
        transition(db, reviewer, city, receipt.id, name="tolak", fields={}, expected_version=1)
    note = "Sudah dilayani trayek R03"
    rejected = transition(
        db,
        reviewer,
        city,
        receipt.id,
        name="tolak",
        fields={"public_note": note},
        expected_version=1,
    )
    assert rejected.status == "ditolak"
    assert track(db, receipt.code).timeline[-1].note == note


def _types(page: Any) -> set[str]:
    return {row.type for row in page.items}


def test_dishub_reads_and_moves_suggestions_only(db: Session, city: CityInfo) -> None:
    planner = staff(city, Grant("dishub"))
    suggestion = submit(db, ANONYMOUS, city, _saran(_point(*SW)))
    page = list_requests(db, planner, city, RequestFilter())
    assert (_types(page), page.total) == ({"saran_transport"}, 1)
    assert list_requests(db, planner, city, RequestFilter(type="bantuan")).total == 0
    detail = request_detail(db, planner, city, suggestion.id)
    assert [t.name for t in detail.transitions] == ["tinjau", "tolak"]
    assert detail.private_allowed is False  # a contact is for DISHUB's opd_staff, not planners
    aid_id = db.execute(
        text("SELECT min(id) FROM service_request WHERE city_id = :c AND type = 'bantuan'"),
        {"c": city.id},
    ).scalar_one()
    with pytest.raises(RequestNotFoundError):
        request_detail(db, planner, city, aid_id)
    with pytest.raises(RequestNotFoundError):
        transition(
            db, planner, city, aid_id, name="mulai_verifikasi", fields={}, expected_version=1
        )
    # a planner limited to a kecamatan sees the suggestions there only
    west = staff(city, Grant("dishub", kecamatan="36.71.01"))
    east = staff(city, Grant("dishub", kecamatan="36.71.02"))
    assert list_requests(db, west, city, RequestFilter()).total == 1
    assert list_requests(db, east, city, RequestFilter()).total == 0


def test_other_opds_see_suggestions_only_when_routed_to_them(db: Session, city: CityInfo) -> None:
    kesra = staff(city, Grant("opd_staff", opd="KESRA"))
    dishub = staff(city, Grant("opd_staff", opd="DISHUB"))
    suggestion = submit(db, ANONYMOUS, city, _saran(_point(*SW)))
    assert _types(list_requests(db, kesra, city, RequestFilter())) == {"bantuan"}
    with pytest.raises(RequestNotFoundError):
        request_detail(db, kesra, city, suggestion.id)
    assert _types(list_requests(db, dishub, city, RequestFilter())) == {"saran_transport"}
    assert request_detail(db, dishub, city, suggestion.id).private_allowed is True
    db.execute(
        text("UPDATE service_request SET opd_code = 'KESRA' WHERE id = :id"), {"id": suggestion.id}
    )
    assert "saran_transport" in _types(list_requests(db, kesra, city, RequestFilter()))
    moved = transition(db, kesra, city, suggestion.id, name="tinjau", fields={}, expected_version=1)
    assert moved.status == "ditinjau"


def test_the_workflow_is_checked_at_start_up() -> None:
    validate_workflow(SARAN_WORKFLOW, ROLES)
    dead_end = replace(
        SARAN_WORKFLOW,
        transitions=tuple(t for t in SARAN_WORKFLOW.transitions if t.name != "tindak_lanjuti"),
    )
    with pytest.raises(WorkflowDefinitionError, match="never reached"):
        validate_workflow(dead_end, ROLES)
    stranger = replace(
        SARAN_WORKFLOW,
        transitions=(
            *SARAN_WORKFLOW.transitions[:-1],
            replace(SARAN_WORKFLOW.transitions[-1], roles=frozenset({"sopir"})),
        ),
    )
    with pytest.raises(WorkflowDefinitionError, match="unknown roles"):
        validate_workflow(stranger, ROLES)


def test_the_catalogue_offers_the_suggestion_form() -> None:
    from datetime import date

    entry = next(
        s
        for s in services(
            "layers-test", windows=NO_WINDOWS, today=date(2026, 6, 1), max_file_bytes=1
        )
        if s["type"] == "saran_transport"
    )
    assert entry["prefix"] == "SRN"
    assert entry["geometry_types"] == ["LineString", "Point"]
    assert entry["contact_required"] is False
    assert "nik" not in entry["contact_fields"]
    assert entry["documents"] == []
    assert [k["code"] for k in entry["kinds"]] == ["butuh_trayek", "ngetem", "halte", "lainnya"]
    assert entry["limits"]["attrs.note"]["maxLength"] == 1000
    assert entry["open"] is True
