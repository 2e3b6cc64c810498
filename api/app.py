"""The FastAPI application factory: ``create_app(settings)``; nothing is built at import."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy import event
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.compression import CompressionMiddleware
from api.cors import CrossOriginMiddleware
from api.deps import pooled_layer_read
from api.docs import install_docs
from api.guards import DeadlineMiddleware, NulGuardMiddleware
from api.hosts import AllowedHostsMiddleware
from api.openapi_doc import install_openapi
from api.plain_errors import PlainErrorsMiddleware
from api.problems import PROBLEM_JSON, install_problem_handlers, problem_body
from api.query_rules import QueryRulesMiddleware, install_query_rules
from api.routers import (
    admin,
    audits,
    auth,
    cities,
    citizens,
    health,
    ogc,
    planning,
    requests,
    tiles,
    transfers,
    trips,
)
from api.routers import editor as route_editor
from api.routers import gtfs as gtfs_feed
from api.routers import permit_intake as permit_upload
from api.routers import permits as permit_checks
from api.routers import reports as report_pages
from api.routers import requests_staff as staff_requests
from api.routers import service_desc as service_description
from api.routers import snap as route_snap
from api.routers import suggestions as citizen_suggestions
from api.security import SecurityHeadersMiddleware
from api.settings import Settings, allowed_host_list, cors_origin_list, startup_settings
from api.warmup import Warmup, start_warmup
from geo.analysis import DemandRecorder
from geo.editing import DriveGraphCache
from geo.store.bootstrap import PreparedDatabase, prepare_database
from geo.store.db import make_engine, make_sessionmaker
from geo.transit.cache import PlannerCache
from layers.items_async import LayerReadPool

log = logging.getLogger("tpo.api")

# npm package -> folder served under /vendor/<package>/ (third-party code comes from npm)
VENDOR = {
    "leaflet": "leaflet/dist",
    "supercluster": "supercluster",
    "kdbush": "kdbush",
    "vector-tile": "@mapbox/vector-tile",
    "point-geometry": "@mapbox/point-geometry",
    "pbf": "pbf",
    "qrcode-generator": "qrcode-generator/dist",
    "geoman": "@geoman-io/leaflet-geoman-free/dist",
}
# our own web folders, served as they are
WEB_FOLDERS = ("js", "css", "img")


class BodyLimitMiddleware:
    """Refuse request bodies over ``max_bytes`` with 413 problem+json before reading them."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_bytes):
            await self._refuse(scope, send)
            return
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _TooLargeError
            return message

        try:
            await self.app(scope, counting_receive, send)
        except _TooLargeError:
            await self._refuse(scope, send)

    async def _refuse(self, scope: Scope, send: Send) -> None:
        import json

        body = json.dumps(
            problem_body(
                413,
                f"request bodies are limited to {self.max_bytes} bytes",
                scope.get("path", ""),
                title="Content Too Large",
            )
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", PROBLEM_JSON.encode()),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


class _TooLargeError(Exception):
    pass


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the HTTP application.

    Args:
        settings: Configuration; read from the environment when omitted. Without
            ``database_url`` the lifespan brings up the embedded cluster.

    Raises:
        InsecureSettingError: ``env`` is production and a secret or URL is not fit for it.
    """
    settings = startup_settings(settings or Settings())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        prepared: PreparedDatabase | None = None
        # the server reads and writes rows as a role with no DDL rights (geo/store/roles.py)
        if settings.database_url:
            url = settings.app_database_url or settings.database_url
        else:
            prepared = prepare_database(settings, log=log.info)
            url = prepared.app_url
        engine = make_engine(
            url,
            pool_size=settings.pool_size,
            statement_timeout_ms=settings.statement_timeout_ms,
            connect_timeout_s=settings.connect_timeout_s,
            pool_timeout_s=settings.pool_timeout_s,
            tcp_user_timeout_ms=settings.tcp_user_timeout_ms,
        )
        app.state.engine = engine
        # a connection handed out (after its pre-ping) ends a database outage in the log
        event.listen(engine, "checkout", lambda *_: app.state.outage.recovered())
        app.state.sessionmaker = make_sessionmaker(engine)
        # the lean items path (api/routers/ogc.py): async psycopg, opened on demand
        app.state.layer_pool = LayerReadPool(
            url,
            settings.pool_size,
            statement_timeout_ms=settings.statement_timeout_ms,
            connect_timeout_s=settings.connect_timeout_s,
            acquire_timeout_s=settings.pool_timeout_s,
            op_timeout_s=settings.request_timeout_s,
            tcp_user_timeout_ms=settings.tcp_user_timeout_ms,
            on_answer=app.state.outage.recovered,
        )
        # the planner's networks are built in the background (TPO_PLANNER_WARMUP=false: off)
        warmup: Warmup | None = None
        if settings.planner_warmup:
            warmup = app.state.warmup = start_warmup(app.state.planner, app.state.sessionmaker)
        try:
            yield
        finally:
            if warmup is not None:
                warmup.stop()
            await app.state.layer_pool.close()
            engine.dispose()
            if prepared is not None:
                prepared.release()

    app = FastAPI(
        title="Tree Point O",
        version=health.VERSION,
        summary="Map-first city services: angkot routes, schools, permits and requests as layers.",
        lifespan=lifespan,
        docs_url=None,  # /docs is served from our own files (api/docs.py)
    )
    app.state.settings = settings
    app.state.layer_read_factory = pooled_layer_read  # tests swap it (tests/conftest.py)
    install_problem_handlers(app)
    install_query_rules(app)  # the OGC API paths answer 400 to invalid values
    app.include_router(health.router)
    app.include_router(cities.router)
    app.state.planner = PlannerCache(max_transfer_walk_m=settings.max_transfer_walk_m)
    app.include_router(citizens.router)
    app.include_router(trips.router)
    app.state.demand_recorder = DemandRecorder()  # unmet trip searches (geo.analysis)
    app.include_router(planning.router)
    app.state.drive_graphs = DriveGraphCache()
    app.include_router(route_snap.router)
    app.include_router(gtfs_feed.router)
    app.include_router(ogc.router)
    app.include_router(service_description.router)
    app.include_router(tiles.router)
    app.include_router(requests.router)
    app.include_router(staff_requests.router)
    app.include_router(transfers.router)
    app.include_router(citizen_suggestions.router)
    app.include_router(auth.router)
    app.include_router(admin.router)
    app.include_router(report_pages.router)
    app.include_router(route_editor.router)
    app.include_router(audits.router)
    app.include_router(permit_checks.router)
    app.include_router(permit_upload.router)
    install_docs(app, settings.web_dir)
    _mount_web(app, settings.web_dir)
    install_openapi(app)  # problem+json errors and every status in /openapi.json
    # repeated parameters refused everywhere; unknown ones on the OGC API paths
    app.add_middleware(QueryRulesMiddleware)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    # PostgreSQL text cannot hold NUL: one rule for every path and query parameter
    app.add_middleware(NulGuardMiddleware)
    # no request waits longer than TPO_REQUEST_TIMEOUT_S for its answer
    app.add_middleware(DeadlineMiddleware, timeout_s=settings.request_timeout_s)
    app.add_middleware(PlainErrorsMiddleware)  # the static files' text 400/416: problem+json
    app.add_middleware(CompressionMiddleware)  # brotli or gzip for text answers over 1 KB
    # HEAD and OPTIONS on every GET route; CORS (public answers to any origin)
    app.add_middleware(CrossOriginMiddleware, origins=cors_origin_list(settings))
    # links are built from Host: a forged one is refused before anything runs
    app.add_middleware(AllowedHostsMiddleware, allowed=allowed_host_list(settings))
    app.add_middleware(SecurityHeadersMiddleware, settings=settings)  # outermost: 413s too
    return app


def _mount_web(app: FastAPI, web_dir: Path) -> None:
    modules = web_dir / "node_modules"
    for package, sub in VENDOR.items():
        folder = modules / sub
        if folder.is_dir():
            app.mount(f"/vendor/{package}", StaticFiles(directory=folder), name=f"vendor-{package}")
        else:
            log.warning("web/node_modules/%s missing: run 'make web' (npm ci in web/)", package)
    for sub in WEB_FOLDERS:
        if (web_dir / sub).is_dir():
            app.mount(f"/{sub}", StaticFiles(directory=web_dir / sub), name=f"web-{sub}")
    index = web_dir / "index.html"
    login = web_dir / "masuk.html"
    tracking = web_dir / "lacak.html"
    workspace = web_dir / "kelola.html"
    proposals = web_dir / "usulan.html"
    route_editor = web_dir / "editor.html"
    inspectorate = web_dir / "audit.html"

    @app.get("/", include_in_schema=False)
    def index_page() -> FileResponse:
        if not index.is_file():
            raise StarletteHTTPException(404, "the web map is not installed (web/index.html)")
        return FileResponse(index, media_type="text/html")

    @app.get("/masuk", include_in_schema=False)
    def login_page() -> FileResponse:
        if not login.is_file():
            raise StarletteHTTPException(404, "the login page is not installed (web/masuk.html)")
        return FileResponse(login, media_type="text/html")

    @app.get("/lacak", include_in_schema=False)
    def tracking_page() -> FileResponse:
        if not tracking.is_file():
            raise StarletteHTTPException(404, "the tracking page is not installed (web/lacak.html)")
        return FileResponse(tracking, media_type="text/html")

    @app.get("/usulan", include_in_schema=False)
    def proposals_page() -> FileResponse:
        if not proposals.is_file():
            raise StarletteHTTPException(
                404, "the proposals list is not installed (web/usulan.html)"
            )
        return FileResponse(proposals, media_type="text/html")

    @app.get("/audit", include_in_schema=False)
    def audit_page() -> FileResponse:
        if not inspectorate.is_file():
            raise StarletteHTTPException(404, "the e-audit page is not installed (web/audit.html)")
        return FileResponse(inspectorate, media_type="text/html")

    @app.get("/kelola", include_in_schema=False)
    def workspace_page() -> FileResponse:
        if not workspace.is_file():
            raise StarletteHTTPException(
                404, "the staff workspace is not installed (web/kelola.html)"
            )
        return FileResponse(workspace, media_type="text/html")

    @app.get("/editor", include_in_schema=False)
    def route_editor_page() -> FileResponse:
        if not route_editor.is_file():
            raise StarletteHTTPException(404, "the route editor is not installed (web/editor.html)")
        return FileResponse(route_editor, media_type="text/html")
