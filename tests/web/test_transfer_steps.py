"""A school transfer through all its steps in the staff workspace (/kelola), in chromium: the
origin school's staff approve, the target school's accept, Dinas Pendidikan recommends, the
target school records the Dapodik update and the Dinas closes it; a third school sees none of it
(and the server refuses it); /lacak shows no personal data; an SMA target is turned away with the
province's address and nothing is written."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from sqlalchemy import text

from data.demo.transfers import demo_school_pair
from geo.accounts import Grant, create_token, create_user, upsert_opd
from geo.cities import get_city
from geo.requests.transfer import PROVINCE_OFFICE, TRANSFER_WORKFLOW, nearest_schools
from geo.store.db import make_engine, session_scope
from tests.conftest import LiveServer
from tests.geo.transfer_city import CHILD, NISN, documents, transfer_body
from tests.web.conftest import csp_violations, wait_until
from tests.web.test_kelola import DESKTOP, PASSWORD, PHONE, login, new_page, take_step, timeline

pytestmark = [pytest.mark.browser, pytest.mark.postgis, pytest.mark.slow]
SECRETS = (CHILD, NISN, "Jl. Rumah Rahasia", "Ibu Wali Rahasia", "0812 1111 2222")
# username, display name, which school (origin, target, other) or None for the Dinas
STAFF = (
    ("asal.pindah", "Bu Asal", "origin"),
    ("tujuan.pindah", "Pak Tujuan", "target"),
    ("lain.pindah", "Bu Lain", "other"),
    ("disdik.pindah", "Dedi Disdik", None),
)


@dataclass(frozen=True)
class Transfer:
    server: LiveServer
    id: int
    code: str
    tokens: dict[str, dict[str, str]]
    sma: str  # the NPSN of an SMA of the city
    home: tuple[float, float]
    origin: str
    target_name: str


def _post(server: LiveServer, body: dict[str, Any]) -> httpx.Response:
    files = [(slot, (name, content, "application/pdf")) for slot, name, content in documents()]
    return httpx.post(
        f"{server.url}/cities/tangerang/requests",
        data={"request": orjson.dumps(body).decode()},
        files=files,
        timeout=60,
    )


@pytest.fixture(scope="module")
def transfer(demo_server: LiveServer) -> Transfer:
    """The two demo schools' staff, a third school's and the Dinas; a parent's transfer from
    the origin to the target school, submitted anonymously over HTTP like the form does."""
    engine = make_engine(demo_server.db_url, pool_size=1)
    try:
        with session_scope(engine) as session:
            city = get_city(session, "tangerang")
            upsert_opd(session, city.id, "DISDIK", "Dinas Pendidikan")
            origin, target = demo_school_pair(session, city)
            home = (target.lon + 0.003, target.lat + 0.002)
            other = next(
                s
                for s in nearest_schools(session, city.id, city.center, "SD", None, limit=5)
                if s.npsn not in (origin.npsn, target.npsn)
            )
            (sma,) = nearest_schools(session, city.id, home, "SMA", None, limit=1)
            schools = {"origin": origin.npsn, "target": target.npsn, "other": other.npsn}
            tokens = {}
            for username, name, school in STAFF:
                grant = (
                    Grant("sekolah", npsn=schools[school])
                    if school
                    else Grant("opd_staff", opd="DISDIK")
                )
                uid = create_user(
                    session,
                    city_id=city.id,
                    username=username,
                    display_name=name,
                    password=PASSWORD,
                    grants=[grant],
                )
                tokens[username] = {
                    "Authorization": f"Bearer {create_token(session, uid, name='t')[1]}"
                }
    finally:
        engine.dispose()
    body = transfer_body(home, origin=origin.npsn, target=target.npsn)
    receipt = _post(demo_server, body)
    assert receipt.status_code == 201, receipt.text
    row = receipt.json()
    return Transfer(
        demo_server, row["id"], row["code"], tokens, sma.npsn, home, origin.npsn, target.name
    )


def _open(page: Any, code: str) -> None:
    row = page.locator(f'#requests-body tr[data-code="{code}"]')
    row.wait_for(timeout=15_000)
    row.click()
    page.wait_for_selector("#detail:not([hidden]) #timeline li")


def _steps(page: Any) -> list[str]:
    return list(
        page.locator("#detail .actions button").evaluate_all(
            "els => els.map(e => e.dataset.transition)"
        )
    )


def _act(browser: Any, t: Transfer, username: str, step: str, viewport: dict[str, int]) -> Any:
    page = new_page(browser, viewport)
    login(page, t.server, username)
    _open(page, t.code)
    assert step in _steps(page)
    take_step(page, step)
    return page


def test_two_schools_and_the_dinas_take_a_transfer_through(
    browser: Any, transfer: Transfer, artifacts: Path
) -> None:
    t = transfer
    # the origin school: its role and NPSN in the header, the child only when asked
    page = new_page(browser, DESKTOP)
    login(page, t.server, "asal.pindah")
    role = page.locator("#account .account-role").inner_text()
    assert "Staf sekolah" in role
    assert f"NPSN {t.origin}" in role
    _open(page, t.code)
    assert t.target_name in page.locator("#detail").inner_text()
    assert CHILD not in page.locator("#detail").inner_text()
    assert _steps(page) == ["setujui_asal", "minta_perbaikan", "tolak"]
    page.click("#show-private")
    page.wait_for_selector("#private-data")
    assert NISN in page.locator("#private-data").inner_text()
    take_step(page, "setujui_asal")
    assert timeline(page) == ["diajukan", "disetujui_sekolah_asal"]
    page.screenshot(path=str(artifacts / "kelola-sekolah-asal.png"))
    assert page.errors == []
    page.context.close()

    # a third school: not in its table, and the server refuses it the request and the step
    page = new_page(browser, DESKTOP)
    login(page, t.server, "lain.pindah")
    wait_until(page, "document.querySelector('#list-count')?.textContent.length > 0")
    assert page.locator(f'#requests-body tr[data-code="{t.code}"]').count() == 0
    assert page.errors == []
    page.context.close()
    base = f"{t.server.url}/cities/tangerang/requests/{t.id}"
    other = t.tokens["lain.pindah"]
    assert httpx.get(base, headers=other, timeout=30).status_code == 404
    assert httpx.get(f"{base}/private", headers=other, timeout=30).status_code == 404
    refused = httpx.post(
        f"{base}/transitions",
        json={"transition": "terima_tujuan"},
        headers=other | {"If-Match": '"v2"'},
        timeout=30,
    )
    assert refused.status_code == 404
    assert refused.headers["content-type"].startswith("application/problem+json")
    # the Dinas may not take the target school's step
    early = httpx.post(
        f"{base}/transitions",
        json={"transition": "terima_tujuan"},
        headers=t.tokens["disdik.pindah"] | {"If-Match": '"v2"'},
        timeout=30,
    )
    assert early.status_code in (403, 409)
    assert early.headers["content-type"].startswith("application/problem+json")

    # the target school accepts on a phone; the Dinas recommends (capacity checked)
    page = _act(browser, t, "tujuan.pindah", "terima_tujuan", PHONE)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=str(artifacts / "kelola-sekolah-tujuan-phone.png"))
    assert page.errors == []
    page.context.close()
    page = _act(browser, t, "disdik.pindah", "rekomendasikan", DESKTOP)
    assert "daya tampung" in page.locator("#timeline li").last.inner_text()
    assert page.errors == []
    page.context.close()
    page = _act(browser, t, "tujuan.pindah", "perbarui_dapodik", DESKTOP)
    page.context.close()
    page = _act(browser, t, "disdik.pindah", "selesaikan", DESKTOP)
    assert timeline(page) == list(TRANSFER_WORKFLOW.states[:6])  # diajukan ... selesai
    assert timeline(page)[-1] == "selesai"
    assert _steps(page) == []
    assert page.errors == []
    page.context.close()

    # the parent's tracking page: type, status and the target school, nothing of the child
    page = new_page(browser, PHONE)
    page.goto(f"{t.server.url}/lacak?kode={t.code}")
    wait_until(page, "document.body.dataset.track === 'found'")
    assert page.locator("#track-type").inner_text() == "Pindah sekolah"
    assert page.locator("#track-status").inner_text() == "Selesai"
    assert page.locator("#track-place").inner_text() == t.target_name
    content = page.content()
    for secret in SECRETS:
        assert secret not in content
    tracked = httpx.get(f"{t.server.url}/track/{t.code}", timeout=30).text
    for secret in SECRETS:
        assert secret not in tracked
    assert page.errors == []
    assert csp_violations(page) == []
    page.context.close()


def _requests(server: LiveServer) -> int:
    engine = make_engine(server.db_url, pool_size=1)
    try:
        with session_scope(engine) as session:
            return int(session.execute(text("SELECT count(*) FROM service_request")).scalar_one())
    finally:
        engine.dispose()


def test_an_sma_target_is_turned_away_with_the_province_address(transfer: Transfer) -> None:
    t = transfer
    before = _requests(t.server)
    body = transfer_body(t.home, origin=t.origin, target=t.sma, level="SMA", grade=10)
    refused = _post(t.server, body)
    assert refused.status_code == 422
    assert refused.headers["content-type"].startswith("application/problem+json")
    problem = refused.json()
    assert problem["code"] == "level-not-governed"
    assert "Dindikbud Provinsi Banten" in problem["detail"]
    assert PROVINCE_OFFICE in str(problem["errors"])
    assert _requests(t.server) == before
