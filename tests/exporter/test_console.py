"""The web console's pages, rendered from the exporter tests' city, in both languages."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import quote

import pytest

from camhealth.camera_registry.store import Registry
from camhealth.health.snapshot import Snapshot, build_snapshot
from tests.exporter.city import AREAS, T0
from tests.exporter.conftest import PASSWORDS, Source, settings_for
from tests.exporter.console_helpers import JPEG, csrf_in, form_login, history
from tests.health.city import camera
from tests.registry.builders import rows


@pytest.fixture
async def console(start, source, accounts):
    """A client of the exporter with the console and a history, vera logged in."""
    client = await start(source, accounts=accounts, history=history())
    await form_login(client, "vera")
    return client


async def page(client, path: str, lang: str = "en") -> str:
    response = await client.get(path, headers={"Accept-Language": lang})
    assert response.status == 200, await response.text()
    return await response.text()


def cameras_listed(html: str) -> list[str]:
    return re.findall(r'<tr data-camera="([^"]+)">', html)


# -- the doors ------------------------------------------------------------------------------


async def test_every_page_and_picture_needs_a_login(start, source, accounts):
    client = await start(source, accounts=accounts, history=history())
    for path in (
        "/",
        "/maintenance",
        "/maintenance.csv",
        "/cameras/square-01",
        "/areas",
        "/maintenance/print",
    ):
        response = await client.get(path, allow_redirects=False)
        assert response.status == 302, path
        assert response.headers["Location"].startswith("/login?next=")
    login = await client.get("/login")
    assert login.status == 200 and "/static/console.css" in await login.text()
    assert (await client.get("/static/console.css")).status == 200


async def test_the_login_form_refuses_a_forged_token_and_a_wrong_password(start, source, accounts):
    client = await start(source, accounts=accounts)
    forged = await client.post(
        "/login", data={"csrf_token": "forged", "name": "vera", "password": "viewer-password-1"}
    )
    assert forged.status == 403
    token = csrf_in(await forged.text())  # each form shown carries a fresh token
    wrong = await client.post(
        "/login",
        data={"csrf_token": token, "name": "vera", "password": "nope"},
        headers={"Accept-Language": "en"},
    )
    assert wrong.status == 401 and "Wrong user name or password." in await wrong.text()
    assert "nope" not in await wrong.text()
    odd = await client.post("/login", data={"csrf_token": "令牌", "name": "vera", "password": "x"})
    assert odd.status == 403  # a token that is not ASCII is just wrong, not a crash


async def test_the_login_form_is_throttled_like_the_api(start, source, accounts, tmp_path):
    settings = settings_for(tmp_path, auth={"login_attempts": 2})
    client = await start(source, settings, accounts=accounts)
    statuses = []
    for password in ("wrong-1", "wrong-2", PASSWORDS["vera"]):
        token = csrf_in(await (await client.get("/login")).text())
        response = await client.post(
            "/login",
            data={"csrf_token": token, "name": "vera", "password": password},
            headers={"Accept-Language": "zh"},
            allow_redirects=False,
        )
        statuses.append(response.status)
    assert statuses == [401, 401, 429]  # even the right password waits
    assert "登录失败次数过多" in await response.text()


async def test_login_goes_back_to_a_local_page_only(start, source, accounts):
    client = await start(source, accounts=accounts)
    token = csrf_in(await (await client.get("/login")).text())
    response = await client.post(
        "/login",
        data={
            "csrf_token": token,
            "name": "vera",
            "password": "viewer-password-1",
            "next": "//evil.example/x",
        },
        allow_redirects=False,
    )
    assert response.status == 303 and response.headers["Location"] == "/"
    cookie = response.cookies["camhealth_session"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"


async def test_a_failed_login_keeps_the_page_to_go_back_to(start, source, accounts):
    client = await start(source, accounts=accounts)
    asked = await client.get("/cameras/square-01")  # redirected to the form
    fields = {"name": "vera", "password": "wrong", "next": "/cameras/square-01"}
    failed = await client.post("/login", data={"csrf_token": csrf_in(await asked.text()), **fields})
    assert failed.status == 401
    fields["password"] = PASSWORDS["vera"]
    again = await client.post(
        "/login",
        data={"csrf_token": csrf_in(await failed.text()), **fields},
        allow_redirects=False,
    )
    assert again.headers["Location"] == "/cameras/square-01"
    assert 'name="next" value="/cameras/square-01"' in await failed.text()


async def test_logout_needs_the_session_csrf_token(console):
    overview = await page(console, "/")
    assert (await console.post("/logout", data={"csrf_token": "x"})).status == 403
    out = await console.post(
        "/logout", data={"csrf_token": csrf_in(overview)}, allow_redirects=False
    )
    assert out.status == 303
    assert (await console.get("/", allow_redirects=False)).status == 302


async def test_pages_forbid_inline_scripts_and_escape_names(console):
    response = await console.get("/cameras/square-01")
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert "<script>" not in (await response.text()).replace('<script src="/static/', "")


# -- languages ------------------------------------------------------------------------------


async def test_the_browser_language_chooses_and_the_switch_overrides(console):
    assert "<h1>维护清单" in await page(console, "/maintenance", "zh-CN,zh;q=0.9,en;q=0.8")
    assert "<h1>Maintenance" in await page(console, "/maintenance", "en-US,en;q=0.9,zh;q=0.5")
    assert "<h1>维护清单" in await page(console, "/maintenance", "fr-FR")  # Chinese by default
    switched = await console.get("/lang/zh?next=/maintenance", allow_redirects=False)
    assert switched.status == 303 and switched.headers["Location"] == "/maintenance"
    assert "<h1>维护清单" in await page(console, "/maintenance", "en")
    for evil in ("https://evil.example/", "/\\evil.example", "/x%0d%0aSet-Cookie:%20a=b"):
        away = await console.get(f"/lang/en?next={evil}", allow_redirects=False)
        assert away.status == 303 and away.headers["Location"] == "/", evil
    assert (await console.get("/lang/fr")).status == 404


async def test_domain_words_are_translated(console):
    zh = await page(console, "/maintenance?fault=blur", "zh")
    en = await page(console, "/maintenance?fault=blur", "en")
    assert "模糊" in zh and "画面故障" in zh
    assert ">blur<" in en and "picture fault" in en


# -- overview -------------------------------------------------------------------------------


async def test_overview_shows_each_indicator_its_stars_districts_and_trend(console, source):
    html = await page(console, "/")
    city = source.current.indicators.city
    assert "HD coverage of key areas (L4P4)" in html
    rate = city.intactness
    assert f"({rate.numerator}/{rate.denominator})" in html
    assert html.count('class="level"') >= 3 * 4  # 80/90/100 lines on every bar
    assert "城厢街道" in html and "古柳街道" in html
    assert html.count("<polyline") == 4  # a week of history for each indicator
    assert "not enough history yet" not in html


async def test_overview_without_history_says_there_is_no_trend_yet(start, source, accounts):
    client = await start(source, accounts=accounts)
    await form_login(client, "vera")
    html = await page(client, "/")
    assert "trend: not enough history yet" in html and "<polyline" not in html
    assert "趋势：历史数据不足" in await page(client, "/", "zh")


async def test_before_the_first_snapshot_pages_say_so(start, accounts):
    client = await start(Source(None), accounts=accounts)
    await form_login(client, "vera")
    response = await client.get("/maintenance", headers={"Accept-Language": "en"})
    assert response.status == 503 and "No snapshot yet" in await response.text()


# -- maintenance list -----------------------------------------------------------------------


async def test_the_list_holds_every_camera_not_intact(console):
    listed = cameras_listed(await page(console, "/maintenance"))
    # depot-01 never probed, square-01 blurred, square-02 disabled, station-02 offline
    assert sorted(listed) == ["depot-01", "square-01", "square-02", "station-02"]


FILTERS = [
    ("status=offline", ["station-02"]),
    ("fault=blur", ["square-01"]),
    ("district=古柳街道", ["depot-01"]),
    ("area=square", ["square-01", "square-02"]),
    ("area=square&status=disabled", ["square-02"]),
    ("status=nonsense&sort=camera", ["depot-01", "square-01", "square-02", "station-02"]),
    ("sort=status", ["station-02", "square-01", "square-02", "depot-01"]),
]


async def test_filters_and_sorting(console):
    for query, expected in FILTERS:
        assert cameras_listed(await page(console, f"/maintenance?{query}")) == expected, query


async def test_rows_show_picture_badges_and_maintenance(console):
    html = await page(console, "/maintenance")
    assert 'class="badge fault blur"' in html
    assert "muted (maintenance window)" in html  # station-02 is in its window
    assert 'href="/maintenance.csv?"' in html
    filtered = await page(console, "/maintenance?status=offline&sort=area")
    assert 'href="/maintenance.csv?status=offline&amp;sort=area"' in filtered


async def test_the_printable_work_list_has_the_filtered_rows(console):
    html = await page(console, "/maintenance/print?district=城厢街道", "zh")
    assert "维修工单" in html and "station-02" in html and "depot-01" not in html
    assert 'id="print"' in html
    assert '<p class="applied">街道: 城厢街道</p>' in html  # the crew sees what it was given


# -- camera page ----------------------------------------------------------------------------


async def test_camera_page_shows_statuses_timeline_pictures_probes_and_events(console):
    html = await page(console, "/cameras/square-01")
    assert 'class="badge fault blur"' in html
    assert re.search(r'<rect class="intact" x="0\.000"', html)  # intact 30 h ago ...
    assert '<rect class="broken"' in html  # ... not intact for the last 3 hours
    ref = quote("square-01@" + (T0 - timedelta(hours=3)).isoformat(), safe="")
    assert f'<img src="/api/v1/pictures/{ref}"' in html  # the API's evidence picture
    picture = await console.get(f"/api/v1/pictures/{ref}")
    assert picture.status == 200 and await picture.read() == JPEG
    assert html.count("<td>0.250</td>") == 0 and "0.250" in html  # probe timings
    assert "fault confirmed: blur" in html and "became intact" in html
    assert "1920×1080 h264" in html


async def test_a_list_page_finds_its_thumbnails_in_one_query(start, source, accounts):
    store, asked = history(), []
    find = store.last_pictures

    async def counted(cameras):
        asked.append(list(cameras))
        return await find(asked[-1])

    store.last_pictures = counted  # type: ignore[method-assign]
    client = await start(source, accounts=accounts, history=store)
    await form_login(client, "vera")
    html = await page(client, "/maintenance")
    assert len(asked) == 1 and asked[0] == cameras_listed(html)
    ref = quote("square-01@" + (T0 - timedelta(hours=3)).isoformat(), safe="")
    assert f'<img src="/api/v1/pictures/{ref}" alt="Last picture square-01"' in html
    assert html.count("<img ") == 1  # the others have no stored picture: they say so
    assert html.count('<span class="note">no picture</span>') == len(asked[0]) - 1
    picture = await client.get(f"/api/v1/pictures/{ref}")
    assert picture.status == 200 and picture.content_type == "image/jpeg"
    assert await picture.read() == JPEG


async def test_camera_pages_without_a_picture_say_so(console):
    assert "Last picture: no picture" in await page(console, "/cameras/station-01")
    assert (await console.get("/cameras/nope")).status == 404


# -- areas ----------------------------------------------------------------------------------


async def test_areas_page_says_which_areas_lack_coverage_and_why(console, source):
    html = await page(console, "/areas")
    for item in source.current.indicators.areas:
        if not item.covered:
            assert f'data-area="{item.area}"' in html
            assert f'class="reason {item.reason}"' in html
    assert 'data-area="empty"' in html and "no camera in the registry" in html
    assert "登记中没有摄像机" in await page(console, "/areas", "zh")


async def test_the_camera_page_shows_the_reference_picture_from_the_registry(
    start, source, accounts, tmp_path
):
    registry = await Registry.open(settings_for(tmp_path))
    try:
        await registry.apply_areas(rows(*AREAS))
        await registry.apply_cameras(rows(camera("station-01", "station")))
        await registry.set_reference("station-01", JPEG, T0)
        client = await start(source, accounts=accounts, registry=registry)
        await form_login(client, "vera")
        html = await page(client, "/cameras/station-01")
        assert '<img src="/api/v1/cameras/station-01/reference.jpg"' in html
        assert "No history store: events are not available." in html
        reference = await client.get("/api/v1/cameras/station-01/reference.jpg")
        assert reference.status == 200 and await reference.read() == JPEG
    finally:
        await registry.close()


def crowded_city(count: int, name: str = "cam") -> Snapshot:
    """``count`` never-probed cameras (so all on the maintenance list) in one key area."""
    cameras = [
        camera(f"c{n:04d}", "station").model_copy(update={"name": name}) for n in range(count)
    ]
    return build_snapshot(T0, AREAS, cameras, {})


async def test_long_lists_come_in_pages(console, source):
    source.current = crowded_city(250)
    first = cameras_listed(await page(console, "/maintenance?sort=camera"))
    last = cameras_listed(await page(console, "/maintenance?sort=camera&page=3"))
    assert len(first) == 100 and first[0] == "c0000"
    assert last == [f"c{n:04d}" for n in range(200, 250)]
    assert cameras_listed(await page(console, "/maintenance?sort=camera&page=99")) == last
    assert cameras_listed(await page(console, "/maintenance?page=x")) == first
    exported = await (await console.get("/maintenance.csv")).read()
    assert exported.count(b"\n") == 251  # the export holds every row, not one page


async def test_names_from_the_registry_are_escaped(console, source):
    assert len(cameras_listed(await page(console, "/maintenance"))) == 4
    source.current = crowded_city(1, name='<script>alert("x")</script>')
    for path in ("/maintenance", "/cameras/c0000", "/maintenance/print"):
        html = await page(console, path)
        assert "<script>alert" not in html and "&lt;script&gt;alert" in html
    assert cameras_listed(await page(console, "/maintenance")) == ["c0000"]  # a new Snapshot
