"""What the e-audit routers share: path and query types, documented error answers, today in
the city's time zone, and the private JSON answer."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import orjson
from fastapi import Path, Query, Response

NO_STORE = "private, no-store"
WIB = ZoneInfo("Asia/Jakarta")
Id = Annotated[int, Path(ge=1, le=2**62)]
Code = Annotated[str | None, Query(max_length=32)]
Year = Annotated[int | None, Query(ge=2000, le=2100)]
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "no such record in this city"}}
STEP_CLOSED: dict[int | str, dict[str, Any]] = {
    409: {"description": "not at the step this write belongs to"}
}
OTHER_OPD: dict[int | str, dict[str, Any]] = {403: {"description": "staff of another OPD"}}


def today() -> date:
    """Today's date in Western Indonesia (the 60-day clocks count city days)."""
    return datetime.now(WIB).date()


def private_body(body: Any, media_type: str = "application/json") -> Response:
    """``body`` as JSON bytes, never stored by a cache."""
    return Response(orjson.dumps(body), media_type=media_type, headers={"Cache-Control": NO_STORE})
