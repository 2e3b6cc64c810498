"""The planner's networks are built in the background at start-up (and not when turned off)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine

from api.settings import Settings
from tests.geo.synthetic import GridCity, RouteSpec, committed_grid_city

pytestmark = pytest.mark.postgis
SLUG = "hangat"  # committed (the warm-up reads committed cities), deleted after the test
WAIT_S = 120  # the warm-up of one small city; a bound for a hung build, not a speed check


@pytest.fixture
def committed(engine: Engine) -> Iterator[GridCity]:
    route = RouteSpec("W1", [(c, 3) for c in range(8)])
    with committed_grid_city(engine, SLUG, cols=8, rows=6, routes=[route]) as grid:
        yield grid


def _client(settings: Settings, **changes: Any) -> Any:
    from fastapi.testclient import TestClient

    from api.app import create_app

    return TestClient(create_app(settings.model_copy(update=changes)))


def test_networks_are_built_at_start_up(settings: Settings, committed: GridCity) -> None:
    with _client(settings) as client:
        warmup = client.app.state.warmup
        assert warmup.done.wait(WAIT_S)
        assert SLUG in warmup.built
        planner = client.app.state.planner
        builds = planner.builds
        assert builds >= 1
        a, b = committed.lonlat(0, 3.2), committed.lonlat(7, 3.2)
        r = client.get(f"/cities/{SLUG}/trips?from={a[0]},{a[1]}&to={b[0]},{b[1]}")
        assert r.status_code == 200, r.text
        assert r.json()["itineraries"]
        assert planner.builds == builds  # the first trip used the networks built at start


def test_warm_up_can_be_turned_off(settings: Settings, committed: GridCity) -> None:
    with _client(settings, planner_warmup=False) as client:
        assert not hasattr(client.app.state, "warmup")
        assert client.app.state.planner.builds == 0
        a, b = committed.lonlat(0, 3.2), committed.lonlat(7, 3.2)
        client.get(f"/cities/{SLUG}/trips?from={a[0]},{a[1]}&to={b[0]},{b[1]}")
        assert client.app.state.planner.builds == 1
