"""Running one ``tpo import``/``tpo city`` action: a committed session on the configured
database, a progress bar, and the printed summary of each ``ImportReport``."""

from __future__ import annotations

import getpass
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy.orm import Session

from api.cli_errors import load_settings
from geo.accounts import Principal, cli_principal
from geo.errors import GeoError
from geo.store.bootstrap import prepare_database
from geo.store.db import make_engine, session_scope

if TYPE_CHECKING:
    from data.importers import ImportReport

console = Console(stderr=True)
out = Console()
IMPORT_TIMEOUT_MS = 600_000
SHOWN_REJECTIONS = 10

Action = Callable[[Session, Callable[[str, int, int], None]], list["ImportReport"]]


def importers() -> ModuleType:
    """``data.importers``, imported on first use (geopandas/osmnx make ``tpo`` start slowly)."""
    import data.importers

    return data.importers


@contextmanager
def import_session() -> Iterator[Session]:
    """One committed unit of work on the configured database (rolled back on any error)."""
    settings = load_settings()
    prepared = prepare_database(settings, log=lambda m: console.print(f"[dim]{escape(m)}[/dim]"))
    engine = make_engine(
        prepared.url,
        pool_size=1,
        statement_timeout_ms=max(settings.statement_timeout_ms, IMPORT_TIMEOUT_MS),
    )
    try:
        with session_scope(engine) as session:
            yield session
    finally:
        engine.dispose()
        prepared.release()


def importer() -> Principal:
    """Who imports routes from the command line (the route versions' author, the audit)."""
    return cli_principal(getpass.getuser())


def run_import(action: Action) -> list[ImportReport]:
    """Run an import with a progress bar, commit it, print its summary.

    Errors go up to the command line's one error path (api/cli_errors.py) with the note that
    nothing was written: the import is one transaction, rolled back.
    """
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    try:
        with (
            import_session() as session,
            Progress(*columns, console=console, transient=True) as bar,
        ):
            tasks: dict[str, object] = {}

            def progress(stage: str, done: int, total: int) -> None:
                if stage not in tasks:
                    tasks[stage] = bar.add_task(stage, total=total)
                bar.update(tasks[stage], completed=done, total=total)  # type: ignore[arg-type]

            reports = action(session, progress)
    except GeoError as exc:
        exc.add_note("Nothing was written.")
        raise
    for report in reports:
        print_report(report)
    return reports


def print_report(report: ImportReport) -> None:
    """Print a summary table of one import, its notes and its rejections."""
    out.print(f"[bold]Import: {escape(report.kind)}[/bold]")
    table = Table(show_header=False)
    table.add_column("", style="bold")
    table.add_column("", justify="right")
    for label, value in (
        ("read", report.read),
        ("inserted", report.inserted),
        ("updated", report.updated),
        ("unchanged", report.unchanged),
        ("rejected", len(report.rejected)),
        ("outside the city", report.outside_city),
    ):
        table.add_row(label, str(value))
    out.print(table)
    for note in report.notes:
        out.print(f"note: {escape(note)}")
    if report.rejected:
        reasons = Table("rejected because", "features", "e.g.", title="Rejected")
        examples: dict[str, str] = {}
        for ref, reason in report.rejected:
            examples.setdefault(reason, ref)
        for reason, n in Counter(reason for _, reason in report.rejected).most_common():
            reasons.add_row(escape(reason), str(n), escape(examples[reason]))
        out.print(reasons)
    if report.outside_refs:
        shown = ", ".join(report.outside_refs[:SHOWN_REJECTIONS])
        more = len(report.outside_refs) - SHOWN_REJECTIONS
        out.print(f"outside the city: {escape(shown)}" + (f" and {more} more" if more > 0 else ""))
