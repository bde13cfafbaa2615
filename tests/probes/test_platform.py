"""The platform check against the simulator's sharing-platform relay: both sides recorded."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from camhealth.config import ProbesConfig
from camhealth.probes.auth import Credentials
from camhealth.probes.results import FailureCode, ProbeKind
from camhealth.probes.steps import Target
from camhealth.probes.targets import Probers, Watched
from camhealth.simulator.camera import StreamSpec
from camhealth.simulator.clips import ClipLibrary
from camhealth.simulator.faults import Fault
from camhealth.simulator.fleet import Fleet
from camhealth.simulator.mix import Mix
from camhealth.simulator.plan import Layout, plan_fleet, rtsp_url
from camhealth.simulator.rtsp_server import RtspServer
from tests.simulator.addresses import random_base, random_host


@pytest.fixture
async def fleet(clips: ClipLibrary) -> AsyncIterator[Fleet]:
    layout = Layout(random_base(), 8080, 8554, platform_host=random_host(), platform_port=8554)
    plan = plan_fleet(1, Mix(), seed=4, layout=layout)
    for planned in plan.cameras:  # the clips the probe tests' fixture has already encoded
        planned.camera.main = StreamSpec(1280, 720, gop_seconds=1.0)
        planned.camera.sub = StreamSpec(640, 360, gop_seconds=1.0)
        planned.camera.scene = "launch_site"
    simulated = Fleet(plan, RtspServer(clips))
    await simulated.start()
    yield simulated
    await simulated.stop()


def watched(fleet: Fleet) -> Watched:
    camera = fleet.plan.cameras[0].camera
    creds = Credentials(camera.username, camera.password)
    urls = {ProbeKind.rtsp: rtsp_url(camera), ProbeKind.platform: fleet.plan.relay_url(camera)}
    targets = {kind: Target(url, creds, 3.0, name=camera.id) for kind, url in urls.items()}
    return Watched(camera.id, camera.host, targets)


async def check(fleet: Fleet) -> tuple[FailureCode | None, FailureCode | None]:
    probers = Probers(ProbesConfig())
    try:
        result = await probers.platform(watched(fleet))
    finally:
        await probers.close()
    assert result.kind is ProbeKind.platform and result.direct is not None
    assert result.direct.kind is ProbeKind.rtsp
    return result.failure, result.direct.failure


async def test_platform_and_camera_told_apart(fleet: Fleet) -> None:
    camera = fleet.plan.cameras[0].camera
    assert await check(fleet) == (None, None)
    camera.faults.faults = {Fault.platform_down}  # the platform lost this camera only
    assert await check(fleet) == (FailureCode.not_found, None)
    camera.faults.faults = set()
    await fleet.set_platform_down(True)  # the whole platform is down
    assert await check(fleet) == (FailureCode.refused, None)
    await fleet.set_platform_down(False)
    camera.faults.faults = {Fault.offline}  # the camera is down: both sides fail
    await fleet.apply(camera.id)
    assert await check(fleet) == (FailureCode.protocol_error, FailureCode.refused)
