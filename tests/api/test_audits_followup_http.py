"""e-audit over HTTP, second round: the city's inspectors for the surat tugas, and photos of the
office's follow-up (the office attaches them to its own entries after the LHA, reads its own
findings' photos, and still never edits a finding); bad input is a 4xx with nothing written."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.accounts import Grant, create_user
from tests.api.test_audits_http import CITY, JPEG, PDF, SLUG, World, _counts, _step, world
from tests.api.test_service import assert_problem
from tests.geo.audit_city import PASSWORD, audit_at

__all__ = ["world"]  # the fixture, used by name
pytestmark = pytest.mark.postgis
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200


def test_the_inspectors_of_the_city_are_listed_for_the_surat_tugas(
    client: Any, db: Session, world: World
) -> None:
    city = world.ac.city
    retired = create_user(
        db,
        city_id=city.id,
        username=f"{SLUG}-insp-lama",
        display_name="Ahmad Pensiun",
        password=PASSWORD,
        grants=[Grant("inspektur")],
    )
    db.execute(text("UPDATE app_user SET active = false WHERE id = :u"), {"u": retired})
    second = create_user(
        db,
        city_id=city.id,
        username=f"{SLUG}-insp-2",
        display_name="Budi Inspektur",
        password=PASSWORD,
        grants=[Grant("inspektur")],
    )
    insp = world.headers["insp"]
    listed = client.get(f"{CITY}/audit-inspectors", headers=insp)
    assert listed.status_code == 200, listed.text
    assert listed.headers["cache-control"] == "private, no-store"
    assert listed.json() == [
        {"id": second, "username": f"{SLUG}-insp-2", "display_name": "Budi Inspektur"},
        {
            "id": world.ac.inspector_id,
            "username": f"{SLUG}-insp",
            "display_name": f"Pengguna {SLUG}-insp",
        },
    ]
    for who, status in (("dpupr", 403), ("ak", 403)):
        assert_problem(client.get(f"{CITY}/audit-inspectors", headers=world.headers[who]), status)
    client.cookies.clear()
    assert_problem(client.get(f"{CITY}/audit-inspectors"), 401)
    # the listed ids are what the surat tugas takes; a retired inspector is refused
    made = client.post(
        f"{CITY}/audit-sites",
        json={
            "geometry": {"type": "Point", "coordinates": [106.62, -6.2]},
            "opd_code": "DPUPR",
            "activity": "Rehab pasar",
            "budget_idr": 1,
            "fiscal_year": 2026,
        },
        headers=insp,
    )
    audit_id = client.post(
        f"{CITY}/audits", json={"site_id": made.json()["id"], "title": "Audit pasar"}, headers=insp
    ).json()["id"]
    surat = {
        "transition": "terbitkan_surat_tugas",
        "surat_tugas_no": "700/ST-5/2026",
        "surat_tugas_date": "2026-08-03",
    }
    before = _counts(db)
    refused = _step(client, insp, audit_id, surat | {"inspectors": [second, retired]})
    body = assert_problem(refused, 422)
    assert body["errors"][0]["field"] == "inspectors"
    assert _counts(db) == before
    ids = [p["id"] for p in listed.json()]
    taken = _step(client, insp, audit_id, surat | {"inspectors": ids})
    assert taken.status_code == 200, taken.text
    assert taken.json()["status"] == "surat_tugas"
    detail = client.get(f"{CITY}/audits/{audit_id}", headers=insp).json()
    assert detail["inspectors"] == ["Budi Inspektur", f"Pengguna {SLUG}-insp"]
    assert detail["surat_tugas_no"] == "700/ST-5/2026"


def _photo(client: Any, url: str, headers: dict[str, str], content: bytes = JPEG) -> Any:
    return client.post(url, files={"photo": ("bukti.jpg", content, "image/jpeg")}, headers=headers)


def test_the_office_attaches_photos_to_its_follow_up(
    client: Any, db: Session, world: World
) -> None:
    insp, dpupr, dishub = (world.headers[k] for k in ("insp", "dpupr", "dishub"))
    audit_id, (finding_id,) = audit_at(db, world.ac, "lha")
    version = client.get(f"{CITY}/audit-findings/{finding_id}", headers=dpupr).json()["version"]
    entry = client.post(
        f"{CITY}/audit-findings/{finding_id}/follow-ups",
        json={"note": "Bukti setor STS terlampir"},
        headers=dpupr,
    )
    assert entry.status_code == 201, entry.text
    entry_id = entry.json()["id"]
    url = f"{CITY}/audit-findings/{finding_id}/follow-ups/{entry_id}/photos"
    made = _photo(client, url, dpupr)
    assert made.status_code == 201, made.text
    photo = made.json()
    assert (photo["finding_id"], photo["followup_id"], photo["audit_id"]) == (
        finding_id,
        entry_id,
        audit_id,
    )
    second = client.post(url, files={"photo": ("b.png", PNG, "image/png")}, headers=dpupr)
    assert second.status_code == 201, second.text
    # the office reads its finding with the photos, and their bytes; the finding is unchanged
    shown = client.get(f"{CITY}/audit-findings/{finding_id}", headers=dpupr).json()
    assert [(p["id"], p["followup_id"]) for p in shown["photos"]] == [
        (photo["id"], entry_id),
        (second.json()["id"], entry_id),
    ]
    assert (shown["version"], shown["severity"], shown["followup_status"]) == (
        version,
        "tinggi",
        "belum_ditindaklanjuti",
    )
    got = client.get(f"{CITY}/audit-findings/{finding_id}/photos/{photo['id']}", headers=dpupr)
    assert (got.status_code, got.content, got.headers["content-type"]) == (200, JPEG, "image/jpeg")
    assert got.headers["cache-control"] == "private, no-store"
    # the inspectorate sees them on the audit and reads them either way
    detail = client.get(f"{CITY}/audits/{audit_id}", headers=insp).json()
    assert photo["id"] in [p["id"] for p in detail["photos"]]
    assert client.get(f"{CITY}/audit-photos/{photo['id']}", headers=insp).content == JPEG
    assert client.get(f"{CITY}/audit-photos/{photo['id']}", headers=dpupr).status_code == 403
    # another office: 403 on the finding's photos, the upload and the reads
    before = _counts(db)
    assert_problem(_photo(client, url, dishub), 403, "permission-denied")
    other = client.get(f"{CITY}/audit-findings/{finding_id}/photos/{photo['id']}", headers=dishub)
    assert_problem(other, 403, "permission-denied")
    # the office still cannot edit the finding nor use the inspectorate's photo upload
    assert_problem(
        client.patch(
            f"{CITY}/audit-findings/{finding_id}", json={"severity": "rendah"}, headers=dpupr
        ),
        403,
        "permission-denied",
    )
    assert_problem(_photo(client, f"{CITY}/audits/{audit_id}/photos", dpupr), 403)
    assert _counts(db) == before


def test_bad_follow_up_photos_are_refused(client: Any, db: Session, world: World) -> None:
    insp, dpupr = world.headers["insp"], world.headers["dpupr"]
    _, (finding_id, other_finding) = audit_at(db, world.ac, "lha", findings=2)
    entry_id = client.post(
        f"{CITY}/audit-findings/{finding_id}/follow-ups", json={"note": "Sudah"}, headers=dpupr
    ).json()["id"]
    assessed = client.post(
        f"{CITY}/audit-findings/{finding_id}/assessment",
        json={"status": "belum_sesuai", "note": "Belum lengkap"},
        headers=insp,
    ).json()["id"]
    _, (early,) = audit_at(db, world.ac, "notisi")
    early_entry = db.execute(
        text(
            "INSERT INTO finding_followup (city_id, finding_id, actor, side, note)"
            " VALUES (:c, :f, 'uji', 'opd', 'dini') RETURNING id"
        ),
        {"c": world.ac.city.id, "f": early},
    ).scalar_one()
    base = f"{CITY}/audit-findings"
    before = _counts(db)
    cases = [
        (_photo(client, f"{base}/{finding_id}/follow-ups/{entry_id}/photos", dpupr, PDF), 415),
        (
            _photo(client, f"{base}/{finding_id}/follow-ups/{entry_id}/photos", dpupr, b"MZ" * 99),
            415,
        ),
        (
            client.post(
                f"{base}/{finding_id}/follow-ups/{entry_id}/photos",
                json={"photo": "x"},
                headers=dpupr,
            ),
            422,
        ),
        # the inspectorate's assessment is not the office's entry; nor is another finding's
        (_photo(client, f"{base}/{finding_id}/follow-ups/{assessed}/photos", dpupr), 404),
        (_photo(client, f"{base}/{other_finding}/follow-ups/{entry_id}/photos", dpupr), 404),
        (_photo(client, f"{base}/{finding_id}/follow-ups/999999/photos", dpupr), 404),
        (_photo(client, f"{base}/999999/follow-ups/{entry_id}/photos", dpupr), 404),
        (_photo(client, f"{base}/{finding_id}/follow-ups/0/photos", dpupr), 422),
        # before the LHA there is no follow-up to document
        (_photo(client, f"{base}/{early}/follow-ups/{early_entry}/photos", dpupr), 409),
        # the inspectorate does not write the office's follow-up
        (_photo(client, f"{base}/{finding_id}/follow-ups/{entry_id}/photos", insp), 403),
        (client.get(f"{base}/{finding_id}/photos/999999", headers=dpupr), 404),
    ]
    for answer, status in cases:
        assert_problem(answer, status)
    assert _counts(db) == before
    big = JPEG + b"\x00" * (11 * 1024 * 1024)
    too_big = _photo(client, f"{base}/{finding_id}/follow-ups/{entry_id}/photos", dpupr, big)
    assert_problem(too_big, 413)
    assert _counts(db) == before


def test_a_photo_of_another_finding_is_not_read_through_this_one(
    client: Any, db: Session, world: World
) -> None:
    """A photo id is read only under the finding it belongs to (no walking across findings)."""
    dpupr = world.headers["dpupr"]
    _, (first, second) = audit_at(db, world.ac, "lha", findings=2)
    entry = client.post(
        f"{CITY}/audit-findings/{first}/follow-ups", json={"note": "Sudah"}, headers=dpupr
    ).json()["id"]
    photo = _photo(client, f"{CITY}/audit-findings/{first}/follow-ups/{entry}/photos", dpupr)
    assert photo.status_code == 201
    wrong = client.get(f"{CITY}/audit-findings/{second}/photos/{photo.json()['id']}", headers=dpupr)
    assert_problem(wrong, 404)
    right = client.get(f"{CITY}/audit-findings/{first}/photos/{photo.json()['id']}", headers=dpupr)
    assert right.status_code == 200
