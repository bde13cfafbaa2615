"""The monitor's onvif probes read a camera's clock every time and its identity less often."""

from __future__ import annotations

import asyncio

from camhealth.config import ProbesConfig
from camhealth.probes.results import ProbeKind, ProbeResult
from camhealth.probes.steps import Target
from camhealth.probes.targets import Probers, Watched
from camhealth.simulator.faults import Fault
from tests.probes.conftest import Sim


def camera(sim: Sim, seconds: float = 3.0) -> Watched:
    target = Target(sim.onvif_url, sim.credentials, seconds, name=sim.camera.id)
    return Watched(sim.camera.id, sim.camera.host, {ProbeKind.onvif: target})


async def probes(sim: Sim, interval: float, *faults: tuple[Fault, ...]) -> list[ProbeResult]:
    """One onvif probe per entry of ``faults``, the camera having those faults meanwhile."""
    probers = Probers(ProbesConfig(identity_interval=interval), decode_workers=1)
    results = []
    try:
        for camera_faults in faults:
            sim.fault(*camera_faults)
            results.append(await probers.run(ProbeKind.onvif, camera(sim, seconds=1.0)))
    finally:
        await probers.close()
    return results


def steps(result: ProbeResult) -> list[str]:
    return [phase.name for phase in result.phases]


async def test_identity_once_per_interval_clock_every_time(sim: Sim) -> None:
    first, second, third = await probes(sim, 3600.0, (), (), ())
    assert [steps(r) for r in (first, second, third)] == [
        ["time", "device_info"],
        ["time"],
        ["time"],
    ]
    assert first.device is not None and first.device.serial == sim.camera.serial
    assert third.device is not None and third.device.serial is None
    assert third.device.clock_skew_seconds is not None


async def test_identity_asked_again_after_a_failed_probe(sim: Sim) -> None:
    results = await probes(sim, 3600.0, (), (Fault.hung,), (), ())
    assert [r.ok for r in results] == [True, False, True, True]
    assert steps(results[2]) == ["time", "device_info"]  # the camera may have been replaced
    assert steps(results[3]) == ["time"]


async def test_identity_asked_again_once_the_interval_passed(sim: Sim) -> None:
    probers = Probers(ProbesConfig(identity_interval=0.2), decode_workers=1)
    try:
        first = await probers.run(ProbeKind.onvif, camera(sim))
        soon = await probers.run(ProbeKind.onvif, camera(sim))
        sim.fault(Fault.replaced)
        await asyncio.sleep(0.3)
        later = await probers.run(ProbeKind.onvif, camera(sim))
    finally:
        await probers.close()
    assert steps(soon) == ["time"]
    assert first.device and later.device and later.device.serial != first.device.serial


async def test_a_removed_camera_is_identified_afresh(sim: Sim) -> None:
    probers = Probers(ProbesConfig(identity_interval=3600.0), decode_workers=1)
    try:
        await probers.run(ProbeKind.onvif, camera(sim))
        probers.forget([sim.camera.id])
        again = await probers.run(ProbeKind.onvif, camera(sim))
    finally:
        await probers.close()
    assert steps(again) == ["time", "device_info"]
