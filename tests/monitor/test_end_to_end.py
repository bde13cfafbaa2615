"""The whole pipeline on a small simulated city: statuses match the truth, faults injected at run
time show as events and in the indicators, and clear again when the fault goes."""

from __future__ import annotations

import pytest

from camhealth.camera_registry.store import Registry
from camhealth.config import Settings
from camhealth.health.events import EventKind
from camhealth.health.state import CameraState
from camhealth.monitor.pipeline import Pipeline
from camhealth.monitor.store import MonitorStore
from camhealth.simulator.faults import Fault
from tests.monitor.city import SmallCity, eventually, no_problems

pytestmark = pytest.mark.slow


def _state(pipeline: Pipeline, camera_id: str) -> CameraState:
    return pipeline.snapshot.cameras[camera_id].state


def _mismatches(pipeline: Pipeline, city: SmallCity) -> list[str]:
    """Cameras whose confirmed status differs from what the simulator's truth expects."""
    wrong = []
    for camera_id in pipeline.snapshot.cameras:
        truth, state = city.expected(camera_id), _state(pipeline, camera_id)
        for name in ("online", "intact", "networked", "hd"):
            want = getattr(truth, name)
            seen = getattr(state, name).value is True  # unknown is not online, not HD, ...
            if want is not None and seen is not want:
                wrong.append(f"{camera_id} {name}: {seen} != {want} {state}")
    return wrong


async def test_statuses_follow_the_truth_and_injected_faults(
    settings: Settings, registry: Registry, store: MonitorStore, city: SmallCity
) -> None:
    async with Pipeline(settings, registry, store) as pipeline:
        await no_problems(lambda: _mismatches(pipeline, city), 40)
        intact_before = pipeline.snapshot.indicators.city.intactness.numerator
        victim, blurred = city.healthy()[:2]

        await city.set_faults(victim, Fault.offline)
        await city.set_faults(blurred, Fault.blur)
        await eventually(lambda: _state(pipeline, victim).online.value is False, 30, "offline")
        await eventually(
            lambda: "blur" in _state(pipeline, blurred).confirmed_faults, 30, "blur confirmed"
        )
        assert pipeline.snapshot.indicators.city.intactness.numerator == intact_before - 2

        await city.set_faults(victim)
        await city.set_faults(blurred)
        await no_problems(lambda: _mismatches(pipeline, city), 40)
        assert pipeline.snapshot.indicators.city.intactness.numerator == intact_before

    kinds = {(e.camera, e.kind, e.fault) for e in await store.events()}
    for expected_event in (
        (victim, EventKind.went_offline, None),
        (victim, EventKind.came_online, None),
        (blurred, EventKind.fault_confirmed, "blur"),
        (blurred, EventKind.fault_cleared, "blur"),
        (blurred, EventKind.became_not_intact, None),
        (blurred, EventKind.became_intact, None),
    ):
        assert expected_event in kinds
    stored = await store.states()
    assert stored[victim].online.value is True
    assert stored[blurred].confirmed_faults == ()
