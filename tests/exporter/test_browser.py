"""The web console in a real headless Chromium (the Debian package), driven by Playwright.

Logs in, filters the maintenance list, opens a camera, downloads the CSV export, switches the
language and looks at the work list as printed.  Screenshots go to test-artifacts/console/.
"""

from __future__ import annotations

import asyncio
import csv
import io
from pathlib import Path

import pytest

from tests.conftest import require
from tests.exporter.conftest import PASSWORDS
from tests.exporter.console_helpers import history

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "console"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def chromium() -> Path:
    require(CHROMIUM.exists(), "chromium (Debian package) at /usr/bin/chromium")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return CHROMIUM


@pytest.fixture
async def browser(chromium):
    playwright_api = pytest.importorskip("playwright.async_api")
    async with playwright_api.async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=str(chromium), args=ARGS)
        yield launched
        await launched.close()


@pytest.mark.slow
async def test_a_crew_leader_works_through_the_console(start, source, accounts, browser):
    client = await start(source, accounts=accounts, history=history())
    base = str(client.make_url("")).rstrip("/")
    context = await browser.new_context(locale="en-US", accept_downloads=True)
    context.set_default_timeout(10_000)
    page = await context.new_page()
    async with asyncio.timeout(60):
        await log_in(page, base)
        await filter_offline(page)
        await open_camera(page)
        await export_csv(page, base)
        await switch_language(page)
        await print_work_list(page, base)
    await context.close()


async def log_in(page, base: str) -> None:
    await page.goto(f"{base}/maintenance")
    assert "/login" in page.url  # no way in without a login
    await page.screenshot(path=ARTIFACTS / "0-login.png")
    await page.fill("#name", "vera")
    await page.fill("#password", PASSWORDS["vera"])
    await page.click("form.login button[type=submit]")
    await page.wait_for_url(f"{base}/maintenance")
    assert await page.locator("tr[data-camera]").count() == 4
    # A camera without a stored picture shows a note, not a broken image.
    await page.wait_for_selector("tr[data-camera=depot-01] .thumb .note")
    shown = page.locator("tr[data-camera=square-01] .thumb img")
    assert await shown.evaluate("img => img.decode().then(() => img.naturalWidth)") == 160
    await page.goto(f"{base}/")
    assert await page.locator("svg.trend polyline").count() == 4
    await page.screenshot(path=ARTIFACTS / "1-overview.png", full_page=True)
    await page.goto(f"{base}/maintenance")


async def filter_offline(page) -> None:
    await page.select_option("#filter-status", "offline")
    await page.click("form.filters button[type=submit]")
    await page.wait_for_url("**/maintenance?*status=offline*")
    rows = page.locator("tr[data-camera]")
    assert await rows.count() == 1
    assert await rows.first.get_attribute("data-camera") == "station-02"
    await page.screenshot(path=ARTIFACTS / "2-maintenance-offline.png", full_page=True)


async def open_camera(page) -> None:
    await page.click("tr[data-camera=station-02] a")
    await page.wait_for_url("**/cameras/station-02")
    assert "station-02" in await page.inner_text("h1")
    assert "went offline" in await page.inner_text("table.events")
    await page.screenshot(path=ARTIFACTS / "3-camera.png", full_page=True)
    await page.go_back()


async def export_csv(page, base: str) -> None:
    async with page.expect_download() as download_info:
        await page.click("#export-csv")
    download = await download_info.value
    assert download.suggested_filename.endswith(".csv")
    body = await asyncio.to_thread(Path(await download.path()).read_bytes)
    lines = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert lines[0][:2] == ["Camera", "Name"]
    assert [line[0] for line in lines[1:]] == ["station-02"]  # the filter went with it


async def switch_language(page) -> None:
    assert (await page.inner_text("h1")).startswith("Maintenance")
    await page.click("text=中文")
    await page.wait_for_load_state()
    assert (await page.inner_text("h1")).startswith("维护清单")
    assert "status=offline" in page.url  # back on the same filtered page
    await page.screenshot(path=ARTIFACTS / "4-maintenance-zh.png", full_page=True)


async def print_work_list(page, base: str) -> None:
    await page.click("#work-list")
    await page.wait_for_url("**/maintenance/print*")
    await page.emulate_media(media="print")
    assert not await page.is_visible("header.top")  # the print CSS keeps only the list
    assert not await page.is_visible("#print")
    assert await page.locator("table.worklist tbody tr").count() == 1
    await page.screenshot(path=ARTIFACTS / "5-work-list-print.png", full_page=True)
