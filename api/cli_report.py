"""``tpo report kelurahan|kecamatan CITY CODE``: a map report as one offline HTML file."""

from __future__ import annotations

import getpass
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from api.cli_errors import load_settings
from geo.accounts import ANONYMOUS, cli_principal
from geo.analysis import area_report
from geo.cities import get_city
from geo.errors import InvalidInputError
from geo.store import make_engine, prepare_database, session_scope
from layers.reports import render_report, report_filename

console = Console(stderr=True)
report_app = typer.Typer(
    help="Printable map reports (one HTML file that works offline) per kelurahan or kecamatan."
)

City = Annotated[str, typer.Argument(help="City slug, e.g. tangerang.")]
Code = Annotated[str, typer.Argument(help="The area's Kemendagri code, e.g. 36.71.01.")]
Output = Annotated[
    Path | None,
    typer.Option(
        "-o", "--output", help="File to write ('-': standard output) [laporan-LEVEL-CODE.html]."
    ),
]
Public = Annotated[
    bool,
    typer.Option("--public", help="The public report: counts under 5 as '< 5', no request points."),
]


def _write(html: str, output: Path | None, level: str, code: str) -> str:
    if output is not None and str(output) == "-":
        sys.stdout.write(html)
        return "standard output"
    path = output or Path(report_filename(level, code))
    try:
        path.write_text(html, encoding="utf-8")
    except OSError as exc:
        raise InvalidInputError(
            f"cannot write {path}: {exc.strerror or exc}",
            [{"field": "--output", "message": "not writable"}],
        ) from None
    return str(path)


def make_report(level: str, city: str, code: str, output: Path | None, public: bool) -> None:
    """Write the report of one area (the full one for the command line unless ``public``)."""
    settings = load_settings()
    prepared = prepare_database(settings, log=lambda m: console.print(f"[dim]{escape(m)}[/dim]"))
    engine = make_engine(prepared.url, pool_size=1)
    try:
        with session_scope(engine) as session:
            who = ANONYMOUS if public else cli_principal(getpass.getuser())
            report = area_report(session, who, get_city(session, city), level, code)
            html = render_report(report)
    finally:
        engine.dispose()
        prepared.release()
    where = _write(html, output, level, report.area.code)
    kind = "internal (exact counts, request points)" if report.restricted else "public"
    console.print(
        f"{escape(level.title())} {escape(report.area.name)}: {kind} report written to"
        f" {escape(where)}."
    )


@report_app.command("kelurahan")
def report_kelurahan(city: City, code: Code, output: Output = None, public: Public = False) -> None:
    """The report of one kelurahan."""
    make_report("kelurahan", city, code, output, public)


@report_app.command("kecamatan")
def report_kecamatan(city: City, code: Code, output: Output = None, public: Public = False) -> None:
    """The report of one kecamatan and its kelurahan (a choropleth of requests)."""
    make_report("kecamatan", city, code, output, public)
