"""The monitor's store on SQLite and PostgreSQL: a batch is written whole or not at all, what is
written reads back equal (running streaks included), retention removes only what is old."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from sqlalchemy.exc import IntegrityError

from camhealth.config import HealthConfig, MonitorConfig
from camhealth.health.events import Event, EventKind, Evidence
from camhealth.health.indicators import Indicator, compute_indicators
from camhealth.health.quality import diagnose
from camhealth.health.state import CameraState, Observation, step
from camhealth.health.thresholds import QualityThresholds
from camhealth.monitor.pictures import diagnosis_json, pack_sample, unpack_sample
from camhealth.monitor.store import Batch, MonitorStore, StoredPicture
from camhealth.probes.results import FailureCode, ProbeKind

T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)


def _streaking_state() -> CameraState:
    """Online, then one failed probe of the three that make it offline: a streak running."""
    state = CameraState("c1")
    for n, failure in enumerate((None, FailureCode.timeout)):
        observation = Observation(ProbeKind.rtsp, failure=failure)
        state, _ = step(state, observation, HealthConfig(), T0 + timedelta(minutes=n))
    assert state.online.streak == 1
    return state


def _event(at: datetime, camera: str = "c1") -> Event:
    evidence = Evidence(ProbeKind.frames, None, "", (("blur", 2.5),), f"{camera}@{at.isoformat()}")
    return Event(camera, EventKind.fault_confirmed, at, at, evidence, fault="blur")


async def test_a_batch_reads_back_equal(store: MonitorStore) -> None:
    state = _streaking_state()
    frame = np.random.default_rng(1).integers(0, 255, (360, 640, 3), dtype=np.uint8)
    diagnosis = diagnose(frame, QualityThresholds())
    picture = StoredPicture("c1", T0, pack_sample(diagnosis.sample), diagnosis_json(diagnosis))
    batch = Batch(states={"c1": state}, events=[_event(T0)], pictures={"c1": picture})
    batch.evidence.append((f"c1@{T0.isoformat()}", "c1", T0, b"jpeg"))
    report = compute_indicators([], [], {})
    batch.add_history(T0, report)
    await store.write(batch)

    assert await store.states() == {"c1": state}
    assert await store.events() == [_event(T0)]
    assert await store.evidence([f"c1@{T0.isoformat()}", "nothing"]) == {
        f"c1@{T0.isoformat()}": b"jpeg"
    }
    kept = await store.kept("c1", Batch())
    assert kept.previous is not None
    sample = unpack_sample(kept.previous)
    assert np.array_equal(sample.blocks, diagnosis.sample.blocks)
    rows = await store.history(T0, T0 + timedelta(hours=1))
    assert {(r["district"], r["indicator"]) for r in rows} == {("", i.value) for i in Indicator}


async def test_a_failing_batch_writes_nothing(store: MonitorStore) -> None:
    await store.write(Batch(states={"c1": _streaking_state()}))
    broken = Batch(
        states={"c2": _streaking_state()},
        events=[_event(T0, "c2")],
        evidence=[(f"c2@{T0.isoformat()}", "c2", T0, b"a")],
        # written last, and refused: a count cannot be NULL
        history=[{"at": T0, "district": "", "indicator": "x", "numerator": None, "denominator": 1}],
    )
    with pytest.raises(IntegrityError):
        await store.write(broken)
    assert set(await store.states()) == {"c1"}
    assert await store.events() == []
    assert await store.evidence([f"c2@{T0.isoformat()}"]) == {}


async def test_upserts_keep_the_newest_and_history_carries_in(store: MonitorStore) -> None:
    older, newer = _streaking_state(), CameraState("c1", updated_at=T0 + timedelta(hours=1))
    await store.write(Batch(states={"c1": older}))
    await store.write(Batch(states={"c1": newer}))
    assert (await store.states())["c1"] == newer
    for hour in range(3):
        row = {"at": T0 + timedelta(hours=hour), "district": "d", "indicator": "intactness"}
        await store.write(Batch(history=[row | {"numerator": hour, "denominator": 3}]))
    rows = await store.history(T0 + timedelta(minutes=90), T0 + timedelta(hours=3))
    assert [r["numerator"] for r in rows] == [1, 2]  # 1 carries into the period


async def test_retention_removes_only_old_rows(store: MonitorStore) -> None:
    now = T0 + timedelta(days=100)
    batch = Batch(events=[_event(T0), _event(now - timedelta(days=1))])
    batch.evidence += [("old", "c1", T0, b"x"), ("new", "c1", now, b"y")]
    batch.add_history(T0, compute_indicators([], [], {}))
    await store.write(batch)
    await store.prune(MonitorConfig(events_days=30, evidence_days=30, history_days=365), now)
    assert [e.at for e in await store.events()] == [now - timedelta(days=1)]
    assert await store.evidence(["old", "new"]) == {"new": b"y"}
    assert len(await store.history(T0, now)) == len(Indicator)  # kept 365 days
