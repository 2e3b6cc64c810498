"""Clock times of a trip: the city's time zone, and depart/arrive times of legs and itineraries."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

# Indonesia's three zones by longitude (WIB to ~114.5° E incl. Kalimantan Barat/Tengah, WITA to
# ~125.5° E, WIT east of that); a city's zone is the one of its centre
_ZONES = ((114.5, "Asia/Jakarta"), (125.5, "Asia/Makassar"), (181.0, "Asia/Jayapura"))


def city_timezone(center_lon: float) -> ZoneInfo:
    """The time zone of an Indonesian city from the longitude of its centre."""
    for east_edge, name in _ZONES:
        if center_lon < east_edge:
            return ZoneInfo(name)
    return ZoneInfo(_ZONES[-1][1])


def _iso(at: datetime) -> str:
    return at.isoformat(timespec="seconds")


def stamp_times(itinerary: dict[str, Any], depart: datetime) -> None:
    """Set ``depart_at`` / ``arrive_at`` (ISO 8601 with offset) on an itinerary and its legs.

    A ride leg departs after its wait (``wait_s``): its ``depart_at`` is when the vehicle is
    boarded, ``arrive_at`` when it is left.

    Args:
        itinerary: As built by ``build_itinerary`` (legs with ``duration_s``, rides ``wait_s``).
        depart: When the trip starts (time-zone aware).
    """
    at = depart
    itinerary["depart_at"] = _iso(at)
    for leg in itinerary["legs"]:
        at += timedelta(seconds=leg.get("wait_s", 0))
        leg["depart_at"] = _iso(at)
        at += timedelta(seconds=leg["duration_s"])
        leg["arrive_at"] = _iso(at)
    itinerary["arrive_at"] = _iso(depart + timedelta(seconds=itinerary["duration_s"]))
