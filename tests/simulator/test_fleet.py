"""The fleet: a deterministic plan from a mix, files that import, and a clean start and stop."""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections import Counter
from pathlib import Path

import aiohttp
import pytest

from camhealth.camera_registry.importing import read_areas, read_cameras
from camhealth.simulator.clips import ClipLibrary
from camhealth.simulator.faults import Fault
from camhealth.simulator.fleet import Fleet
from camhealth.simulator.manifest import write_registry, write_truth
from camhealth.simulator.mix import Mix, MixError, deal, load_mix
from camhealth.simulator.plan import Layout, host_addresses, plan_fleet
from camhealth.simulator.rtsp_server import RtspServer
from tests.simulator.addresses import random_base, random_host

MIX = Mix.model_validate(
    {
        "faults": {"offline": 0.1, "blur": 0.05, "frozen_osd+clock_skew": 0.05},
        "resolutions": {"1920x1080": 0.5, "704x576": 0.5},
        "codecs": {"h264": 0.5, "h265": 0.5},
        "gop_seconds": {1: 0.25, 4: 0.75},
        "night": 0.2,
        "e_police": 0.1,
        "platform": 0.8,
    }
)


def layout() -> Layout:
    return Layout(random_base(), 8080, 8554, platform_host=random_host(), platform_port=8554)


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def test_deal_gives_exact_counts() -> None:
    import random

    dealt = deal(random.Random(1), {"a": 0.25, "b": 0.5}, 10)
    assert Counter(dealt) == {"b": 5, "a": 3, None: 2}  # 2.5 → 3 by largest remainder


def test_host_addresses_skip_network_broadcast_and_localhost() -> None:
    hosts = host_addresses("127.0.0.0", 300)
    assert "127.0.0.1" not in hosts and "127.0.0.255" not in hosts and "127.0.1.0" not in hosts
    assert hosts[0] == "127.0.0.2" and len(set(hosts)) == 300
    with pytest.raises(ValueError):
        host_addresses("127.255.255.250", 10)


def test_plan_is_deterministic_and_follows_the_mix() -> None:
    first, second = plan_fleet(200, MIX, seed=7), plan_fleet(200, MIX, seed=7)
    assert [(p.camera, p.area_id, p.role) for p in first.cameras] == [
        (p.camera, p.area_id, p.role) for p in second.cameras
    ]
    assert plan_fleet(200, MIX, seed=8).cameras[0].camera != first.cameras[0].camera or any(
        a.camera != b.camera
        for a, b in zip(plan_fleet(200, MIX, seed=8).cameras, first.cameras, strict=True)
    )
    faults = Counter(f for p in first.cameras for f in p.camera.faults.faults)
    assert faults == {Fault.offline: 20, Fault.blur: 10, Fault.frozen_osd: 10, Fault.clock_skew: 10}
    assert Counter(p.camera.main.height for p in first.cameras) == {1080: 100, 576: 100}
    assert Counter(p.camera.main.gop_seconds for p in first.cameras) == {1.0: 50, 4.0: 150}
    assert sum(p.relayed for p in first.cameras) == 160
    assert len({p.camera.host for p in first.cameras}) == 200


def test_fleets_numbered_apart_have_disjoint_cameras_and_areas() -> None:
    one = plan_fleet(300, MIX, seed=7)
    two = plan_fleet(300, MIX, seed=7, layout=Layout("127.2.0.0"), first=301)
    ids = [p.camera.id for plan in (one, two) for p in plan.cameras]
    areas = [a.id for plan in (one, two) for a in plan.areas]
    assert len(set(ids)) == 600 and len(set(areas)) == len(areas)
    assert two.cameras[0].camera.id.endswith("000301")
    assert {p.area_id for p in two.cameras} <= {a.id for a in two.areas}


async def test_a_fleet_past_the_open_file_limit_fails_at_once_and_says_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("camhealth.simulator.fleet.raise_open_file_limit", lambda: 2100)
    before = open_fds()
    fleet = Fleet(plan_fleet(200, MIX, seed=5, layout=layout()), RtspServer(ClipLibrary(tmp_path)))
    with pytest.raises(OSError, match=r"200 cameras need about 2448 open files.*--first"):
        await fleet.start()
    assert open_fds() <= before  # failed before opening anything


def test_bad_mix_lists_every_problem(tmp_path: Path) -> None:
    path = tmp_path / "mix.yml"
    path.write_text("faults: {melted: 0.1, blur+gone: 0.1}\nresolutions: {big: 1}\ncolour: 1\n")
    with pytest.raises(MixError) as caught:
        load_mix(path)
    message = str(caught.value)
    assert "gone" in message and "melted" in message and "big" in message and "colour" in message


def test_registry_imports_and_truth_is_written(tmp_path: Path) -> None:
    plan = plan_fleet(120, MIX, seed=3)
    write_registry(plan, tmp_path / "fleet.csv", tmp_path / "areas.csv")
    write_truth(plan, tmp_path / "truth.json")
    areas = read_areas(tmp_path / "areas.csv")
    cameras = read_cameras(tmp_path / "fleet.csv")
    assert len(cameras) == 120 and {a.record.id for a in areas} >= {
        c.record.area_id for c in cameras
    }
    first = cameras[0].record
    assert first.username == "admin" and first.password is not None
    assert first.rtsp_url == f"rtsp://{plan.cameras[0].camera.host}:554/Streaming/Channels/101"
    assert any(c.record.role == "e_police" for c in cameras)
    truth = json.loads((tmp_path / "truth.json").read_text())["cameras"]
    offline = [t for t in truth if "offline" in t["faults"]]
    assert len(offline) == 12 and all(t["expected"]["online"] is False for t in offline)
    blurred = next(t for t in truth if t["faults"] == ["blur"])
    assert blurred["expected"]["online"] and not blurred["expected"]["intact"]


async def onvif_answers(host: str, port: int = 8080) -> bool:
    try:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2)) as session,
            session.post(f"http://{host}:{port}/onvif/device_service", data=b"") as response,
        ):
            return response.status == 400  # an empty body is a Sender fault: it answered
    except aiohttp.ClientConnectorError:
        return False


async def test_fleet_of_200_starts_and_stops_without_leaking_sockets(tmp_path: Path) -> None:
    before = open_fds()
    fleet = Fleet(plan_fleet(200, MIX, seed=5, layout=layout()), RtspServer(ClipLibrary(tmp_path)))
    await fleet.start()
    try:
        assert open_fds() - before == 2 * 180 + 1  # ONVIF and RTSP of each camera up, the relay
        cameras = [p.camera for p in fleet.cameras.values()]
        offline = [c for c in cameras if Fault.offline in c.faults.faults]
        healthy = [c for c in cameras if not c.faults.faults]
        assert not await onvif_answers(offline[0].host)
        assert all(await asyncio.gather(*(onvif_answers(c.host) for c in healthy[:20])))
    finally:
        await fleet.stop()
    await asyncio.sleep(0)
    assert open_fds() <= before
    assert not [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]


async def test_flapping_camera_opens_and_closes_its_port() -> None:
    plan = plan_fleet(1, Mix(), seed=1, layout=layout())
    camera = plan.cameras[0].camera
    camera.faults.faults = {Fault.flapping}
    camera.faults.flap_period = 1.0
    fleet = Fleet(plan)
    await fleet.start()
    try:
        seen = set()
        deadline = time.monotonic() + 2.5
        while time.monotonic() < deadline and len(seen) < 2:
            seen.add(await onvif_answers(camera.host))
            await asyncio.sleep(0.1)
        assert seen == {True, False}
    finally:
        await fleet.stop()


async def closed_by_peer(reader: asyncio.StreamReader) -> bool:
    """True when the connection ends (EOF or reset) within 2 s, False when it stays open."""
    try:
        while await asyncio.wait_for(reader.read(65536), 2):  # the rest of a reply, then EOF
            pass
    except ConnectionError:
        return True
    except TimeoutError:
        return False
    return True


async def test_going_offline_cuts_open_connections() -> None:
    plan = plan_fleet(1, Mix(), seed=1, layout=layout())
    camera = plan.cameras[0].camera
    fleet = Fleet(plan)
    await fleet.start()
    try:
        reader, writer = await asyncio.open_connection(camera.host, camera.onvif_port)
        request = b"POST /onvif/device_service HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"
        writer.write(request)
        assert (await reader.readline()).startswith(b"HTTP/1.1 400")  # kept alive after it
        camera.faults.faults = {Fault.offline}
        await fleet.apply(camera.id)
        assert await closed_by_peer(reader)
        writer.close()
    finally:
        await fleet.stop()
