"""The running monitor builds its Snapshots in a thread, from copies taken on the event loop."""

from __future__ import annotations

import asyncio
import threading

import pytest

from camhealth.camera_registry.store import Registry
from camhealth.config import Settings
from camhealth.health.snapshot import Snapshot
from camhealth.monitor import pipeline as pipeline_module
from camhealth.monitor.pipeline import Pipeline
from camhealth.monitor.store import MonitorStore
from tests.monitor.city import SmallCity, eventually

pytestmark = pytest.mark.slow


async def test_snapshots_are_built_off_the_loop_while_it_goes_on(
    settings: Settings,
    registry: Registry,
    store: MonitorStore,
    city: SmallCity,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real, loop = pipeline_module.build_snapshot, asyncio.get_running_loop()
    loop_thread = threading.get_ident()
    off_loop: list[bool] = []  # per build away from the loop: whether the loop turned meanwhile

    def build(*args: object) -> Snapshot:
        if threading.get_ident() != loop_thread:
            turned = threading.Event()  # set by the loop, while this build waits for it
            loop.call_soon_threadsafe(turned.set)
            off_loop.append(turned.wait(10))
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(pipeline_module, "build_snapshot", build)
    async with Pipeline(settings, registry, store) as pipeline:
        await pipeline.first_cycle.wait()
        await eventually(lambda: len(off_loop) >= 2, 30, "two Snapshots built off the loop")
        snapshot = pipeline.snapshot
    assert off_loop[:2] == [True, True]
    assert set(snapshot.cameras) == {p.camera.id for p in city.plan.cameras}
