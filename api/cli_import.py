"""``tpo import ...`` and ``tpo city create/delete``: load a real city from files."""

from __future__ import annotations

import getpass
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy.orm import Session

from api.cli_errors import load_settings
from geo.accounts import Principal, cli_principal
from geo.cities import create_city, delete_city, get_city
from geo.errors import GeoError, InvalidInputError
from geo.store.bootstrap import prepare_database
from geo.store.db import make_engine, session_scope

if TYPE_CHECKING:
    from data.importers import ImportReport, RouteDefaults

console = Console(stderr=True)
out = Console()
IMPORT_TIMEOUT_MS = 600_000
SHOWN_REJECTIONS = 10

import_app = typer.Typer(
    help="Load a real city from files: boundaries, schools, OSM roads, angkot routes, GTFS,"
    " audit sites, zoning and protected land."
    " Each import runs in one transaction and can be re-run (rows are updated by their"
    " natural key). Bad files exit with status 2, an unknown city with 3; a failed import"
    " writes nothing.",
    no_args_is_help=True,
)


class Level(StrEnum):
    """Administrative level of a boundary file."""

    kota = "kota"
    kecamatan = "kecamatan"
    kelurahan = "kelurahan"


Action = Callable[[Session, Callable[[str, int, int], None]], list["ImportReport"]]
CityArg = Annotated[str, typer.Argument(help="City slug, e.g. tangerang-real.")]
FileArg = Annotated[Path, typer.Argument(help="The file to import.", show_default=False)]


def _importers() -> ModuleType:
    """``data.importers``, imported on first use (geopandas/osmnx make ``tpo`` start slowly)."""
    import data.importers

    return data.importers


@contextmanager
def _session() -> Iterator[Session]:
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


def _importer() -> Principal:
    """Who imports routes from the command line (the route versions' author, the audit)."""
    return cli_principal(getpass.getuser())


def _run(action: Action) -> list[ImportReport]:
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
        with _session() as session, Progress(*columns, console=console, transient=True) as bar:
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


@import_app.command("boundaries")
def boundaries_cmd(
    city: CityArg,
    file: FileArg,
    *,
    level: Annotated[Level, typer.Option(help="Administrative level of the features.")],
    name_field: Annotated[str | None, typer.Option(help="Name column [nama, name ...].")] = None,
    code_field: Annotated[str | None, typer.Option(help="Code column [kode, code ...].")] = None,
    parent_field: Annotated[
        str | None, typer.Option(help="Parent code column [kode_kecamatan, kode_kota ...].")
    ] = None,
    layer: Annotated[str | None, typer.Option(help="Layer of a multi-layer file.")] = None,
) -> None:
    """Import kota/kecamatan/kelurahan polygons and update the city's extent.

    Reads GeoJSON, GeoPackage, Shapefile (or a zipped one) and KML in any CRS.
    """
    _run(
        lambda s, p: [
            _importers().import_boundaries(
                s,
                city,
                file,
                level=level.value,
                name_field=name_field,
                code_field=code_field,
                parent_field=parent_field,
                layer=layer,
                progress=p,
            )
        ]
    )


@import_app.command("schools")
def schools_cmd(
    city: CityArg,
    file: FileArg,
    *,
    npsn_field: Annotated[str | None, typer.Option(help="NPSN column [npsn].")] = None,
    name_field: Annotated[str | None, typer.Option(help="Name column [sekolah, nama].")] = None,
    level_field: Annotated[str | None, typer.Option(help="Level column [bentuk, jenjang].")] = None,
    status_field: Annotated[str | None, typer.Option(help="Status column [status].")] = None,
    address_field: Annotated[str | None, typer.Option(help="Address column [alamat].")] = None,
    lat_field: Annotated[str | None, typer.Option(help="CSV latitude [lat, lintang].")] = None,
    lon_field: Annotated[str | None, typer.Option(help="CSV longitude [lon, bujur].")] = None,
) -> None:
    """Import schools: GeoJSON/GPKG/SHP points, or CSV with latitude/longitude columns.

    Levels become SD/SMP/SMA/SMK/SLB (MI->SD, MTs->SMP, MA->SMA, MAK->SMK; TK is rejected),
    status negeri/swasta (N/S). Rows without usable coordinates are rejected with a reason.
    """
    _run(
        lambda s, p: [
            _importers().import_schools(
                s,
                city,
                file,
                npsn_field=npsn_field,
                name_field=name_field,
                level_field=level_field,
                status_field=status_field,
                address_field=address_field,
                lat_field=lat_field,
                lon_field=lon_field,
                progress=p,
            )
        ]
    )


@import_app.command("audit-sites")
def audit_sites_cmd(
    city: CityArg,
    file: FileArg,
    *,
    lat_field: Annotated[str | None, typer.Option(help="CSV latitude [lat, lintang].")] = None,
    lon_field: Annotated[str | None, typer.Option(help="CSV longitude [lon, bujur].")] = None,
) -> None:
    """Import the inspectorate's audit sites: points, areas or lines (GeoJSON/GPKG), or CSV
    with lat/lon; columns opd, kegiatan, pagu, tahun_anggaran [, penyedia, nilai_kontrak,
    progres]. Rows failing a check (outside the city, bad amounts) are rejected with a reason.
    """
    _run(
        lambda s, p: [
            _importers().import_audit_sites(
                s, city, file, lat_field=lat_field, lon_field=lon_field, progress=p
            )
        ]
    )


class ProtectedKind(StrEnum):
    """Kind of protected land."""

    sawah = "sawah"
    rth = "rth"
    sungai = "sungai"


@import_app.command("zoning")
def zoning_cmd(
    city: CityArg,
    file: FileArg,
    *,
    itbx: Annotated[
        Path,
        typer.Option(
            help="ITBX table (CSV): wide (activity + one column per zone code, cells I/T/B/X)"
            " or long (zone_code, activity, verdict)."
        ),
    ],
) -> None:
    """Replace the zoning plan: RDTR zone polygons (code, name, kdb %, klb, kdh %) and the ITBX
    table of activities per zone."""
    _run(lambda s, p: [_importers().import_zoning(s, city, file, itbx=itbx, progress=p)])


@import_app.command("protected")
def protected_cmd(
    city: CityArg,
    file: FileArg,
    *,
    kind: Annotated[ProtectedKind, typer.Option(help="sawah, rth (polygons) or sungai (lines).")],
) -> None:
    """Replace protected land of one kind: sawah / rth polygons, or river lines (depth_m,
    has_levee or kelas) whose setbacks (PP 38/2011: 10/15/30 m by depth, 3 m with a levee)
    become protected areas."""
    _run(lambda s, p: [_importers().import_protected(s, city, file, kind=kind.value, progress=p)])


@import_app.command("osm")
def osm_cmd(
    city: CityArg,
    file: Annotated[
        Path | None, typer.Argument(help="OSM XML (.osm, .osm.bz2).", show_default=False)
    ] = None,
    place: Annotated[
        str | None,
        typer.Option(
            help='Download this place online instead (e.g. "Kota Tangerang"): needs internet'
            " access to OpenStreetMap's Nominatim and Overpass services."
        ),
    ] = None,
) -> None:
    """Import the walking network (roads) and amenity=school from OpenStreetMap via osmnx."""
    if (file is None) == (place is None):
        raise InvalidInputError("give either an OSM FILE or --place, not both or neither")
    if place is not None:
        _run(lambda s, p: list(_importers().import_osm_place(s, city, place, progress=p)))
    elif file is not None:
        _run(lambda s, p: list(_importers().import_osm(s, city, file, progress=p)))


def _defaults(colour: str, fare: int, headway: int, speed: float) -> RouteDefaults:
    defaults: RouteDefaults = _importers().RouteDefaults(
        colour=colour, fare_idr=fare, headway_s=headway, speed_kmh=speed
    )
    return defaults


ColourOpt = Annotated[str, typer.Option("--colour", help="Default colour.")]
FareOpt = Annotated[int, typer.Option("--fare", help="Default fare in IDR.")]
HeadwayOpt = Annotated[int, typer.Option("--headway", help="Default headway in seconds.")]
SpeedOpt = Annotated[float, typer.Option("--speed", help="Default speed in km/h.")]


@import_app.command("routes")
def routes_cmd(
    city: CityArg,
    file: FileArg,
    *,
    code_field: Annotated[str | None, typer.Option(help="Route code column [code, kode].")] = None,
    name_field: Annotated[str | None, typer.Option(help="Name column [name, nama].")] = None,
    direction_field: Annotated[
        str | None, typer.Option(help="Direction column (0/1, pergi/pulang) [direction].")
    ] = None,
    colour_field: Annotated[str | None, typer.Option(help="Colour column [colour].")] = None,
    layer: Annotated[str | None, typer.Option(help="Layer of a multi-layer file.")] = None,
    colour: ColourOpt = "#1f78b4",
    fare: FareOpt = 5000,
    headway: HeadwayOpt = 600,
    speed: SpeedOpt = 15.0,
) -> None:
    """Import angkot routes drawn as LineStrings (GeoJSON, KML, GPKG, SHP)."""
    defaults = _defaults(colour, fare, headway, speed)
    _run(
        lambda s, p: [
            _importers().import_routes(
                s,
                city,
                file,
                code_field=code_field,
                name_field=name_field,
                direction_field=direction_field,
                colour_field=colour_field,
                defaults=defaults,
                layer=layer,
                progress=p,
                principal=_importer(),
            )
        ]
    )


@import_app.command("gtfs")
def gtfs_cmd(
    city: CityArg,
    feed: Annotated[Path, typer.Argument(help="GTFS feed (.zip).", show_default=False)],
    *,
    colour: ColourOpt = "#1f78b4",
    fare: FareOpt = 5000,
    headway: HeadwayOpt = 600,
    speed: SpeedOpt = 15.0,
) -> None:
    """Import a GTFS feed as angkot routes, one per (route, direction).

    Shape from shapes.txt, headway from frequencies.txt or trip starts, colour from
    route_color, fare from fare_attributes/fare_rules, speed from shape length / trip time.
    """
    defaults = _defaults(colour, fare, headway, speed)
    _run(
        lambda s, p: [
            _importers().import_gtfs(
                s, city, feed, defaults=defaults, progress=p, principal=_importer()
            )
        ]
    )


# -- tpo city create / delete (registered on city_app in api/cli.py) --------------------------
def _parse_bbox(value: str) -> tuple[float, float, float, float]:
    try:
        minx, miny, maxx, maxy = (float(v) for v in value.split(","))
    except ValueError as exc:
        raise InvalidInputError("--bbox must be minx,miny,maxx,maxy (lon/lat)") from exc
    return (minx, miny, maxx, maxy)


def city_create(
    slug: Annotated[str, typer.Argument(help="URL name, e.g. tangerang-real.")],
    name: Annotated[str, typer.Option(help='Display name, e.g. "Kota Tangerang".')],
    *,
    bbox: Annotated[str | None, typer.Option(help="Extent minx,miny,maxx,maxy in lon/lat.")] = None,
    boundary: Annotated[
        Path | None, typer.Option(help="Boundary file: imported, and it sets the extent.")
    ] = None,
    level: Annotated[Level, typer.Option(help="Level of the boundary file.")] = Level.kota,
    zoom: Annotated[int, typer.Option(help="Default map zoom.", min=0, max=22)] = 12,
) -> None:
    """Create a city from a boundary file (--boundary) or an extent (--bbox)."""
    if (bbox is None) == (boundary is None):
        raise InvalidInputError("give either --boundary FILE or --bbox, not both or neither")

    def action(session: Session, progress: Callable[[str, int, int], None]) -> list[ImportReport]:
        if boundary is None:
            create_city(session, slug, name, _parse_bbox(bbox or ""), zoom=zoom)
            return []
        probe = _importers().ImportReport(kind="probe")
        minx, miny, maxx, maxy = _importers().common.read_vector(boundary, probe).total_bounds
        create_city(session, slug, name, (minx, miny, maxx, maxy), zoom=zoom)
        return [
            _importers().import_boundaries(
                session, slug, boundary, level=level.value, progress=progress
            )
        ]

    _run(action)
    out.print(f"City '{slug}' created.")


def city_delete(
    slug: Annotated[str, typer.Argument(help="The city to delete.")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Delete a city and everything in it (boundaries, roads, routes, schools ...)."""
    if not yes:
        typer.confirm(f"Delete city '{slug}' and all of its data?", abort=True)
    _run(lambda s, _p: _delete(s, slug))
    out.print(f"City '{slug}' deleted.")


def _delete(session: Session, slug: str) -> list[ImportReport]:
    get_city(session, slug)
    delete_city(session, slug)
    return []
