"""``tpo import ...``: load a real city's data from files (boundaries, schools, audit sites,
zoning, protected land, OSM, angkot routes, GTFS). Each command runs one ``data.importers``
function through ``api.cli_import_run``; ``tpo city create/delete`` is ``api.cli_city``."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from api.cli_import_run import importer, importers, run_import
from geo.errors import InvalidInputError

if TYPE_CHECKING:
    from data.importers import RouteDefaults

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


CityArg = Annotated[str, typer.Argument(help="City slug, e.g. tangerang-real.")]
FileArg = Annotated[Path, typer.Argument(help="The file to import.", show_default=False)]


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
    run_import(
        lambda s, p: [
            importers().import_boundaries(
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
    run_import(
        lambda s, p: [
            importers().import_schools(
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
    run_import(
        lambda s, p: [
            importers().import_audit_sites(
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
    run_import(lambda s, p: [importers().import_zoning(s, city, file, itbx=itbx, progress=p)])


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
    run_import(
        lambda s, p: [importers().import_protected(s, city, file, kind=kind.value, progress=p)]
    )


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
        run_import(lambda s, p: list(importers().import_osm_place(s, city, place, progress=p)))
    elif file is not None:
        run_import(lambda s, p: list(importers().import_osm(s, city, file, progress=p)))


def _defaults(colour: str, fare: int, headway: int, speed: float) -> RouteDefaults:
    defaults: RouteDefaults = importers().RouteDefaults(
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
    run_import(
        lambda s, p: [
            importers().import_routes(
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
                principal=importer(),
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
    run_import(
        lambda s, p: [
            importers().import_gtfs(
                s, city, feed, defaults=defaults, progress=p, principal=importer()
            )
        ]
    )
