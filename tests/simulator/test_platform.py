"""The platform relay: up and down apart from the camera, so the two kinds of fault differ."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from camhealth.simulator.camera import SimCamera, StreamSpec
from camhealth.simulator.clips import ClipLibrary
from camhealth.simulator.faults import Fault
from camhealth.simulator.fleet import Fleet
from camhealth.simulator.mix import Mix
from camhealth.simulator.plan import Layout, Plan, plan_fleet, rtsp_url
from camhealth.simulator.platform import relay_faults
from camhealth.simulator.rtsp_server import RtspServer
from camhealth.simulator.truth import expected
from tests.conftest import require_command
from tests.simulator.addresses import random_base, random_host

REFUSED = 0


@pytest.fixture
async def fleet(tmp_path: Path) -> AsyncIterator[Fleet]:
    layout = Layout(random_base(), 8080, 8554, platform_host=random_host(), platform_port=8554)
    plan = plan_fleet(2, Mix(), seed=4, layout=layout)
    for planned in plan.cameras:  # small and short clips: quick to encode
        planned.camera.main = StreamSpec(640, 360, gop_seconds=1.0)
        planned.camera.sub = StreamSpec(320, 180, gop_seconds=1.0)
    fleet = Fleet(plan, RtspServer(ClipLibrary(tmp_path, gops=1)))
    await fleet.start()
    yield fleet
    await fleet.stop()


async def describe(url: str, camera: SimCamera) -> int:
    """The status of an authenticated DESCRIBE, or REFUSED when the port is closed."""
    host_port = url.split("/")[2]
    host, port = host_port.rsplit(":", 1)
    try:
        reader, writer = await asyncio.open_connection(host, int(port))
    except ConnectionRefusedError:
        return REFUSED
    login = base64.b64encode(f"{camera.username}:{camera.password}".encode()).decode()
    writer.write(
        f"DESCRIBE {url} RTSP/1.0\r\nCSeq: 2\r\nAccept: application/sdp\r\n"
        f"Authorization: Basic {login}\r\n\r\n".encode()
    )
    try:
        status_line = await asyncio.wait_for(reader.readline(), 20)
    finally:
        writer.close()
    return int(status_line.split()[1])


def cameras(fleet: Fleet) -> tuple[SimCamera, Plan]:
    return next(iter(fleet.cameras.values())).camera, fleet.plan


async def statuses(fleet: Fleet) -> tuple[int, int]:
    camera, plan = cameras(fleet)
    return await describe(rtsp_url(camera), camera), await describe(plan.relay_url(camera), camera)


async def test_camera_and_platform_fail_apart(fleet: Fleet) -> None:
    camera, _ = cameras(fleet)
    assert await statuses(fleet) == (200, 200)
    camera.faults.faults = {Fault.platform_down}  # the platform lost this camera
    assert await statuses(fleet) == (200, 404)
    camera.faults.faults = set()
    await fleet.set_platform_down(True)  # the whole platform is down
    assert await statuses(fleet) == (200, REFUSED)
    await fleet.set_platform_down(False)
    assert await statuses(fleet) == (200, 200)
    camera.faults.faults = {Fault.offline}  # the camera is down: the platform has nothing
    await fleet.apply(camera.id)
    assert await statuses(fleet) == (REFUSED, 503)
    camera.faults.faults = {Fault.auth_failed}  # the platform logs in with its own account
    await fleet.apply(camera.id)
    assert await statuses(fleet) == (401, 200)


async def test_relay_serves_real_video(fleet: Fleet) -> None:
    ffprobe = require_command("ffprobe")
    camera, plan = cameras(fleet)
    url = plan.relay_url(camera).replace("rtsp://", f"rtsp://{camera.username}:{camera.password}@")
    process = await asyncio.create_subprocess_exec(
        ffprobe, "-v", "error", "-rtsp_transport", "tcp", "-select_streams", "v:0",
        "-show_entries", "stream=codec_name,width,height", "-of", "json", url,
        stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, _ = await asyncio.wait_for(process.communicate(), 30)
    stream = json.loads(out)["streams"][0]
    assert (stream["codec_name"], stream["width"], stream["height"]) == ("h264", 640, 360)


async def test_warm_encodes_every_clip_the_fleet_plays(fleet: Fleet) -> None:
    assert fleet.rtsp is not None
    before = fleet.rtsp.library.nbytes
    seen: list[tuple[int, int]] = []
    count = await fleet.warm(lambda done, total: seen.append((done, total)))
    assert count == len({(p.camera.scene, p.camera.main.codec) for p in fleet.plan.cameras}) * 2
    assert seen[-1] == (count, count) and fleet.rtsp.library.nbytes > before


@pytest.mark.parametrize("fault", list(Fault))
def test_truth_agrees_with_what_the_relay_does(fault: Fault) -> None:
    """The truth's ``networked`` is what the relay serves for a camera with this one fault."""
    camera = SimCamera(id="c1", name="c1", host="127.0.0.9", scene="cafe")
    camera.faults.faults = {fault}
    camera.faults.flap_period = 1e9  # flapping, and up for now
    relayed = relay_faults(camera.faults).faults
    plays = not relayed & {Fault.rtsp_503, Fault.no_frames, Fault.undecodable}
    networked = expected(camera, relayed=True).networked
    if fault in (Fault.flapping, Fault.slow):
        assert networked is None
    else:
        assert networked == (plays and fault is not Fault.platform_down)
