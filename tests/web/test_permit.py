"""Izin (a permit application) in chromium: an applicant draws a parcel that crosses a rice
field and two zones of the demo city with Leaflet-Geoman, sees the explained draft check on
the map (zones by ITBX verdict, the protected rice field outlined), prints the draft sheet and
submits; DPMPTSP staff see the stored check, run it again (version 2) and approve; the parcel
is in the parcels layer and its tile at once. On a phone too; hostile names stay text."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from pyproj import Transformer
from shapely.geometry import Point, Polygon, box, mapping, shape
from shapely.ops import unary_union
from sqlalchemy import text

from geo.accounts import Grant, create_user, upsert_opd
from geo.cities import get_city
from geo.requests.types import TYPES
from geo.store.db import make_engine, session_scope
from tests.conftest import LiveServer
from tests.web.conftest import api, go_to, open_map, wait_until
from tests.web.hostile import IMG, SCRIPT
from tests.web.test_ajukan import PHONE
from tests.web.test_kelola import PASSWORD, login, new_page, ready, timeline

pytestmark = [pytest.mark.browser, pytest.mark.postgis, pytest.mark.slow]
DESKTOP = {"width": 1280, "height": 860}
STAFF = "dpmptsp.izin"
ZOOM = 18
HALF_M = 22.0  # the parcel: a square of 44 m
DOCS = Path(__file__).resolve().parents[2] / "docs" / "img"


@dataclass(frozen=True)
class Target:
    """A square parcel crossing a rice field and two zones: its corners (lon, lat) and the
    zone codes and sawah it touches."""

    corners: list[tuple[float, float]]
    zones: set[str]
    centre: tuple[float, float]


def take_step(page: Any, code: str, transition: str, *, public_note: str | None = None) -> None:
    """Take a step in the open detail; wait until the detail's re-read shows it (the session
    commits before the answer is sent: api/deps.py)."""
    before = len(timeline(page))
    page.click(f"#detail .actions button[data-transition={transition}]")
    page.wait_for_selector(f"#step-form[data-transition={transition}]")
    if public_note:
        page.fill("#step-public_note", public_note)
    page.click("#step-save")
    page.wait_for_selector("#detail-notice.ok", timeout=15_000)
    page.wait_for_function(
        f"document.querySelectorAll('#timeline li').length === {before + 1}", timeout=15_000
    )
    assert page.locator(f'#requests-body tr[data-code="{code}"]').count() == 1


def _items(server: LiveServer, collection: str) -> list[dict[str, Any]]:
    features: list[dict[str, Any]] = []
    offset = 0
    while True:
        page = api(
            server, f"/cities/tangerang/collections/{collection}/items?limit=500&offset={offset}"
        )
        features += page["features"]
        if len(page["features"]) < 500:
            return features
        offset += 500


def _square(lon: float, lat: float, half_m: float) -> Polygon:
    dlat = half_m / 111_320
    dlon = half_m / (111_320 * math.cos(math.radians(lat)))
    return box(lon - dlon, lat - dlat, lon + dlon, lat + dlat)


def find_target(server: LiveServer) -> Target:
    """Where the demo zoning lets a 44 m square cross a sawah (partly in it) and two zones,
    clear of permitted parcels."""
    zones = [(f["properties"]["code"], shape(f["geometry"])) for f in _items(server, "zoning")]
    sawah = [
        shape(f["geometry"])
        for f in _items(server, "protected_areas")
        if f["properties"].get("kind") == "sawah"
    ]
    parcels = unary_union([shape(f["geometry"]) for f in _items(server, "parcels")] or [Polygon()])
    assert zones, "the demo city has no zoning"
    assert sawah, "the demo city has no protected rice fields"
    fallback = None
    for field in sawah:
        touching = [(c, z) for c, z in zones if z.intersects(field)]
        for i, (_code_a, a) in enumerate(touching):
            for _code_b, b in touching[i + 1 :]:
                edge = a.boundary.intersection(b.boundary).intersection(field.buffer(0.0004))
                if edge.is_empty or edge.length == 0:
                    continue
                for step in range(1, 20):
                    p = edge.interpolate(step / 20, normalized=True)
                    square = _square(p.x, p.y, HALF_M)
                    hit = {c for c, z in zones if z.intersection(square).area > 0.02 * square.area}
                    in_field = square.intersection(field).area / square.area
                    if len(hit) < 2 or in_field < 0.05 or square.intersects(parcels):
                        continue
                    xs, ys = square.exterior.coords.xy
                    found = Target(list(zip(xs, ys, strict=True))[:4], hit, (p.x, p.y))
                    if in_field < 0.85:  # partly in the rice field: its edge shows on the map
                        return found
                    fallback = fallback or found
    assert fallback is not None, "no spot crosses a rice field and two zones"
    return fallback


def _px(lon: float, lat: float, zoom: float) -> tuple[float, float]:
    size = 256 * 2**zoom
    x = (lon + 180) / 360 * size
    s = math.sin(math.radians(lat))
    y = (0.5 - math.log((1 + s) / (1 - s)) / (4 * math.pi)) * size
    return x, y


def _lonlat(x: float, y: float, zoom: float) -> tuple[float, float]:
    size = 256 * 2**zoom
    lon = x / size * 360 - 180
    lat = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * y / size))))
    return lon, lat


def view_with_parcel_at(
    page: Any, target: Target, at: tuple[float, float]
) -> list[tuple[float, float]]:
    """Move the map so the parcel's centre lands at the map pixel ``at``; the corners' pixels
    (page coordinates)."""
    frame = page.locator("#map").bounding_box()
    cx, cy = _px(*target.centre, ZOOM)
    centre = _lonlat(cx - (at[0] - frame["width"] / 2), cy - (at[1] - frame["height"] / 2), ZOOM)
    go_to(page, centre[0], centre[1], ZOOM)
    mx, my = _px(round(centre[0], 6), round(centre[1], 6), ZOOM)
    out = []
    for lon, lat in target.corners:
        x, y = _px(lon, lat, ZOOM)
        out.append(
            (frame["x"] + frame["width"] / 2 + x - mx, frame["y"] + frame["height"] / 2 + y - my)
        )
    return out


def draw_and_check(page: Any, server: LiveServer, target: Target, at: tuple[float, float]) -> None:
    """Open Ajukan → Izin, draw the square with Geoman, fill the plan and run the check."""
    open_map(page, server)
    page.click("#ajukan-open")
    page.click(".service-card [data-service=izin]", timeout=10_000)
    page.wait_for_selector("#izin-draw", timeout=10_000)
    corners = view_with_parcel_at(page, target, at)
    page.click("#izin-draw")
    wait_until(page, "document.body.dataset.izinMode === 'draw'")
    for x, y in corners:
        page.mouse.click(x, y)
        page.wait_for_timeout(150)
    page.mouse.click(*corners[0])  # the first vertex again closes the ring
    wait_until(page, "document.body.dataset.izinParcel === 'done'", timeout_s=15)
    assert page.locator("path.izin-parcel").count() == 1
    measured = page.locator("#izin-measured").inner_text()
    assert "m²" in measured, measured
    assert "4 titik" in measured, measured
    options = page.locator("#izin-use option").evaluate_all(
        "os => os.map(o => o.value).filter(Boolean)"
    )
    assert len(options) >= 5
    page.select_option("#izin-use", options[0])
    page.fill("#izin-floors", "3")
    page.fill("#izin-footprint_m2", "1500")
    page.fill("#izin-green_m2", "100")
    page.click("#izin-check")
    wait_until(page, "document.body.dataset.izinCheck === 'done'", timeout_s=20)


def assert_explained(page: Any, target: Target) -> None:
    """The check on the map and in words: zones by ITBX, the rice field outlined, chips."""
    report = page.locator("#izin-report")
    assert report.get_attribute("data-verdict") == "tidak_lolos"  # sawah is protected
    assert page.locator("#izin-report .izin-summary").inner_text().strip()
    assert "Indikatif, bukan KKPR/KRK" in report.inner_text()
    sawah = page.locator('#izin-report .izin-check[data-check="protected_sawah"]')
    assert sawah.get_attribute("data-verdict") == "tidak_lolos"
    assert "m²" in sawah.inner_text()
    assert "%" in sawah.inner_text()
    zoning = page.locator('#izin-report .izin-check[data-check="zoning"]')
    text_ = zoning.inner_text()
    assert sum(code in text_ for code in target.zones) >= 2, text_
    for chip in page.locator("#izin-report .izin-chip").all():
        assert chip.get_attribute("data-verdict") in {"lolos", "perlu_kajian", "tidak_lolos"}
    # on the map: two or more zone pieces coloured by their verdict, the sawah outlined
    pieces = page.locator("path.izin-zone")
    assert pieces.count() >= 2
    colours = {p.get_attribute("fill") for p in pieces.all()}
    assert colours <= {"#2e9e4f", "#e0a100", "#d62828", "#7a7a7a"}, colours
    outline = page.locator("path.izin-protected_sawah").first
    assert outline.get_attribute("stroke-dasharray")
    assert page.locator("path.izin-parcel-outline").count() == 1


def test_an_applicant_draws_checks_submits_and_dpmptsp_approves(
    browser: Any, demo_server: LiveServer, tmp_path: Path, artifacts: Path
) -> None:
    server = demo_server
    engine = make_engine(server.db_url, pool_size=1)
    try:
        with session_scope(engine) as session:
            city_id = get_city(session, "tangerang").id
            upsert_opd(session, city_id, "DPMPTSP", "Dinas Penanaman Modal dan PTSP")
            if (
                session.execute(
                    text("SELECT 1 FROM app_user WHERE username = :u"), {"u": STAFF}
                ).first()
                is None
            ):
                create_user(
                    session,
                    city_id=city_id,
                    username=STAFF,
                    display_name=f"Dewi {IMG}",
                    password=PASSWORD,
                    grants=[Grant("opd_staff", opd="DPMPTSP")],
                )
    finally:
        engine.dispose()
    target = find_target(server)
    page = new_page(browser, DESKTOP)
    # the map's free strip left of the Ajukan panel
    draw_and_check(
        page, server, target, at=(DESKTOP["width"] / 2 - 210, DESKTOP["height"] / 2 - 40)
    )
    assert_explained(page, target)
    page.screenshot(path=str(DOCS / "izin.png"))
    # the draft sheet prints the map, the summary and the label, nothing of the panel
    page.click("#izin-print")
    assert page.locator("body.izin-print").count() == 1 or page.locator("#izin-sheet").count() == 1
    page.evaluate("document.body.classList.add('izin-print')")
    page.emulate_media(media="print")
    assert page.locator("#izin-sheet").is_visible()
    assert page.locator("#ajukan").is_hidden()
    assert page.locator("#map").is_visible()
    assert "Indikatif, bukan KKPR/KRK" in page.locator("#izin-sheet").inner_text()
    page.screenshot(path=str(artifacts / "izin-print.png"), full_page=True)
    page.emulate_media(media="screen")
    page.evaluate("window.dispatchEvent(new Event('afterprint'))")

    # on: the project and the applicant, the documents, the code
    title = f"Ruko {IMG} {SCRIPT}"
    page.click("#ajukan-place-next")
    page.wait_for_selector("#f-attrs-title", timeout=10_000)
    page.fill("#f-attrs-title", title)
    page.fill("#f-contact-name", "Budi Pemohon")
    page.fill("#f-contact-nik", "3671010101010001")
    page.fill("#f-contact-phone", "081234567890")
    page.fill("#f-contact-email", "budi@example.org")
    page.fill("#f-contact-address", "Jl. Uji No. 1")
    page.click("#ajukan-form-next")
    page.wait_for_selector("#ajukan-send", timeout=10_000)
    for slot in page.locator(".field.doc").evaluate_all("els => els.map(e => e.dataset.slot)"):
        path = tmp_path / f"{slot}.pdf"
        path.write_bytes(b"%PDF-1.4\n% " + slot.encode() + b"\n%%EOF\n")
        page.set_input_files(f"#doc-{slot}", str(path))
    page.click("#ajukan-send")
    page.wait_for_selector("#ajukan-code", timeout=20_000)
    code = page.locator("#ajukan-code").inner_text().strip()
    assert code.startswith("IZN"), code
    assert page.evaluate("document.title") != "XSS-FIRED"
    assert page.evaluate("window.__xss") is None
    assert not page.errors, page.errors

    # the parcels layer and a tile over the parcel before the approval
    lon, lat = target.centre
    z = 16
    tx = int((lon + 180) / 360 * 2**z)
    ty = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * 2**z)
    tile_url = (
        f"{server.url}/cities/tangerang/collections/parcels/tiles/WebMercatorQuad/{z}/{tx}/{ty}"
    )
    before = httpx.get(tile_url, timeout=30)
    bbox = ",".join(f"{v:.6f}" for v in _square(lon, lat, 80).bounds)
    items = f"/cities/tangerang/collections/parcels/items?bbox={bbox}"
    assert code not in {f["properties"].get("code") for f in api(server, items)["features"]}

    # DPMPTSP: the stored check on the detail's map, checked again, approved
    staff = new_page(browser, DESKTOP)
    login(staff, server, STAFF)
    staff.fill("#f-q", code)
    staff.press("#f-q", "Enter")
    ready(staff)
    staff.locator(f'#requests-body tr[data-code="{code}"]').click(timeout=15_000)
    staff.wait_for_selector("#permit-panel[data-state=done]", timeout=20_000)
    assert staff.locator("#permit-panel").get_attribute("data-version") == "1"
    assert title in staff.locator("#detail-title").inner_text()  # the hostile title as text
    assert staff.locator("#detail path.izin-zone").count() >= 2
    assert staff.locator("#detail path.izin-protected_sawah").count() >= 1
    assert (
        staff.locator('#permit-report .izin-check[data-check="protected_sawah"]').get_attribute(
            "data-verdict"
        )
        == "tidak_lolos"
    )
    staff.locator("#permit-panel").scroll_into_view_if_needed()
    staff.screenshot(path=str(artifacts / "izin-kelola.png"))
    staff.click("#permit-recheck")
    staff.wait_for_selector('#permit-panel[data-state=done][data-version="2"]', timeout=20_000)
    assert "versi 2" in staff.locator("#permit-notice").inner_text()
    wf = TYPES["izin"].workflow

    def step(source: str, target: str) -> str:
        return next(t.name for t in wf.transitions if t.target == target and source in t.sources)

    take_step(staff, code, step("diajukan", "pemeriksaan"))
    take_step(staff, code, step("pemeriksaan", "disetujui"), public_note="Disetujui, tata air.")
    assert staff.evaluate("window.__xss") is None
    assert not staff.errors, staff.errors

    # the parcel is a permitted parcel at once: in the items and in its tile, whose ETag changed
    found = [f for f in api(server, items)["features"] if f["properties"].get("code") == code]
    assert len(found) == 1
    assert found[0]["properties"]["name"] == title
    after = httpx.get(tile_url, timeout=30)
    assert after.status_code == 200
    assert code.encode() in after.content
    assert before.headers.get("etag") != after.headers.get("etag")
    staff.context.close()
    page.context.close()


def test_the_parcel_is_drawn_and_checked_on_a_phone(
    browser: Any, demo_server: LiveServer, artifacts: Path
) -> None:
    target = find_target(demo_server)
    page = new_page(browser, PHONE)
    # the upper half of the map: the place step is a bottom sheet
    draw_and_check(page, demo_server, target, at=(PHONE["width"] / 2, PHONE["height"] / 4))
    assert_explained(page, target)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    for sel in (
        "#izin-draw",
        "#izin-edit",
        "#izin-remove",
        "#izin-check",
        "#izin-print",
        "#ajukan-place-next",
    ):
        b = page.locator(sel).bounding_box()
        assert b["height"] >= 44, (sel, b)
    page.locator("#izin-report").scroll_into_view_if_needed()
    page.screenshot(path=str(DOCS / "izin-phone.png"))
    # dragging a vertex re-measures the parcel and marks the check stale
    page.click("#izin-edit")
    wait_until(page, "document.body.dataset.izinMode === 'edit'")
    handle = page.locator(".leaflet-marker-pane .marker-icon:not(.marker-icon-middle)").first
    spot = handle.bounding_box()
    x, y = spot["x"] + spot["width"] / 2, spot["y"] + spot["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x - 8, y - 8, steps=4)
    page.mouse.up()
    wait_until(page, "document.body.dataset.izinParcel === 'done'", timeout_s=15)
    wait_until(page, "document.getElementById('izin-check-status').textContent.includes('berubah')")
    page.click("#izin-edit")
    wait_until(page, "document.body.dataset.izinMode === 'idle'")
    assert not page.errors, page.errors
    page.context.close()


def test_an_uploaded_parcel_is_shown_and_a_bowtie_says_where(
    browser: Any, demo_server: LiveServer, tmp_path: Path
) -> None:
    target = find_target(demo_server)
    lon, lat = target.centre
    square = _square(lon + 0.002, lat, 15)
    good = tmp_path / f"persil {IMG}.geojson"
    good.write_text(
        json.dumps({"type": "Feature", "properties": {"name": SCRIPT}, "geometry": mapping(square)})
    )
    x0, y0, x1, y1 = square.bounds
    bowtie = tmp_path / "bowtie.geojson"
    bowtie.write_text(
        json.dumps(
            {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y1], [x1, y0], [x0, y1], [x0, y0]]]}
        )
    )
    page = new_page(browser, DESKTOP)
    open_map(page, demo_server)
    page.click("#ajukan-open")
    page.click(".service-card [data-service=izin]", timeout=10_000)
    page.wait_for_selector("#izin-file", timeout=10_000)
    page.set_input_files("#izin-file", str(good))
    wait_until(page, "document.body.dataset.izinParcel === 'done'", timeout_s=15)
    assert page.locator("path.izin-parcel").count() == 1
    measured = page.locator("#izin-measured").inner_text()
    assert "4 titik" in measured, measured
    assert "GEOJSON" in page.locator("#izin-source").inner_text()
    utm = Transformer.from_crs("EPSG:4326", "EPSG:32748", always_xy=True).transform
    expected = Polygon(
        [utm(x, y) for x, y in square.exterior.coords]
    ).area  # independently, UTM 48S
    assert abs(int(page.locator("#izin-declared_area_m2").input_value()) - expected) <= 1
    # a bowtie: refused with where it crosses itself, marked on the map; nothing kept
    page.set_input_files("#izin-file", str(bowtie))
    wait_until(page, "document.body.dataset.izinParcel === 'error'", timeout_s=15)
    assert page.locator("#izin-parcel-error").inner_text().strip()
    assert page.locator("path.izin-problem").count() == 1
    assert page.locator("path.izin-parcel").count() == 0
    assert page.evaluate("window.__xss") is None
    # the bowtie's 422 is the answer this test provokes (chromium logs it)
    assert [e for e in page.errors if "status of 422" not in e] == []
    page.context.close()


def test_a_warga_sees_the_stored_check_under_my_requests(
    browser: Any, demo_server: LiveServer
) -> None:
    """A logged-in warga who applied finds the application under "Pengajuan saya" and opens
    its stored pre-check there (GET /me/requests/{code}/permit-check), explained as text."""
    from tests.geo.permit_sample import application, documents
    from tests.geo.test_permit_check import utm_area
    from tests.web.test_ajukan import _open_ajukan

    server = demo_server
    username = "warga.izin"
    engine = make_engine(server.db_url, pool_size=1)
    try:
        with session_scope(engine) as session:
            exists = session.execute(
                text("SELECT 1 FROM app_user WHERE username = :u"), {"u": username}
            ).first()
            if exists is None:
                create_user(
                    session,
                    city_id=get_city(session, "tangerang").id,
                    username=username,
                    display_name="Warga Pemohon",
                    password=PASSWORD,
                    grants=[Grant("warga")],
                )
    finally:
        engine.dispose()
    target = find_target(server)
    parcel = _square(*target.centre, HALF_M)
    page = new_page(browser, PHONE)
    login_answer = page.request.post(
        f"{server.url}/auth/login",
        data={"username": username, "password": PASSWORD, "city": "tangerang"},
    )
    assert login_answer.status == 200, login_answer.text()
    csrf = login_answer.json()["csrf_token"]
    files = {
        slot: {"name": f"{slot}.pdf", "mimeType": "application/pdf", "buffer": data}
        for slot, data in documents().items()
    }
    sent = page.request.post(
        f"{server.url}/cities/tangerang/requests",
        multipart={"request": json.dumps(application(parcel, round(utm_area(parcel)))), **files},
        headers={"X-CSRF-Token": csrf},
    )
    assert sent.status == 201, sent.text()
    code = sent.json()["code"]
    _open_ajukan(page, server, *target.centre)
    button = f"#my-requests [data-code='{code}'] button"
    page.wait_for_selector(button, timeout=15_000)
    page.click(button)
    report = page.locator(f"#my-requests [data-code='{code}'] .izin-report")
    report.wait_for(timeout=15_000)
    assert report.get_attribute("data-verdict") in {"lolos", "tidak_lolos", "perlu_kajian"}
    text_shown = page.locator(f"#my-requests [data-code='{code}'] .my-permit-check").inner_text()
    assert "Pemeriksaan ke-1" in text_shown
    assert "Indikatif" in text_shown
    assert not page.errors, page.errors
    page.context.close()


SNAP_PX = 18  # web/js/izin/draw.js: Geoman's snapDistance
NEAR_PX = 5.0  # how far from the parcel's corner the applicant clicks
SIDE_PX = 45.0  # the drawn square's side, away from the parcel


def _rotated(u: tuple[float, float], degrees: float) -> tuple[float, float]:
    a = math.radians(degrees)
    return (u[0] * math.cos(a) - u[1] * math.sin(a), u[0] * math.sin(a) + u[1] * math.cos(a))


def find_free_corner(
    server: LiveServer,
) -> tuple[tuple[float, float], list[tuple[float, float]]]:
    """A permitted parcel's corner (lon, lat) with room outside it: the corner and the four
    clicks (map pixels at ZOOM, the first NEAR_PX from the corner) of a square drawn from it
    away from the parcel, whose other three clicks are far beyond snapping of any parcel."""
    parcels = [shape(f["geometry"]) for f in _items(server, "parcels")]
    assert parcels, "the demo city has no permitted parcels"
    pixel_edges = unary_union(
        [
            Polygon([_px(x, y, ZOOM) for x, y in part.exterior.coords]).boundary
            for parcel in parcels
            for part in getattr(parcel, "geoms", [parcel])
        ]
    )
    for parcel in parcels:
        for part in getattr(parcel, "geoms", [parcel]):
            ring = Polygon([_px(x, y, ZOOM) for x, y in part.exterior.coords])
            inside = ring.centroid
            for lon, lat in list(part.exterior.coords)[:-1]:
                cx, cy = _px(lon, lat, ZOOM)
                dx, dy = cx - inside.x, cy - inside.y
                norm = math.hypot(dx, dy)
                u = (dx / norm, dy / norm)  # outward, along the corner's bisector for a box
                left, right = _rotated(u, 45), _rotated(u, -45)
                clicks = [
                    (cx + NEAR_PX * u[0], cy + NEAR_PX * u[1]),
                    (cx + SIDE_PX * left[0], cy + SIDE_PX * left[1]),
                    (cx + SIDE_PX * math.sqrt(2) * u[0], cy + SIDE_PX * math.sqrt(2) * u[1]),
                    (cx + SIDE_PX * right[0], cy + SIDE_PX * right[1]),
                ]
                near = Point(clicks[0])
                # the first click's nearest parcel point is this corner, the others snap nowhere
                if near.distance(pixel_edges) < NEAR_PX - 0.5 or ring.contains(near):
                    continue
                if all(Point(c).distance(pixel_edges) > 2 * SNAP_PX for c in clicks[1:]):
                    return (lon, lat), clicks
    raise AssertionError("no parcel corner has room for a square drawn beside it")


def test_a_vertex_drawn_near_a_parcel_corner_snaps_onto_it(
    browser: Any, demo_server: LiveServer
) -> None:
    """#15 §1: the permitted parcels near the view are Geoman snap targets; a vertex clicked a
    few pixels from a parcel's corner is stored on the corner itself, the others where clicked."""
    corner, clicks = find_free_corner(demo_server)
    page = new_page(browser, DESKTOP)
    open_map(page, demo_server)
    page.click("#ajukan-open")
    page.click(".service-card [data-service=izin]", timeout=10_000)
    page.wait_for_selector("#izin-draw", timeout=10_000)
    # the corner at a spot of the map's free strip left of the Ajukan panel
    frame = page.locator("#map").bounding_box()
    at = (DESKTOP["width"] / 2 - 210, DESKTOP["height"] / 2 - 40)
    cx, cy = _px(*corner, ZOOM)
    centre = _lonlat(cx - (at[0] - frame["width"] / 2), cy - (at[1] - frame["height"] / 2), ZOOM)
    go_to(page, centre[0], centre[1], ZOOM)
    mx, my = _px(round(centre[0], 6), round(centre[1], 6), ZOOM)

    def click(x: float, y: float) -> tuple[float, float]:
        """Click the map pixel nearest (x, y) (chromium clicks whole page pixels): where."""
        left, top = frame["x"] + frame["width"] / 2 - mx, frame["y"] + frame["height"] / 2 - my
        px, py = round(left + x), round(top + y)
        page.mouse.click(px, py)
        return px - left, py - top

    # the parcels of the view are loaded as snap targets (all of them: fewer than the limit)
    wait_until(page, "Number(document.body.dataset.izinSnap) > 0", timeout_s=15)
    assert int(page.evaluate("document.body.dataset.izinSnap")) < 500
    assert page.locator("path.izin-snap").count() > 0
    page.click("#izin-draw")
    wait_until(page, "document.body.dataset.izinMode === 'draw'")
    clicked = []
    for x, y in clicks:
        clicked.append(click(x, y))
        page.wait_for_timeout(150)
    with page.expect_request(
        lambda r: r.method == "POST" and r.url.endswith("/permits/parcel"), timeout=15_000
    ) as sent:
        click(cx, cy)  # the first vertex (on the corner) closes the ring
    wait_until(page, "document.body.dataset.izinParcel === 'done'", timeout_s=15)
    ring = json.loads(sent.value.post_data or "{}")["geometry"]["coordinates"][0][0]
    assert len(ring) == 5, ring
    assert ring[0] == ring[-1]
    stored = [tuple(p) for p in ring[:-1]]
    # the vertex clicked NEAR_PX from the corner is the corner (7 decimals: the client rounds)
    first = min(stored, key=lambda p: math.dist(p, corner))
    assert math.dist(first, corner) < 2e-7, (first, corner)
    assert math.dist(_px(*first, ZOOM), clicked[0]) > NEAR_PX - 1  # it moved onto the corner
    # the other three where they were clicked (within a pixel): nothing to snap to there
    for x, y in clicked[1:]:
        got = min(stored, key=lambda p: math.dist(_px(*p, ZOOM), (x, y)))
        assert math.dist(_px(*got, ZOOM), (x, y)) < 1.0, (got, (x, y))
    assert not page.errors, page.errors
    page.context.close()
