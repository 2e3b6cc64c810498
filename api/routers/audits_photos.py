"""Photos of e-audit records over HTTP: the inspectorate attaches them to an audit, a visit or
a finding; the audited office to its follow-up of a finding; each reads back what it may see
(multipart in, the sniffed bytes out)."""

from __future__ import annotations

import re

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse

from api.auth import PrincipalDep, requires
from api.deps import CityDep, SessionDep, SettingsDep
from api.response_models import binary
from api.routers.audits_common import NO_STORE, NOT_FOUND, OTHER_OPD, STEP_CLOSED, Id
from geo.audits import (
    AuditNotFoundError,
    PhotoPublic,
    add_followup_photo,
    add_photo,
    finding_photo,
    photo_of,
)
from geo.errors import InvalidInputError
from geo.requests import Upload, UploadStore

router = APIRouter(tags=["audits (inspectorate)"])
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._\- ]+")
_PHOTO_ERRORS: dict[int | str, dict[str, object]] = {
    **NOT_FOUND,
    413: {"description": "too large"},
    415: {"description": "not a JPEG or PNG by its content"},
    422: {"description": "not a multipart form with a photo"},
}


@router.post(
    "/cities/{city}/audits/{audit_id}/photos",
    status_code=201,
    response_model=PhotoPublic,
    summary="Attach a photo (JPEG/PNG) to the audit, a visit or a finding (multipart)",
    responses=_PHOTO_ERRORS,
    **requires("audits.edit"),
)
async def post_photo(
    request: Request,
    *,
    city: CityDep,
    session: SessionDep,
    principal: PrincipalDep,
    settings: SettingsDep,
    audit_id: Id,
) -> PhotoPublic:
    """Form fields: ``photo`` (the file), optional ``visit_id`` or ``finding_id``."""
    upload, ids = await read_photo(request, ("visit_id", "finding_id"))
    return add_photo(
        session,
        principal,
        city,
        upload,
        audit_id=audit_id,
        store=UploadStore(settings.uploads_path),
        max_bytes=settings.max_upload_bytes,
        visit_id=ids.get("visit_id"),
        finding_id=ids.get("finding_id"),
    )


async def read_photo(request: Request, id_fields: tuple[str, ...]) -> tuple[Upload, dict[str, int]]:
    """The ``photo`` file of a multipart form and the optional whole-number ``id_fields``.

    Raises:
        InvalidInputError: Not multipart, no file ``photo``, or an id that is not one (422).
    """
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "multipart/form-data":
        raise InvalidInputError(
            "send the photo as multipart/form-data",
            [{"field": "Content-Type", "in": "header", "message": "unsupported"}],
        )
    form = await request.form(max_files=1, max_fields=3)
    photo = form.get("photo")
    if photo is None or isinstance(photo, str):
        raise InvalidInputError(
            "the form needs a file field 'photo'",
            [{"field": "photo", "in": "body", "message": "missing"}],
        )
    ids: dict[str, int] = {}
    for name in id_fields:
        value = form.get(name)
        if value is None or value == "":
            continue
        if not isinstance(value, str) or not value.isdigit() or not 1 <= int(value) <= 2**62:
            raise InvalidInputError(
                f"{name} must be a positive whole number",
                [{"field": name, "in": "body", "message": "not an id"}],
            )
        ids[name] = int(value)
    content = await photo.read()
    return Upload("photo", photo.filename or "foto", content), ids


def photo_file(settings: SettingsDep, meta: PhotoPublic, sha: str) -> FileResponse:
    """The stored bytes of a photo, inline under a safe name, never kept by shared caches.

    Raises:
        AuditNotFoundError: The stored file is gone.
    """
    path = UploadStore(settings.uploads_path).path(sha)
    if not path.is_file():
        raise AuditNotFoundError(f"the stored file of photo {meta.id} is missing")
    name = _UNSAFE_NAME.sub("_", meta.filename).strip() or "foto"
    return FileResponse(
        path,
        media_type=meta.media_type,
        headers={
            "Content-Disposition": f'inline; filename="{name[:200]}"',
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": NO_STORE,
        },
    )


@router.get(
    "/cities/{city}/audit-photos/{photo_id}",
    response_class=FileResponse,
    response_model=None,
    summary="A photo's bytes",
    responses={200: binary("image/jpeg", "image/png", description="The photo"), **NOT_FOUND},
    **requires("audits.read"),
)
def get_photo(
    *,
    city: CityDep,
    session: SessionDep,
    principal: PrincipalDep,
    settings: SettingsDep,
    photo_id: Id,
) -> FileResponse:
    """Served with its sniffed media type, never cached by shared caches."""
    meta, sha = photo_of(session, principal, city, photo_id)
    return photo_file(settings, meta, sha)


@router.post(
    "/cities/{city}/audit-findings/{finding_id}/follow-ups/{followup_id}/photos",
    status_code=201,
    response_model=PhotoPublic,
    summary="The office attaches a photo (JPEG/PNG) to its follow-up of a finding (multipart)",
    responses={**_PHOTO_ERRORS, **STEP_CLOSED, **OTHER_OPD},
    **requires("audits.respond"),
)
async def post_followup_photo(
    request: Request,
    *,
    city: CityDep,
    session: SessionDep,
    principal: PrincipalDep,
    settings: SettingsDep,
    finding_id: Id,
    followup_id: Id,
) -> PhotoPublic:
    """Form field ``photo``; the follow-up entry is the office's own (``/follow-ups``), after
    the LHA. The finding is unchanged: the office never edits one."""
    upload, _ = await read_photo(request, ())
    return add_followup_photo(
        session,
        principal,
        city,
        upload,
        finding_id=finding_id,
        followup_id=followup_id,
        store=UploadStore(settings.uploads_path),
        max_bytes=settings.max_upload_bytes,
    )


@router.get(
    "/cities/{city}/audit-findings/{finding_id}/photos/{photo_id}",
    response_class=FileResponse,
    response_model=None,
    summary="A photo of a finding or of its follow-up (the office: its own OPD's findings)",
    responses={
        200: binary("image/jpeg", "image/png", description="The photo"),
        **NOT_FOUND,
        **OTHER_OPD,
    },
    **requires("audits.findings"),
)
def get_finding_photo(
    *,
    city: CityDep,
    session: SessionDep,
    principal: PrincipalDep,
    settings: SettingsDep,
    finding_id: Id,
    photo_id: Id,
) -> FileResponse:
    """The finding's ``photos`` list names them (``followup_id`` set for the office's)."""
    meta, sha = finding_photo(session, principal, city, finding_id, photo_id)
    return photo_file(settings, meta, sha)
