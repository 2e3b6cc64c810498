"""Schemas of the route editor's endpoints (``/cities/{city}/editor/routes...``): the path
and If-Match parameters, the bodies and the answers."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import Header, Path
from pydantic import BaseModel, ConfigDict, Field

from geo.errors import InvalidInputError

RouteId = Annotated[int, Path(ge=1, le=2**31 - 1)]
Version = Annotated[int, Path(ge=1, le=2**31 - 1)]
IfMatch = Annotated[str | None, Header(max_length=40, description='The route\'s ETag, "r12v3"')]
_ETAG_RE = re.compile(r'^(?:W/)?"r(\d{1,10})v(\d{1,10})"$')
STALE = {"description": "someone saved the route since the If-Match version (who, when)"}
MISSING = {"description": "If-Match is missing"}
INVALID = {"description": "the route fails validation (`route-invalid`, an `errors` list)"}


def parse_if_match(route_id: int, value: str | None) -> int | None:
    """The head version named by ``If-Match: "r12v3"``; None when absent.

    Raises:
        InvalidInputError: Not a route version ETag, or one of another route.
    """
    if value is None:
        return None
    match = _ETAG_RE.match(value.strip())
    if match is None or int(match.group(1)) != route_id:
        raise InvalidInputError(
            f'If-Match must be the route\'s ETag, e.g. "r{route_id}v3"',
            [{"field": "If-Match", "in": "header", "message": "not this route's version ETag"}],
        )
    return int(match.group(2))


class RouteProperties(BaseModel):
    """The attributes of a route version (ranges are checked on save: `route-invalid`)."""

    model_config = ConfigDict(extra="ignore")

    code: str = Field(max_length=64)
    name: str = Field(max_length=400)
    direction: int = 0
    origin: str | None = Field(default=None, max_length=400)
    destination: str | None = Field(default=None, max_length=400)
    colour: str = Field(default="#1f78b4", max_length=16)
    fare_idr: int = 5000
    headway_s: int = 600
    speed_kmh: float = 15.0
    active: bool = True
    circular: bool = False


class RouteDraftIn(BaseModel):
    """A save: the line, the attributes and a message."""

    model_config = ConfigDict(extra="ignore")

    geometry: dict[str, Any] = Field(description="GeoJSON LineString, lon/lat")
    properties: RouteProperties
    message: str | None = Field(default=None, max_length=2000)


class ReturnIn(BaseModel):
    """A reviewer's note sending a draft back."""

    model_config = ConfigDict(extra="forbid")

    note: str = Field(max_length=2000)


class Warning(BaseModel):
    """A validation warning (saved anyway)."""

    code: str
    message: str
    at: list[float] | None = None
    geometry: dict[str, Any] | None = None


class SavedOut(BaseModel):
    """A saved draft: the route id, the new version (the head) and warnings."""

    id: int
    version: int
    warnings: list[Warning] = []


class PublishedOut(BaseModel):
    """A published version."""

    id: int
    published_version: int


class ReturnedOut(BaseModel):
    """A returned draft."""

    id: int
    version: int
    state: str


class DraftInfo(BaseModel):
    """A live draft of a route."""

    version: int
    author: str | None
    saved_at: str | None
    state: str


class RouteSummary(BaseModel):
    """A route of the editor's list."""

    id: int
    code: str
    name: str
    direction: int
    colour: str
    active: bool
    published_version: int | None
    length_m: float
    drafts: list[DraftInfo]


class RouteList(BaseModel):
    """The editor's routes."""

    routes: list[RouteSummary]


class VersionInfo(BaseModel):
    """One version of a route's history."""

    version: int
    parent: int | None
    state: str
    author: str | None
    message: str | None
    saved_at: str | None
    length_m: float
    note: str | None


class VersionList(BaseModel):
    """A route's history, newest first."""

    versions: list[VersionInfo]


class RouteDiff(BaseModel):
    """What changed between two versions."""

    model_config = ConfigDict(populate_by_name=True)

    from_: int = Field(alias="from")
    to: int
    attributes: dict[str, list[Any]]
    length_from_m: float
    length_to_m: float
    length_added_m: float
    length_removed_m: float
    added: dict[str, Any] | None
    removed: dict[str, Any] | None
    kelurahan_added: list[dict[str, str]]
    kelurahan_removed: list[dict[str, str]]
