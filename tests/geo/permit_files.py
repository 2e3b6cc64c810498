"""Parcel files for the intake tests, built from one polygon with pyogrio (GDAL) in the test:
GeoJSON, KML, GeoPackage, a zipped Shapefile in EPSG:32748, and the bad ones (bowtie, no .prj,
zip bomb, a line, 20,000 vertices, unknown format)."""

from __future__ import annotations

import io
import math
import zipfile
from pathlib import Path
from typing import Any

import geopandas as gpd
import pyogrio
import shapely
from pyproj import Transformer
from shapely.geometry import LineString, Polygon
from shapely.geometry.base import BaseGeometry

# inside the sample city (tests/layers/sample.py: bbox 106.60..106.70, -6.22..-6.14), away
# from its 3 permitted parcels: an outline in UTM 48S metres with a courtyard (a hole)
ORIGIN_LONLAT = (106.655, -6.205)
_TO_UTM = Transformer.from_crs(4326, 32748, always_xy=True)
_TO_LONLAT = Transformer.from_crs(32748, 4326, always_xy=True)
ORIGIN_UTM = _TO_UTM.transform(*ORIGIN_LONLAT)


def utm(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Metres east/north of the origin to UTM 48S coordinates."""
    x0, y0 = ORIGIN_UTM
    return [(x0 + dx, y0 + dy) for dx, dy in points]


def to_lonlat(geom: BaseGeometry) -> BaseGeometry:
    """A UTM 48S geometry in lon/lat."""
    return shapely.transform(geom, lambda c: _column(*_TO_LONLAT.transform(c[:, 0], c[:, 1])))


def _column(x: Any, y: Any) -> Any:
    import numpy as np

    return np.column_stack([x, y])


def parcel_utm() -> Polygon:
    """An L-shaped parcel (about 0.6 ha) with a 20 x 15 m courtyard, in UTM 48S."""
    shell = utm([(0, 0), (100, 0), (100, 40), (40, 40), (40, 90), (0, 90)])
    hole = utm([(10, 10), (30, 10), (30, 25), (10, 25)])
    return Polygon(shell, [hole])


def parcel_lonlat() -> Polygon:
    """The same parcel in lon/lat."""
    geom = to_lonlat(parcel_utm())
    assert isinstance(geom, Polygon)
    return geom


def frame(geom: BaseGeometry | list[BaseGeometry], crs: int | None = 4326) -> gpd.GeoDataFrame:
    geoms = geom if isinstance(geom, list) else [geom]
    return gpd.GeoDataFrame(
        {"nama": [f"Persil {i}" for i in range(len(geoms))]}, geometry=geoms, crs=crs
    )


def write(gdf: gpd.GeoDataFrame, folder: Path, name: str, driver: str) -> bytes:
    """The bytes of ``gdf`` written by GDAL's ``driver``."""
    path = folder / name
    pyogrio.write_dataframe(gdf, path, driver=driver)
    return path.read_bytes()


def zipped_shapefile(
    gdf: gpd.GeoDataFrame, folder: Path, *, prj: bool = True, stem: str = "persil"
) -> bytes:
    """A zip of the shapefile of ``gdf`` (in a subfolder, as people zip them)."""
    shp_dir = folder / f"shp-{stem}"
    shp_dir.mkdir()
    pyogrio.write_dataframe(gdf, shp_dir / f"{stem}.shp", driver="ESRI Shapefile")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        for part in sorted(shp_dir.iterdir()):
            if part.suffix == ".prj" and not prj:
                continue
            archive.write(part, f"{stem}/{part.name}")
    return buf.getvalue()


def formats(folder: Path) -> dict[str, tuple[str, bytes]]:
    """The parcel in each upload format: ``format -> (file name, bytes)``."""
    gdf = frame(parcel_lonlat())
    return {
        "geojson": ("persil.geojson", write(gdf, folder, "persil.geojson", "GeoJSON")),
        "kml": ("persil.kml", write(gdf, folder, "persil.kml", "KML")),
        "gpkg": ("persil.gpkg", write(gdf, folder, "persil.gpkg", "GPKG")),
        "shp": ("persil.zip", zipped_shapefile(frame(parcel_utm(), crs=32748), folder)),
    }


def zip_bomb() -> bytes:
    """A zip under 1 KB that inflates past 100 MB (bzip2 of zeros), beside a real .prj."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_BZIP2) as archive:
        archive.writestr("persil.shp", b"\0" * 101_000_000)
        archive.writestr("persil.shx", b"\0" * 100)
        archive.writestr("persil.dbf", b"\0" * 100)
        archive.writestr("persil.prj", 'PROJCS["WGS 84 / UTM zone 48S"]')
    data = buf.getvalue()
    assert len(data) < 1024
    return data


def bowtie_lonlat() -> Polygon:
    """A 100 m bowtie: its two lobes cancel out, no repair keeps its area."""
    geom = to_lonlat(Polygon(utm([(0, 0), (100, 100), (100, 0), (0, 100)])))
    assert isinstance(geom, Polygon)
    return geom


def knotted_lonlat() -> Polygon:
    """A 100 m square whose last edge overshoots the first corner by 1 m (a tiny knot): the
    repair adds about 1 m² to 9,950 m², well within 1 %."""
    geom = to_lonlat(Polygon(utm([(0, 0), (100, 0), (100, 100), (0, 100), (1, -1)])))
    assert isinstance(geom, Polygon)
    return geom


def circle_lonlat(vertices: int, radius_m: float = 60.0) -> Polygon:
    """A circle of ``vertices`` vertices around the origin."""
    ring = [
        (
            radius_m * math.cos(2 * math.pi * i / vertices),
            radius_m * math.sin(2 * math.pi * i / vertices),
        )
        for i in range(vertices)
    ]
    geom = to_lonlat(Polygon(utm(ring)))
    assert isinstance(geom, Polygon)
    return geom


def line_lonlat() -> LineString:
    geom = to_lonlat(LineString(utm([(0, 0), (100, 50)])))
    assert isinstance(geom, LineString)
    return geom


def square_lonlat(x_m: float, y_m: float, size_m: float) -> Polygon:
    """A square of ``size_m`` metres whose corner lies ``x_m``/``y_m`` metres off the origin."""
    geom = to_lonlat(
        Polygon(
            utm(
                [(x_m, y_m), (x_m + size_m, y_m), (x_m + size_m, y_m + size_m), (x_m, y_m + size_m)]
            )
        )
    )
    assert isinstance(geom, Polygon)
    return geom
