"""The route editor (/editor) in chromium against the real API (issue #13's acceptance): a Dishub
planner moves a route onto another street with snapping and saves a draft with a message;
citizens' trips still use the old route; the reviewer publishes; the next trip uses the new
line; the history shows both versions and their diff; restore works. A stale save names who
saved meanwhile; OPD staff and anonymous visitors get no editor; hostile names stay text; a
phone can do it too."""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from geo.accounts import Grant, create_token, create_user, upsert_opd
from geo.analysis import DemandKey, DemandRecorder, cell_index
from geo.analysis.trip_demand import city_today
from geo.cities import get_city
from geo.editing import ATTRIBUTES
from geo.store.db import make_engine, session_scope
from tests.conftest import LiveServer
from tests.web import hostile
from tests.web.conftest import csp_violations, wait_until, watch

pytestmark = [pytest.mark.browser, pytest.mark.postgis, pytest.mark.slow]
PASSWORD = "angkot-biru-lewat-gang-sempit-42"  # a test value only
DESKTOP = {"width": 1366, "height": 820}
PHONE = {"width": 390, "height": 844}
CITY = "/cities/tangerang"
SPAN = 4  # waypoints each side of the moved one that the planner removes (the street between)
USERS = (  # username, display name, grant: the demo city's roles
    ("perencana.editor", "Dewi Perencana", Grant("dishub")),
    ("peninjau.editor", "Rudi Peninjau", Grant("dishub_reviewer")),
    ("kesra.editor", "Sari Kesra", Grant("opd_staff", opd="KESRA")),
)


@dataclass(frozen=True)
class Scene:
    server: LiveServer
    tokens: dict[str, dict[str, str]]  # username -> Authorization header
    route_id: int
    k: int  # the waypoint the planner moves
    coords: list[list[float]]  # the route's published line
    target: tuple[float, float]  # a point on another street
    onward: tuple[float, float]  # further along the route, for the trip request
    spare_id: int  # another route, for the stale save


def _metres(a: tuple[float, float], b: tuple[float, float]) -> tuple[float, float]:
    k = 111_320.0
    return ((b[0] - a[0]) * k * math.cos(math.radians(a[1])), (b[1] - a[1]) * k)


def distance_to_line(point: tuple[float, float], coords: list[list[float]]) -> float:
    """Metres from ``point`` to the nearest piece of the line (local flat approximation)."""
    best = math.inf
    for a, b in itertools.pairwise(coords):
        ax, ay = _metres(point, (a[0], a[1]))
        bx, by = _metres(point, (b[0], b[1]))
        dx, dy = bx - ax, by - ay
        length2 = dx * dx + dy * dy
        f = 0.0 if length2 == 0 else max(0.0, min(1.0, -(ax * dx + ay * dy) / length2))
        best = min(best, math.hypot(ax + f * dx, ay + f * dy))
    return best


def _snap(server: LiveServer, headers: dict[str, str], waypoints: list[Any]) -> Any:
    response = httpx.post(
        f"{server.url}{CITY}/routes/snap",
        json={"waypoints": waypoints},
        headers=headers,
        timeout=30,
    )
    return response.json() if response.status_code == 200 else None


def _pick_move(server: LiveServer, headers: dict[str, str], session: Any, city_id: int) -> Any:
    """A route and a point on another street near its middle such that the road path from the
    waypoint SPAN before, through the point, to the waypoint SPAN after never doubles back."""
    routes = session.execute(
        text(
            "SELECT id, ST_AsGeoJSON(geom)::json -> 'coordinates' AS coords FROM angkot_route"
            " WHERE city_id = :c AND ST_NPoints(geom) >= 30 ORDER BY id LIMIT 12"
        ),
        {"c": city_id},
    ).all()
    for row in routes:
        coords = [list(c) for c in row.coords]
        k = len(coords) // 2
        candidates = session.execute(
            text(
                "SELECT ST_X(p) AS lon, ST_Y(p) AS lat FROM ("
                " SELECT ST_ClosestPoint(e.geom, v.p) AS p,"
                "  ST_Distance(e.geom::geography, v.p::geography) AS d"
                " FROM road_edge e, (SELECT ST_SetSRID(ST_MakePoint(:x, :y), 4326) AS p) v,"
                "  angkot_route r"
                " WHERE e.city_id = :c AND r.city_id = :c AND r.id = :r AND e.name IS NOT NULL"
                "  AND NOT e.oneway AND ST_DWithin(e.geom::geography, v.p::geography, 300)"
                "  AND NOT ST_DWithin(e.geom::geography, r.geom::geography, 90)"
                " ORDER BY d LIMIT 4) q"
            ),
            {"c": city_id, "r": row.id, "x": coords[k][0], "y": coords[k][1]},
        ).all()
        for cand in candidates:
            target = (float(cand.lon), float(cand.lat))
            path = _snap(server, headers, [coords[k - SPAN], list(target), coords[k + SPAN]])
            if path is None:
                continue
            line = path["geometry"]["coordinates"]
            seen = {(round(c[0], 6), round(c[1], 6)) for c in line}
            if len(seen) == len(line) and distance_to_line(target, line) < 5:
                return row.id, coords, k, target
    raise AssertionError("no route of the demo city can be moved onto a nearby street")


@pytest.fixture(scope="module")
def scene(demo_server: LiveServer) -> Scene:
    """The demo city's Dishub planner and reviewer and a KESRA officer, and the move to make."""
    engine = make_engine(demo_server.db_url, pool_size=1)
    try:
        with session_scope(engine) as session:
            city_id = get_city(session, "tangerang").id
            upsert_opd(session, city_id, "KESRA", "Bagian Kesejahteraan Rakyat")
            tokens = {}
            for username, name, grant in USERS:
                uid = session.execute(
                    text("SELECT id FROM app_user WHERE username = :u"), {"u": username}
                ).scalar()
                if uid is None:
                    uid = create_user(
                        session,
                        city_id=city_id,
                        username=username,
                        display_name=name,
                        password=PASSWORD,
                        grants=[grant],
                    )
                token = create_token(session, uid, name="editor-test")[1]
                tokens[username] = {"Authorization": f"Bearer {token}"}
        with session_scope(engine) as session:
            route_id, coords, k, target = _pick_move(
                demo_server, tokens["perencana.editor"], session, city_id
            )
            spare_id = session.execute(
                text("SELECT min(id) FROM angkot_route WHERE city_id = :c AND id <> :r"),
                {"c": city_id, "r": route_id},
            ).scalar_one()
    finally:
        engine.dispose()
    onward = tuple(coords[min(len(coords) - 1, k + 3 * SPAN)])
    return Scene(demo_server, tokens, route_id, k, coords, target, onward, spare_id)  # type: ignore[arg-type]


def new_page(browser: Any, viewport: dict[str, int]) -> Any:
    phone = viewport["width"] < 500
    context = browser.new_context(viewport=viewport, is_mobile=phone, has_touch=phone)
    page = watch(context.new_page())

    def on_console(msg: Any) -> None:
        # chromium logs refused fetches; 412 is the answer the stale save provokes
        if msg.type == "error" and not re.search(r"status of 412", msg.text):
            page.errors.append(f"console: {msg.text}")

    page.on("console", on_console)
    page.on("response", lambda r: r.status == 404 and page.errors.append(f"404 {r.url}"))
    return page


def login(page: Any, server: LiveServer, username: str) -> None:
    """Log in through /masuk?next=/editor and wait for the editor."""
    page.goto(f"{server.url}/masuk?next=%2Feditor")
    page.wait_for_selector("body[data-ready=true]", timeout=30_000)
    page.fill("#login-username", username)
    page.fill("#login-password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_url(f"{server.url}/editor", timeout=15_000)
    ready(page)


def ready(page: Any) -> None:
    page.wait_for_selector("body[data-ready=true]", timeout=30_000)
    wait_until(page, "document.body.dataset.busy === 'false'", 30)


def open_route(page: Any, route_id: int) -> None:
    page.fill("#route-q", "")
    item = page.locator(f'#route-list li[data-route-id="{route_id}"] button')
    item.wait_for(timeout=15_000)
    item.click()
    page.wait_for_selector(f'#route-list li.open[data-route-id="{route_id}"]')
    ready(page)


def open_pane(page: Any, pane: str) -> None:
    if not page.locator(f"#{pane}").evaluate("d => d.open"):
        page.click(f"#{pane} > summary")


def marker(page: Any, index: int) -> Any:
    return page.locator(f'.marker-icon[data-waypoint="{index}"]')


def centre(locator: Any) -> tuple[float, float]:
    box = locator.bounding_box()
    assert box is not None
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def _mercator(lon: float, lat: float) -> tuple[float, float]:
    return math.radians(lon), math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))


def screen_of(page: Any, known: list[tuple[int, list[float]]], point: tuple[float, float]) -> Any:
    """Where ``point`` is on the screen, from two waypoint markers of known place (Web Mercator
    is one scale in x and y)."""
    (ia, a), (ib, b) = known
    xa, ya = centre(marker(page, ia))
    xb, yb = centre(marker(page, ib))
    ma, mb, mp = _mercator(*a), _mercator(*b), _mercator(*point)
    scale = math.hypot(xb - xa, yb - ya) / math.hypot(mb[0] - ma[0], mb[1] - ma[1])
    return xa + scale * (mp[0] - ma[0]), ya - scale * (mp[1] - ma[1])


def near_routes(server: LiveServer, point: tuple[float, float]) -> set[int]:
    answer = httpx.get(
        f"{server.url}{CITY}/routes/near",
        params={"lon": point[0], "lat": point[1], "radius_m": 30},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    return {int(f["id"]) for f in answer.json()["features"]}


def rides_through(scene: Scene) -> bool:
    """Whether a citizen's trip from the new street onward rides the route past that street."""
    answer = httpx.get(
        f"{scene.server.url}{CITY}/trips",
        params={
            "from": f"{scene.target[0]},{scene.target[1]}",
            "to": "{},{}".format(*scene.onward),
        },
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    for itinerary in answer.json()["itineraries"]:
        for leg in itinerary["legs"]:
            if (
                leg["mode"] == "ride"
                and leg["route"]["id"] == scene.route_id
                and distance_to_line(scene.target, leg["geometry"]["coordinates"]) < 30
            ):
                return True
    return False


def api_get(scene: Scene, who: str, path: str) -> Any:
    answer = httpx.get(f"{scene.server.url}{CITY}{path}", headers=scene.tokens[who], timeout=30)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_a_planner_moves_a_route_and_the_reviewer_publishes_it(
    browser: Any, scene: Scene, artifacts: Path
) -> None:
    server = scene.server
    published = api_get(scene, "perencana.editor", f"/editor/routes/{scene.route_id}")
    old_version = published["properties"]["version"]
    assert distance_to_line(scene.target, published["geometry"]["coordinates"]) > 80
    page = new_page(browser, DESKTOP)
    login(page, server, "perencana.editor")
    assert page.locator("#account .account-name").inner_text() == "Dewi Perencana"
    assert page.locator("#route-list li").count() >= 10
    open_route(page, scene.route_id)
    assert page.locator("#a-code").input_value() == published["properties"]["code"]
    wait_until(page, "document.querySelectorAll('.arrowhead').length >= 3")  # the direction
    page.click("#edit-toggle")
    marker(page, scene.k).wait_for()
    assert page.locator("#snap-toggle").is_checked()
    # zoom in around the waypoint until its neighbours are well apart
    for _ in range(8):
        first, last = centre(marker(page, scene.k - SPAN)), centre(marker(page, scene.k + SPAN))
        if math.dist(first, last) > 380:
            break
        page.mouse.move(*centre(marker(page, scene.k)))
        page.mouse.wheel(0, -240)
        page.wait_for_timeout(500)
    # the street between: remove the waypoints beside the one to move (last first)
    for index in [*range(scene.k + SPAN - 1, scene.k, -1), *range(scene.k - 1, scene.k - SPAN, -1)]:
        marker(page, index).click(button="right")
        ready(page)
    moved = scene.k - SPAN + 1
    known = [(moved - 1, scene.coords[scene.k - SPAN]), (moved + 1, scene.coords[scene.k + SPAN])]
    start = centre(marker(page, moved))
    goal = screen_of(page, known, scene.target)
    page.mouse.move(*start)
    page.mouse.down()
    for step in range(1, 11):
        page.mouse.move(
            start[0] + (goal[0] - start[0]) * step / 10, start[1] + (goal[1] - start[1]) * step / 10
        )
    page.mouse.up()
    ready(page)
    wait_until(
        page, "/ 2 ruas mengikuti jalan/.test(document.querySelector('#line-info').textContent)"
    )
    assert "belum disimpan" in page.locator("#line-info").inner_text()
    # undo and redo the move
    page.click("#undo")
    ready(page)
    page.click("#redo")
    ready(page)
    message = "Lewat jalan sebelah: hindari pasar tumpah"
    page.fill("#save-message", message)
    page.click("#save-draft")
    page.wait_for_selector("#notice:not([hidden])", timeout=15_000)
    saved = re.search(r"Draf versi (\d+) tersimpan", page.locator("#notice").inner_text())
    assert saved, page.locator("#notice").inner_text()
    draft = int(saved.group(1))
    stored = api_get(scene, "perencana.editor", f"/editor/routes/{scene.route_id}/versions/{draft}")
    assert stored["properties"]["state"] == "draft"
    assert stored["properties"]["message"] == message
    assert distance_to_line(scene.target, stored["geometry"]["coordinates"]) < 30
    # citizens still ride the published route
    assert scene.route_id not in near_routes(server, scene.target)
    assert not rides_through(scene)
    assert page.errors == []
    page.context.close()

    # the reviewer publishes the draft
    page = new_page(browser, DESKTOP)
    login(page, server, "peninjau.editor")
    open_route(page, scene.route_id)
    open_pane(page, "p-history")
    page.click(f'#history li[data-version="{draft}"] button')
    page.wait_for_selector("#version-box:not([hidden]) #publish:not([hidden])")
    assert message in page.locator(f'#history li[data-version="{draft}"]').inner_text()
    assert "perencana.editor" in page.locator(f'#history li[data-version="{draft}"]').inner_text()
    page.click("#publish")
    page.wait_for_selector("#notice.ok", timeout=15_000)
    ready(page)
    assert page.locator("#notice").inner_text().startswith(f"Versi {draft} terbit")
    # the next trip request uses the new line
    for _ in range(50):
        if scene.route_id in near_routes(server, scene.target):
            break
        page.wait_for_timeout(100)
    assert scene.route_id in near_routes(server, scene.target)
    assert rides_through(scene)
    # the history: both versions, the diff drawn old dashed and new solid
    open_pane(page, "p-history")
    ready(page)
    states = dict(
        page.locator("#history li").evaluate_all(
            "els => els.map(e => [Number(e.dataset.version), e.dataset.state])"
        )
    )
    assert states[draft] == "published"
    assert states[old_version] == "superseded"
    page.click(f'#history li[data-version="{draft}"] button')
    page.wait_for_selector(f'#version-box[data-version="{draft}"]')
    ready(page)
    summary = page.locator("#diff-summary").inner_text()
    assert re.search(r"\+\d[\d,.]* k?m / −\d[\d,.]* k?m", summary), summary
    assert page.locator("path.diff-old").count() >= 1
    assert page.locator("path.diff-new").count() >= 1
    assert page.locator("path.diff-added").count() >= 1
    page.screenshot(path=str(artifacts / "editor.png"))
    # restore the old version: a new draft equal to it
    page.click(f'#history li[data-version="{old_version}"] button')
    page.wait_for_selector(f'#version-box[data-version="{old_version}"]')
    ready(page)
    page.click("#restore")
    page.wait_for_selector("#notice.ok", timeout=15_000)
    ready(page)
    restored = re.search(
        r"dipulihkan sebagai draf versi (\d+)", page.locator("#notice").inner_text()
    )
    assert restored, page.locator("#notice").inner_text()
    again = api_get(
        scene, "peninjau.editor", f"/editor/routes/{scene.route_id}/versions/{restored.group(1)}"
    )
    assert again["properties"]["state"] == "draft"
    assert len(again["geometry"]["coordinates"]) == len(published["geometry"]["coordinates"])
    for a, b in zip(
        again["geometry"]["coordinates"], published["geometry"]["coordinates"], strict=True
    ):
        assert math.dist(a, b) < 1e-7
    wait_until(
        page, f"!!document.querySelector('#history li[data-version=\"{restored.group(1)}\"]')"
    )
    assert page.errors == []
    assert csp_violations(page) == []
    page.context.close()


def test_a_stale_save_names_who_saved_and_keeps_the_edit(browser: Any, scene: Scene) -> None:
    server = scene.server
    page = new_page(browser, DESKTOP)
    login(page, server, "perencana.editor")
    open_route(page, scene.spare_id)
    # the reviewer saves the same route meanwhile (over HTTP, from the same version)
    answer = httpx.get(
        f"{server.url}{CITY}/editor/routes/{scene.spare_id}",
        headers=scene.tokens["peninjau.editor"],
        timeout=30,
    )
    feature = answer.json()
    props = {
        k: feature["properties"][k]
        for k in (
            "code",
            "name",
            "direction",
            "origin",
            "destination",
            "colour",
            "fare_idr",
            "headway_s",
            "speed_kmh",
            "active",
            "circular",
        )
    }
    saved = httpx.post(
        f"{server.url}{CITY}/editor/routes/{scene.spare_id}/versions",
        json={
            "geometry": feature["geometry"],
            "properties": {**props, "fare_idr": 5000},
            "message": "tarif baru",
        },
        headers={**scene.tokens["peninjau.editor"], "If-Match": answer.headers["etag"]},
        timeout=30,
    )
    assert saved.status_code == 201, saved.text
    page.fill("#a-headway", "12")
    page.fill("#save-message", "selang 12 menit")
    page.click("#save-draft")
    page.wait_for_selector("#notice.warn", timeout=15_000)
    said = page.locator("#notice").inner_text()
    assert said.startswith("Trayek ini disimpan lebih dulu oleh peninjau.editor"), said
    kept = re.search(r"draf versi (\d+)", said)
    assert kept, said
    version = api_get(
        scene, "perencana.editor", f"/editor/routes/{scene.spare_id}/versions/{kept.group(1)}"
    )
    assert version["properties"]["headway_s"] == 720
    assert version["properties"]["author"] == "perencana.editor"
    assert page.errors == []
    page.context.close()


def test_no_editor_for_opd_staff_or_anonymous_visitors(browser: Any, scene: Scene) -> None:
    server = scene.server
    page = new_page(browser, PHONE)
    page.goto(f"{server.url}/editor")
    page.wait_for_selector("body[data-ready=true][data-gate=login]")
    assert page.locator("#gate-login").get_attribute("href") == "/masuk?next=%2Feditor"
    assert not page.locator("#workspace").is_visible()
    login_page = f"{server.url}/masuk?next=%2Feditor"
    page.goto(login_page)
    page.wait_for_selector("body[data-ready=true]")
    page.fill("#login-username", "kesra.editor")
    page.fill("#login-password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_url(f"{server.url}/editor")
    page.wait_for_selector("body[data-ready=true][data-gate=role]")
    assert (
        page.locator("#gate-text")
        .inner_text()
        .startswith("Akun ini tidak punya akses ke editor rute")
    )
    assert not page.locator("#workspace").is_visible()
    assert not page.locator("#gate-login").is_visible()
    # and the API says the same
    csrf = page.context.request.get(f"{server.url}/auth/me").json()["csrf_token"]
    refused = page.context.request.get(
        f"{server.url}{CITY}/editor/routes", headers={"X-CSRF-Token": csrf}
    )
    assert refused.status == 403
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert page.errors == []
    page.context.close()


def test_hostile_route_names_are_shown_as_text(browser: Any, scene: Scene) -> None:
    server = scene.server
    base = api_get(scene, "perencana.editor", f"/editor/routes/{scene.spare_id}")
    body = {
        "geometry": base["geometry"],
        "properties": {
            **{
                k: base["properties"][k]
                for k in (
                    "direction",
                    "colour",
                    "fare_idr",
                    "headway_s",
                    "speed_kmh",
                    "active",
                    "circular",
                )
            },
            "code": hostile.ROUTE_CODE,
            "name": hostile.ROUTE_NAME,
            "origin": hostile.ORIGIN,
            "destination": hostile.DESTINATION,
        },
        "message": hostile.SVG,
    }
    made = httpx.post(
        f"{server.url}{CITY}/editor/routes",
        json=body,
        headers=scene.tokens["perencana.editor"],
        timeout=30,
    )
    assert made.status_code == 201, made.text
    route_id = made.json()["id"]
    page = new_page(browser, DESKTOP)
    login(page, server, "perencana.editor")
    page.fill("#route-q", "Trayek")
    item = page.locator(f'#route-list li[data-route-id="{route_id}"]')
    item.wait_for(timeout=15_000)
    assert hostile.ROUTE_NAME in item.inner_text()
    assert hostile.ROUTE_CODE in item.inner_text()
    item.locator("button").click()
    ready(page)
    assert page.locator("#a-name").input_value() == hostile.ROUTE_NAME
    assert page.locator("#a-origin").input_value() == hostile.ORIGIN
    open_pane(page, "p-history")
    page.wait_for_selector("#history li[data-version]")
    assert hostile.SVG in page.locator("#history").inner_text()
    assert page.evaluate("window.__xss") is None
    assert page.title() != "XSS-FIRED"
    assert (
        page.locator(
            "#route-list svg, #history svg, #route-list img, #history img, #route-list script"
        ).count()
        == 0
    )
    assert page.dialogs == []
    assert page.errors == []
    page.context.close()


def test_the_editor_on_a_phone(browser: Any, scene: Scene, artifacts: Path) -> None:
    server = scene.server
    page = new_page(browser, PHONE)
    login(page, server, "perencana.editor")
    # the map first, the panels folded under it except the routes list
    assert page.locator("#map").is_visible()
    assert page.locator("#p-routes").evaluate("d => d.open")
    assert not page.locator("#p-edit").evaluate("d => d.open")
    assert not page.locator("#p-history").evaluate("d => d.open")
    open_route(page, scene.route_id)
    assert page.locator("#p-edit").evaluate("d => d.open")
    assert not page.locator("#p-routes").evaluate("d => d.open")
    assert page.locator(".arrowhead").count() >= 1
    page.click("#edit-toggle")
    page.wait_for_selector(".marker-icon[data-waypoint]")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(artifacts / "editor-phone.png"))
    page.click("#lang-toggle")
    assert page.locator("#save-draft").inner_text() == "Save draft"
    page.click("#lang-toggle")
    assert page.errors == []
    page.context.close()


def test_a_new_route_from_clicks_and_the_other_direction(browser: Any, scene: Scene) -> None:
    server = scene.server
    page = new_page(browser, DESKTOP)
    login(page, server, "perencana.editor")
    open_route(page, scene.spare_id)
    spare = api_get(scene, "perencana.editor", f"/editor/routes/{scene.spare_id}")
    coords = spare["geometry"]["coordinates"]
    page.click("#edit-toggle")
    last = len(coords) - 1
    marker(page, last).wait_for()
    known = [(0, coords[0]), (last, coords[last])]
    spots = [screen_of(page, known, tuple(coords[i])) for i in (0, last // 2, last)]
    # "Rute baru": click points along the roads, snapping on
    page.click("#new-route")
    assert page.locator("#append-toggle").get_attribute("aria-pressed") == "true"
    for x, y in spots:
        page.mouse.click(x, y)
        ready(page)
    wait_until(
        page, "/ 2 ruas mengikuti jalan/.test(document.querySelector('#line-info').textContent)"
    )
    page.fill("#a-code", "UJI-01")
    page.fill("#a-name", "Trayek uji: dari klik")
    page.fill("#save-message", "rute baru dari tiga klik")
    page.click("#save-draft")
    page.wait_for_selector("#notice.ok, #notice.warn", timeout=15_000)
    assert page.locator("#notice").inner_text().startswith("Draf versi 1 tersimpan")
    made = list(api_get(scene, "perencana.editor", "/editor/routes?q=UJI-01")["routes"])
    assert [r["code"] for r in made] == ["UJI-01"]
    assert made[0]["published_version"] is None
    line = api_get(scene, "perencana.editor", f"/editor/routes/{made[0]['id']}")
    assert line["geometry"]["coordinates"][0] != line["geometry"]["coordinates"][-1]
    assert distance_to_line(tuple(coords[last // 2]), line["geometry"]["coordinates"]) < 30
    # "Balik arah": the other direction of this one, as a draft
    direction = page.locator("#a-direction").input_value()
    page.click("#reverse")
    page.wait_for_selector("#notice.ok", timeout=15_000)
    ready(page)
    assert page.locator("#notice").inner_text().startswith("Arah sebaliknya dibuat")
    assert page.locator("#a-direction").input_value() != direction
    assert page.locator("#route-list li.open").get_attribute("data-route-id") != str(made[0]["id"])
    assert page.errors == []
    page.context.close()


def test_unmet_demand_and_coverage_for_planners(browser: Any, scene: Scene) -> None:
    server = scene.server
    # a citizen searches the same trip six times and finds nothing (no walking allowed)
    origin, destination = scene.coords[0], scene.coords[-1]
    far = (origin[0] + 0.02, origin[1] + 0.02)
    for _ in range(6):
        answer = httpx.get(
            f"{server.url}{CITY}/trips",
            params={
                "from": "{},{}".format(*far),
                "to": "{},{}".format(*destination),
                "max_walk_m": 0,
            },
            timeout=30,
        )
        assert answer.status_code == 200, answer.text
        assert answer.json()["itineraries"] == []
    page = new_page(browser, DESKTOP)
    login(page, server, "perencana.editor")
    open_pane(page, "p-demand")
    page.wait_for_selector("#coverage-body tr")
    assert page.locator("#coverage-body tr").count() > 50
    assert page.locator("#coverage-city").inner_text().startswith("Kota: ")
    shares = page.locator("#coverage-body td.share").all_inner_texts()
    assert all(s.endswith("%") for s in shares)
    page.check("#demand-toggle")
    wait_until(
        page,
        "/^[1-9]\\d* garis keinginan/.test(document.querySelector('#demand-info').textContent)",
    )
    assert page.locator("path.demand-line").count() >= 1
    # a window before the searches shows none
    page.fill("#demand-from", "2020-01-01")
    page.locator("#demand-from").dispatch_event("change")
    wait_until(
        page, "document.querySelector('#demand-info').textContent.startsWith('Rentang tanggal')"
    )
    page.fill("#demand-to", "2020-01-31")
    page.locator("#demand-to").dispatch_event("change")
    wait_until(
        page, "/^0 garis keinginan/.test(document.querySelector('#demand-info').textContent)"
    )
    assert page.locator("path.demand-line").count() == 0
    assert page.errors == []
    page.context.close()


def test_held_back_demand_counts_read_under_five(browser: Any, scene: Scene) -> None:
    """A pair of 6 searches without a route and 2 with a long walk: the server holds both
    reasons back (null) and the map's tooltip says "<5" for each, never 0."""
    server = scene.server
    third = len(scene.coords) // 3
    a = (scene.coords[third][0], scene.coords[third][1] + 0.01)
    b = (scene.coords[2 * third][0], scene.coords[2 * third][1] + 0.01)
    engine = make_engine(server.db_url, pool_size=1)
    try:
        with session_scope(engine) as session:
            city = get_city(session, "tangerang")
            cells = [cell_index(city.utm_srid, *p) for p in (a, b)]
            recorder = DemandRecorder()
            for reason, n in (("no_itinerary", 6), ("long_walk", 2)):
                recorder.add(DemandKey(city.id, city_today(), *cells, reason), n)
            assert recorder.flush(session)
    finally:
        engine.dispose()
    page = new_page(browser, DESKTOP)
    login(page, server, "perencana.editor")
    open_pane(page, "p-demand")
    page.check("#demand-toggle")
    held = page.locator("path.demand-line[stroke='#7f8c8d']")
    held.first.wait_for(timeout=15_000)
    held.first.dispatch_event("mouseover")  # Leaflet opens the line's tooltip
    tip = page.locator(".leaflet-tooltip .demand-tip")
    tip.wait_for(timeout=10_000)
    assert tip.inner_text() == "8 pencarian · <5 tanpa rute · <5 jalan kaki jauh"
    assert page.errors == []
    page.context.close()


def test_the_reviewer_sends_a_draft_back_with_a_note(browser: Any, scene: Scene) -> None:
    server = scene.server
    planner = scene.tokens["perencana.editor"]
    answer = httpx.get(
        f"{server.url}{CITY}/editor/routes/{scene.spare_id}", headers=planner, timeout=30
    )
    feature = answer.json()
    props = {k: v for k, v in feature["properties"].items() if k in ATTRIBUTES}
    saved = httpx.post(
        f"{server.url}{CITY}/editor/routes/{scene.spare_id}/versions",
        json={
            "geometry": feature["geometry"],
            "properties": {**props, "speed_kmh": 25},
            "message": "lebih cepat",
        },
        headers={**planner, "If-Match": answer.headers["etag"]},
        timeout=30,
    )
    assert saved.status_code == 201, saved.text
    version = saved.json()["version"]
    page = new_page(browser, DESKTOP)
    login(page, server, "peninjau.editor")
    open_route(page, scene.spare_id)
    open_pane(page, "p-history")
    page.click(f'#history li[data-version="{version}"] button')
    page.wait_for_selector("#return-box:not([hidden])")
    note = "Kecepatan 25 km/jam terlalu tinggi di jam sibuk"
    page.fill("#return-note", note)
    page.click("#return")
    page.wait_for_selector("#notice.ok", timeout=15_000)
    ready(page)
    assert (
        page.locator("#notice").inner_text()
        == f"Versi {version} dikembalikan ke perencana dengan catatan."
    )
    item = page.locator(f'#history li[data-version="{version}"]')
    wait_until(
        page,
        f"document.querySelector('#history li[data-version=\"{version}\"]')?.dataset.state"
        " === 'returned'",
    )
    assert note in item.inner_text()
    back = api_get(scene, "perencana.editor", f"/editor/routes/{scene.spare_id}/versions/{version}")
    assert back["properties"]["state"] == "returned"
    assert back["properties"]["note"] == note
    assert page.errors == []
    page.context.close()
