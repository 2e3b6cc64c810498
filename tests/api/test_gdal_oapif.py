"""GDAL's OAPIF driver (through pyogrio) reads every public layer from a real running server."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from layers.registry import LAYERS, public_layers
from tests.geo.permit_city import insert_permit_city

pytestmark = [pytest.mark.postgis, pytest.mark.slow]
SLUG = "oapif-test"


@pytest.fixture(scope="module")
def oapif_city(live_server: Any) -> Iterator[dict[str, int]]:
    """The sample city committed into the live database; deleted afterwards."""
    engine = create_engine(live_server.db_url)
    try:
        with Session(engine) as session:
            session.execute(text("DELETE FROM city WHERE slug = :s"), {"s": SLUG})
            # the sample city with the permit layers (zoning, protected areas, rivers)
            sample = insert_permit_city(session, SLUG)
            session.commit()
        yield sample.counts
    finally:
        with Session(engine) as session:
            session.execute(text("DELETE FROM city WHERE slug = :s"), {"s": SLUG})
            session.commit()
        engine.dispose()


def _source(live_server: Any) -> str:
    return f"OAPIF:{live_server.url}/cities/{SLUG}"


def _gdal(source: str, body: str) -> Any:
    """Run pyogrio in a child process and return what ``body`` stores in ``out``.

    GDAL keeps the GIL while it waits for HTTP, and the live server runs in a thread of this
    process: calling pyogrio here would deadlock.
    """
    script = (
        "import json, sys\nimport pyogrio\n"
        f"source = {source!r}\nout = None\n{textwrap.dedent(body)}\n"
        "json.dump(out, sys.stdout)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=180, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


def _read(source: str, layer: str, **kwargs: Any) -> dict[str, Any]:
    return _gdal(
        source,
        f"""
        gdf = pyogrio.read_dataframe(source, layer={layer!r}, **{kwargs!r})
        out = {{
            "n": len(gdf),
            "crs": gdf.crs.to_string() if gdf.crs is not None else None,
            "geoms": int(gdf.geometry.notna().sum()),
            "types": sorted(set(gdf.geom_type.dropna())),
            "bounds": [float(v) for v in gdf.total_bounds] if len(gdf) else None,
            "columns": {{c: [str(v) for v in gdf[c]] for c in gdf.columns if c != "geometry"}},
        }}
        """,
    )


def test_list_layers_shows_every_public_layer(live_server: Any, oapif_city: dict[str, int]) -> None:
    listed = _gdal(_source(live_server), "out = [str(n) for n, _ in pyogrio.list_layers(source)]")
    assert sorted(listed) == sorted(layer.id for layer in public_layers())


@pytest.mark.parametrize("layer", [layer.id for layer in public_layers()])
def test_read_every_layer(live_server: Any, oapif_city: dict[str, int], layer: str) -> None:
    got = _read(_source(live_server), layer)
    # requests_public: one feature per kelurahan (the counts over every type and status)
    counts = {**oapif_city, "requests_public": oapif_city["kelurahan"]}
    counts["route_coverage"] = oapif_city["kelurahan"]  # one feature per kelurahan
    assert got["n"] == counts[layer]
    assert got["geoms"] == got["n"]
    assert got["crs"] == "OGC:CRS84", got["crs"]
    expected = LAYERS[layer].geometry_type
    assert set(got["types"]) <= {expected, expected.removeprefix("Multi"), "Multi" + expected}
    minx, miny, maxx, maxy = got["bounds"]
    assert 106.59 <= minx <= maxx <= 106.71
    assert -6.23 <= miny <= maxy <= -6.13
    wanted = {p.name for p in LAYERS[layer].properties}
    assert wanted <= set(got["columns"])


def test_read_pages_through_next_links(live_server: Any, oapif_city: dict[str, int]) -> None:
    """A page size below the layer size makes GDAL follow `next` links to the end."""
    got = _read(_source(live_server), "schools", PAGE_SIZE="4")
    assert got["n"] == oapif_city["schools"]
    assert sorted(got["columns"]["npsn"]) == [f"2067{i:04d}" for i in range(oapif_city["schools"])]
    assert set(got["columns"]["level"]) == {"SD", "SMP", "SMA", "SMK", "SLB"}


def test_attribute_and_bbox_filters(live_server: Any, oapif_city: dict[str, int]) -> None:
    smp = _read(_source(live_server), "schools", where="level = 'SMP'")
    assert smp["n"] == 5
    assert set(smp["columns"]["level"]) == {"SMP"}
    boxed = _read(_source(live_server), "schools", bbox=(106.605, -6.215, 106.615, -6.15))
    assert boxed["n"] == 5  # the westernmost column of the 5 x 5 grid


def _fetched_urls(source: str, layer: str, **kwargs: Any) -> list[str]:
    """The URLs GDAL fetched while reading ``layer`` (from its CPL_DEBUG log)."""
    script = f"import pyogrio\npyogrio.read_dataframe({source!r}, layer={layer!r}, **{kwargs!r})\n"
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
        env={**os.environ, "CPL_DEBUG": "ON"},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return re.findall(r"HTTP: Fetch\((\S+?)\)", done.stderr)


def test_gdal_filters_on_the_server_what_the_description_declares(
    live_server: Any, oapif_city: dict[str, int]
) -> None:
    """GDAL finds the city's service description through the landing page, sees `level` among
    the items' query parameters and sends the filter to the server instead of reading every
    school and filtering itself."""
    urls = _fetched_urls(_source(live_server), "schools", where="level = 'SMP'")
    assert any(u.endswith(f"/cities/{SLUG}/api") for u in urls), urls
    pages = [u for u in urls if "/collections/schools/items" in u][1:]
    assert pages
    assert all("level=SMP" in u for u in pages), pages


def test_gdal_sends_a_date_condition_as_datetime(
    live_server: Any, oapif_city: dict[str, int]
) -> None:
    """`-where "issued_on >= '…'"` on the parcels (the layer's temporal property) goes to the
    server as `datetime=…/..`, and the answer keeps only the parcels issued since."""
    urls = _fetched_urls(_source(live_server), "parcels", where="issued_on >= '2024-05-02'")
    pages = [u for u in urls if "/collections/parcels/items" in u][1:]
    assert pages
    assert all("datetime=" in u for u in pages), pages
    everything = _read(_source(live_server), "parcels")["columns"]["issued_on"]
    since = _read(_source(live_server), "parcels", where="issued_on >= '2024-05-02'")
    expected = sorted(d for d in everything if d >= "2024-05-02")
    assert sorted(since["columns"]["issued_on"]) == expected
