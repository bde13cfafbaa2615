"""The demo city served by the simulator, probed at the URLs and with the logins of its registry."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from camhealth.camera_registry.demo_city import build_demo_city
from camhealth.camera_registry.records import CameraRecord
from camhealth.probes.auth import Credentials
from camhealth.probes.results import FailureCode, ProbeKind
from camhealth.probes.rtsp import probe_rtsp
from camhealth.probes.steps import Target
from camhealth.simulator.city import DARK_INTERSECTIONS, SD_AREAS, plan_city
from camhealth.simulator.clips import ClipLibrary
from camhealth.simulator.faults import Fault
from camhealth.simulator.fleet import Fleet
from camhealth.simulator.rtsp_server import RtspServer


def test_plan_serves_every_registry_camera_at_its_url() -> None:
    city = build_demo_city()
    plan = plan_city(city)
    assert [p.camera.id for p in plan.cameras] == [c.id for c in city.cameras]
    for planned, record in zip(plan.cameras, city.cameras, strict=True):
        assert record.rtsp_url == f"rtsp://{planned.camera.host}:{planned.camera.rtsp_port}" + (
            "/Streaming/Channels/101"
        )
        assert record.password is not None
        assert planned.camera.password == record.password.get_secret_value()
        assert planned.relayed == (record.platform_url == plan.relay_url(planned.camera))


def test_fault_mix_leaves_the_city_just_under_target() -> None:
    city = build_demo_city()
    plan = plan_city(city)
    key = {a.id for a in city.areas if a.key_area}
    in_key = [p for p in plan.cameras if p.area_id in key]
    down = Counter(
        bool(p.injected - {Fault.clock_skew, Fault.replaced, Fault.platform_down}) for p in in_key
    )
    not_intact = down[True] / len(in_key)
    assert 0.10 <= not_intact <= 0.15
    sd = [p for p in plan.cameras if p.area_id in SD_AREAS]
    assert sd and all(p.camera.main.height < 720 for p in sd)
    dark = [p for p in plan.cameras if p.area_id in DARK_INTERSECTIONS]
    assert dark and all(Fault.offline in p.injected for p in dark)


def _target(record: CameraRecord, url: str | None) -> Target:
    assert url is not None and record.password is not None
    creds = Credentials(record.username, record.password.get_secret_value())
    return Target(url, creds, timeout=20.0, name=record.id)


@pytest.mark.slow
async def test_demo_city_answers_like_its_plan(tmp_path: Path) -> None:
    city = build_demo_city()
    plan = plan_city(city)
    fleet = Fleet(plan, RtspServer(ClipLibrary(tmp_path, gops=2)))
    records = {c.id: c for c in city.cameras}
    healthy = next(p for p in plan.cameras if not p.injected and p.relayed)
    offline = next(p for p in plan.cameras if p.injected == {Fault.offline})
    platform_down = next(p for p in plan.cameras if p.injected == {Fault.platform_down})
    await fleet.start()
    try:
        record = records[healthy.camera.id]
        direct = await probe_rtsp(_target(record, record.rtsp_url))
        assert direct.ok, direct.detail
        assert direct.stream is not None
        assert (direct.stream.width, direct.stream.height) == (
            healthy.camera.main.width,
            healthy.camera.main.height,
        )
        relayed = await probe_rtsp(_target(record, record.platform_url), ProbeKind.platform)
        assert relayed.ok, relayed.detail

        record = records[offline.camera.id]
        assert (await probe_rtsp(_target(record, record.rtsp_url))).failure is FailureCode.refused

        record = records[platform_down.camera.id]
        assert (await probe_rtsp(_target(record, record.rtsp_url))).ok
        via_platform = await probe_rtsp(_target(record, record.platform_url), ProbeKind.platform)
        assert not via_platform.ok
    finally:
        await fleet.stop()
