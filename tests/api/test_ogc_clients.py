"""Real OGC API clients, none of them ours, against a real running server (issue #11): GDAL's
OGCAPI driver opens the vector tilesets, OWSLib and @camptocamp/ogc-client read every
collection, GDAL OAPIF reads pages from a server that refuses unknown parameters."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from pyproj import Transformer
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from layers.registry import LAYERS, public_layers
from tests.api.test_gdal_oapif import _gdal, _read
from tests.geo.permit_city import insert_permit_city

pytestmark = [pytest.mark.postgis, pytest.mark.slow]
WEB = Path(__file__).resolve().parents[2] / "web"
PUBLIC = sorted(layer.id for layer in public_layers())
SLUG = "clients-test"


@pytest.fixture(scope="module")
def oapif_city(live_server: Any) -> Iterator[dict[str, int]]:
    """The sample city with the permit layers, committed into the live database."""
    engine = create_engine(live_server.db_url)

    def drop() -> None:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM city WHERE slug = :s"), {"s": SLUG})

    drop()
    with Session(engine) as session:
        counts = insert_permit_city(session, SLUG).counts
        session.commit()
    try:
        yield counts
    finally:
        drop()
        engine.dispose()


def _landing(live_server: Any) -> str:
    return f"{live_server.url}/cities/{SLUG}"


def _child(code: str) -> Any:
    """Run Python ``code`` in a child process (the live server is a thread of this one; a
    client that blocks in C while it waits for HTTP would deadlock it) and read its JSON."""
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


def test_gdal_ogcapi_opens_the_vector_tilesets(live_server: Any, oapif_city: Any) -> None:
    """The OGCAPI driver follows collection -> tilesets -> tileset -> tile matrix set and
    reads MVT tiles. It does not reproject a CRS84 extent for vector tiles (GDAL 3.12): the
    box is given in the matrix set's CRS (open options MINX...)."""
    lon0, lat0, lon1, lat1 = httpx.get(_landing(live_server)).json()["bbox"]
    to_3857 = Transformer.from_crs("OGC:CRS84", "EPSG:3857", always_xy=True)
    minx, miny = to_3857.transform(lon0, lat0)
    maxx, maxy = to_3857.transform(lon1, lat1)
    box = {"MINX": str(minx), "MINY": str(miny), "MAXX": str(maxx), "MAXY": str(maxy)}
    source = f"OGCAPI:{_landing(live_server)}/collections/roads"
    zoom = LAYERS["roads"].max_zoom - 4
    got = _gdal(
        source,
        f"""
        options = dict(API="TILES", layer="Zoom level {zoom}", **{box!r})
        info = pyogrio.read_info(source, **options)
        gdf = pyogrio.read_dataframe(source, **options)
        out = {{"crs": info["crs"], "fields": list(info["fields"]), "n": len(gdf)}}
        """,
    )
    assert "3857" in got["crs"]
    assert "name" in got["fields"]
    assert got["n"] > 0


def test_gdal_oapif_pages_with_standard_parameters_only(
    live_server: Any, oapif_city: dict[str, int]
) -> None:
    """Every request GDAL makes is accepted by a server that refuses unknown parameters."""
    got = _read(f"OAPIF:{_landing(live_server)}", "schools", PAGE_SIZE="3")
    assert got["n"] == oapif_city["schools"]


def test_owslib_reads_every_collection(live_server: Any, oapif_city: dict[str, int]) -> None:
    got = _child(
        f"""
        import json
        from owslib.ogcapi.features import Features
        api = Features({_landing(live_server)!r})
        ids = sorted(c["id"] for c in api.collections()["collections"])
        out = {{"ids": ids, "conformance": api.conformance()["conformsTo"], "counts": {{}}}}
        for cid in ids:
            api.collection(cid)
            api.collection_queryables(cid)
            page = api.collection_items(cid, limit=1000)
            out["counts"][cid] = page["numberReturned"]
        print(json.dumps(out))
        """
    )
    assert got["ids"] == PUBLIC
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core" in got["conformance"]
    assert got["counts"]["schools"] == oapif_city["schools"]


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_ogc_client_gets_every_collection_info(live_server: Any, oapif_city: Any) -> None:
    script = """
    import { OgcApiEndpoint } from '@camptocamp/ogc-client';
    const endpoint = new OgcApiEndpoint(process.argv[1]);
    const out = { collections: [], infos: {} };
    for (const c of await endpoint.allCollections) {
      out.collections.push(c.name);
      const info = await endpoint.getCollectionInfo(c.name);
      out.infos[c.name] = { id: info.id, tiles: info.vectorTileFormats || [],
        formats: info.itemFormats || [], queryables: (info.queryables || []).length };
    }
    console.log(JSON.stringify(out));
    """
    done = subprocess.run(
        ["node", "--input-type=module", "-e", textwrap.dedent(script), _landing(live_server)],
        cwd=WEB,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    got = json.loads(done.stdout.strip().splitlines()[-1])
    assert sorted(got["collections"]) == PUBLIC
    for cid, info in got["infos"].items():
        assert info["id"] == cid
        assert "application/geo+json" in info["formats"], (cid, info)
