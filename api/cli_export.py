"""``tpo export ...``: write a city's data in formats other tools read (GTFS)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy.orm import Session

from api.cli_errors import load_settings
from geo.store.bootstrap import prepare_database
from geo.store.db import make_engine, session_scope

if TYPE_CHECKING:
    from data.exporters import GtfsReport

console = Console(stderr=True)
out = Console()

export_app = typer.Typer(
    help="Write a city's data in formats other tools read: GTFS. The file appears only when"
    " the export succeeded. Bad paths exit with status 2, an unknown city with 3.",
    no_args_is_help=True,
)


@contextmanager
def _session() -> Iterator[Session]:
    """A session on the configured database (the export only reads)."""
    settings = load_settings()
    prepared = prepare_database(settings, log=lambda m: console.print(f"[dim]{escape(m)}[/dim]"))
    engine = make_engine(prepared.url, pool_size=1, statement_timeout_ms=300_000)
    try:
        with session_scope(engine) as session:
            yield session
    finally:
        engine.dispose()
        prepared.release()


@export_app.command("gtfs")
def gtfs_cmd(
    city: Annotated[str, typer.Argument(help="City slug, e.g. tangerang.")],
    file: Annotated[Path, typer.Argument(help="The feed to write (.zip).", show_default=False)],
    *,
    url: Annotated[
        str | None,
        typer.Option(
            help="Public address of this deployment, written as agency_url and"
            " feed_publisher_url (default: http://HOST:PORT/ of the settings)."
        ),
    ] = None,
) -> None:
    """Export the city's active angkot routes as a GTFS feed (zip).

    One route per code, one trip per direction with its shape, stops every ~500 m named
    after their street, hail-and-ride, frequencies from the headways, a daily calendar for a
    year from today, fares in IDR. Inactive routes are left out.
    """
    from data.exporters import export_gtfs_file

    if file.suffix.lower() != ".zip":
        console.print(f"note: {escape(file.name)} does not end in .zip; a zip is written anyway")
    if url is None:
        settings = load_settings()
        url = f"http://{settings.host}:{settings.port}/"
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with _session() as session, Progress(*columns, console=console, transient=True) as bar:
        tasks: dict[str, object] = {}

        def progress(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done, total=total)  # type: ignore[arg-type]

        report = export_gtfs_file(session, city, file, url=url, progress=progress)
    print_report(report, file)


def print_report(report: GtfsReport, file: Path) -> None:
    """Print what the export wrote."""
    out.print(f"[bold]GTFS feed of {escape(report.city)}[/bold]: {escape(str(file))}")
    table = Table(show_header=False)
    table.add_column("", style="bold")
    table.add_column("", justify="right")
    for label, value in (
        ("routes", report.routes),
        ("trips (directions)", report.trips),
        ("stops", report.stops),
        ("shape points", report.shape_points),
        ("inactive, left out", report.inactive),
        ("calendar", f"{report.start_date.isoformat()} .. {report.end_date.isoformat()}"),
        ("bytes", file.stat().st_size),
    ):
        table.add_row(label, str(value))
    out.print(table)
    for note in report.notes:
        out.print(f"note: {escape(note)}")
