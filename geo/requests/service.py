"""Submitting a request (``submit``): the command of the request core that citizens use.

Tracking by code is ``tracking.track``, the hint of similar requests nearby
``hint.nearby_hint``, the documents' checks ``attachments.check_documents``."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date
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
from geo.requests.attachments import Upload, UploadStore, check_documents, store_documents
from geo.requests.codes import new_code
from geo.requests.place import CITY_MARGIN_M, PLACE_SQL, parse_geometry
from geo.requests.schemas import (
    Contact,
    Receipt,
    RequestCreate,
)
from geo.requests.steps import transition, write_event
from geo.requests.types import TYPES, RequestNotFoundError, RequestType
from geo.requests.windows import (
    NO_WINDOWS,
    SubmissionWindows,
    check_window,
    today_in_city,
)


def _errors(exc: ValidationError, prefix: str) -> list[dict[str, str]]:
    return [
        {
            "field": ".".join([prefix, *(str(p) for p in err["loc"])]),
            "message": str(err["msg"]).removeprefix("Value error, "),
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
    windows: SubmissionWindows = NO_WINDOWS,
    today: date | None = None,
    planning: Callable[[], Any] | None = None,
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
        windows: The submission windows per city and kind (``TPO_SUBMISSION_WINDOWS``).
        today: The day in the city (default: today in WIB).
        planning: Gives the city's networks (``geo.requests.transfer.Planning``) for types
            that compute figures over them (school transfers); called only for those.

    Raises:
        SubmissionWindowClosedError: The kind's window is closed today (says when it opens).
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
    if kind.kind_field:
        code = str(getattr(attrs, kind.kind_field))
        check_window(
            windows,
            city.slug,
            kind.name,
            code,
            today or today_in_city(),
            kind_title=kind.kinds.get(code),
        )
    private = _validated(kind.private, data.private, "private") if kind.private else None
    contact = _check_contact(kind, data)
    files = check_documents(kind, documents, max_file_bytes)
    geom = parse_geometry(data.geometry, kind.geometry_types)
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
    private_json = private.model_dump(mode="json") if private else {}
    wkt = geom.wkt
    if kind.prepare is not None:
        prepared = kind.prepare(
            session, city, attrs_json, private_json, geom, planning=planning() if planning else None
        )
        attrs_json, private_json, wkt = prepared.attrs, prepared.private, prepared.wkt
        row = session.execute(
            PLACE_SQL,
            {"wkt": wkt, "c": city.id, "margin": CITY_MARGIN_M}
            | {"minx": minx, "miny": miny, "maxx": maxx, "maxy": maxy},
        ).one()
    title = str(attrs_json.get(kind.title_field, kind.name))
    if kind.title_field == kind.kind_field:  # a suggestion is titled by its kind's name
        title = kind.kinds.get(title, title)
    title = title[:200]
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
                        "wkt": wkt,
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
    if contact is not None or private is not None:  # no contact given: no personal data kept
        session.execute(
            text(
                "INSERT INTO request_private (city_id, request_id, name, nik, phone, email,"
                " address, extra) VALUES (:c, :r, :name, :nik, :phone, :email, :address,"
                " CAST(:extra AS jsonb))"
            ),
            {
                "c": city.id,
                "r": request_id,
                "name": contact.name if contact else "",
                "nik": contact.nik if contact else None,
                "phone": contact.phone if contact else None,
                "email": contact.email if contact else None,
                "address": contact.address if contact else None,
                "extra": orjson.dumps(private_json).decode(),
            },
        )
    if files:
        if store is None:
            raise ValueError("documents need an upload store")
        store_documents(
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
    if kind.after_step is not None:  # e.g. a permit's pre-check, kept as version 1
        kind.after_step(session, principal, city.id, request_id, None)
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
        figures=attrs_json.get("figures"),
    )


def _check_contact(kind: RequestType, data: RequestCreate) -> Contact | None:
    """The submitter's contact: required unless the type allows none; fields the type does
    not ask for (a suggestion's NIK or address) are refused rather than kept."""
    contact = data.contact
    if contact is None:
        if kind.contact_required:
            raise InvalidInputError(
                "invalid value for: contact",
                [{"field": "contact", "message": "Field required"}],
            )
        return None
    refused = sorted(f for f in kind.contact_refused if getattr(contact, f) is not None)
    if refused:
        raise InvalidInputError(
            f"this service does not ask for: {', '.join(f'contact.{f}' for f in refused)}",
            [{"field": f"contact.{f}", "message": "not asked for this service"} for f in refused],
        )
    return contact


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


__all__ = ["RequestNotFoundError", "parse_geometry", "submit", "transition"]
