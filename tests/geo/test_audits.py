"""The audit wing on PostGIS: sites by spatial join, the steps, the office's answers, the
60-day clock from the LHA date, visit distances, the per-OPD table, the layer's view."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from pyproj import Geod
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from geo.audits import (
    AssessmentCreate,
    AuditNotFoundError,
    AuditStepClosedError,
    FindingUpdate,
    FollowupCreate,
    ResponseCreate,
    SiteCreate,
    SiteFilter,
    StepCreate,
    VisitCreate,
    assess,
    audit_detail,
    clock,
    create_site,
    finding_detail,
    follow_up,
    list_findings,
    list_sites,
    load_audit,
    opd_table,
    record_visit,
    respond,
    take_step,
    update_finding,
)
from geo.errors import (
    InvalidGeometryError,
    InvalidInputError,
    PermissionDeniedError,
    StaleVersionError,
)
from geo.requests import IllegalTransitionError, TransitionFieldsError
from tests.geo.audit_city import ROAD, SITE_POINT, AuditCity, audit_at, audit_city, site, step

pytestmark = pytest.mark.postgis
LHA = date(2026, 9, 1)


@pytest.fixture
def ac(db: Session) -> AuditCity:
    return audit_city(db)


def _count(db: Session, table: str) -> int:
    return int(db.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


def test_a_site_gets_its_kelurahan_and_kecamatan(db: Session, ac: AuditCity) -> None:
    point = site(db, ac)
    road = site(db, ac, ROAD)
    sites = list_sites(db, ac.inspector, ac.city, SiteFilter())["features"]
    by_id = {f["id"]: f for f in sites}
    assert by_id[point]["geometry"]["type"] == "Point"
    assert by_id[road]["geometry"]["type"] == "MultiPolygon"
    for f in by_id.values():
        assert f["properties"]["kecamatan_code"] == "36.71.01"  # the west half
        assert f["properties"]["kelurahan_code"]
        assert f["properties"]["audit_status"] == "belum_diaudit"
    assert [
        f["id"] for f in list_sites(db, ac.inspector, ac.city, SiteFilter(opd="X"))["features"]
    ] == []


def test_a_site_outside_the_city_is_refused_and_nothing_written(db: Session, ac: AuditCity) -> None:
    before = _count(db, "audit_site")
    with pytest.raises(InvalidGeometryError):
        create_site(
            db,
            ac.inspector,
            ac.city,
            SiteCreate(
                geometry={"type": "Point", "coordinates": [110.0, -7.0]},
                opd_code="DPUPR",
                activity="Di luar kota",
                budget_idr=1,
                fiscal_year=2026,
            ),
        )
    assert _count(db, "audit_site") == before


def test_only_the_inspectorate_writes(db: Session, ac: AuditCity) -> None:
    for who in (ac.dpupr, ac.admin_kota):
        with pytest.raises(PermissionDeniedError):
            create_site(
                db,
                who,
                ac.city,
                SiteCreate(
                    geometry={"type": "Point", "coordinates": list(SITE_POINT)},
                    opd_code="DPUPR",
                    activity="Tidak boleh",
                    budget_idr=1,
                    fiscal_year=2026,
                ),
            )
    with pytest.raises(PermissionDeniedError):
        list_sites(db, ac.dpupr, ac.city, SiteFilter())
    assert list_sites(db, ac.admin_kota, ac.city, SiteFilter())["type"] == "FeatureCollection"


def test_steps_follow_the_workflow(db: Session, ac: AuditCity) -> None:
    audit_id, _ = audit_at(db, ac, "direncanakan")
    with pytest.raises(IllegalTransitionError) as illegal:
        take_step(
            db,
            ac.inspector,
            ac.city,
            audit_id,
            StepCreate(transition="kirim_notisi"),
            expected_version=1,
        )
    assert illegal.value.allowed == ["terbitkan_surat_tugas"]
    with pytest.raises(TransitionFieldsError):
        take_step(
            db,
            ac.inspector,
            ac.city,
            audit_id,
            StepCreate(transition="terbitkan_surat_tugas"),
            expected_version=1,
        )
    with pytest.raises(InvalidInputError):  # the office's staff is no inspector
        take_step(
            db,
            ac.inspector,
            ac.city,
            audit_id,
            StepCreate(
                transition="terbitkan_surat_tugas",
                surat_tugas_no="ST-1",
                surat_tugas_date=date(2026, 8, 1),
                inspectors=[ac.dpupr.user_id or 0],
            ),
            expected_version=1,
        )
    with pytest.raises(StaleVersionError):
        take_step(
            db,
            ac.inspector,
            ac.city,
            audit_id,
            StepCreate(transition="mulai_pemeriksaan"),
            expected_version=7,
        )
    audit_id, findings = audit_at(db, ac, "pemantauan")
    detail = audit_detail(db, ac.inspector, ac.city, audit_id, today=LHA)
    assert [e.to_status for e in detail.events] == [
        "direncanakan",
        "surat_tugas",
        "pemeriksaan",
        "notisi",
        "lha",
        "pemantauan",
    ]
    assert detail.inspectors == [f"Pengguna {ac.inspector.username}"]
    assert detail.lha_date == LHA
    assert [t["name"] for t in detail.transitions] == ["selesai"]
    with pytest.raises(IllegalTransitionError):  # an open finding keeps the audit open
        take_step(
            db,
            ac.inspector,
            ac.city,
            audit_id,
            StepCreate(transition="selesai"),
            expected_version=detail.version,
        )
    assess(db, ac.inspector, ac.city, findings[0], AssessmentCreate(status="sesuai", note="Lunas"))
    take_step(
        db,
        ac.inspector,
        ac.city,
        audit_id,
        StepCreate(transition="selesai"),
        expected_version=detail.version,
    )
    assert load_audit(db, ac.city.id, audit_id).status == "selesai"


def test_the_clock_runs_60_days_from_the_lha_date() -> None:
    assert clock(None, "belum_ditindaklanjuti", LHA) == (None, None, False)
    due = date(2026, 10, 31)
    assert clock(LHA, "belum_ditindaklanjuti", due) == (due, 0, False)
    assert clock(LHA, "belum_sesuai", due + timedelta(days=1)) == (due, -1, True)
    assert clock(LHA, "sesuai", due + timedelta(days=30)) == (due, -30, False)
    assert clock(LHA, "tidak_dapat_ditindaklanjuti", due + timedelta(days=1))[2] is False


def test_overdue_findings_are_listed(db: Session, ac: AuditCity) -> None:
    _, (late, settled) = audit_at(db, ac, "lha", findings=2)
    assess(db, ac.inspector, ac.city, settled, AssessmentCreate(status="sesuai", note="Selesai"))
    due = LHA + timedelta(days=60)

    def overdue(today: date) -> list[int]:
        rows = list_findings(db, ac.inspector, ac.city, today=today, overdue=True)
        return [f.id for f in rows]

    assert overdue(due) == []
    assert overdue(due + timedelta(days=1)) == [late]
    row = next(f for f in list_findings(db, ac.inspector, ac.city, today=due + timedelta(1)))
    assert (row.due_date, row.days_left, row.overdue) == (due, -1, True)
    table = {r.opd_code: r for r in opd_table(db, ac.inspector, ac.city, today=due + timedelta(1))}
    assert table["DPUPR"].findings == 2
    assert table["DPUPR"].open_findings == 1
    assert table["DPUPR"].overdue_findings == 1
    assert table["DPUPR"].potential_loss_idr == 250_000_000
    assert table["DPUPR"].sites == 1


def test_the_office_answers_but_never_edits(db: Session, ac: AuditCity) -> None:
    audit_id, (finding,) = audit_at(db, ac, "pemeriksaan")
    with pytest.raises(AuditNotFoundError):  # not sent to the office before the notisi
        finding_detail(db, ac.dpupr, ac.city, finding, today=LHA)
    step(db, ac, audit_id, "notisi")
    before = finding_detail(db, ac.inspector, ac.city, finding, today=LHA)
    respond(db, ac.dpupr, ac.city, finding, ResponseCreate(text="Kami akan mengukur ulang"))
    after = finding_detail(db, ac.dpupr, ac.city, finding, today=LHA)
    assert [r.text for r in after.responses] == ["Kami akan mengukur ulang"]
    assert after.model_dump(exclude={"responses"}) == before.model_dump(exclude={"responses"})
    with pytest.raises(PermissionDeniedError):
        update_finding(db, ac.dpupr, ac.city, finding, FindingUpdate(severity="rendah"))
    for verb in (
        lambda: respond(db, ac.dishub, ac.city, finding, ResponseCreate(text="Bukan kami")),
        lambda: finding_detail(db, ac.dishub, ac.city, finding, today=LHA),
        lambda: list_findings(db, ac.dishub, ac.city, today=LHA, opd="DPUPR"),
    ):
        with pytest.raises(PermissionDeniedError):
            verb()
    assert list_findings(db, ac.dishub, ac.city, today=LHA) == []
    assert [f.id for f in list_findings(db, ac.dpupr, ac.city, today=LHA)] == [finding]
    with pytest.raises(AuditStepClosedError):  # follow-ups come after the LHA
        follow_up(db, ac.dpupr, ac.city, finding, FollowupCreate(note="Sudah dikembalikan"))
    with pytest.raises(DBAPIError), db.begin_nested():  # the answers are append-only
        db.execute(text("UPDATE finding_response SET body = 'diubah'"))


def test_the_office_follows_up_and_the_inspectorate_assesses(db: Session, ac: AuditCity) -> None:
    _, (finding,) = audit_at(db, ac, "lha")
    with pytest.raises(AuditStepClosedError):  # the notisi is over
        respond(db, ac.dpupr, ac.city, finding, ResponseCreate(text="Terlambat"))
    follow_up(db, ac.dpupr, ac.city, finding, FollowupCreate(note="Disetor ke kas daerah"))
    assess(
        db, ac.inspector, ac.city, finding, AssessmentCreate(status="belum_sesuai", note="Kurang")
    )
    with pytest.raises(PermissionDeniedError):
        assess(db, ac.dpupr, ac.city, finding, AssessmentCreate(status="sesuai", note="Kami"))
    detail = finding_detail(db, ac.dpupr, ac.city, finding, today=LHA)
    assert [(e.side, e.status) for e in detail.followups] == [
        ("opd", None),
        ("inspektorat", "belum_sesuai"),
    ]
    assert detail.followup_status == "belum_sesuai"
    assert detail.due_date == LHA + timedelta(days=60)


def test_a_visit_measures_its_distance_from_the_site(db: Session, ac: AuditCity) -> None:
    audit_id, _ = audit_at(db, ac, "pemeriksaan")
    lon, lat = SITE_POINT
    here = (lon + 0.003, lat + 0.002)
    visit = record_visit(
        db, ac.inspector, ac.city, audit_id, VisitCreate(lon=here[0], lat=here[1], accuracy_m=8)
    )
    _, _, want = Geod(ellps="WGS84").inv(lon, lat, *here)
    assert visit.distance_m == pytest.approx(want, abs=0.5)
    assert 350 < want < 450
    blind = record_visit(db, ac.inspector, ac.city, audit_id, VisitCreate(note="GPS mati"))
    assert (blind.lon, blind.distance_m) == (None, None)
    road_audit, _ = audit_at(db, ac, "pemeriksaan", site_id=site(db, ac, ROAD))
    inside = record_visit(
        db, ac.inspector, ac.city, road_audit, VisitCreate(lon=106.635, lat=-6.189)
    )
    assert inside.distance_m == 0
    with pytest.raises(InvalidInputError):
        record_visit(db, ac.inspector, ac.city, audit_id, VisitCreate(lon=106.6))
    with pytest.raises(InvalidInputError):
        record_visit(db, ac.inspector, ac.city, audit_id, VisitCreate(lon=120.0, lat=-6.2))
    reported, _ = audit_at(db, ac, "lha")
    with pytest.raises(AuditStepClosedError):  # the fieldwork is over once the LHA is out
        record_visit(db, ac.inspector, ac.city, reported, VisitCreate(note="terlambat"))


def test_the_layer_view_colours_by_open_severity(db: Session, ac: AuditCity) -> None:
    _, (finding,) = audit_at(db, ac, "lha")
    row = db.execute(
        text(
            "SELECT audit_status, open_findings, worst_severity, colour FROM audit_site_layer"
            " WHERE city_id = :c"
        ),
        {"c": ac.city.id},
    ).one()
    assert tuple(row) == ("lha", 1, "tinggi", "#d7191c")
    assess(db, ac.inspector, ac.city, finding, AssessmentCreate(status="sesuai", note="Beres"))
    row = db.execute(
        text("SELECT open_findings, worst_severity FROM audit_site_layer WHERE city_id = :c"),
        {"c": ac.city.id},
    ).one()
    assert tuple(row) == (0, "")
