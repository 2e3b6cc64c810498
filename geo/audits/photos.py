"""Photos of sites, visits, findings and the office's follow-ups: JPEG or PNG by their bytes,
in the upload store."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.accounts import Principal, allowed, authorize, record
from geo.audits.errors import AuditNotFoundError, AuditStepClosedError
from geo.audits.findings import finding_row, office_may_read
from geo.audits.schemas import PhotoPublic
from geo.audits.workflow import FOLLOW_UP_STATES
from geo.cities import CityInfo
from geo.errors import UnsupportedFileError
from geo.requests import Upload, UploadStore, check_upload

PHOTO_TYPES = ("image/jpeg", "image/png")
PHOTO_COLUMNS = "id, audit_id, visit_id, finding_id, followup_id, filename, media_type, size_bytes"


def _site_of(
    session: Session,
    city_id: int,
    audit_id: int | None,
    visit_id: int | None,
    finding_id: int | None,
) -> tuple[int, int | None]:
    """The site and audit a photo belongs to, from the most specific id given."""
    p: dict[str, Any] = {"c": city_id}
    if finding_id is not None:
        sql = (
            "SELECT a.site_id, a.id FROM audit_finding f JOIN audit a ON a.city_id = f.city_id"
            " AND a.id = f.audit_id WHERE f.city_id = :c AND f.id = :id"
            " AND (CAST(:a AS bigint) IS NULL OR a.id = :a)"
        )
        p |= {"id": finding_id, "a": audit_id}
    elif visit_id is not None:
        sql = (
            "SELECT a.site_id, a.id FROM audit_visit v JOIN audit a ON a.city_id = v.city_id"
            " AND a.id = v.audit_id WHERE v.city_id = :c AND v.id = :id"
            " AND (CAST(:a AS bigint) IS NULL OR a.id = :a)"
        )
        p |= {"id": visit_id, "a": audit_id}
    else:
        sql = "SELECT site_id, id FROM audit WHERE city_id = :c AND id = :id"
        p |= {"id": audit_id}
    row = session.execute(text(sql), p).first()
    if row is None:
        raise AuditNotFoundError("no such audit, visit or finding for this photo")
    return int(row[0]), int(row[1])


def add_photo(
    session: Session,
    principal: Principal,
    city: CityInfo,
    upload: Upload,
    *,
    audit_id: int,
    store: UploadStore,
    max_bytes: int,
    visit_id: int | None = None,
    finding_id: int | None = None,
) -> PhotoPublic:
    """Attach a photo to an audit, one of its visits or findings (``audits.edit``).

    Raises:
        AuditNotFoundError: No such audit, visit or finding (of that audit).
        FileTooLargeError: Over ``max_bytes``.
        UnsupportedFileError: Not a JPEG or PNG by its first bytes.
    """
    authorize(principal, "audits.edit", city_id=city.id)
    site_id, audit = _site_of(session, city.id, audit_id, visit_id, finding_id)
    return _store(
        session,
        principal,
        city,
        upload,
        store=store,
        max_bytes=max_bytes,
        ids={"s": site_id, "a": audit, "v": visit_id, "f": finding_id, "fu": None},
    )


def _store(
    session: Session,
    principal: Principal,
    city: CityInfo,
    upload: Upload,
    *,
    store: UploadStore,
    max_bytes: int,
    ids: dict[str, int | None],
) -> PhotoPublic:
    """Check a photo's bytes, keep them and write its row under ``ids`` (s, a, v, f, fu)."""
    checked = check_upload(upload, max_bytes)
    if checked.media_type not in PHOTO_TYPES:
        raise UnsupportedFileError(
            "a photo must be a JPEG or PNG (by its content)",
            [{"field": f"documents.{upload.slot}", "message": "not a JPEG or PNG"}],
        )
    store.put(upload.content, checked.sha256)
    row = (
        session.execute(
            text(
                "INSERT INTO audit_photo (city_id, site_id, audit_id, visit_id, finding_id,"  # noqa: S608 - fixed
                " followup_id, filename, media_type, size_bytes, sha256, uploaded_by)"
                " VALUES (:c, :s, :a, :v, :f, :fu, :name, :mt, :size, :sha, :by)"
                " RETURNING " + PHOTO_COLUMNS
            ),
            {"c": city.id, **ids}
            | {"name": checked.filename, "mt": checked.media_type, "size": checked.size_bytes}
            | {"sha": checked.sha256, "by": principal.user_id},
        )
        .mappings()
        .one()
    )
    record(
        session,
        principal,
        "audits.photo_add",
        city_id=city.id,
        object_type="audit_photo",
        object_id=row["id"],
        after={"audit_id": ids["a"], "followup_id": ids["fu"], "sha256": checked.sha256},
    )
    return PhotoPublic(**row)


def add_followup_photo(
    session: Session,
    principal: Principal,
    city: CityInfo,
    upload: Upload,
    *,
    finding_id: int,
    followup_id: int,
    store: UploadStore,
    max_bytes: int,
) -> PhotoPublic:
    """The office attaches a photo to one of its follow-up entries of a finding, after the LHA
    (``audits.respond``, its own OPD). The finding itself is not changed.

    Raises:
        AuditNotFoundError: No such finding (or not yet sent to the office), or no follow-up
            entry of the office's with that id on it.
        PermissionDeniedError: Staff of another OPD (403).
        AuditStepClosedError: The audit is not after the LHA (409).
        FileTooLargeError: Over ``max_bytes``.
        UnsupportedFileError: Not a JPEG or PNG by its first bytes.
    """
    authorize(principal, "audits.respond", city_id=city.id)
    row = finding_row(session, city.id, finding_id)
    office_may_read(principal, city, row, "audits.respond")
    if row["audit_status"] not in FOLLOW_UP_STATES:
        raise AuditStepClosedError(
            f"follow-ups come after the LHA; the audit is at '{row['audit_status']}'",
            [{"field": "audit", "message": "not after the LHA"}],
        )
    entry = session.execute(
        text(
            "SELECT 1 FROM finding_followup WHERE city_id = :c AND finding_id = :f AND id = :id"
            " AND side = 'opd'"
        ),
        {"c": city.id, "f": finding_id, "id": followup_id},
    ).first()
    if entry is None:
        raise AuditNotFoundError(f"no follow-up {followup_id} of the office on this finding")
    site_id = session.execute(
        text("SELECT site_id FROM audit WHERE city_id = :c AND id = :a"),
        {"c": city.id, "a": row["audit_id"]},
    ).scalar_one()
    return _store(
        session,
        principal,
        city,
        upload,
        store=store,
        max_bytes=max_bytes,
        ids={"s": site_id, "a": row["audit_id"], "v": None, "f": finding_id, "fu": followup_id},
    )


def photo_of(
    session: Session, principal: Principal, city: CityInfo, photo_id: int
) -> tuple[PhotoPublic, str]:
    """A photo's metadata and SHA-256 (``audits.read``).

    Raises:
        AuditNotFoundError: No such photo in the city.
    """
    authorize(principal, "audits.read", city_id=city.id)
    row = (
        session.execute(
            text(
                "SELECT " + PHOTO_COLUMNS + ", sha256 FROM audit_photo"  # noqa: S608 - fixed
                " WHERE city_id = :c AND id = :id"
            ),
            {"c": city.id, "id": photo_id},
        )
        .mappings()
        .first()
    )
    if row is None:
        raise AuditNotFoundError(f"no audit photo {photo_id}")
    data = dict(row)
    sha = str(data.pop("sha256"))
    return PhotoPublic(**data), sha


def finding_photo(
    session: Session, principal: Principal, city: CityInfo, finding_id: int, photo_id: int
) -> tuple[PhotoPublic, str]:
    """A photo of a finding or of its follow-up, with its SHA-256: the inspectorate
    (``audits.read``), or staff of the office that owns the finding once the notisi is sent.

    Raises:
        AuditNotFoundError: No such finding (or not yet sent), or no such photo on it.
        PermissionDeniedError: Staff of another OPD (403).
    """
    authorize(principal, "audits.findings", city_id=city.id)
    row = finding_row(session, city.id, finding_id)
    if not allowed(principal, "audits.read", city_id=city.id):
        office_may_read(principal, city, row, "audits.findings")
    found = (
        session.execute(
            text(
                "SELECT " + PHOTO_COLUMNS + ", sha256 FROM audit_photo"  # noqa: S608 - fixed
                " WHERE city_id = :c AND id = :id AND finding_id = :f"
            ),
            {"c": city.id, "id": photo_id, "f": finding_id},
        )
        .mappings()
        .first()
    )
    if found is None:
        raise AuditNotFoundError(f"no photo {photo_id} of audit finding {finding_id}")
    data = dict(found)
    sha = str(data.pop("sha256"))
    return PhotoPublic(**data), sha
