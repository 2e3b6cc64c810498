"""Submit, track and move requests through their workflow: the commands of the request core."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
import shapely
from pydantic import BaseModel, ValidationError
from shapely.geometry import shape
from shapely.validation import explain_validity
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from geo.accounts import Principal, authorize, record
from geo.cities import CityInfo
from geo.errors import (
    InvalidGeometryError,
    InvalidInputError,
    NotFoundError,
    PreconditionRequiredError,
    StaleVersionError,
)
from geo.requests.aid import AID_DOCUMENTS, AID_OPTIONAL_DOCUMENTS, AID_WORKFLOW
from geo.requests.attachments import StoredFile, Upload, UploadStore, check_upload
from geo.requests.codes import new_code, normalise_code
from geo.requests.schemas import (
    AidAttributes,
    AidPrivate,
    Receipt,
    RequestCreate,
    TrackEvent,
    TrackPublic,
)
from geo.requests.workflow import Workflow

MAX_VERTICES = 10_000
CITY_MARGIN_M = 500.0


@dataclass(frozen=True, kw_only=True)
class RequestType:
    """What the core knows of one request type: its schemas, workflow, code prefix, routing."""

    name: str
    prefix: str
    workflow: Workflow
    attrs: type[BaseModel]
    private: type[BaseModel] | None
    opd: str
    title_field: str
    documents: Mapping[str, str]
    optional_documents: Mapping[str, str]


TYPES: dict[str, RequestType] = {
    "bantuan": RequestType(
        name="bantuan",
        prefix="SBK",
        workflow=AID_WORKFLOW,
        attrs=AidAttributes,
        private=AidPrivate,
        opd="KESRA",
        title_field="organisation",
        documents=AID_DOCUMENTS,
        optional_documents=AID_OPTIONAL_DOCUMENTS,
    ),
}


class RequestNotFoundError(NotFoundError):
    """No such request (or not one the principal may see)."""

    code = "request-not-found"
    title = "Request not found"


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


def parse_geometry(geojson: Mapping[str, Any]) -> shapely.Geometry:
    """A request's place from GeoJSON: a Point, or a (Multi)Polygon made a MultiPolygon.

    Raises:
        InvalidGeometryError: Not GeoJSON, another type, too many vertices, non-finite or
            out-of-range coordinates, or an invalid polygon (the reason and where).
    """
    kind = geojson.get("type") if isinstance(geojson, Mapping) else None
    if kind not in {"Point", "Polygon", "MultiPolygon"}:
        raise InvalidGeometryError(
            "the place must be a GeoJSON Point, Polygon or MultiPolygon",
            [{"field": "geometry.type", "message": f"got {str(kind)[:40]!r}"}],
        )
    try:
        geom = shape(geojson)
    except (ValueError, TypeError, AttributeError, IndexError, KeyError):
        raise InvalidGeometryError(
            "the place is not valid GeoJSON", [{"field": "geometry", "message": "unreadable"}]
        ) from None
    coords = shapely.get_coordinates(geom)
    if coords.size == 0 or geom.is_empty:
        raise InvalidGeometryError(
            "the place is empty", [{"field": "geometry", "message": "empty"}]
        )
    if len(coords) > MAX_VERTICES:
        raise InvalidGeometryError(
            f"the place has {len(coords)} vertices; at most {MAX_VERTICES}",
            [{"field": "geometry", "message": "too many vertices"}],
        )
    lon, lat = coords[:, 0], coords[:, 1]
    if not (
        all(math.isfinite(v) for v in coords.ravel())
        and lon.min() >= -180
        and lon.max() <= 180
        and lat.min() >= -90
        and lat.max() <= 90
    ):
        raise InvalidGeometryError(
            "coordinates must be lon in -180..180 and lat in -90..90",
            [{"field": "geometry.coordinates", "message": "out of range"}],
        )
    if not geom.is_valid:
        raise InvalidGeometryError(
            f"the polygon is not valid: {explain_validity(geom)}",
            [{"field": "geometry", "message": explain_validity(geom)}],
        )
    if geom.geom_type == "Polygon":
        geom = shapely.MultiPolygon([geom])
    return geom


_PLACE = text(
    """
    WITH g AS (SELECT ST_GeomFromText(:wkt, 4326) AS geom),
    p AS (SELECT ST_PointOnSurface(geom) AS pt FROM g),
    kota AS (SELECT geom FROM admin_area WHERE city_id = :c AND level = 'kota')
    SELECT
      (NOT EXISTS (SELECT 1 FROM kota) AND ST_Intersects(
           ST_MakeEnvelope(:minx, :miny, :maxx, :maxy, 4326), (SELECT geom FROM g)))
      OR EXISTS (SELECT 1 FROM kota, g
                 WHERE ST_DWithin(kota.geom::geography, g.geom::geography, :margin)) AS inside,
      k.code, k.name, k.parent_code, kc.name AS kecamatan_name
    FROM p
    LEFT JOIN LATERAL (
        SELECT a.code, a.name, a.parent_code FROM admin_area a
        WHERE a.city_id = :c AND a.level = 'kelurahan'
        ORDER BY NOT ST_Covers(a.geom, p.pt), a.geom <-> p.pt, a.code
        LIMIT 1) k ON true
    LEFT JOIN admin_area kc
      ON kc.city_id = :c AND kc.level = 'kecamatan' AND kc.code = k.parent_code
    """
)


def submit(
    session: Session,
    principal: Principal,
    city: CityInfo,
    data: RequestCreate,
    *,
    documents: Sequence[Upload] = (),
    store: UploadStore | None = None,
    max_file_bytes: int = 10_000_000,
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

    Raises:
        InvalidInputError: Unknown type, invalid attributes or contact, missing documents
            (with the list), a file too large or not a PDF/JPEG/PNG by its content.
        InvalidGeometryError: A bad place, or one outside the city (+ 500 m).
    """
    authorize(principal, "requests.submit", city_id=city.id)
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
        _PLACE,
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
    _event(
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


def _event(
    session: Session,
    principal: Principal,
    city_id: int,
    request_id: int,
    *,
    transition: str | None,
    from_status: str | None,
    to_status: str,
    fields: Mapping[str, Any],
) -> None:
    session.execute(
        text(
            "INSERT INTO request_event (city_id, request_id, actor_id, actor, transition,"
            " from_status, to_status, public_note, internal_note, fields)"
            " VALUES (:c, :r, :uid, :actor, :t, :f, :to, :pub, :internal, CAST(:fields AS jsonb))"
        ),
        {
            "c": city_id,
            "r": request_id,
            "uid": principal.user_id,
            "actor": principal.username,
            "t": transition,
            "f": from_status,
            "to": to_status,
            "pub": fields.get("public_note"),
            "internal": fields.get("internal_note"),
            "fields": orjson.dumps(
                {k: v for k, v in fields.items() if k not in {"public_note", "internal_note"}}
            ).decode(),
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


def transition(
    session: Session,
    principal: Principal,
    city: CityInfo,
    request_id: int,
    *,
    name: str,
    fields: Mapping[str, Any],
    expected_version: int | None,
) -> Receipt:
    """Take one workflow step on a request, guarded by its version (optimistic locking).

    Raises:
        PreconditionRequiredError: No expected version given (HTTP 428).
        RequestNotFoundError: No such request in this city, or one the principal may not see.
        StaleVersionError: Someone changed the request since that version (HTTP 412).
        IllegalTransitionError: Not a step allowed now for this principal (HTTP 409).
        TransitionFieldsError: A required field is missing (HTTP 422).
    """
    if expected_version is None:
        raise PreconditionRequiredError("send If-Match with the request's version ETag")
    row = session.execute(
        text(
            "SELECT id, type, code, status, version, opd_code, kecamatan_code, kelurahan_code,"
            " submitted_by FROM service_request WHERE city_id = :c AND id = :id FOR UPDATE"
        ),
        {"c": city.id, "id": request_id},
    ).first()
    if row is None:
        raise RequestNotFoundError(f"no request {request_id} in {city.name}")
    kind = TYPES[row.type]
    own = principal.user_id is not None and principal.user_id == row.submitted_by
    if not own:
        authorize(principal, "requests.update", city_id=city.id)
        if not _may_handle(principal, row, kind):
            raise RequestNotFoundError(f"no request {request_id} in {city.name}")
    if row.version != expected_version:
        raise StaleVersionError(
            f"request {row.code} changed since version {expected_version} (now {row.version});"
            " reload it and try again"
        )
    roles = set(principal.roles()) | ({"pemohon"} if own else set())
    acting = _acting_roles(principal, roles, row, name, kind)
    step = kind.workflow.take(row.status, name, acting, fields)
    session.execute(
        text(
            "UPDATE service_request SET status = :s, version = version + 1, updated_at = now(),"
            " status_changed_at = now() WHERE city_id = :c AND id = :id"
        ),
        {"s": step.target, "c": city.id, "id": request_id},
    )
    _event(
        session,
        principal,
        city.id,
        request_id,
        transition=name,
        from_status=row.status,
        to_status=step.target,
        fields=fields,
    )
    record(
        session,
        principal,
        "requests.transition",
        city_id=city.id,
        object_type="service_request",
        object_id=str(request_id),
        before={"status": row.status, "version": row.version},
        after={"status": step.target, "version": row.version + 1, "transition": name},
    )
    return Receipt(
        id=request_id,
        code=row.code,
        type=row.type,
        status=step.target,
        kelurahan=row.kelurahan_code,
        kecamatan=row.kecamatan_code,
        opd=row.opd_code,
        version=row.version + 1,
    )


def handling_opds(kind: RequestType, opd_code: str | None) -> frozenset[str]:
    """The OPDs whose staff handle a request: the one it is routed to and those of its steps."""
    steps = {t.opd for t in kind.workflow.transitions if t.opd}
    return frozenset(steps | ({opd_code} if opd_code else set()))


def _may_handle(principal: Principal, row: Any, kind: RequestType) -> bool:
    """Staff of the OPDs handling it (and of its kecamatan, when scoped); city admins all."""
    opds = handling_opds(kind, row.opd_code)
    for grant in principal.grants:
        if grant.role in {"admin_kota", "admin"}:
            return True
        if (
            grant.role == "opd_staff"
            and grant.opd in opds
            and grant.kecamatan in (None, row.kecamatan_code)
        ):
            return True
    return False


def _acting_roles(
    principal: Principal, roles: set[str], row: Any, name: str, kind: RequestType
) -> set[str]:
    """The roles that count for this step: ``opd_staff`` only for the OPD the step names."""
    step = kind.workflow.transition(name)
    wanted_opd = (step.opd if step else None) or row.opd_code
    if "opd_staff" in roles and not any(
        g.role == "opd_staff" and g.opd == wanted_opd and g.kecamatan in (None, row.kecamatan_code)
        for g in principal.grants
    ):
        roles.discard("opd_staff")
    return roles
