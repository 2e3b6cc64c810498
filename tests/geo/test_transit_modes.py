"""The vehicle a route runs, named from its data (no database)."""

from __future__ import annotations

import pytest

from geo.transit.modes import mode_from_gtfs, route_mode


@pytest.mark.parametrize(
    ("code", "name", "mode"),
    [
        ("TT Koridor 1", "Trans Tangerang: Terminal Poris Plawad – Jatake", "brt"),
        ("K2", "Trans Tangerang: Poris Plawad – Cibodas", "brt"),
        ("AP.1E", "Si Benteng: Perumahan BTN Pasir Jaya – GOR Gandasari", "angkot"),
        ("B01", "Bus Damri Bandara – Kota", "bus"),
        ("DEMO-03", "Angkot demo: Cibodas – Karawaci", "angkot"),
        ("02", "Transportasi Warga", "angkot"),
    ],
)
def test_route_mode_from_code_and_name(code: str, name: str, mode: str) -> None:
    assert route_mode(code, name) == mode


@pytest.mark.parametrize(("route_type", "mode"), [(3, "angkot"), (702, "brt"), (700, "bus")])
def test_mode_from_gtfs_route_type(route_type: int, mode: str) -> None:
    assert mode_from_gtfs(route_type) == mode
