"""The state machine driven by real picture diagnoses (``health.quality``), not stand-ins."""

from __future__ import annotations

import numpy as np
import pytest

from camhealth.health.state import Observation
from camhealth.probes.results import ProbeKind
from tests.health.state_helpers import run

quality = pytest.importorskip("camhealth.health.quality")
thresholds = pytest.importorskip("camhealth.health.thresholds")


def _diagnose(frame: np.ndarray):
    return quality.diagnose(frame, thresholds.QualityThresholds())


def test_two_blank_pictures_confirm_blank_and_a_real_one_is_hd():
    black = np.zeros((720, 1280, 3), np.uint8)
    blank = Observation(ProbeKind.frames, diagnosis=_diagnose(black))
    assert "blank" in [str(f) for f in blank.diagnosis.faults]
    state, events = run([blank, blank])
    assert state.confirmed_faults == ("blank",) and state.hd.value is True
    assert state.intact.value is False
    confirmed = [e for e in events if e.fault == "blank"]
    assert confirmed and confirmed[0].evidence.scores[0][0] == "blank"
