"""A camera's samples (its last picture's, its reference view's) are read from the store at each
of its pictures, not kept in memory: memory does not grow with the fleet by a sample pair a
camera, ``frozen`` still compares with the previous picture (across a restart too), and an
operator's new reference is used from the camera's next picture."""

from __future__ import annotations

import gc
import io
import tracemalloc
from collections.abc import AsyncIterator, Iterator
from dataclasses import fields
from datetime import UTC, datetime, timedelta
from typing import Any

import cv2
import numpy as np
import pytest

from camhealth.camera_registry.importing import Row
from camhealth.camera_registry.store import Registry
from camhealth.config import Settings
from camhealth.health.quality import diagnose
from camhealth.health.sequence import Sample
from camhealth.health.thresholds import QualityThresholds
from camhealth.monitor.judging import judge
from camhealth.monitor.pictures import MAGIC, pack_sample, unpack_sample
from camhealth.monitor.pipeline import Pipeline, _merged
from camhealth.monitor.store import Batch, MonitorStore, StoredReference
from camhealth.probes.results import FrameSample, ProbeKind, ProbeResult
from tests.health.quality_pictures import camera, jpeg, osd, photo
from tests.registry.builders import area
from tests.registry.builders import camera as camera_record

T0 = datetime(2026, 11, 2, 8, tzinfo=UTC)
FLEET = 24


def _result(camera_id: str, image: np.ndarray) -> ProbeResult:
    height, width = image.shape[:2]
    encoded = cv2.imencode(".jpg", image)[1].tobytes()
    frame = FrameSample(image, image, encoded, width, height, "h264", 0.1)
    return ProbeResult(ProbeKind.frames, camera_id, 0.0, 0.1, frame=frame)


def _encoded(image: np.ndarray) -> bytes:
    return cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 90])[1].tobytes()


def _frozen_pair() -> tuple[np.ndarray, np.ndarray]:
    """One captured picture encoded twice with another OSD clock: a frozen encoder."""
    captured = camera(photo(), seed=5)
    return jpeg(osd(captured, clock=0), 80), jpeg(osd(captured, clock=300), 78)


def _detected(pipeline: Pipeline, camera_id: str) -> set[str]:
    """The faults found in the camera's last judged picture (in the pending batch)."""
    checks = pipeline._batch.pictures[camera_id].diagnosis["checks"]
    return {check["fault"] for check in checks if check["detected"]}


@pytest.fixture
async def fleet(registry: Registry) -> list[str]:
    ids = [f"cam-{n:02d}" for n in range(FLEET)]
    await registry.apply_areas([Row(2, area("a1"))])
    records = [camera_record(camera_id) for camera_id in ids]
    await registry.apply_cameras([Row(n, r) for n, r in enumerate(records, start=2)])
    return ids


@pytest.fixture
async def started(
    settings: Settings, registry: Registry, store: MonitorStore, fleet: list[str]
) -> AsyncIterator[Any]:
    """Pipelines that read the store and the registry, not probing: the test hands each
    picture to ``_judge`` itself. Their diagnosis pools are shut down at the end."""
    made: list[Pipeline] = []

    async def start() -> Pipeline:
        pipeline = Pipeline(settings, registry, store, clock=lambda: T0)
        await pipeline._restore()
        await pipeline._load_registry()
        made.append(pipeline)
        return pipeline

    yield start
    for pipeline in made:
        pipeline._diagnoser.shutdown(wait=True)


def _samples_alive() -> int:
    gc.collect()
    return sum(isinstance(o, Sample) for o in gc.get_objects())


def _held(value: object, seen: set[int] | None = None) -> Iterator[object]:
    """Every object reachable from ``value`` through dicts, sets, lists, tuples and attributes."""
    seen = set() if seen is None else seen
    if id(value) in seen:
        return
    seen.add(id(value))
    yield value
    if isinstance(value, dict):
        children: list[object] = [*value.keys(), *value.values()]
    elif isinstance(value, list | tuple | set | frozenset):
        children = list(value)
    elif hasattr(value, "__dict__") and not isinstance(value, type):
        children = list(vars(value).values())
    else:
        children = []
    for child in children:
        yield from _held(child, seen)


async def test_no_sample_stays_in_memory_per_camera(
    started: Any, fleet: list[str], store: MonitorStore
) -> None:
    pipeline = await started()
    half = len(fleet) // 2
    before = _samples_alive()
    for n, camera_id in enumerate(fleet[:half]):
        await pipeline._judge(camera_id, _result(camera_id, camera(photo(), seed=n)), T0)
    await pipeline._flush(T0)
    tracemalloc.start(16)
    try:
        gc.collect()
        first = tracemalloc.take_snapshot()
        for n, camera_id in enumerate(fleet[half:]):
            image = camera(photo(), seed=100 + n)
            await pipeline._judge(camera_id, _result(camera_id, image), T0)
            del image
        await pipeline._flush(T0)
        gc.collect()
        last = tracemalloc.take_snapshot()
    finally:
        tracemalloc.stop()
    # The pool's feeder keeps the last few pictures it pickled: not the cameras' memory.
    pool = [tracemalloc.Filter(False, "*/multiprocessing/queues.py", all_frames=True)]
    grown = sum(s.size_diff for s in last.filter_traces(pool).compare_to(first, "filename"))
    held = [type(o).__name__ for o in _held(pipeline.cameras) if isinstance(o, Sample | np.ndarray)]
    assert held == []
    assert not any(isinstance(o, bytes) and len(o) > 1000 for o in _held(pipeline.cameras))
    assert _samples_alive() <= before
    # A sample pair is 66 kB a camera; what stays (a state, a few small entries) is far less.
    assert grown < (len(fleet) - half) * 8_000, grown
    # ... while the store has every camera's last sample for its next picture.
    for camera_id in fleet:
        assert (await store.kept(camera_id, Batch())).previous is not None


async def test_frozen_compares_with_the_stored_picture_across_a_restart(started: Any) -> None:
    before, repeated = _frozen_pair()
    first = await started()
    await first._judge("cam-00", _result("cam-00", before), T0)
    await first._judge("cam-01", _result("cam-01", before), T0)
    assert "frozen" not in _detected(first, "cam-00")  # nothing to compare with yet
    await first._flush(T0)

    second = await started()
    await second._judge("cam-00", _result("cam-00", repeated), T0 + timedelta(minutes=5))
    assert "frozen" in _detected(second, "cam-00")
    live = camera(photo(), seed=9)
    await second._judge("cam-01", _result("cam-01", live), T0 + timedelta(minutes=5))
    assert "frozen" not in _detected(second, "cam-01")


async def test_a_picture_not_yet_written_is_the_previous_one(started: Any) -> None:
    """Judged but not flushed: the pending batch's sample is newer than the database's."""
    before, repeated = _frozen_pair()
    pipeline = await started()
    await pipeline._judge("cam-00", _result("cam-00", camera(photo("coffee"), seed=1)), T0)
    await pipeline._flush(T0)
    await pipeline._judge("cam-00", _result("cam-00", before), T0 + timedelta(minutes=5))
    await pipeline._judge("cam-00", _result("cam-00", repeated), T0 + timedelta(minutes=10))
    assert "frozen" in _detected(pipeline, "cam-00")


async def test_an_operators_new_reference_is_used_at_the_next_picture(
    started: Any, registry: Registry, store: MonitorStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    pipeline = await started()
    converted: list[bytes] = []
    real = pipeline.cameras.packed_reference

    async def counted(jpeg_bytes: bytes) -> bytes | None:
        converted.append(jpeg_bytes)
        return await real(jpeg_bytes)

    monkeypatch.setattr(pipeline.cameras, "packed_reference", counted)
    view, elsewhere = _encoded(camera(photo(), seed=1)), _encoded(camera(photo("coffee")))
    await registry.set_reference("cam-00", view, T0)
    for minute in (0, 5, 10):
        at = T0 + timedelta(minutes=minute)
        await pipeline._judge("cam-00", _result("cam-00", camera(photo(), seed=minute)), at)
        assert "scene_change" not in _detected(pipeline, "cam-00")
        if minute == 5:
            await pipeline._flush(at)
    assert converted == [view]  # converted once, then read back from the store
    assert "cam-00" in pipeline.cameras.referenced

    await registry.set_reference("cam-00", elsewhere, T0 + timedelta(hours=1))
    at = T0 + timedelta(hours=1, minutes=5)
    await pipeline._judge("cam-00", _result("cam-00", camera(photo(), seed=20)), at)
    assert "scene_change" in _detected(pipeline, "cam-00")
    assert converted == [view, elsewhere]
    await pipeline._flush(at)
    kept = await store.kept("cam-00", Batch())
    assert kept.reference is not None and not kept.outdated
    assert kept.converted is not None and kept.converted.taken_at == T0 + timedelta(hours=1)


async def test_a_reference_taken_automatically_is_kept_in_both_stores(
    started: Any, registry: Registry, store: MonitorStore
) -> None:
    pipeline = await started()
    taken_at = None
    for minute in range(0, 30, 5):
        at = T0 + timedelta(minutes=minute)
        await pipeline._judge("cam-00", _result("cam-00", camera(photo(), seed=minute)), at)
        if taken_at is None and "cam-00" in pipeline._batch.references:
            taken_at = at
    assert taken_at is not None
    stored = await registry.get_reference("cam-00")
    assert stored is not None and stored[1] == taken_at
    await pipeline._flush(T0 + timedelta(hours=1))
    kept = await store.kept("cam-00", Batch())
    assert kept.reference is not None and not kept.outdated


async def test_a_removed_camera_is_forgotten_by_the_store(store: MonitorStore) -> None:
    sample = pack_sample(diagnose(camera(photo()), QualityThresholds()).sample)
    batch = Batch(references={"c1": StoredReference("c1", T0, sample)})
    await store.write(batch)
    assert (await store.kept("c1", Batch())).converted is not None
    await store.forget(["c1"])
    kept = await store.kept("c1", Batch())
    assert (kept.previous, kept.converted, kept.registry_taken_at) == (None, None, None)


def _npz(sample: Sample) -> bytes:
    """A sample as the monitor stored it before the packed layout: a compressed .npz."""
    out = io.BytesIO()
    arrays = {f.name: np.asarray(getattr(sample, f.name)) for f in fields(Sample)}
    np.savez_compressed(out, **arrays)  # type: ignore[arg-type]
    return out.getvalue()


def test_samples_stored_as_npz_still_load_and_judge() -> None:
    before, repeated = _frozen_pair()
    sample = diagnose(before, QualityThresholds()).sample
    old = _npz(sample)
    assert old.startswith(b"PK") and pack_sample(sample).startswith(MAGIC)
    for blob in (old, pack_sample(sample)):
        loaded = unpack_sample(blob)
        for f in fields(Sample):
            assert np.array_equal(getattr(loaded, f.name), getattr(sample, f.name), equal_nan=True)
    frame = _result("c1", repeated).frame
    assert frame is not None
    judged = judge(frame, QualityThresholds(), old, old)
    assert "frozen" in {fault.value for fault in judged.diagnosis.faults}


def test_a_damaged_sample_is_no_sample() -> None:
    packed = pack_sample(diagnose(camera(photo()), QualityThresholds()).sample)
    for damaged in (b"", b"PK\x03\x04junk", packed[:100], MAGIC + b"\xff" * 40, packed[:-50]):
        with pytest.raises(ValueError):
            unpack_sample(damaged)
    frame = _result("c1", camera(photo())).frame
    assert frame is not None
    judged = judge(frame, QualityThresholds(), packed[:-50], None)
    check = next(c for c in judged.diagnosis.checks if c.fault.value == "frozen")
    assert check.note == "no previous sample"


def test_a_batch_that_failed_to_write_keeps_every_kind_of_entry() -> None:
    """A flush that failed is retried with what arrived since: nothing of either is dropped."""
    older, newer, sentinels = Batch(), Batch(), {}
    for field_ in fields(Batch):
        sentinels[field_.name] = object()
        target = getattr(newer, field_.name)
        if isinstance(target, dict):
            target["cam-1"] = sentinels[field_.name]
        else:
            target.append(sentinels[field_.name])
    merged = _merged(older, newer)
    for name, sentinel in sentinels.items():
        kept = getattr(merged, name)
        assert sentinel in (kept.values() if isinstance(kept, dict) else kept), name
