"""The simulator's picture faults, encoded and decoded as a monitor receives them, are the faults
camhealth's own picture diagnosis finds: the simulator shows what it claims to show."""

from __future__ import annotations

import numpy as np
import pytest

from camhealth.health.quality import FrameDiagnosis, diagnose
from camhealth.health.thresholds import QualityThresholds
from camhealth.simulator.camera import Codec, StreamSpec
from camhealth.simulator.clips import ClipLibrary
from camhealth.simulator.faults import Fault
from camhealth.simulator.scenes import FAULT_PRIORITY, View
from tests.simulator.rtsp_testclient import decode

# The stream a monitor diagnoses; GOPs of one frame, as only keyframes are diagnosed.
SUB = StreamSpec(640, 360, Codec.h264, gop_seconds=0.04)
THRESHOLDS = QualityThresholds()
LIBRARY = ClipLibrary(None, gops=3)


def keyframe(view: View, gop: int) -> np.ndarray:
    clip = LIBRARY.get(LIBRARY.key(view, SUB))
    (frame,) = decode(SUB.codec, clip.gops[gop][0].annexb())
    return frame.to_ndarray(format="bgr24")


def diagnosis(scene: str, night: bool, fault: Fault | None) -> FrameDiagnosis:
    """Two samples of the camera, the second judged against the first and a healthy reference."""
    reference = diagnose(keyframe(View(scene, 640, 360, night=night), 0), THRESHOLDS).sample
    view = View(scene, 640, 360, night=night, fault=fault)
    first = diagnose(keyframe(view, 1), THRESHOLDS, reference=reference)
    return diagnose(keyframe(view, 2), THRESHOLDS, previous=first.sample, reference=reference)


@pytest.mark.slow
@pytest.mark.parametrize(("scene", "night"), [("garage", False), ("cafe", False), ("garage", True)])
def test_each_picture_fault_is_diagnosed_as_itself(scene: str, night: bool) -> None:
    assert diagnosis(scene, night, None).faults == ()
    for fault in FAULT_PRIORITY:
        if night and fault is Fault.color_cast:
            continue  # IR pictures are monochrome: the diagnosis never calls a cast on them
        expected = "frozen" if fault is Fault.frozen_osd else str(fault)
        found = {str(f) for f in diagnosis(scene, night, fault).faults}
        assert expected in found, f"{fault} at {scene} ({'night' if night else 'day'}): {found}"
