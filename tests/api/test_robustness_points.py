"""Points and boxes anywhere on Earth (and not on it): never a 5xx, always problem+json.

Before ``geo.points.ensure_near_city``, ``schools/nearest?lon=6&lat=0`` was a 500: 90 degrees
of longitude from its zone the city's UTM projection gives infinities. Points far outside a
city are now a 422 on every point endpoint (as ``trips`` already did); boxes and tiles far
away are empty answers.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy.orm import Session

from tests.api.test_service import PROBLEM, assert_problem
from tests.layers.sample import SampleCity, insert_sample_city

pytestmark = [pytest.mark.postgis, pytest.mark.slow]
C = "/cities/robust"
GEOJSON = "application/geo+json"
INSIDE = (106.65, -6.18)
FEW_LATS = (-85.0, -60.0, -30.0, -1.0, -0.5, 0.5, 1.0, 30.0, 60.0, 85.0)
CORNERS = [(180.0, 90.0), (-180.0, -90.0), (180.0, -90.0), (-180.0, 90.0), (0.0, 90.0)]
NOT_NUMBERS = ["nan", "NaN", "inf", "-inf", "Infinity", "1e308", "-1e308", "1e309", "-0x1p3"]


def far_points() -> Iterator[tuple[float, float]]:
    """Every whole longitude at the equator (the band where UTM blew up) and at one seeded
    latitude among a few, then the corners of the lon/lat range."""
    rng = random.Random(20261201)
    for lon in range(-180, 181):
        yield float(lon), 0.0
        yield float(lon), rng.choice(FEW_LATS)
    yield from CORNERS


def is_far(lon: float, lat: float) -> bool:
    """More than ~1 degree from the sample city (its bbox is 106.60..106.70, -6.22..-6.14)."""
    return not (105.5 <= lon <= 107.8 and -7.3 <= lat <= -5.0)


@pytest.fixture
def sample(db: Session) -> SampleCity:
    return insert_sample_city(db, "robust")


def check(client: Any, url: str, ok: set[int], failures: list[tuple[str, int, str]]) -> None:
    r = client.get(url)
    ctype = r.headers.get("content-type", "")
    text = r.text
    bad = r.status_code not in ok or "Traceback" in text or "SELECT" in text
    if r.status_code >= 400 and not bad:
        body = r.json()
        bad = ctype != PROBLEM or not {"type", "title", "status", "detail"} <= set(body)
        bad = bad or body["status"] != r.status_code
    if bad:
        failures.append((url, r.status_code, text[:160]))


@pytest.mark.parametrize(
    "endpoint",
    [
        "/schools/nearest?limit=5&",
        "/schools/within?radius_m=20000&",
        "/routes/near?radius_m=5000&",
    ],
)
def test_point_endpoints_refuse_far_points(client: Any, sample: SampleCity, endpoint: str) -> None:
    failures: list[tuple[str, int, str]] = []
    points = [p for p in far_points() if is_far(*p)]
    for lon, lat in points:
        check(client, f"{C}{endpoint}lon={lon}&lat={lat}", {422}, failures)
    assert len(points) > 700
    assert failures == []


def test_far_point_problem_body(client: Any, sample: SampleCity) -> None:
    for endpoint in ("schools/nearest?", "schools/within?radius_m=500&", "routes/near?"):
        r = client.get(f"{C}/{endpoint}lon=6&lat=0")
        body = assert_problem(r, 422)
        assert "outside Kota robust" in body["detail"]
        assert [e["field"] for e in body["errors"]] == ["lon", "lat"]


def test_points_near_the_city_are_answered(client: Any, sample: SampleCity) -> None:
    # inside, and just outside (a home across the border): answers, not errors, but for the
    # nearest schools, which (as trips) answer only for points in the city (#10 §6)
    for lon, lat in (INSIDE, (106.59, -6.18), (106.75, -6.25), (106.9, -6.0)):
        for endpoint in ("schools/within?radius_m=3000&", "routes/near?"):
            r = client.get(f"{C}/{endpoint}lon={lon}&lat={lat}")
            assert r.status_code == 200, (endpoint, lon, lat, r.text)
            assert r.headers["content-type"] == GEOJSON
        r = client.get(f"{C}/schools/nearest?lon={lon}&lat={lat}")
        if (lon, lat) != INSIDE:
            assert_problem(r, 422, "point-outside-city")
    nearest = client.get(f"{C}/schools/nearest?lon={INSIDE[0]}&lat={INSIDE[1]}&limit=3").json()
    assert len(nearest["features"]) == 3


def test_trips_refuse_far_points(client: Any, sample: SampleCity) -> None:
    failures: list[tuple[str, int, str]] = []
    inside = f"{INSIDE[0]},{INSIDE[1]}"
    for n, (lon, lat) in enumerate(far_points()):
        far = f"{lon},{lat}"
        url = f"{C}/trips?from={far}&to={inside}" if n % 2 else f"{C}/trips?from={inside}&to={far}"
        check(client, url, {422}, failures)
    assert failures == []


def test_items_bbox_anywhere(client: Any, sample: SampleCity) -> None:
    failures: list[tuple[str, int, str]] = []
    for lon, lat in far_points():
        box = (max(lon - 0.5, -180), max(lat - 0.5, -90), min(lon + 0.5, 180), min(lat + 0.5, 90))
        bbox = ",".join(str(v) for v in box)
        check(client, f"{C}/collections/schools/items?bbox={bbox}", {200}, failures)
    for bbox in ("-180,-90,180,90", "179,89,180,90", "-180,-90,-179,-89", "0,-1,1,1"):
        for layer in ("schools", "roads", "kelurahan", "angkot_routes"):
            check(client, f"{C}/collections/{layer}/items?bbox={bbox}", {200}, failures)
    assert failures == []


def test_tiles_anywhere(client: Any, sample: SampleCity) -> None:
    failures: list[tuple[str, int, str]] = []
    rng = random.Random(20261201)
    for layer in ("schools", "roads", "kelurahan", "angkot_routes"):
        meta = client.get(f"{C}/collections/{layer}/tiles/WebMercatorQuad/tilejson").json()
        for z in (meta["minzoom"], meta["maxzoom"]):
            n = 2**z
            xs = {0, n - 1, *(rng.randrange(n) for _ in range(12))}
            for x in sorted(xs):
                for y in (0, n // 2, n - 1):
                    url = f"{C}/collections/{layer}/tiles/WebMercatorQuad/{z}/{x}/{y}"
                    check(client, url, {200, 204}, failures)
    assert failures == []


@pytest.mark.parametrize("value", NOT_NUMBERS)
def test_not_numbers(client: Any, sample: SampleCity, value: str) -> None:
    lon, lat = INSIDE
    urls = [
        f"{C}/schools/nearest?lon={value}&lat={lat}",
        f"{C}/schools/nearest?lon={lon}&lat={value}",
        f"{C}/schools/within?lon={value}&lat={lat}&radius_m=500",
        f"{C}/schools/within?lon={lon}&lat={lat}&radius_m={value}",
        f"{C}/routes/near?lon={lon}&lat={value}",
        f"{C}/routes/near?lon={lon}&lat={lat}&radius_m={value}",
        f"{C}/trips?from={value},{lat}&to={lon},{lat}",
        f"{C}/trips?from={lon},{lat}&to={lon},{value}",
        f"{C}/collections/schools/items?bbox={value},-7,107,-6",
        f"{C}/collections/schools/items?bbox=106,-7,107,{value}",
    ]
    for url in urls:  # the OGC API paths answer 400 to a bad parameter value (the standard)
        assert_problem(client.get(url), 400 if "/collections/" in url else 422)


def test_demo_city_equator_band(client: Any, db: Session) -> None:
    """The reported cases, on the demo city: lon 6..20 and -170..-160 at |lat| <= 1."""
    from data.demo import load_demo_city

    load_demo_city(db, "tangerang")
    lons = [*range(6, 21), *range(-170, -159)]
    for lon in lons:
        for lat in (-1, 0, 1):
            r = client.get(f"/cities/tangerang/schools/nearest?lon={lon}&lat={lat}")
            body = assert_problem(r, 422)
            assert "outside Kota Tangerang" in body["detail"]
    assert client.get("/cities/tangerang/schools/nearest?lon=106.63&lat=-6.17").status_code == 200
