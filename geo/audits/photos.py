"""Photos of sites, visits and findings: JPEG or PNG by their bytes, in the upload store."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.accounts import Principal, authorize, record
from geo.audits.errors import AuditNotFoundError
from geo.audits.schemas import PhotoPublic
from geo.cities import CityInfo
from geo.errors import UnsupportedFileError
from geo.requests import Upload, UploadStore, check_upload

PHOTO_TYPES = ("image/jpeg", "image/png")


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
                "INSERT INTO audit_photo (city_id, site_id, audit_id, visit_id, finding_id,"
                " filename, media_type, size_bytes, sha256, uploaded_by)"
                " VALUES (:c, :s, :a, :v, :f, :name, :mt, :size, :sha, :by)"
                " RETURNING id, audit_id, visit_id, finding_id, filename,"
                " media_type, size_bytes"
            ),
            {"c": city.id, "s": site_id, "a": audit, "v": visit_id, "f": finding_id}
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
        after={"audit_id": audit, "sha256": checked.sha256},
    )
    return PhotoPublic(**row)


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
                "SELECT id, audit_id, visit_id, finding_id, filename, media_type, size_bytes,"
                " sha256 FROM audit_photo WHERE city_id = :c AND id = :id"
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
