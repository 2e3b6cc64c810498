"""/openapi.json says what every operation answers on success, and the answers agree.

Each operation declares a 2xx response with a content schema: a model (a ``$ref``, or an array
of them) for JSON and GeoJSON, a string schema for bytes (tiles, zip, documents) and HTML. The
only exceptions are listed by name: answers without a body (204). Then every operation is
called with minimal valid values by a caller allowed to (tests/api/accounts.py) and each 2xx
body is validated against its documented schema, so a model that drifts from the code fails.
"""

from __future__ import annotations

from typing import Any

import pytest
from jsonschema import Draft202012Validator
from sqlalchemy.orm import Session

from geo.accounts import PERMISSIONS, Grant
from tests.api.accounts import (
    ANON,
    Cities,
    User,
    call,
    make_user,
    operations,
    sample_cities,
    users_per_role,
)
from tests.api.test_citizens import EAST, NORTH, SCHOOLS
from tests.api.test_permits_http import _draft, _staff, _submit
from tests.geo.permit_city import CROSSING, insert_permit_city
from tests.geo.synthetic import build_grid_city

pytestmark = pytest.mark.postgis
METHODS = {"get", "post", "put", "patch", "delete"}
# operations whose success has no body
NO_BODY = {
    ("post", "/auth/logout"),  # 204
    ("patch", "/cities/{city}/audit-findings/{finding_id}"),  # 204
}


def _described(schema: dict[str, Any], media_type: str) -> bool:
    """Whether a content schema says something: a model, a list of models, or bytes/text."""
    if "$ref" in schema:
        return True
    if schema.get("type") == "array":
        return "$ref" in schema.get("items", {})
    if schema.get("type") == "string":
        return schema.get("format") == "binary" or media_type.startswith("text/")
    return False


def _success(op: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (status, media_type, content.get("schema", {}))
        for status, response in op["responses"].items()
        if status.startswith("2")
        for media_type, content in response.get("content", {}).items()
    ]


def test_every_operation_documents_its_success_body(client: Any) -> None:
    spec = client.get("/openapi.json").json()
    missing = []
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            if method not in METHODS or (method, path) in NO_BODY:
                continue
            success = _success(op)
            if not success or not all(_described(s, m) for _, m, s in success):
                missing.append((method, path, success))
    assert missing == []
    # the listed exceptions are what they say: a 204 without content
    for method, path in NO_BODY:
        responses = spec["paths"][path][method]["responses"]
        assert "204" in responses, (method, path)
        assert "content" not in responses["204"], (method, path)


def test_media_types_follow_the_bodies(client: Any) -> None:
    spec = client.get("/openapi.json").json()
    paths = spec["paths"]
    media = {
        ("/cities/{city}/collections/{layer}/items", "application/geo+json"),
        ("/cities/{city}/routes/near", "application/geo+json"),
        ("/cities/{city}/collections/{layer}/queryables", "application/schema+json"),
        ("/cities/{city}/api", "application/vnd.oai.openapi+json;version=3.0"),
        (
            "/cities/{city}/collections/{layer}/tiles/WebMercatorQuad/{z}/{x}/{y}",
            "application/vnd.mapbox-vector-tile",
        ),
        ("/cities/{city}/gtfs.zip", "application/zip"),
        ("/cities/{city}/reports/{level}/{area_code}.html", "text/html"),
    }
    for path, media_type in media:
        content = paths[path]["get"]["responses"]["200"]["content"]
        assert list(content) == [media_type], (path, list(content))


def _allowed_users(action: str, users: list[User]) -> list[User]:
    rule = PERMISSIONS[action]
    if rule.roles is None:
        return [ANON]
    return [u for u in users if u.role in rule.roles]


def _schema_of(spec: dict[str, Any], op: dict[str, Any], status: int, media: str) -> Any:
    response = op["responses"].get(str(status))
    if response is None:
        return None
    content = response.get("content", {})
    entry = content.get(media) or content.get(media.split(";", maxsplit=1)[0].strip())
    return None if entry is None else entry["schema"]


def _errors(spec: dict[str, Any], schema: dict[str, Any], body: Any) -> list[str]:
    """Where ``body`` breaks ``schema`` (its ``$ref``s into the document's components)."""
    validator = Draft202012Validator({**schema, "components": spec["components"]})
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message[:160]}"
        for e in validator.iter_errors(body)
    ][:3]


def test_every_success_body_conforms_to_its_schema(client: Any, db: Session) -> None:
    cities: Cities = sample_cities(db)
    make_user(db, cities, "login-target", "warga")
    spec = client.get("/openapi.json").json()
    users = users_per_role(db, cities, via="token")
    checked, wrong = [], []
    for method, path, op in operations(spec):
        if op["x-permission"] == "auth.logout":
            continue
        for user in _allowed_users(op["x-permission"], users):
            response = call(client, method, path, op, cities, user)
            if not 200 <= response.status_code < 300 or response.status_code == 204:
                continue
            media = response.headers["content-type"]
            schema = _schema_of(spec, op, response.status_code, media)
            if schema is None:
                wrong.append((method, path, response.status_code, f"undocumented {media}"))
            elif "json" in media and (errors := _errors(spec, schema, response.json())):
                wrong.append((method, path, response.status_code, errors))
            checked.append((method, path))
            break
    assert wrong == []
    # most operations answer 2xx to a minimal call; the writes that need a prepared object
    # (editor versions, workflow steps, stored permit checks) are walked by their own tests
    assert len(set(checked)) >= 45, sorted(set(checked))


def test_answers_with_content_conform_too(client: Any, db: Session) -> None:
    """The sample city's minimal calls find no trip; a grid city with two crossing routes
    gives itineraries with walk and ride legs, routes near a point and stored schools."""
    grid = build_grid_city(db, "ujicoba", routes=[EAST, NORTH], schools=SCHOOLS)
    spec = client.get("/openapi.json").json()

    def pt(col: float, row: float) -> str:
        return ",".join(map(str, grid.lonlat(col, row)))

    def q(col: float, row: float) -> str:
        lon, lat = grid.lonlat(col, row)
        return f"lon={lon}&lat={lat}"

    urls = {
        "/cities/{city}/trips": f"trips?from={pt(2, 10.2)}&to={pt(15.2, 19)}&max_walk_m=600"
        "&depart=2026-03-02T07:30:00",
        "/cities/{city}/routes/near": f"routes/near?{q(14, 10.5)}&radius_m=400",
        "/cities/{city}/schools/nearest": f"schools/nearest?{q(3, 10)}",
        "/cities/{city}/transfers/alternatives": f"transfers/alternatives?{q(3, 10)}&level=SD",
    }
    for path, url in urls.items():
        response = client.get(f"/cities/ujicoba/{url}")
        assert response.status_code == 200, (url, response.text)
        body = response.json()
        assert body.get("itineraries", body.get("features", body.get("alternatives"))), url
        schema = spec["paths"][path]["get"]["responses"]["200"]["content"]
        media = response.headers["content-type"]
        assert _errors(spec, schema[media]["schema"], body) == [], path


def test_a_stored_permit_check_conforms(client: Any, db: Session) -> None:
    """The stored check of a permit application (its versions too) and the draft check of a
    parcel crossing a permitted one: bodies the minimal calls above cannot reach."""
    pc = insert_permit_city(db)
    spec = client.get("/openapi.json").json()
    staff = _staff(db, pc, "staf_dpmptsp", Grant("opd_staff", opd="DPMPTSP"))
    rid = _submit(client, CROSSING)["id"]
    base = f"/cities/{pc.city.slug}/permits"
    client.cookies.clear()
    rerun = client.post(f"{base}/{rid}/check", headers=staff.headers(unsafe=True))
    client.cookies.clear()
    stored = client.get(f"{base}/{rid}/check", headers=staff.headers())
    client.cookies.clear()
    draft = client.post(f"{base}/check", json=_draft())
    answers = [("post", "/check", rerun, 201), ("get", "/check", stored, 200)]
    answers.append(("post", "", draft, 200))
    for method, tail, response, status in answers:
        assert response.status_code == status, response.text
        body = response.json()
        assert body["checks"], body  # each check with figures and its GeoJSON
        path = "/cities/{city}/permits" + ("/{request_id}" if tail else "") + "/check"
        content = spec["paths"][path][method]["responses"][str(status)]["content"]
        assert _errors(spec, content["application/json"]["schema"], body) == [], path
