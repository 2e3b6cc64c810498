"""The kind of vehicle a route runs (angkot, bus, BRT), from the route's data.

The route table keeps no GTFS ``route_type`` column, so the mode is read from what the data
does say: a GTFS ``route_type`` when an importer has one, else the route's code and name
("TT Koridor 1", "Trans Tangerang: ..." is the city's BRT; "Bus ..." or "Damri ..." a bus).
Everything else is an angkot (the hail-and-ride minibus).
"""

from __future__ import annotations

import re
from typing import Literal

Mode = Literal["angkot", "bus", "brt"]
MODES: tuple[Mode, ...] = ("angkot", "bus", "brt")

# how each mode is named in the instructions: (Bahasa Indonesia, English)
MODE_NAMES: dict[Mode, tuple[str, str]] = {
    "angkot": ("angkot", "angkot"),
    "bus": ("bus", "bus"),
    "brt": ("BRT", "BRT"),
}

# "Trans Tangerang", "TransJakarta" (a city's BRT brand, capitalised; not "Transportasi")
_BRT_BRAND = re.compile(r"^(TT |Trans ?[A-Z][a-z]+\b)")
_BRT = re.compile(r"\b(BRT|Koridor|Busway)\b", re.IGNORECASE)
_BUS = re.compile(r"\b(bus|damri|big ?bird)\b", re.IGNORECASE)


def mode_from_gtfs(route_type: int) -> Mode:
    """A GTFS ``route_type`` (basic or extended) as one of our modes.

    3 (bus) stays an angkot: Indonesian feeds file angkot minibuses as buses. The extended
    types name the rest: 702 (express bus) is a BRT corridor, 200 (coach) and 700-799 buses.
    """
    if route_type == 702:
        return "brt"
    if 700 <= route_type <= 799 or route_type == 200:
        return "bus"
    return "angkot"


def route_mode(code: str, name: str) -> Mode:
    """The mode of a route from its code and name ("TT Koridor 2" -> ``brt``)."""
    for text in (code, name):
        if _BRT_BRAND.search(text) or _BRT.search(text):
            return "brt"
    if _BUS.search(name):
        return "bus"
    return "angkot"
