"""Platform checks through the simulator's relay: every Nth plays a keyframe; their own limit."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from camhealth.config import ProbesConfig
from camhealth.probes.auth import Credentials
from camhealth.probes.results import FailureCode, ProbeKind, ProbeResult
from camhealth.probes.scheduler import Scheduler
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
    """Six relayed cameras on the clips the probe tests' fixture has already encoded."""
    layout = Layout(random_base(), 8080, 8554, platform_host=random_host(), platform_port=8554)
    plan = plan_fleet(6, Mix(platform=1.0), seed=4, layout=layout)
    for planned in plan.cameras:
        planned.camera.main = StreamSpec(1280, 720, gop_seconds=1.0)
        planned.camera.sub = StreamSpec(640, 360, gop_seconds=1.0)
        planned.camera.scene = "launch_site"
        planned.camera.faults.faults = set()
    simulated = Fleet(plan, RtspServer(clips))
    await simulated.start()
    yield simulated
    await simulated.stop()


def watched(fleet: Fleet) -> list[Watched]:
    cameras = []
    for planned in fleet.plan.cameras:
        camera = planned.camera
        creds = Credentials(camera.username, camera.password)
        urls = {ProbeKind.rtsp: rtsp_url(camera), ProbeKind.platform: fleet.plan.relay_url(camera)}
        targets = {kind: Target(url, creds, 3.0, name=camera.id) for kind, url in urls.items()}
        cameras.append(Watched(camera.id, camera.host, targets))
    return cameras


def played(result: ProbeResult) -> bool:
    return "first_keyframe" in {phase.name for phase in result.phases}


async def test_every_nth_platform_check_decodes_a_keyframe(fleet: Fleet) -> None:
    probers = Probers(ProbesConfig(platform_frames_every=3), decode_workers=1)
    camera = watched(fleet)[0]
    try:
        results = [await probers.platform(camera) for _ in range(7)]
        fleet.plan.cameras[0].camera.faults.faults = {Fault.platform_down}
        down = [await probers.platform(camera) for _ in range(3)]
    finally:
        await probers.close()
    plays = [played(r) for r in results]
    first = plays.index(True)
    assert plays == [(i - first) % 3 == 0 for i in range(7)]
    assert all(r.ok and r.direct is not None and r.direct.ok for r in results)
    assert all(r.kind is ProbeKind.platform and r.frame is None for r in results)
    # a relay that lost the camera fails the frame sample too; the camera still answers
    assert [(r.failure, r.direct and r.direct.failure) for r in down] == [
        (FailureCode.not_found, None)
    ] * 3


async def test_platform_frames_can_be_switched_off(fleet: Fleet) -> None:
    probers = Probers(ProbesConfig(platform_frames_every=0), decode_workers=1)
    try:
        results = [await probers.platform(watched(fleet)[0]) for _ in range(4)]
    finally:
        await probers.close()
    assert not any(played(r) for r in results) and all(r.ok for r in results)


async def test_platform_checks_have_their_own_limit(fleet: Fleet) -> None:
    """Six cameras, one platform host: three checks at once there, not the camera's one."""
    probers = Probers(ProbesConfig(), decode_workers=1)
    in_flight, most, results = 0, 0, []

    async def runner(kind: ProbeKind, camera: Watched) -> ProbeResult:
        nonlocal in_flight, most
        in_flight += 1
        most = max(most, in_flight)
        try:
            await asyncio.sleep(0.2)  # hold the slot long enough for the others to queue
            return await probers.run(kind, camera)
        finally:
            in_flight -= 1

    settings = {"platform_interval": 0.5, "platform_concurrency": 3, "per_host": 1}
    config = ProbesConfig.model_validate(settings | {"platform_frames_every": 0})
    scheduler = Scheduler(config, runner, lambda _, result: results.append(result))
    cameras = [
        Watched(c.id, c.host, {ProbeKind.platform: c.targets[ProbeKind.platform]})
        for c in watched(fleet)
    ]
    scheduler.refresh(cameras)
    scheduler.start()
    await asyncio.sleep(1.2)
    await scheduler.stop()
    await probers.close()
    assert most == 3
    assert len(results) >= 6 and all(r.ok for r in results), [r.detail for r in results]
