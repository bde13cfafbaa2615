"""A camera's reference view is taken automatically only once it has been confirmed healthy
for several pictures in a row, never from its first picture."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import cv2

from camhealth.config import HealthConfig
from camhealth.health.thresholds import QualityConfig
from camhealth.monitor.cameras import REFERENCE_AFTER, Cameras, Watch
from camhealth.probes.results import FrameSample, ProbeKind, ProbeResult
from tests.health.quality_pictures import camera, photo

T0 = datetime(2026, 11, 2, 8, tzinfo=UTC)


def picture(seed: int) -> ProbeResult:
    image = camera(photo(), seed=seed, clock=seed)
    jpeg = cv2.imencode(".jpg", image)[1].tobytes()
    height, width = image.shape[:2]
    frame = FrameSample(image, image, jpeg, width, height, "h264", 0.1)
    return ProbeResult(ProbeKind.frames, "cam-1", 0.0, 0.1, frame=frame)


async def test_the_reference_is_the_picture_after_enough_clean_ones() -> None:
    cameras, watch = Cameras(HealthConfig(), QualityConfig()), Watch("cam-1")
    taken: list[bool] = []
    previous = reference = None  # as the store would give them back: packed
    for n in range(REFERENCE_AFTER + 3):
        result = picture(n)
        assert result.frame is not None
        judged = await cameras.diagnose(watch, result.frame, previous, reference)
        assert not judged.diagnosis.faults
        outcome = cameras.observe(watch, result, T0 + timedelta(minutes=n), False, judged)
        taken.append(outcome.reference is not None)
        if outcome.reference is not None:
            reference = judged.packed
        assert outcome.picture is not None
        previous = outcome.picture.sample
    # The first picture decides intact; the clean count starts with the second.
    assert taken == [False] * REFERENCE_AFTER + [True, False, False]
    assert cameras.referenced == {watch.id}


async def test_a_camera_judged_against_a_reference_gets_none_taken() -> None:
    """The store gave a reference (the registry has one): no automatic one replaces it."""
    cameras, watch = Cameras(HealthConfig(), QualityConfig()), Watch("cam-1")
    first = picture(0)
    assert first.frame is not None
    reference = (await cameras.diagnose(watch, first.frame, None, None)).packed
    for n in range(REFERENCE_AFTER + 2):
        result = picture(n + 1)
        assert result.frame is not None
        judged = await cameras.diagnose(watch, result.frame, None, reference)
        outcome = cameras.observe(watch, result, T0 + timedelta(minutes=n), False, judged)
        assert outcome.reference is None
