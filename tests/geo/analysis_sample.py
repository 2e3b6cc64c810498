"""The fixture of the analysis tests: the small sample city plus requests in two kelurahan."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.cities import CityInfo
from tests.layers.sample import insert_sample_city

KECAMATAN = "36.71.01"  # the west half of the sample city
KEL_SW = "36.71.01.1001"  # its south half
KEL_NW = "36.71.01.1002"  # its north half
# (kelurahan, lon, lat, type, status, opd, how many)
REQUESTS = [
    (KEL_SW, 106.62, -6.20, "bantuan", "diajukan", "KESRA", 7),
    (KEL_SW, 106.63, -6.19, "bantuan", "ditolak", "KESRA", 2),
    (KEL_NW, 106.62, -6.16, "bantuan", "diajukan", "DISHUB", 3),
    # east kecamatan: never in a west report
    ("36.71.02.1003", 106.68, -6.20, "bantuan", "diajukan", "KESRA", 4),
]


@dataclass(frozen=True)
class AnalysisCity:
    """The city and the number of requests inserted."""

    city: CityInfo
    requests: int


def insert_requests(session: Session, city: CityInfo) -> int:
    """Insert the ``REQUESTS`` rows (points spread 10 m apart); returns how many."""
    n = 0
    for kelurahan, lon, lat, kind, status, opd, count in REQUESTS:
        for i in range(count):
            n += 1
            session.execute(
                text(
                    "INSERT INTO service_request (city_id, type, code, status, geom,"
                    " kelurahan_code, kecamatan_code, opd_code, title) VALUES (:c, :type, :code,"
                    " :status, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326), :kel, :kec, :opd,"
                    " 'Uji')"
                ),
                {
                    "c": city.id,
                    "type": kind,
                    "code": f"SBK-TEST-{n:04d}",
                    "status": status,
                    "lon": lon + i * 0.0001,
                    "lat": lat,
                    "kel": kelurahan,
                    "kec": kelurahan.rsplit(".", 1)[0],
                    "opd": opd,
                },
            )
    return n


def analysis_city(session: Session, slug: str = "analisis") -> AnalysisCity:
    """The sample city (tests/layers/sample.py) with the requests of ``REQUESTS``."""
    city = insert_sample_city(session, slug).city
    return AnalysisCity(city, insert_requests(session, city))
