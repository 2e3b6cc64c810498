"""Reading an uploaded parcel file: the format by content, a guarded unzip (no zip bombs),
the one geometry and the CRS it declares (GDAL through pyogrio, in a temporary folder)."""

from __future__ import annotations

import io
import tempfile
import warnings
import zipfile
from pathlib import Path, PurePosixPath

import orjson
import shapely
from shapely.geometry.base import BaseGeometry

from geo.permits.errors import (
    ParcelArchiveError,
    ParcelCrsMissingError,
    ParcelFormatError,
    ParcelGeometryTypeError,
)

# zip guard: checked on the declared sizes before anything is unpacked, and again while
# unpacking (a header may lie)
MAX_INFLATED_BYTES = 50_000_000
MAX_MEMBERS = 64
MAX_RATIO = 200  # inflated / compressed, for members over RATIO_FLOOR_BYTES
RATIO_FLOOR_BYTES = 1_000_000
_CHUNK = 1 << 16
_SHP_PARTS = {".shp", ".shx", ".dbf", ".prj", ".cpg"}
_LABEL = {"geojson": "GeoJSON", "kml": "KML", "gpkg": "GeoPackage", "shp": "Shapefile"}


def read_geometry(data: bytes, filename: str) -> tuple[BaseGeometry, str, str]:
    """The one geometry of an uploaded file, its format and its CRS.

    Args:
        data: The file's bytes.
        filename: Its name (for messages).

    Returns:
        ``(geometry, format, crs)``: format ``geojson``, ``kml``, ``gpkg`` or ``shp``; crs as
        GDAL names it (``EPSG:32748``, or WKT).

    Raises:
        ParcelFormatError: Unknown or unreadable format, several shapefiles in a zip.
        ParcelArchiveError: A zip bomb, too many members, encrypted or corrupt.
        ParcelCrsMissingError: The file declares no CRS (a zip without .prj).
        ParcelGeometryTypeError: Not exactly one feature with a geometry.
    """
    if not data:
        raise ParcelFormatError("the parcel file is empty", [{"field": "file", "message": "empty"}])
    kind = sniff_format(data, filename)
    with tempfile.TemporaryDirectory(prefix="tpo-parcel-") as tmp:
        folder = Path(tmp)
        if kind == "zip":
            kind, path = _unzip(data, folder)
        else:
            if kind == "geojson":
                _check_geojson(data)
            path = folder / f"parcel.{kind}"
            path.write_bytes(data)
        geom, crs = _read_one(path, kind)
    if crs is None:
        raise ParcelCrsMissingError(NO_CRS[kind], [{"field": "file", "message": "no CRS"}])
    return geom, kind, crs


# -- reading ---------------------------------------------------------------------------------
def sniff_format(data: bytes, filename: str) -> str:
    """The format of an upload by its content (the name only breaks ties).

    Returns:
        ``geojson``, ``kml``, ``gpkg`` or ``zip`` (a Shapefile or a KMZ inside).

    Raises:
        ParcelFormatError: None of the supported formats.
    """
    if data[:4] == b"PK\x03\x04" or data[:4] == b"PK\x05\x06":
        return "zip"
    if data[:16] == b"SQLite format 3\x00":
        return "gpkg"
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head[:1] in (b"{", b"["):
        return "geojson"
    if head[:1] == b"<" and b"<kml" in data[:4096].lower():
        return "kml"
    suffix = PurePosixPath(filename or "").suffix.lower()
    raise ParcelFormatError(
        f"unknown parcel file{f' ({suffix})' if suffix else ''}: upload GeoJSON, KML,"
        " GeoPackage (.gpkg) or a zipped Shapefile (.zip with .shp, .shx, .dbf and .prj)",
        [{"field": "file", "message": "unknown format"}],
    )


NO_CRS = {
    "shp": "the zip has no .prj (the shapefile's coordinate reference system): add the .prj"
    " file the GIS wrote beside the .shp",
    "gpkg": "the GeoPackage layer has no coordinate reference system (SRS): set one in the GIS",
    "geojson": "the GeoJSON declares no usable coordinate reference system",
    "kml": "the KML declares no usable coordinate reference system",
}


def _check_geojson(data: bytes) -> None:
    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise ParcelFormatError(
            "the file is not valid JSON, so not GeoJSON", [{"field": "file", "message": "bad JSON"}]
        ) from exc
    kinds = {"FeatureCollection", "Feature", "Point", "MultiPoint", "LineString"}
    kinds |= {"MultiLineString", "Polygon", "MultiPolygon", "GeometryCollection"}
    if not isinstance(doc, dict) or doc.get("type") not in kinds:
        raise ParcelFormatError(
            "the file is JSON but not GeoJSON (no FeatureCollection, Feature or geometry)",
            [{"field": "file", "message": "not GeoJSON"}],
        )


def _unzip(data: bytes, folder: Path) -> tuple[str, Path]:
    """Unpack the shapefile (or the KML of a KMZ) of a zip into ``folder``, guarded."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = [i for i in archive.infolist() if not i.is_dir()]
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise ParcelArchiveError(
            "the zip cannot be read (corrupt or truncated)",
            [{"field": "file", "message": "bad zip"}],
        ) from exc
    if len(infos) > MAX_MEMBERS:
        raise ParcelArchiveError(
            f"the zip holds {len(infos)} files (at most {MAX_MEMBERS}): zip only the parcel's"
            " .shp, .shx, .dbf and .prj",
            [{"field": "file", "message": "too many members"}],
        )
    declared = sum(i.file_size for i in infos)
    if declared > MAX_INFLATED_BYTES:
        raise ParcelArchiveError(
            f"the zip would unpack to {declared / 1e6:,.0f} MB (at most"
            f" {MAX_INFLATED_BYTES / 1e6:.0f} MB): refused without unpacking",
            [{"field": "file", "message": "inflates too much"}],
        )
    for info in infos:
        if info.flag_bits & 0x1:
            raise ParcelArchiveError(
                "the zip is encrypted: upload it without a password",
                [{"field": "file", "message": "encrypted"}],
            )
        if info.file_size > RATIO_FLOOR_BYTES and info.file_size > MAX_RATIO * max(
            info.compress_size, 1
        ):
            ratio = info.file_size / max(info.compress_size, 1)
            raise ParcelArchiveError(
                f"a file in the zip would inflate {ratio:,.0f}"
                f" times (at most {MAX_RATIO}): refused without unpacking",
                [{"field": "file", "message": "compression ratio"}],
            )
    usable = [i for i in infos if _member_ok(i.filename)]
    shps = [i for i in usable if PurePosixPath(i.filename).suffix.lower() == ".shp"]
    kmls = [i for i in usable if PurePosixPath(i.filename).suffix.lower() == ".kml"]
    if len(shps) > 1:
        raise ParcelFormatError(
            f"the zip holds {len(shps)} shapefiles: zip the one parcel only",
            [{"field": "file", "message": "several shapefiles"}],
        )
    if not shps and len(kmls) == 1:
        path = folder / "parcel.kml"
        _extract(archive, kmls[0], path)
        return "kml", path
    if not shps:
        raise ParcelFormatError(
            "the zip holds no shapefile (.shp): zip the .shp with its .shx, .dbf and .prj",
            [{"field": "file", "message": "no .shp"}],
        )
    stem = _stem(shps[0].filename)
    parts = {
        PurePosixPath(i.filename).suffix.lower(): i
        for i in usable
        if _stem(i.filename) == stem and PurePosixPath(i.filename).suffix.lower() in _SHP_PARTS
    }
    if ".prj" not in parts:
        raise ParcelCrsMissingError(NO_CRS["shp"], [{"field": "file", "message": "no .prj"}])
    for suffix, info in parts.items():
        _extract(archive, info, folder / f"parcel{suffix}")
    return "shp", folder / "parcel.shp"


def _member_ok(name: str) -> bool:
    path = PurePosixPath(name.replace("\\", "/"))
    return not path.name.startswith(".") and "__MACOSX" not in path.parts


def _stem(name: str) -> str:
    path = PurePosixPath(name.replace("\\", "/"))
    return str(path.with_suffix("")).lower()


def _extract(archive: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path) -> None:
    """Copy one member out in chunks, stopping at its declared size or the overall cap."""
    limit = min(info.file_size, MAX_INFLATED_BYTES)
    written = 0
    try:
        with archive.open(info) as source, target.open("wb") as sink:
            while chunk := source.read(_CHUNK):
                written += len(chunk)
                if written > limit:
                    raise ParcelArchiveError(
                        "a file in the zip inflates beyond its declared size: refused",
                        [{"field": "file", "message": "inflates too much"}],
                    )
                sink.write(chunk)
    except (zipfile.BadZipFile, NotImplementedError, OSError, EOFError) as exc:
        raise ParcelArchiveError(
            "the zip cannot be unpacked (corrupt, or an unsupported compression)",
            [{"field": "file", "message": "bad zip"}],
        ) from exc
    except RuntimeError as exc:  # zipfile: a password is needed
        raise ParcelArchiveError(
            "the zip is encrypted: upload it without a password",
            [{"field": "file", "message": "encrypted"}],
        ) from exc


def _read_one(path: Path, kind: str) -> tuple[BaseGeometry, str | None]:
    """The one geometry of the file and its CRS (None when it declares none)."""
    with warnings.catch_warnings():  # GDAL's warnings name the temporary path
        warnings.simplefilter("ignore", RuntimeWarning)
        return _read_layers(path, kind)


def _read_layers(path: Path, kind: str) -> tuple[BaseGeometry, str | None]:
    # pyogrio brings geopandas and pandas (about 60 MB): loaded with the first file, not the app
    import pyogrio
    from pyogrio.raw import read as ogr_read

    label = _LABEL[kind]
    try:
        layers = [(str(name), gtype) for name, gtype in pyogrio.list_layers(path)]
    except Exception as exc:  # GDAL's messages carry paths; say it in our words
        raise ParcelFormatError(
            f"the {label} cannot be read (corrupt or incomplete)",
            [{"field": "file", "message": "unreadable"}],
        ) from exc
    if kind == "gpkg":  # attribute tables have no geometry type
        layers = [(name, gtype) for name, gtype in layers if gtype is not None]
    found: list[tuple[BaseGeometry, str | None]] = []
    for name, _gtype in layers:
        try:
            meta, _fids, wkbs, _fields = ogr_read(path, layer=name, columns=[])
        except Exception as exc:
            raise ParcelFormatError(
                f"the {label} cannot be read (corrupt or incomplete)",
                [{"field": "file", "message": "unreadable"}],
            ) from exc
        crs = meta.get("crs")
        for wkb in wkbs if wkbs is not None else []:
            if wkb is None:
                continue
            geom = shapely.from_wkb(wkb)
            if geom is not None and not geom.is_empty:
                found.append((geom, crs))
    if not found:
        raise ParcelGeometryTypeError(
            f"the {label} holds no geometry: upload one Polygon or MultiPolygon",
            [{"field": "file", "message": "no geometry"}],
        )
    if len(found) > 1:
        raise ParcelGeometryTypeError(
            f"the {label} holds {len(found)} features: upload one parcel (one Polygon or"
            " MultiPolygon feature)",
            [{"field": "file", "message": "several features"}],
        )
    return found[0]
