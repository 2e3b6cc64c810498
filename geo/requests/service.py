"""Submitting and tracking requests: the commands of the request core that citizens use."""

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
from geo.points import ensure_near_city
from geo.requests.attachments import StoredFile, Upload, UploadStore, check_upload
from geo.requests.catalogue import status_label
from geo.requests.codes import new_code, normalise_code
from geo.requests.nearby import DUPLICATE_DAYS, similar_nearby
from geo.requests.place import CITY_MARGIN_M, PLACE_SQL, parse_geometry
from geo.requests.schemas import (
    Contact,
    Receipt,
    RequestCreate,
    TrackEvent,
    TrackPublic,
)
from geo.requests.steps import transition, write_event
from geo.requests.types import TYPES, RequestNotFoundError, RequestType
from geo.requests.windows import (
    NO_WINDOWS,
    WIB,
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
    files = _check_documents(kind, documents, max_file_bytes)
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


# the public place of types that show one attribute instead of the kelurahan (school transfers:
# the target school's name); fixed fragments built from the type table, no input
_TRACK_PLACE = (
    "CASE r.type"
    + "".join(
        f" WHEN '{k.name}' THEN r.attrs->>'{k.track_place_field}'"
        for k in TYPES.values()
        if k.track_place_field
    )
    + " END"
    if any(k.track_place_field for k in TYPES.values())
    else "NULL"
)


def track(session: Session, code: str) -> TrackPublic:
    """The public view of a request by its tracking code: type, place, status, public notes.

    Raises:
        RequestNotFoundError: A malformed code, a wrong check character, or no such request.
    """
    canonical = normalise_code(code)
    if canonical is None:
        raise RequestNotFoundError("no request with this code (check the code you typed)")
    # one statement: the request, its place names and its timeline (three ordered arrays)
    row = session.execute(
        text(
            "SELECT r.code, r.type, r.status, r.created_at,"  # noqa: S608 - fixed fragments; values bound
            f" k.name AS kelurahan, kc.name AS kecamatan, {_TRACK_PLACE} AS place,"
            " e.ats, e.statuses, e.notes"
            " FROM service_request r"
            " LEFT JOIN admin_area k ON k.city_id = r.city_id AND k.level = 'kelurahan'"
            "  AND k.code = r.kelurahan_code"
            " LEFT JOIN admin_area kc ON kc.city_id = r.city_id AND kc.level = 'kecamatan'"
            "  AND kc.code = r.kecamatan_code"
            " CROSS JOIN LATERAL (SELECT array_agg(ev.at ORDER BY ev.id) AS ats,"
            "  array_agg(ev.to_status ORDER BY ev.id) AS statuses,"
            "  array_agg(ev.public_note ORDER BY ev.id) AS notes"
            "  FROM request_event ev WHERE ev.city_id = r.city_id AND ev.request_id = r.id) e"
            # one index probe per city: the unique key leads with city_id (DESIGN §8)
            " WHERE r.city_id = ANY(ARRAY(SELECT id FROM city)) AND r.code = :code"
        ),
        {"code": canonical},
    ).first()
    if row is None:
        raise RequestNotFoundError("no request with this code (check the code you typed)")
    events = zip(row.ats or [], row.statuses or [], row.notes or [], strict=True)
    by_place = TYPES[row.type].track_place_field is not None if row.type in TYPES else False
    return TrackPublic(
        code=row.code,
        type=row.type,
        status=row.status,
        kelurahan=None if by_place else row.kelurahan,
        kecamatan=None if by_place else row.kecamatan,
        school=row.place,
        created_at=row.created_at,
        timeline=[TrackEvent(at=at, status=status, note=note) for at, status, note in events],
    )


class NearbyItem(BaseModel):
    """A similar request near a place, as the public hint shows it (no code, id or title)."""

    status: str
    status_label: str
    kelurahan: str | None
    created_on: date
    distance_m: int


class NearbyPlace(BaseModel):
    """Where the point lies: inside the city (+ 500 m) or not, and its kelurahan."""

    inside: bool
    kelurahan: str | None
    kecamatan: str | None


class NearbyHint(BaseModel):
    """How many requests of the same type lie near a point, recently."""

    type: str
    count: int
    radius_m: float
    days: int
    message: str
    items: list[NearbyItem]
    place: NearbyPlace


MAX_NEARBY_ITEMS = 20


def _metres(value: float) -> str:
    return f"{value:,.0f}".replace(",", ".")


def nearby_hint(
    session: Session,
    principal: Principal,
    city: CityInfo,
    type_name: str,
    *,
    lon: float,
    lat: float,
) -> NearbyHint:
    """Requests of the same type near ``lon, lat`` in the last 90 days: the citizen's hint.

    Within the type's ``nearby_radius_m``; distances rounded to 10 m, dates to the day; the
    message is one sentence in Bahasa Indonesia.

    Raises:
        InvalidInputError: An unknown type, bad coordinates, a point far (50 km) from the city.
    """
    authorize(principal, "requests.nearby", city_id=city.id)
    kind = TYPES.get(type_name)
    if kind is None:
        raise InvalidInputError(
            f"unknown request type {type_name[:32]!r}; known: {', '.join(sorted(TYPES))}",
            [{"field": "type", "in": "query", "message": "unknown request type"}],
        )
    ensure_near_city(city, lon, lat)
    minx, miny, maxx, maxy = city.bbox
    wkt = f"POINT({lon!r} {lat!r})"
    place = session.execute(
        PLACE_SQL,
        {"wkt": wkt, "c": city.id, "margin": CITY_MARGIN_M}
        | {"minx": minx, "miny": miny, "maxx": maxx, "maxy": maxy},
    ).one()
    found = similar_nearby(
        session, city.id, kind.name, wkt, radius_m=kind.nearby_radius_m, limit=100
    )
    codes = sorted({f.kelurahan_code for f in found if f.kelurahan_code})
    rows = session.execute(
        text(
            "SELECT code, name FROM admin_area WHERE city_id = :c AND level = 'kelurahan'"
            " AND code = ANY(:codes)"
        ),
        {"c": city.id, "codes": codes},
    ).all()
    names = {r.code: r.name for r in rows}
    radius = _metres(kind.nearby_radius_m)
    if found:
        message = (
            f"Sudah ada {len(found)} pengajuan serupa dalam {radius} m"
            f" dalam {DUPLICATE_DAYS} hari terakhir."
        )
    else:
        message = "Belum ada pengajuan serupa di dekat sini."
    return NearbyHint(
        type=kind.name,
        count=len(found),
        radius_m=kind.nearby_radius_m,
        days=DUPLICATE_DAYS,
        message=message,
        items=[
            NearbyItem(
                status=f.status,
                status_label=status_label(kind.name, f.status),
                kelurahan=names.get(f.kelurahan_code or ""),
                created_on=f.created_at.astimezone(WIB).date(),
                distance_m=int(round(f.distance_m / 10) * 10),
            )
            for f in found[:MAX_NEARBY_ITEMS]
        ],
        place=NearbyPlace(
            inside=bool(place.inside), kelurahan=place.name, kecamatan=place.kecamatan_name
        ),
    )


__all__ = [
    "NearbyHint",
    "RequestNotFoundError",
    "nearby_hint",
    "parse_geometry",
    "submit",
    "track",
    "transition",
]
