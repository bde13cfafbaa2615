"""The console's time zone: configured, else the machine's; pages, exports, API periods use it."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from camhealth.config import Settings
from camhealth.exporter.zones import local_zone, zone_name, zone_of
from tests.exporter.conftest import settings_for
from tests.exporter.console_helpers import form_login, history


def test_a_configured_zone_wins_and_a_wrong_name_is_refused():
    assert zone_name(zone_of("Europe/Berlin")) == "Europe/Berlin"
    with pytest.raises(ValidationError, match="unknown time zone"):
        Settings.model_validate({"exporter": {"timezone": "Mars/Olympus"}})


def test_the_machines_zone_from_tz_or_its_localtime_link(tmp_path, monkeypatch):
    monkeypatch.setenv("TZ", ":America/Lima")
    assert zone_name(local_zone(tmp_path / "none")) == "America/Lima"
    monkeypatch.delenv("TZ")
    link = tmp_path / "localtime"
    link.symlink_to("/usr/share/zoneinfo/Asia/Kolkata")
    assert zone_name(local_zone(link)) == "Asia/Kolkata"
    copy = tmp_path / "copied"  # a copied file has no name: its rules are still the zone's
    copy.write_bytes(link.read_bytes())
    assert zone_name(local_zone(copy)) == "local time"
    assert zone_name(local_zone(tmp_path / "none")) == "UTC"


@pytest.mark.parametrize(("zone", "made"), [("Asia/Shanghai", "16:00"), ("Europe/Berlin", "09:00")])
async def test_pages_exports_and_periods_follow_the_configured_zone(
    start, source, accounts, tmp_path, zone, made
):
    settings = settings_for(tmp_path, exporter={"timezone": zone})
    client = await start(source, settings, accounts=accounts, history=history())
    await form_login(client, "vera")
    english = {"Accept-Language": "en"}
    pages = [
        await (await client.get(path, headers=english)).text()
        for path in ("/maintenance", "/maintenance/print", "/cameras/square-01")
    ]
    for html in pages:
        assert f"(times in {zone})" in html
        assert f"Snapshot made at 2026-11-29 {made}" in html  # T0: 08:00 UTC
    export = await client.get("/maintenance.csv", headers=english)
    assert f"Since ({zone})" in (await export.read()).decode("utf-8-sig")
    stamp = "20261129-" + made.replace(":", "")
    assert f'filename="maintenance-{stamp}.csv"' in export.headers["Content-Disposition"]
    response = await client.get("/api/v1/indicators/period", params={"period": "2026-11-29"})
    offset = "+08:00" if zone == "Asia/Shanghai" else "+01:00"
    assert (await response.json())["period_start"] == f"2026-11-29T00:00:00{offset}"
