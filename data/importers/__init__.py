"""Importers that load a real city: boundaries, schools, OSM roads, angkot routes and GTFS."""

from data.importers.audit_sites import import_audit_sites
from data.importers.boundaries import import_boundaries
from data.importers.common import ImportReport
from data.importers.gtfs import import_gtfs
from data.importers.osm import import_osm, import_osm_place
from data.importers.protected import RiverSetbacks, import_protected
from data.importers.routes import RouteDefaults, import_routes
from data.importers.schools import import_schools
from data.importers.zoning import import_zoning
from data.progress import Progress

__all__ = [
    "ImportReport",
    "Progress",
    "RiverSetbacks",
    "RouteDefaults",
    "import_audit_sites",
    "import_boundaries",
    "import_gtfs",
    "import_osm",
    "import_osm_place",
    "import_protected",
    "import_routes",
    "import_schools",
    "import_zoning",
]
