"""Submitting and tracking requests: the commands of the request core that citizens use."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import orjson
from pydantic import BaseModel, ValidationError
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from geo.accounts import Principal, authorize, record
from geo.cities import CityInfo
from geo.errors import (
    InvalidGeometryError,
    InvalidInputError,
    SubmissionsThrottledError,
)
from geo.requests.attachments import StoredFile, Upload, UploadStore, check_upload
from geo.requests.codes import new_code, normalise_code
from geo.requests.place import CITY_MARGIN_M, PLACE_SQL, parse_geometry
from geo.requests.schemas import (
    Receipt,
    RequestCreate,
    TrackEvent,
    TrackPublic,
)
from geo.requests.steps import transition, write_event
from geo.requests.types import TYPES, RequestNotFoundError, RequestType


def _errors(exc: ValidationError, prefix: str) -> list[dict[str, str]]:
    return [
        {
            "field": ".".join([prefix, *(str(p) for p in err["loc"])]),
            "message": str(err["msg"]),
        }
        for err in exc.errors()
    ]


def _validated(model: type[BaseModel], data: Mapping[str, Any], prefix: str) -> BaseModel:
    try:
        return model.model_validate(dict(data))
    except ValidationError as exc:
        errors = _errors(exc, prefix)
        fields = ", ".join(e["field"] for e in errors)
        raise InvalidInputError(f"invalid value for: {fields}", errors) from None


def submit(
    session: Session,
    principal: Principal,
    city: CityInfo,
    data: RequestCreate,
    *,
    documents: Sequence[Upload] = (),
    store: UploadStore | None = None,
    max_file_bytes: int = 10_000_000,
    ip: str | None = None,
    anonymous_per_hour: int = 10,
) -> Receipt:
    """Submit a request: validate, place it in a kelurahan, route it, write its first event.

    A point on an edge shared by two kelurahan goes to exactly one (the lower code); a place
    within 500 m outside the boundary goes to the nearest kelurahan.

    Args:
        session: The database session.
        principal: Who submits (anonymous allowed).
        city: The city.
        data: The request.
        documents: The files of the type's document slots (all required ones).
        store: Where the files go (required when documents are given).
        max_file_bytes: Size limit of one file.
        ip: The submitter's address (kept in the audit log only, for the rate limit).
        anonymous_per_hour: Anonymous submissions one address may make within an hour.

    Raises:
        InvalidInputError: Unknown type, invalid attributes or contact, missing documents
            (with the list), a file too large or not a PDF/JPEG/PNG by its content.
        InvalidGeometryError: A bad place, or one outside the city (+ 500 m).
    """
    authorize(principal, "requests.submit", city_id=city.id)
    if principal.is_anonymous and ip is not None:
        _check_rate(session, ip, anonymous_per_hour)
    kind = TYPES.get(data.type)
    if kind is None:
        raise InvalidInputError(
            f"unknown request type {data.type[:32]!r}; known: {', '.join(sorted(TYPES))}",
            [{"field": "type", "message": "unknown request type"}],
        )
    attrs = _validated(kind.attrs, data.attrs, "attrs")
    private = _validated(kind.private, data.private, "private") if kind.private else None
    files = _check_documents(kind, documents, max_file_bytes)
    geom = parse_geometry(data.geometry)
    minx, miny, maxx, maxy = city.bbox
    row = session.execute(
        PLACE_SQL,
        {"wkt": geom.wkt, "c": city.id, "margin": CITY_MARGIN_M}
        | {"minx": minx, "miny": miny, "maxx": maxx, "maxy": maxy},
    ).one()
    if not row.inside:
        raise InvalidGeometryError(
            f"the place lies outside {city.name}",
            [{"field": "geometry", "message": "outside the city"}],
        )
    attrs_json = attrs.model_dump(mode="json")
    title = str(attrs_json.get(kind.title_field, kind.name))[:200]
    status = kind.workflow.initial
    for _ in range(5):  # a code collision (75 random bits) is astronomically rare; retry anyway
        code = new_code(kind.prefix)
        try:
            with session.begin_nested():
                request_id = session.execute(
                    text(
                        "INSERT INTO service_request (city_id, type, code, status, geom,"
                        " kelurahan_code, kecamatan_code, opd_code, title, attrs, submitted_by)"
                        " VALUES (:c, :type, :code, :status, ST_GeomFromText(:wkt, 4326),"
                        " :kel, :kec, :opd, :title, CAST(:attrs AS jsonb), :by) RETURNING id"
                    ),
                    {
                        "c": city.id,
                        "type": kind.name,
                        "code": code,
                        "status": status,
                        "wkt": geom.wkt,
                        "kel": row.code,
                        "kec": row.parent_code,
                        "opd": kind.opd,
                        "title": title,
                        "attrs": orjson.dumps(attrs_json).decode(),
                        "by": principal.user_id,
                    },
                ).scalar_one()
            break
        except IntegrityError as exc:
            if "uq_service_request_city_id_code" not in str(exc.orig):
                raise
    else:  # pragma: no cover - needs five collisions in a row
        raise InvalidInputError("could not allocate a tracking code; try again")
    contact = data.contact
    session.execute(
        text(
            "INSERT INTO request_private (city_id, request_id, name, nik, phone, email, address,"
            " extra) VALUES (:c, :r, :name, :nik, :phone, :email, :address,"
            " CAST(:extra AS jsonb))"
        ),
        {
            "c": city.id,
            "r": request_id,
            "name": contact.name,
            "nik": contact.nik,
            "phone": contact.phone,
            "email": contact.email,
            "address": contact.address,
            "extra": orjson.dumps(private.model_dump(mode="json") if private else {}).decode(),
        },
    )
    if files:
        if store is None:
            raise ValueError("documents need an upload store")
        _store_documents(
            session,
            principal,
            city.id,
            request_id,
            files=files,
            documents=documents,
            store=store,
        )
    write_event(
        session,
        principal,
        city.id,
        request_id,
        transition=None,
        from_status=None,
        to_status=status,
        fields={},
    )
    record(
        session,
        principal,
        "requests.submit",
        city_id=city.id,
        object_type="service_request",
        object_id=str(request_id),
        after={"type": kind.name, "status": status, "code": code, "attrs": attrs_json},
        ip=ip,
    )
    return Receipt(
        id=request_id,
        code=code,
        type=kind.name,
        status=status,
        kelurahan=row.name,
        kecamatan=row.kecamatan_name,
        opd=kind.opd,
        version=1,
    )


def _check_rate(session: Session, ip: str, per_hour: int) -> None:
    """Refuse an anonymous address that submitted ``per_hour`` times in the last hour."""
    row = session.execute(
        text(
            "SELECT count(*) AS n, extract(epoch FROM min(at) + interval '1 hour' - now()) AS wait"
            " FROM audit_log WHERE action = 'requests.submit' AND actor_id IS NULL"
            " AND at > now() - interval '1 hour' AND ip = CAST(:ip AS inet)"
        ),
        {"ip": ip},
    ).one()
    if row.n >= per_hour:
        raise SubmissionsThrottledError(
            f"at most {per_hour} submissions an hour without an account; try again later or log in",
            retry_after_s=int(row.wait or 60) + 1,
        )


def _check_documents(
    kind: RequestType, documents: Sequence[Upload], max_bytes: int
) -> list[StoredFile]:
    slots = [d.slot for d in documents]
    unknown = sorted(set(slots) - set(kind.documents) - set(kind.optional_documents))
    if unknown or len(slots) != len(set(slots)):
        raise InvalidInputError(
            f"unknown or repeated document slots: {', '.join(unknown) or 'repeated'}",
            [{"field": f"documents.{s}", "message": "unknown slot"} for s in unknown],
        )
    missing = [slot for slot in kind.documents if slot not in slots]
    if missing:
        names = ", ".join(kind.documents[s] for s in missing)
        raise InvalidInputError(
            f"dokumen belum lengkap: {names}",
            [{"field": f"documents.{s}", "message": "required document"} for s in missing],
        )
    return [check_upload(d, max_bytes) for d in documents]


def _store_documents(
    session: Session,
    principal: Principal,
    city_id: int,
    request_id: int,
    *,
    files: list[StoredFile],
    documents: Sequence[Upload],
    store: UploadStore,
) -> None:
    for stored, upload in zip(files, documents, strict=True):
        store.put(upload.content, stored.sha256)
        session.execute(
            text(
                "INSERT INTO request_attachment (city_id, request_id, slot, filename,"
                " media_type, size_bytes, sha256, uploaded_by)"
                " VALUES (:c, :r, :slot, :name, :type, :size, :sha, :by)"
            ),
            {
                "c": city_id,
                "r": request_id,
                "slot": stored.slot,
                "name": stored.filename,
                "type": stored.media_type,
                "size": stored.size_bytes,
                "sha": stored.sha256,
                "by": principal.user_id,
            },
        )


def track(session: Session, code: str) -> TrackPublic:
    """The public view of a request by its tracking code: type, place, status, public notes.

    Raises:
        RequestNotFoundError: A malformed code, a wrong check character, or no such request.
    """
    canonical = normalise_code(code)
    if canonical is None:
        raise RequestNotFoundError("no request with this code (check the code you typed)")
    row = session.execute(
        text(
            "SELECT r.city_id, r.id, r.code, r.type, r.status, r.created_at,"
            " k.name AS kelurahan, kc.name AS kecamatan"
            " FROM service_request r"
            " LEFT JOIN admin_area k ON k.city_id = r.city_id AND k.level = 'kelurahan'"
            "  AND k.code = r.kelurahan_code"
            " LEFT JOIN admin_area kc ON kc.city_id = r.city_id AND kc.level = 'kecamatan'"
            "  AND kc.code = r.kecamatan_code"
            # one index probe per city: the unique key leads with city_id (DESIGN §8)
            " WHERE r.city_id = ANY(ARRAY(SELECT id FROM city)) AND r.code = :code"
        ),
        {"code": canonical},
    ).first()
    if row is None:
        raise RequestNotFoundError("no request with this code (check the code you typed)")
    events = session.execute(
        text(
            "SELECT at, to_status, public_note FROM request_event"
            " WHERE city_id = :c AND request_id = :r ORDER BY id"
        ),
        {"c": row.city_id, "r": row.id},
    ).all()
    return TrackPublic(
        code=row.code,
        type=row.type,
        status=row.status,
        kelurahan=row.kelurahan,
        kecamatan=row.kecamatan,
        created_at=row.created_at,
        timeline=[TrackEvent(at=e.at, status=e.to_status, note=e.public_note) for e in events],
    )


__all__ = ["RequestNotFoundError", "parse_geometry", "submit", "track", "transition"]
