"""The editing wing: the route write model (versions, drafts, review), snapping, validation."""

from geo.editing.drive import DriveGraph, DriveGraphCache, build_drive_graph
from geo.editing.snap import SNAP_LIMIT_M, SnappedRoute, snap_on_graph, snap_route

__all__ = [
    "SNAP_LIMIT_M",
    "DriveGraph",
    "DriveGraphCache",
    "SnappedRoute",
    "build_drive_graph",
    "snap_on_graph",
    "snap_route",
]
