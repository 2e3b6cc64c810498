"""Step-by-step trip instructions in Bahasa Indonesia and English."""

from __future__ import annotations

from typing import Protocol

from geo.transit.modes import MODE_NAMES, Mode


class _RouteLike(Protocol):
    @property
    def code(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def destination(self) -> str | None: ...
    @property
    def mode(self) -> Mode: ...


def format_m_id(metres: float) -> str:
    """Metres the Indonesian way: ``1.000 m``, ``350 m``."""
    return f"{round(metres):,} m".replace(",", ".")


def _distance(metres: float, *, indonesian: bool) -> str:
    if metres < 1000:
        return f"{round(metres / 10) * 10:.0f} m"
    km = f"{metres / 1000:.1f}"
    return f"{km.replace('.', ',')} km" if indonesian else f"{km} km"


def _minutes(duration_s: float) -> int:
    return max(1, round(duration_s / 60))


def walk_text(
    distance_m: float,
    duration_s: float,
    to_name: str | None,
    next_code: str | None,
    next_mode: Mode = "angkot",
) -> tuple[str, str]:
    """Instruction for a walking leg (to a boarding point, or to the destination).

    Args:
        distance_m: Length of the walk.
        duration_s: Its duration.
        to_name: Street of the boarding point, when known.
        next_code: Code of the route boarded next; None when walking to the destination.
        next_mode: Its vehicle (angkot, bus, brt), named in the instruction.

    Returns:
        The instruction in Bahasa Indonesia and in English.
    """
    mins = _minutes(duration_s)
    head_id = f"Jalan kaki {_distance(distance_m, indonesian=True)} ({mins} menit)"
    head_en = f"Walk {_distance(distance_m, indonesian=False)} ({mins} min)"
    if next_code is None:
        return f"{head_id} ke tujuan", f"{head_en} to your destination"
    where_id = to_name or "titik naik"
    where_en = to_name or "the boarding point"
    mode_id, mode_en = MODE_NAMES[next_mode]
    return (
        f"{head_id} ke {where_id}, lalu naik {mode_id} {next_code}",
        f"{head_en} to {where_en}, then take {mode_en} {next_code}",
    )


def ride_text(
    route: _RouteLike,
    board_name: str | None,
    alight_name: str | None,
    distance_m: float,
    duration_s: float,
) -> tuple[str, str]:
    """Instruction for a ride: where to board, towards where, where to get off.

    Args:
        route: The route ridden (code, name, destination, mode).
        board_name: Street where to board, when known.
        alight_name: Street where to get off, when known.
        distance_m: Length of the ride.
        duration_s: Riding time.

    Returns:
        The instruction in Bahasa Indonesia and in English.
    """
    mins = _minutes(duration_s)
    towards_id = f" arah {route.destination}" if route.destination else ""
    towards_en = f" towards {route.destination}" if route.destination else ""
    board_id = f" di {board_name}" if board_name else ""
    board_en = f" at {board_name}" if board_name else ""
    off_id = f"di {alight_name}" if alight_name else "di titik turun"
    off_en = f"at {alight_name}" if alight_name else "at the drop-off point"
    mode_id, mode_en = MODE_NAMES[route.mode]
    return (
        f"Naik {mode_id} {route.code} ({route.name}){board_id}{towards_id}; turun {off_id} "
        f"setelah {_distance(distance_m, indonesian=True)} ({mins} menit)",
        f"Take {mode_en} {route.code} ({route.name}){board_en}{towards_en}; get off {off_en} "
        f"after {_distance(distance_m, indonesian=False)} ({mins} min)",
    )


def walk_instead_text(distance_m: float, duration_s: float) -> tuple[str, str]:
    """Note given beside the angkot itineraries when walking all the way, though longer than the
    walking limit (so not offered), would be faster than any of them."""
    mins = _minutes(duration_s)
    return (
        f"jalan kaki langsung lebih cepat ({_distance(distance_m, indonesian=True)}, "
        f"{mins} menit) daripada naik angkot",
        f"walking all the way is faster ({_distance(distance_m, indonesian=False)}, "
        f"{mins} min) than taking an angkot",
    )


def same_place_text() -> tuple[str, str]:
    """Reason given when the start and the destination are the same place."""
    return (
        "titik awal dan tujuan sama: tidak perlu perjalanan",
        "the start and the destination are the same place: no trip needed",
    )
