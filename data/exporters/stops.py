"""Stops of a hail-and-ride route: termini and points about every 500 m, named after streets."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import shapely
from pyproj import Geod, Transformer
from sqlalchemy import text
from sqlalchemy.orm import Session

FloatArray = npt.NDArray[np.float64]

STOP_SPACING_M = 500.0
"""Stops every ~500 m: a route of length L gets round(L / 500) equal gaps (at least one)."""
STREET_RADIUS_M = 30.0
"""A stop is named after a street whose edge lies within this distance."""
AHEAD_M = 15.0
"""The street a stop is on is the one the route follows here: the edge nearest to both the stop
and the point this far ahead on the route (behind, at the last stop), and no farther from the
point ahead than ``AHEAD_SLACK_M`` more than from the stop: so a stop at a corner takes the
street the route runs along, never the one crossing it."""
AHEAD_SLACK_M = 7.5
MIN_SEGMENT_M = 0.01
"""Vertices closer than this to the previous one are dropped (shape distances must grow)."""
_GEOD = Geod(ellps="WGS84")

# the named road edges around the stops, oldest first
_NAMED_EDGES = text(
    "SELECT name, ST_AsBinary(geom) AS wkb FROM road_edge"
    " WHERE city_id = :city_id AND name IS NOT NULL AND btrim(name) <> ''"
    " AND geom && ST_MakeEnvelope(:minx, :miny, :maxx, :maxy, 4326) ORDER BY id"
)


@dataclass
class Line:
    """A route line in lon/lat with the geodesic distance (m) of each vertex from its start."""

    coords: FloatArray  # (n, 2) lon, lat
    dist_m: FloatArray  # (n,)

    @property
    def length_m(self) -> float:
        """Geodesic length in metres."""
        return float(self.dist_m[-1])

    def at(self, offsets_m: FloatArray) -> FloatArray:
        """Lon/lat of the points ``offsets_m`` metres along the line (clamped to its ends)."""
        offsets = np.clip(offsets_m, 0.0, self.length_m)
        seg = np.clip(np.searchsorted(self.dist_m, offsets, side="right") - 1, 0, len(self) - 2)
        span = self.dist_m[seg + 1] - self.dist_m[seg]
        t = np.where(span > 0, (offsets - self.dist_m[seg]) / np.where(span > 0, span, 1.0), 0.0)
        start, end = self.coords[seg], self.coords[seg + 1]
        out: FloatArray = start + (end - start) * t[:, None]
        return out

    def __len__(self) -> int:
        return len(self.coords)


def measured_line(coords: FloatArray) -> Line | None:
    """The line with its vertex distances; a vertex within 1 cm of the one kept before it is
    dropped (the last vertex replaces its predecessor instead, so the line keeps its end).

    Returns:
        None when fewer than two distinct vertices remain.
    """
    coords = np.asarray(coords, dtype=np.float64)[:, :2]
    if len(coords) < 2:
        return None
    seg = np.asarray(_GEOD.line_lengths(coords[:, 0], coords[:, 1]), dtype=np.float64)
    if (seg < MIN_SEGMENT_M).any():
        kept = [coords[0]]
        for point in coords[1:]:
            if _GEOD.line_length([kept[-1][0], point[0]], [kept[-1][1], point[1]]) >= MIN_SEGMENT_M:
                kept.append(point)
        end = coords[-1]
        if len(kept) > 1 and not np.array_equal(kept[-1], end):
            kept[-1] = end
        if len(kept) < 2:
            return None
        coords = np.asarray(kept)
        seg = np.asarray(_GEOD.line_lengths(coords[:, 0], coords[:, 1]), dtype=np.float64)
        if (seg < MIN_SEGMENT_M).any():
            return None
    return Line(coords, np.concatenate(([0.0], np.cumsum(seg))))


def stop_offsets(length_m: float, spacing_m: float = STOP_SPACING_M) -> FloatArray:
    """Offsets (m) of the stops: both termini and equal gaps of about ``spacing_m``."""
    gaps = max(1, round(length_m / spacing_m))
    out: FloatArray = np.linspace(0.0, length_m, gaps + 1)
    return out


@dataclass
class StopPoints:
    """Where a route's stops lie: offsets along the line, positions and the points ahead."""

    offsets_m: FloatArray
    points: FloatArray  # (k, 2)
    ahead: FloatArray  # (k, 2)


def place_stops(line: Line) -> StopPoints:
    """The stops of one route direction (see ``STOP_SPACING_M`` and ``AHEAD_M``)."""
    offsets = stop_offsets(line.length_m)
    ahead_at = offsets + AHEAD_M
    ahead_at[-1] = offsets[-1] - AHEAD_M
    return StopPoints(offsets, line.at(offsets), line.at(ahead_at))


def street_names(
    session: Session, city_id: int, utm_srid: int, points: FloatArray, ahead: FloatArray
) -> dict[int, str]:
    """Names of the streets the points lie on, by point index (points off named streets are
    missing): the named edges around the points are read once and matched in metres.

    Args:
        session: Open session.
        city_id: The city whose ``road_edge`` rows are searched.
        utm_srid: The city's UTM zone (EPSG code).
        points: (k, 2) lon/lat of the stops.
        ahead: (k, 2) lon/lat of the point along the route ahead of each stop.
    """
    if len(points) == 0:
        return {}
    both = np.vstack([points, ahead])
    (minx, miny), (maxx, maxy) = both.min(axis=0), both.max(axis=0)
    cos_lat = max(math.cos(math.radians(min(max(abs(miny), abs(maxy)), 80.0))), 0.17)
    pad = STREET_RADIUS_M / (111_000.0 * cos_lat) * 1.5
    rows = session.execute(
        _NAMED_EDGES,
        {
            "city_id": city_id,
            "minx": float(minx) - pad,
            "miny": float(miny) - pad,
            "maxx": float(maxx) + pad,
            "maxy": float(maxy) + pad,
        },
    ).all()
    if not rows:
        return {}
    names = [" ".join(str(row.name).split()) for row in rows]
    to_utm = Transformer.from_crs(4326, utm_srid, always_xy=True)
    edges = shapely.transform(
        shapely.from_wkb([bytes(row.wkb) for row in rows]),
        lambda xy: np.column_stack(to_utm.transform(xy[:, 0], xy[:, 1])),
    )
    stops = shapely.points(np.column_stack(to_utm.transform(points[:, 0], points[:, 1])))
    aheads = shapely.points(np.column_stack(to_utm.transform(ahead[:, 0], ahead[:, 1])))
    tree = shapely.STRtree(edges)
    stop_i, edge_i = tree.query(stops, predicate="dwithin", distance=STREET_RADIUS_M)
    if len(stop_i) == 0:
        return {}
    dist = shapely.distance(stops[stop_i], edges[edge_i])
    dist_ahead = shapely.distance(aheads[stop_i], edges[edge_i])
    fits = dist_ahead <= dist + AHEAD_SLACK_M
    stop_i, edge_i, score = stop_i[fits], edge_i[fits], (dist + dist_ahead)[fits]
    order = np.lexsort((edge_i, score, stop_i))  # per stop: lowest score, then oldest edge
    stop_i, edge_i = stop_i[order], edge_i[order]
    firsts = np.flatnonzero(np.r_[True, stop_i[1:] != stop_i[:-1]])
    return {int(stop_i[k]): names[int(edge_i[k])] for k in firsts}
