"""The ``tpo`` command line: serve the map, manage the database and the cities."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from sqlalchemy import make_url

from api.cli_city import city_create, city_delete
from api.cli_errors import ErrorPathGroup, load_settings
from api.cli_export import export_app
from api.cli_import import import_app
from api.cli_report import report_app
from api.cli_users import audit_cmd, token_app, user_app
from api.settings import Settings
from data.demo.users import DemoAccount
from geo.cities import get_city, list_cities
from geo.errors import CityExistsError, InvalidInputError
from geo.store.bootstrap import PreparedDatabase, embedded_cluster, prepare_database
from geo.store.db import make_engine, session_scope

console = Console(stderr=True)
out = Console()

app = typer.Typer(
    cls=ErrorPathGroup,
    help="Tree Point O: a map-first city service platform on PostGIS."
    " Exit status: 0 ok, 1 unexpected error, 2 bad input, file or setting, 3 not found,"
    " 4 conflict, 5 database unavailable, 6 not logged in or not allowed.",
    no_args_is_help=True,
    add_completion=False,
)
db_app = typer.Typer(
    help="The database: embedded PostGIS cluster under var/pg, or TPO_DATABASE_URL."
)
city_app = typer.Typer(help="Cities served by this deployment.")
app.add_typer(db_app, name="db")
app.add_typer(city_app, name="city")
app.add_typer(import_app, name="import")
app.add_typer(export_app, name="export")
app.add_typer(user_app, name="user")
app.add_typer(token_app, name="token")
app.add_typer(report_app, name="report")
app.command("audit")(audit_cmd)
city_app.command("create")(city_create)
city_app.command("delete")(city_delete)


def _say(message: str) -> None:
    console.print(f"[dim]{message}[/dim]")


def _prepare(settings: Settings) -> PreparedDatabase:
    return prepare_database(settings, log=_say)


def shown_url(url: str) -> str:
    """``url`` fit to print: its password, if any, as ``***`` (and rich markup escaped)."""
    return escape(make_url(url).render_as_string(hide_password=True))


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on [127.0.0.1].")] = None,
    port: Annotated[
        int | None, typer.Option(help="Port to listen on [8000].", min=1, max=65535)
    ] = None,
    reload: Annotated[bool, typer.Option(help="Restart on code changes (development).")] = False,
    demo: Annotated[
        bool, typer.Option(help="Load the demo city when the database has none.")
    ] = True,
) -> None:
    """Serve the map and the API; bring the embedded database up when needed."""
    import uvicorn

    from api.protocol import ProblemHttpToolsProtocol  # its unreadable-request 400: problem+json

    settings = load_settings()
    settings.validate_for_production()  # before the database is brought up; create_app checks too
    host = host or settings.host
    port = port or settings.port
    prepared = _prepare(settings)
    try:
        if demo:
            _load_demo_if_empty(prepared.url, settings)
        # the server connects as the least-privilege role, the demo load above as the owner
        served = settings.model_copy(
            update={"database_url": prepared.url, "app_database_url": prepared.app_url}
        )
        console.print(f"Tree Point O on [bold]http://{host}:{port}[/bold]  (Ctrl-C stops)")
        logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
        if reload:
            import os

            os.environ["TPO_DATABASE_URL"] = prepared.url
            os.environ["TPO_APP_DATABASE_URL"] = prepared.app_url
            uvicorn.run(
                "api.app:create_app",
                factory=True,
                host=host,
                port=port,
                reload=True,
                http=ProblemHttpToolsProtocol,
                proxy_headers=False,  # X-Forwarded-For only from TPO_TRUSTED_PROXIES
            )
        else:
            from api.app import create_app

            uvicorn.run(
                create_app(served),
                host=host,
                port=port,
                log_level="info",
                http=ProblemHttpToolsProtocol,
                proxy_headers=False,
            )
    finally:
        if prepared.started_cluster:
            _say("Stopping the embedded PostgreSQL cluster ...")
        prepared.release()


def _load_demo_if_empty(url: str, settings: Settings) -> None:
    import getpass

    from data.demo import KNOWN_DEMO_CITIES, load_demo_city
    from data.demo.audits import DEMO_AUDIT_SITE_COUNT
    from data.demo.requests import DEMO_REQUEST_COUNT
    from data.demo.users import create_demo_accounts
    from geo.accounts import cli_principal

    engine = make_engine(url, pool_size=1, statement_timeout_ms=DEMO_TIMEOUT_MS)
    try:
        with session_scope(engine) as session:
            if list_cities(session):
                return
            slug = settings.default_city
            if slug not in KNOWN_DEMO_CITIES:
                slug = KNOWN_DEMO_CITIES[0]
                _say(f"No demo for '{settings.default_city}'; loading the '{slug}' demo instead.")
            _say(f"Loading the demo city '{slug}' (first start only, a few seconds) ...")
            summary = load_demo_city(
                session,
                slug,
                requests=DEMO_REQUEST_COUNT,
                principal=cli_principal(getpass.getuser()),
                audit_sites=DEMO_AUDIT_SITE_COUNT,
            )
            _say(
                f"Demo city loaded: {summary.kelurahan} kelurahan, {summary.schools} schools, "
                f"{summary.angkot_routes} route directions, {summary.requests} demo requests,"
                f" {summary.transfers} school transfers."
            )
            accounts = create_demo_accounts(session, get_city(session, slug))
        _show_demo_accounts(accounts, settings.var_dir / DEMO_USERS_FILE)
    finally:
        engine.dispose()


DEMO_USERS_FILE = "demo-users.txt"
DEMO_TIMEOUT_MS = 300_000  # a bulk statement of the demo load on a busy machine


def _show_demo_accounts(accounts: list[DemoAccount], path: Path) -> None:
    """Print the demo accounts once and keep them in ``path`` (mode 0600) for later."""
    table = Table("username", "role", "OPD", "password", title="Demo accounts (shown once)")
    lines = ["# Tree Point O demo accounts (random passwords, made at the first start)"]
    for a in accounts:
        scope = a.opd or (f"NPSN {a.npsn}" if a.npsn else "")
        table.add_row(a.username, a.role, scope, a.password)
        lines.append(f"{a.username}\t{a.role}\t{scope or '-'}\t{a.password}")
    out.print(table)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write("\n".join(lines) + "\n")
    os.chmod(path, 0o600)
    _say(f"The demo accounts are also in {path} (readable by you only). Log in at /masuk.")


@db_app.command("up")
def db_up() -> None:
    """Create or reuse the database, add PostGIS, run migrations."""
    settings = load_settings()
    prepared = _prepare(settings)
    where = "external server" if prepared.cluster is None else str(prepared.cluster.root)
    out.print(f"Database ready ({where}).")
    if prepared.cluster is None:
        out.print(f"URL: {shown_url(prepared.url)}")
    else:
        tcp = prepared.cluster.tcp_url(settings.db_name)
        out.print(f"Socket URL: {shown_url(prepared.url)}")
        if tcp:
            out.print(f"TCP URL (QGIS, psql): {shown_url(tcp)}")
            out.print(f"  the password (***) is in {escape(str(prepared.cluster.password_file))}")


@db_app.command("down")
def db_down() -> None:
    """Stop the embedded cluster (data stays in var/pg)."""
    settings = load_settings()
    if settings.database_url:
        out.print("TPO_DATABASE_URL is set: the external server is not ours to stop.")
        return
    stopped = embedded_cluster(settings, _say).stop()
    out.print("Stopped." if stopped else "Not running.")


@db_app.command("status")
def db_status() -> None:
    """Tell whether the database exists and runs, and where (exit status 3: not running)."""
    settings = load_settings()
    if settings.database_url:
        out.print(f"external server (TPO_DATABASE_URL): {shown_url(settings.database_url)}")
        return
    status = embedded_cluster(settings).status()
    out.print(f"state: {status.state}")
    out.print(f"data:  {status.data_dir}")
    if status.state == "running":
        out.print(f"port:  {status.port} (127.0.0.1), socket in {status.socket_dir}")
        out.print(f"url:   {shown_url(status.url(settings.db_name))}")
    if status.state != "running":
        raise typer.Exit(3)


@city_app.command("list")
def city_list() -> None:
    """List the cities in the database."""
    settings = load_settings()
    prepared = _prepare(settings)
    engine = make_engine(prepared.url, pool_size=1)
    try:
        with session_scope(engine) as session:
            cities = list_cities(session)
    finally:
        engine.dispose()
        prepared.release()
    table = Table("slug", "name", "demo", "bbox")
    for c in cities:
        table.add_row(
            c.slug, c.name, "yes" if c.demo else "", ", ".join(f"{v:.4f}" for v in c.bbox)
        )
    out.print(table if cities else "No cities yet.")


@city_app.command("demo")
def city_demo(
    slug: Annotated[str, typer.Argument(help="Demo city to generate and load: tangerang.")],
    replace: Annotated[
        bool, typer.Option("--replace", help="Delete and reload the city if it exists.")
    ] = False,
) -> None:
    """Generate the demo city (deterministic, offline) and load it into the database."""
    import getpass
    import time

    from rich.progress import Progress

    from data.demo import KNOWN_DEMO_CITIES, load_demo_city
    from data.demo.audits import DEMO_AUDIT_SITE_COUNT
    from data.demo.requests import DEMO_REQUEST_COUNT
    from geo.accounts import cli_principal

    if slug not in KNOWN_DEMO_CITIES:  # before the database is brought up
        known = ", ".join(KNOWN_DEMO_CITIES)
        raise InvalidInputError(f"no demo city '{slug[:64]}'; known: {known}.")
    settings = load_settings()
    prepared = _prepare(settings)
    engine = make_engine(prepared.url, pool_size=1, statement_timeout_ms=DEMO_TIMEOUT_MS)
    started = time.perf_counter()
    try:
        with Progress(console=console, transient=True) as bar, session_scope(engine) as session:
            task = bar.add_task("generating", total=None)

            def step(name: str, index: int, total: int) -> None:
                bar.update(task, description=name, completed=index - 1, total=total)

            summary = load_demo_city(
                session,
                slug,
                replace=replace,
                progress=step,
                requests=DEMO_REQUEST_COUNT,
                principal=cli_principal(getpass.getuser()),
                audit_sites=DEMO_AUDIT_SITE_COUNT,
            )
    except CityExistsError as exc:
        raise CityExistsError(
            f"a city '{slug}' exists already; 'tpo city demo {slug} --replace' reloads it."
        ) from exc
    finally:
        engine.dispose()
        prepared.release()
    table = Table("table", "rows", title=f"Demo city '{slug}' loaded")
    for label, count in (
        ("admin_area (kota)", summary.kota),
        ("admin_area (kecamatan)", summary.kecamatan),
        ("admin_area (kelurahan)", summary.kelurahan),
        ("road_edge", summary.road_edges),
        ("school", summary.schools),
        ("angkot_route (both directions)", summary.angkot_routes),
        ("permit_parcel", summary.permit_parcels),
        ("service_request (demo)", summary.requests),
    ):
        table.add_row(label, str(count))
    out.print(table)
    out.print(
        f"Kelurahan median area error {summary.median_area_error:.3%}; "
        f"generated and loaded in {time.perf_counter() - started:.1f} s."
    )


def main() -> None:
    """Entry point of the ``tpo`` console script."""
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
