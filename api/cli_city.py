"""``tpo city create`` (from a boundary file or an extent) and ``tpo city delete``;
registered on the ``city`` group in ``api/cli.py``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from sqlalchemy.orm import Session

from api.cli_import import Level
from api.cli_import_run import importers, out, run_import
from geo.cities import create_city, delete_city, get_city
from geo.errors import InvalidInputError

if TYPE_CHECKING:
    from data.importers import ImportReport


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
        probe = importers().ImportReport(kind="probe")
        minx, miny, maxx, maxy = importers().vector.read_vector(boundary, probe).total_bounds
        create_city(session, slug, name, (minx, miny, maxx, maxy), zoom=zoom)
        return [
            importers().import_boundaries(
                session, slug, boundary, level=level.value, progress=progress
            )
        ]

    run_import(action)
    out.print(f"City '{slug}' created.")


def city_delete(
    slug: Annotated[str, typer.Argument(help="The city to delete.")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Delete a city and everything in it (boundaries, roads, routes, schools ...)."""
    if not yes:
        typer.confirm(f"Delete city '{slug}' and all of its data?", abort=True)
    run_import(lambda s, _p: _delete(s, slug))
    out.print(f"City '{slug}' deleted.")


def _delete(session: Session, slug: str) -> list[ImportReport]:
    get_city(session, slug)
    delete_city(session, slug)
    return []
