"""``POST /cities/{city}/permits/parcel``: every format in, the same parcel out; every bad
input a 4xx problem+json, nothing written."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from shapely.geometry import mapping, shape
from sqlalchemy import text
from sqlalchemy.orm import Session

from api.settings import Settings
from tests.geo.permit_files import (
    bowtie_lonlat,
    circle_lonlat,
    formats,
    frame,
    knotted_lonlat,
    line_lonlat,
    parcel_lonlat,
    parcel_utm,
    write,
    zip_bomb,
    zipped_shapefile,
)
from tests.layers.sample import insert_sample_city

pytestmark = pytest.mark.postgis
CITY = "tangerang"
URL = f"/cities/{CITY}/permits/parcel"
PROBLEM = "application/problem+json"
# what a write would touch: requests, parcels, checks, the layers' revisions
WATCHED = ("service_request", "permit_parcel", "permit_check", "layer_revision", "audit_log")


@pytest.fixture
def city(db: Session) -> int:
    return insert_sample_city(db, CITY).city.id


def snapshot(db: Session) -> dict[str, Any]:
    out: dict[str, Any] = {
        t: db.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in WATCHED
    }
    out["revisions"] = db.execute(
        text("SELECT coalesce(sum(revision), 0) FROM layer_revision")
    ).scalar_one()
    return out


def upload(client: Any, name: str, data: bytes) -> Any:
    return client.post(URL, files={"file": (name, data, "application/octet-stream")})


def test_every_format_gives_the_same_answer(
    client: Any, db: Session, city: int, tmp_path: Path
) -> None:
    before = snapshot(db)
    answers = {}
    for fmt, (name, data) in formats(tmp_path).items():
        response = upload(client, name, data)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "application/json"
        answers[fmt] = response.json()
    drawn = parcel_utm().area
    for fmt, answer in answers.items():
        assert set(answer) == {
            "geometry",
            "area_m2",
            "vertices",
            "format",
            "crs",
            "repaired",
            "repair_note",
        }
        assert answer["format"] == fmt
        assert answer["geometry"]["type"] == "MultiPolygon"
        assert answer["area_m2"] == pytest.approx(drawn, rel=0.001)
        assert shape(answer["geometry"]).is_valid
        assert answer["vertices"] == 10
        assert answer["repaired"] is False
        assert answer["repair_note"] is None
    assert answers["shp"]["crs"] == "EPSG:32748"
    assert answers["kml"]["crs"] == "EPSG:4326"
    drawn_json = client.post(URL, json={"geometry": mapping(parcel_lonlat())})
    assert drawn_json.status_code == 200, drawn_json.text
    assert drawn_json.json()["area_m2"] == pytest.approx(drawn, rel=0.001)
    assert snapshot(db) == before


def test_a_repaired_parcel_says_so(client: Any, city: int) -> None:
    response = client.post(URL, json={"geometry": mapping(knotted_lonlat())})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["repaired"] is True
    assert "make_valid" in body["repair_note"]


@pytest.fixture
def bad_inputs(tmp_path: Path) -> list[tuple[str, dict[str, Any], int, str]]:
    """(what, request kwargs, status, problem code) of every kind of bad input."""
    shp = frame(parcel_utm(), crs=32748)
    far = json.loads(json.dumps(mapping(parcel_lonlat())))
    for ring in far["coordinates"]:
        for point in ring:
            point[0] += 0.3  # 33 km east: outside the sample city
    return [
        ("bowtie", {"json": {"geometry": mapping(bowtie_lonlat())}}, 422, "parcel-invalid"),
        (
            "bowtie file",
            {
                "files": {
                    "file": (
                        "b.geojson",
                        write(frame(bowtie_lonlat()), tmp_path, "b.geojson", "GeoJSON"),
                    )
                }
            },
            422,
            "parcel-invalid",
        ),
        (
            "zip without .prj",
            {"files": {"file": ("p.zip", zipped_shapefile(shp, tmp_path, prj=False))}},
            422,
            "parcel-crs-missing",
        ),
        ("zip bomb", {"files": {"file": ("bomb.zip", zip_bomb())}}, 422, "parcel-archive"),
        ("outside the city", {"json": {"geometry": far}}, 422, "parcel-outside-city"),
        (
            "a LineString",
            {"json": {"geometry": mapping(line_lonlat())}},
            422,
            "parcel-geometry-type",
        ),
        (
            "20,000 vertices",
            {"json": {"geometry": mapping(circle_lonlat(20_000))}},
            422,
            "parcel-too-many-vertices",
        ),
        (
            "unknown format",
            {"files": {"file": ("persil.dwg", b"AC1032\x00\x00 not a parcel file")}},
            422,
            "parcel-format",
        ),
        (
            "a tiny parcel",
            {
                "json": {
                    "geometry": {
                        "type": "Polygon",
                        "coordinates": [
                            [
                                [106.65, -6.2],
                                [106.65001, -6.2],
                                [106.65001, -6.19999],
                                [106.65, -6.2],
                            ]
                        ],
                    }
                }
            },
            422,
            "parcel-area",
        ),
        ("no file field", {"files": {"berkas": ("p.geojson", b"{}")}}, 422, "invalid-input"),
        ("no geometry member", {"json": {"geom": {}}}, 422, "invalid-input"),
        (
            "broken JSON",
            {"content": b"{", "headers": {"content-type": "application/json"}},
            422,
            "invalid-input",
        ),
        (
            "text/plain",
            {"content": b"x", "headers": {"content-type": "text/plain"}},
            422,
            "invalid-input",
        ),
    ]


def test_every_bad_input_is_a_problem_and_writes_nothing(
    client: Any, db: Session, city: int, bad_inputs: list[tuple[str, dict[str, Any], int, str]]
) -> None:
    before = snapshot(db)
    for what, kwargs, status, code in bad_inputs:
        response = client.post(URL, **kwargs)
        assert response.status_code == status, (what, response.text)
        assert response.headers["content-type"] == PROBLEM, what
        body = response.json()
        assert body["code"] == code, (what, body)
        assert body["status"] == status
        assert body["detail"]
        assert "Traceback" not in response.text
        assert "/tmp" not in response.text  # no temporary paths from GDAL
    assert snapshot(db) == before


def test_the_bowtie_problem_says_where(client: Any, city: int) -> None:
    bowtie = bowtie_lonlat()
    body = client.post(URL, json={"geometry": mapping(bowtie)}).json()
    centre = bowtie.envelope.centroid
    assert body["location"] == pytest.approx([centre.x, centre.y], abs=1e-6)
    assert body["reason"] == "Self-intersection"
    redrawn = client.post(URL, json={"geometry": mapping(circle_lonlat(50, 60))})
    assert redrawn.status_code == 200  # the same place, drawn properly, is fine


def test_over_the_upload_limit_is_a_413(
    db: Session, city: int, db_url: str, tmp_path: Path
) -> None:
    from fastapi.testclient import TestClient

    from api.app import create_app
    from tests.conftest import use_session

    settings = Settings(
        database_url=db_url, var_dir=tmp_path / "var", max_upload_bytes=50_000, _env_file=None
    )
    before = snapshot(db)
    with TestClient(use_session(create_app(settings), db)) as small:
        big = b'{"type": "FeatureCollection", "features": []}' + b" " * 60_000
        response = small.post(URL, files={"file": ("big.geojson", big)})
        assert response.status_code == 413
        assert response.headers["content-type"] == PROBLEM
        assert response.json()["code"] == "upload-too-large"
        body = json.dumps({"geometry": mapping(circle_lonlat(4_000))})
        assert len(body) > 50_000
        response = small.post(URL, content=body, headers={"content-type": "application/json"})
        assert response.status_code == 413
        assert response.json()["code"] == "upload-too-large"
        fits = small.post(URL, json={"geometry": mapping(parcel_lonlat())})
        assert fits.status_code == 200
    assert snapshot(db) == before


def test_an_unknown_city_is_a_404(client: Any, city: int) -> None:
    response = client.post(
        "/cities/atlantis/permits/parcel", json={"geometry": mapping(parcel_lonlat())}
    )
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM
