"""The control API: change a camera's faults, see the effect, clear them, see it recover."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from camhealth.simulator.control import ControlServer
from camhealth.simulator.fleet import Fleet
from camhealth.simulator.mix import Mix
from camhealth.simulator.plan import Layout, plan_fleet
from tests.simulator.addresses import random_base
from tests.simulator.test_fleet import onvif_answers


@pytest.fixture
async def api() -> AsyncIterator[tuple[str, Fleet]]:
    fleet = Fleet(plan_fleet(3, Mix(), seed=2, layout=Layout(random_base(), 8080, 8554)))
    await fleet.start()
    control = ControlServer(fleet, "127.0.0.1", 0)
    await control.start()
    yield control.url, fleet
    await control.stop()
    await fleet.stop()


async def call(method: str, url: str, body: Any = None) -> tuple[int, Any]:
    async with (
        aiohttp.ClientSession() as session,
        session.request(method, url, json=body) as response,
    ):
        return response.status, await response.json()


async def test_list_and_get(api: tuple[str, Fleet]) -> None:
    url, _ = api
    status, listing = await call("GET", f"{url}/cameras")
    assert status == 200 and listing["count"] == 3
    first = listing["cameras"][0]
    status, camera = await call("GET", f"{url}/cameras/{first['id']}")
    assert camera["onvif_url"].endswith(":8080/onvif/device_service")
    assert camera["expected"] == {"online": True, "hd": True, "intact": True, "networked": True}
    assert (await call("GET", f"{url}/cameras/nope"))[0] == 404


async def test_break_and_recover(api: tuple[str, Fleet]) -> None:
    url, fleet = api
    camera = next(iter(fleet.cameras.values())).camera
    assert await onvif_answers(camera.host)
    status, changed = await call(
        "PUT", f"{url}/cameras/{camera.id}/faults", {"faults": ["offline"]}
    )
    assert status == 200 and changed["down"] and changed["faults"] == ["offline"]
    assert not await onvif_answers(camera.host)  # the port is closed
    status, added = await call(
        "POST", f"{url}/cameras/{camera.id}/faults", {"faults": ["blur"], "slow_seconds": 9}
    )
    assert added["faults"] == ["blur", "offline"] and added["slow_seconds"] == 9
    status, cleared = await call("DELETE", f"{url}/cameras/{camera.id}/faults")
    assert cleared["faults"] == [] and not cleared["down"]
    assert await onvif_answers(camera.host)
    _, only = await call("GET", f"{url}/cameras?fault=blur")
    assert only["count"] == 0


async def test_validation_lists_unknown_faults(api: tuple[str, Fleet]) -> None:
    url, fleet = api
    camera_id = next(iter(fleet.cameras))
    status, error = await call(
        "PUT", f"{url}/cameras/{camera_id}/faults", {"faults": ["blur", "melted", "gone"]}
    )
    assert status == 400 and error["unknown"] == ["gone", "melted"] and "blur" in error["known"]
    assert "melted" in error["error"]
    status, error = await call("PUT", f"{url}/cameras/{camera_id}/faults", {"slow_seconds": -1})
    assert status == 400 and "slow_seconds" in error["error"]
    status, error = await call("PUT", f"{url}/platform", {"down": "maybe"})
    assert status == 400


async def test_platform_switch(api: tuple[str, Fleet]) -> None:
    url, fleet = api
    assert (await call("GET", f"{url}/platform"))[1] == {"down": False}
    assert (await call("PUT", f"{url}/platform", {"down": True}))[1] == {"down": True}
    assert fleet.platform_down
    first = next(iter(fleet.cameras))
    _, camera = await call("GET", f"{url}/cameras/{first}")
    assert camera["expected"]["networked"] is False and camera["expected"]["intact"] is True
