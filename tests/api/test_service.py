"""/health, /config, /cities and problem+json for every kind of error."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy.orm import Session

from geo.accounts import Grant, create_token, create_user
from geo.cities import create_city
from geo.store import migrate

pytestmark = pytest.mark.postgis
PROBLEM = "application/problem+json"
BBOX = (106.55, -6.26, 106.75, -6.09)
TYPE_BASE = "https://treepointo.org/problems/"
KEBAB = re.compile(r"^[a-z]+(-[a-z]+)*$")


def assert_problem(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    """A problem+json response of ``status``: members, ``type`` = base + ``code``, no leaks."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert set(body) >= {"type", "title", "status", "detail", "instance", "code"}
    assert body["status"] == status
    assert body["type"].startswith("https://")
    assert KEBAB.match(body["code"]), body["code"]
    assert body["type"] == TYPE_BASE + body["code"]
    if code is not None:
        assert body["code"] == code, body
    text = response.text
    assert "Traceback" not in text
    assert "SELECT" not in text
    assert "sqlalchemy" not in text.lower()
    return body


def _token(db: Session, username: str, grant: Grant, city_id: int | None = None) -> str:
    uid = create_user(
        db,
        city_id=city_id,
        username=username,
        display_name=username,
        password="Kata-Sandi-Uji-2026!",
        grants=[grant],
    )
    return create_token(db, uid, name="t")[1]


def test_health_tells_anyone_the_status_not_the_builds(client: Any, db: Session) -> None:
    r = client.get("/health")
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/json"
    body = r.json()
    assert body == {
        "status": "ok",
        "database": "ok",
        "version": "0.1.0",
        "postgresql": None,
        "postgis": None,
        "schema_revision": None,
    }
    city = create_city(db, "tangerang", "Kota Tangerang", BBOX, zoom=12)
    city_admin = _token(db, "admin.kota.health", Grant("admin_kota"), city.id)
    r = client.get("/health", headers={"Authorization": f"Bearer {city_admin}"})
    assert r.json()["postgis"] is None  # a city's admin runs no server


def test_health_gives_a_deployment_admin_the_builds(client: Any, db: Session) -> None:
    admin = _token(db, "admin.health", Grant("admin"))
    body = client.get("/health", headers={"Authorization": f"Bearer {admin}"}).json()
    assert body["status"] == "ok"
    assert body["postgis"].startswith("3.")
    assert body["postgresql"].startswith("15")
    assert body["schema_revision"] == migrate.head_revision()


def test_config(client: Any) -> None:
    r = client.get("/config")
    assert r.status_code == 200
    assert r.json() == {"default_city": "tangerang", "basemap_url": None, "version": "0.1.0"}


def test_cities_list_and_one(client: Any, db: Session) -> None:
    assert client.get("/cities").json() == {"cities": []}
    create_city(db, "tangerang", "Kota Tangerang", BBOX, zoom=12)
    body = client.get("/cities").json()
    assert [c["slug"] for c in body["cities"]] == ["tangerang"]
    one = client.get("/cities/tangerang").json()
    assert one["name"] == "Kota Tangerang"
    assert one["bbox"] == pytest.approx(list(BBOX))
    assert one["utm_srid"] == 32748
    assert {link["rel"] for link in one["links"]} == {
        "self",
        "describedby",
        "conformance",
        "data",
        "service-desc",
        "service-doc",
        "http://www.opengis.net/def/rel/ogc/1.0/tiling-schemes",
    }


def test_outline_falls_back_to_bbox(client: Any, db: Session) -> None:
    create_city(db, "tangerang", "Kota Tangerang", BBOX)
    r = client.get("/cities/tangerang/outline")
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/geo+json"
    fc = r.json()
    assert fc["type"] == "FeatureCollection"
    geom = fc["features"][0]["geometry"]
    assert geom["type"] == "Polygon"
    xs = [p[0] for p in geom["coordinates"][0]]
    assert min(xs) == pytest.approx(106.55)


def test_unknown_route_is_problem(client: Any) -> None:
    body = assert_problem(client.get("/nope"), 404, "not-found")
    assert body["instance"] == "/nope"


def test_unknown_city_is_problem(client: Any) -> None:
    body = assert_problem(client.get("/cities/unknown"), 404, "city-not-found")
    assert "unknown" in body["detail"]
    assert body["title"] == "City not found"
    assert_problem(client.get("/cities/unknown/outline"), 404, "city-not-found")


def test_bad_slug_is_problem(client: Any) -> None:
    # the city page is an OGC API landing page: a bad path parameter is a 400 there
    assert_problem(client.get("/cities/" + "x" * 70), 400, "validation-error")


def test_method_not_allowed_is_problem(client: Any) -> None:
    assert_problem(client.delete("/health"), 405, "method-not-allowed")


def test_malformed_query_is_problem(client: Any) -> None:
    """A malformed query gets 422 with the field named in `errors` (FastAPI validation)."""
    from fastapi import Query

    app = client.app

    @app.get("/_probe")
    def probe(n: int = Query(ge=1)) -> dict[str, int]:
        return {"n": n}

    # the catch-all routes were added before; move the probe first
    app.router.routes.insert(0, app.router.routes.pop())
    body = assert_problem(client.get("/_probe?n=abc"), 422, "validation-error")
    assert body["errors"][0]["field"] == "n"
    assert body["errors"][0]["in"] == "query"
    assert_problem(client.get("/_probe?n=0"), 422)


def test_body_too_large_is_413(settings: Any, db: Session) -> None:
    from fastapi.testclient import TestClient

    from api.app import create_app
    from tests.conftest import use_session

    small = settings.model_copy(update={"max_body_bytes": 1_000_000})
    with TestClient(use_session(create_app(small), db)) as client:
        assert_problem(client.post("/cities", content=b"x" * 1_200_000), 413, "content-too-large")
        declared = client.post("/cities", content=b"x", headers={"content-length": "1000001"})
        assert_problem(declared, 413, "content-too-large")


def test_server_error_hides_details(client: Any) -> None:
    app = client.app

    @app.get("/_boom")
    def boom() -> None:
        raise RuntimeError("secret SELECT * FROM city; password=hunter2")

    app.router.routes.insert(0, app.router.routes.pop())
    from fastapi.testclient import TestClient

    with TestClient(app, raise_server_exceptions=False) as c:
        body = assert_problem(c.get("/_boom"), 500, "internal-error")
    assert "hunter2" not in str(body)


def test_openapi_and_docs(client: Any) -> None:
    spec = client.get("/openapi.json").json()
    assert "/health" in spec["paths"]
    assert "/cities/{city}" in spec["paths"]
    assert client.get("/docs").status_code == 200


def test_index_serves_map(client: Any) -> None:
    r = client.get("/")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert "leaflet" in r.text.lower()
