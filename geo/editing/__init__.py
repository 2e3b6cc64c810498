"""The editing wing: the route write model (versions, drafts, review), snapping and validation.

Other wings and the layers above use it only through what this module exports.
"""

from geo.editing.diff import diff_versions
from geo.editing.drive import DriveGraph, DriveGraphCache, build_drive_graph
from geo.editing.reads import get_version, list_routes, list_versions
from geo.editing.review import Published, publish_version, return_version
from geo.editing.snap import SNAP_LIMIT_M, SnappedRoute, snap_on_graph, snap_route
from geo.editing.store import etag
from geo.editing.validate import Problem, line_from_geojson, validate_route
from geo.editing.versions import (
    Saved,
    new_route,
    restore_version,
    reverse_route,
    save_draft,
)
from geo.editing.write import ATTRIBUTES, IMPORTER, WriteResult, write_routes

__all__ = [
    "ATTRIBUTES",
    "IMPORTER",
    "SNAP_LIMIT_M",
    "DriveGraph",
    "DriveGraphCache",
    "Problem",
    "Published",
    "Saved",
    "SnappedRoute",
    "WriteResult",
    "build_drive_graph",
    "diff_versions",
    "etag",
    "get_version",
    "line_from_geojson",
    "list_routes",
    "list_versions",
    "new_route",
    "publish_version",
    "restore_version",
    "return_version",
    "reverse_route",
    "save_draft",
    "snap_on_graph",
    "snap_route",
    "validate_route",
    "write_routes",
]
