"""Service requests written straight into the sample city, for the request-layer tests.

Each row is placed in a kelurahan of tests/layers/sample.py (4 boxes, 2 kecamatan) and routed
to the OPD given; the HTTP tests (tests/api/test_request_layers.py) submit real ones instead.
"""

from __future__ import annotations

import itertools

from sqlalchemy import text
from sqlalchemy.orm import Session

# kelurahan of the sample city: code -> (kecamatan code, a point inside it)
KELURAHAN = {
    "36.71.01.1001": ("36.71.01", (106.62, -6.21)),
    "36.71.01.1002": ("36.71.01", (106.62, -6.15)),
    "36.71.02.1003": ("36.71.02", (106.68, -6.21)),
    "36.71.02.1004": ("36.71.02", (106.68, -6.15)),
}
_SERIAL = itertools.count(1)


def add_request(
    db: Session,
    city_id: int,
    kelurahan: str,
    *,
    opd: str = "KESRA",
    status: str = "diajukan",
    type_: str = "bantuan",
    area: bool = False,
    offset_deg: float = 0.0,
) -> int:
    """Insert one request in ``kelurahan`` (a point, or a small square area) and return its id."""
    kecamatan, (lon, lat) = KELURAHAN[kelurahan]
    lon += offset_deg
    wkt = (
        f"MULTIPOLYGON((({lon} {lat},{lon + 0.002} {lat},{lon + 0.002} {lat + 0.002},"
        f"{lon} {lat + 0.002},{lon} {lat})))"
        if area
        else f"POINT({lon} {lat})"
    )
    serial = next(_SERIAL)
    return int(
        db.execute(
            text(
                "INSERT INTO service_request (city_id, type, code, status, geom, kelurahan_code,"
                " kecamatan_code, opd_code, title)"
                " VALUES (:c, :type, :code, :status, ST_GeomFromText(:wkt, 4326), :kel, :kec,"
                " :opd, :title) RETURNING id"
            ),
            {
                "c": city_id,
                "type": type_,
                "code": f"TST-{city_id}-{serial:06d}",
                "status": status,
                "wkt": wkt,
                "kel": kelurahan,
                "kec": kecamatan,
                "opd": opd,
                "title": f"Pengajuan uji {serial}",
            },
        ).scalar_one()
    )
