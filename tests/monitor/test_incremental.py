"""A running monitor redoes only what changed. A camera's state is written when a status,
streak, fault or fact moved; a result that only adds to its last probes waits
(``STATE_REFRESH``), so the store is not rewritten at every probe of a healthy fleet, and a
graceful stop writes what waited. A re-read of the registry rebuilds a camera's probe targets
only when its row or its login changed."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from camhealth.camera_registry.importing import Row
from camhealth.camera_registry.store import Registry
from camhealth.config import Settings
from camhealth.health.state import CameraState, LastProbe, only_bookkeeping
from camhealth.monitor import pipeline as pipeline_module
from camhealth.monitor.pipeline import Pipeline
from camhealth.monitor.store import MonitorStore
from camhealth.probes.results import FailureCode, ProbeKind, ProbeResult
from tests.registry.builders import area, settings_for
from tests.registry.builders import camera as camera_record

T0 = datetime(2026, 11, 2, 8, tzinfo=UTC)
# Loopback port 1: nothing listens, so any probe the scheduler sends is refused at once.
NOWHERE = "rtsp://127.0.0.1:1/cam"


async def test_a_re_read_rebuilds_only_changed_targets(
    loaded: Pipeline, registry: Registry
) -> None:
    before = {w.id: w for w in await loaded._load_registry()}
    edited = camera_record("cam-01", rtsp_url=NOWHERE, username="op", password="new")
    await registry.apply_cameras([Row(2, edited)])
    after = {w.id: w for w in await loaded._load_registry()}
    assert after["cam-00"] is before["cam-00"]
    assert after["cam-01"] is not before["cam-01"]
    assert after["cam-01"].targets[ProbeKind.rtsp].credentials.password == "new"


def _rtsp(failure: FailureCode | None = None) -> ProbeResult:
    return ProbeResult(ProbeKind.rtsp, "cam-00", 0.0, 0.05, failure=failure)


@pytest.fixture
async def watched(registry: Registry) -> None:
    await registry.apply_areas([Row(2, area("a1"))])
    records = [camera_record(f"cam-{n:02d}", rtsp_url=NOWHERE) for n in range(2)]
    await registry.apply_cameras([Row(n, r) for n, r in enumerate(records, start=2)])


@pytest.fixture
async def loaded(
    settings: Settings, registry: Registry, store: MonitorStore, watched: None
) -> AsyncIterator[Pipeline]:
    """A pipeline with the registry read, not probing: the test decides results itself."""
    pipeline = Pipeline(settings, registry, store, clock=lambda: T0)
    await pipeline._restore()
    await pipeline._load_registry()
    yield pipeline
    pipeline._diagnoser.shutdown(wait=True)


def test_only_bookkeeping_tells_probes_from_statuses() -> None:
    before = CameraState("cam-00", updated_at=T0)
    probed = LastProbe(ProbeKind.rtsp, T0 + timedelta(minutes=1), None, 0.05)
    after = replace(before, probes=(probed,), updated_at=probed.at)
    assert only_bookkeeping(before, after)
    assert not only_bookkeeping(before, replace(after, codec="h264"))
    assert not only_bookkeeping(before, replace(after, online=replace(after.online, streak=1)))


async def test_a_result_that_moves_no_status_waits(loaded: Pipeline) -> None:
    loaded._decide("cam-00", _rtsp(), T0, None)
    assert "cam-00" in loaded._batch.states  # the first state is news
    await loaded._flush(T0)
    loaded._decide("cam-00", _rtsp(), T0 + timedelta(minutes=1), None)
    assert "cam-00" not in loaded._batch.states
    loaded._decide("cam-00", _rtsp(FailureCode.timeout), T0 + timedelta(minutes=2), None)
    written = loaded._batch.states["cam-00"]  # a failure streak began: written at once
    assert written.updated_at == T0 + timedelta(minutes=2)


async def test_a_waiting_state_is_written_after_state_refresh(
    loaded: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pipeline_module, "STATE_REFRESH", 0.2)
    loaded._decide("cam-00", _rtsp(), T0, None)
    await loaded._flush(T0)
    loaded._decide("cam-00", _rtsp(), T0 + timedelta(seconds=10), None)
    assert "cam-00" not in loaded._batch.states
    await asyncio.sleep(0.25)
    loaded._decide("cam-00", _rtsp(), T0 + timedelta(seconds=20), None)
    assert loaded._batch.states["cam-00"].updated_at == T0 + timedelta(seconds=20)


async def test_a_graceful_stop_writes_the_waiting_states(
    database_url: str, registry: Registry, store: MonitorStore, watched: None
) -> None:
    # Hour-long intervals: the scheduler stays quiet while the test decides results itself.
    kinds = ("ONVIF", "RTSP", "FRAMES", "PLATFORM")
    hour = {f"CAMHEALTH_PROBES__{kind}_INTERVAL": "3600" for kind in kinds}
    quiet = settings_for(database_url, **hour)
    last = T0 + timedelta(minutes=3)
    async with Pipeline(quiet, registry, store) as pipeline:
        pipeline._decide("cam-00", _rtsp(), T0, None)
        await pipeline._flush(T0)
        pipeline._decide("cam-00", _rtsp(), last, None)
        assert "cam-00" not in pipeline._batch.states
    stored = await store.states()
    assert stored["cam-00"].updated_at == last
