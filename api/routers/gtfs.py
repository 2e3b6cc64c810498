"""The city's published angkot routes as a GTFS feed: ``GET /cities/{city}/gtfs.zip``."""

from __future__ import annotations

import io

from fastapi import APIRouter, Request, Response

from api.auth import requires
from api.deps import CityDep, SessionDep
from api.layer_http import cache_headers, city_facts
from api.response_models import binary
from data.exporters import export_gtfs, jakarta_today
from layers.revision import document_etag, etag_matches, layer_revisions

router = APIRouter(prefix="/cities/{city}", tags=["citizens"])
ZIP = "application/zip"
# the layers a feed is made of: the routes, and the roads that name its stops
FEED_LAYERS = ("angkot_routes", "roads")
# bump when the feed's layout changes, so caches drop their old copies
FEED_FORMAT = 1


@router.get(
    "/gtfs.zip",
    **requires("routes.read"),
    summary="GTFS feed of the city's angkot routes (zip)",
    response_class=Response,
    responses={
        200: binary(ZIP, description="The feed"),
        304: {"description": "The copy named by If-None-Match is current"},
    },
)
def get_gtfs(city: CityDep, session: SessionDep, request: Request) -> Response:
    """The active routes as GTFS: one route per code (bus, its colours), one trip per
    direction with its shape, stops at the termini and about every 500 m named after their
    street, hail-and-ride (`continuous_pickup`/`continuous_drop_off` 0), frequencies from the
    headways (05:00-21:00), a daily calendar from today for a year and the fares in IDR.
    Inactive routes are left out. The ETag follows the routes' (and roads') revision and the
    day; `If-None-Match` with it answers 304."""
    revisions = layer_revisions(session, city.id)
    used = {layer: revisions.get(layer, 0) for layer in FEED_LAYERS}
    today = jakarta_today()
    url = str(request.base_url)
    context = f"{city_facts(city)}|{today.isoformat()}|{url}|{FEED_FORMAT}"
    etag = document_etag(city.id, "gtfs", used, context)
    headers = {
        **cache_headers(etag, public=True),
        "Content-Disposition": (
            f'attachment; filename="gtfs-{city.slug}-{today.strftime("%Y%m%d")}.zip"'
        ),
    }
    if etag_matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    buffer = io.BytesIO()
    version = ".".join(f"{used[layer]}" for layer in FEED_LAYERS)
    export_gtfs(session, city.slug, buffer, url=url, today=today, feed_version=f"r{version}")
    return Response(buffer.getvalue(), media_type=ZIP, headers=headers)
