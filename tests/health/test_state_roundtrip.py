"""The stored form of a state and its events: JSON that resumes confirmations after a restart."""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np

from camhealth.health.events import Event
from camhealth.health.state import CameraState, Observation
from camhealth.probes.results import (
    DeviceFacts,
    FailureCode,
    FrameSample,
    ProbeKind,
    ProbeResult,
    StreamFacts,
)
from tests.health.state_helpers import failed, frames, ok, run

K = ProbeKind


def _through_json(state: CameraState) -> CameraState:
    return CameraState.from_dict(json.loads(json.dumps(state.to_dict())))


DEVICE = DeviceFacts(
    "Hikvision", "DS-2CD2T47", "V5.7.3", clock_skew_seconds=-2.5, stream_uris=("rtsp://x/1",)
)


def test_a_state_survives_json_unchanged():
    onvif = Observation(K.onvif, device=DEVICE)
    state, _ = run([frames("blur"), ok(K.platform), onvif, failed(K.rtsp, FailureCode.timeout)])
    assert state.faults and state.probes and state.device == DEVICE
    assert _through_json(state) == state


def test_a_restart_between_two_bad_pictures_still_confirms_the_fault():
    state, _ = run([frames(), frames("occlusion")])
    resumed, events = run([frames("occlusion")], _through_json(state), start=2)
    assert resumed.confirmed_faults == ("occlusion",)
    assert [e.kind.value for e in events] == ["became_not_intact", "fault_confirmed"]


def test_a_restart_brings_no_false_changes():
    state, _ = run([frames(), ok(K.platform), frames()])
    _, events = run([frames(), ok(K.platform)], _through_json(state), start=3)
    assert events == []


def test_events_survive_json_unchanged():
    _, events = run([frames("blank"), frames("blank")])
    for event in events:
        assert Event.from_dict(json.loads(json.dumps(event.to_dict()))) == event


@dataclass(frozen=True)
class _NoFaults:
    width: int = 1280
    height: int = 720
    hd: bool = True
    checks: tuple[()] = ()


def test_an_observation_is_made_from_a_probe_result():
    image = np.zeros((720, 1280, 3), np.uint8)
    sample = FrameSample(image, image[::4, ::4], b"jpeg", 1280, 720, "h264", 0.2)
    direct = ProbeResult(K.rtsp, "cam-1", 0.0, 0.1)
    platform = ProbeResult(
        K.platform, "cam-1", 0.0, 1.5, FailureCode.not_found, "404", frame=sample, direct=direct
    )
    obs = Observation.of(platform, diagnosis=_NoFaults(), snapshot="ev/1.jpg", in_maintenance=True)
    assert (obs.probe, obs.failure, obs.detail, obs.duration) == (
        K.platform,
        FailureCode.not_found,
        "404",
        1.5,
    )
    assert obs.direct_ok is True and obs.answered and obs.in_maintenance
    assert obs.evidence().snapshot == "ev/1.jpg"
    assert Observation.of(direct).direct_ok is None


def test_device_and_codec_facts_are_remembered_from_the_probes_that_learn_them():
    onvif = ProbeResult(K.onvif, "cam-1", 0.0, 0.2, device=DEVICE)
    rtsp = ProbeResult(
        K.rtsp, "cam-1", 0.0, 0.1, stream=StreamFacts("h265", width=2560, height=1440)
    )
    state, _ = run(
        [Observation.of(onvif), Observation.of(rtsp), failed(K.rtsp, FailureCode.timeout)]
    )
    assert state.device == DEVICE and state.codec == "h265"


def test_a_clock_only_probe_keeps_the_identity_and_moves_the_skew():
    clock_only = DeviceFacts(clock_skew_seconds=41.0)
    state, _ = run([Observation(K.onvif, device=DEVICE), Observation(K.onvif, device=clock_only)])
    assert state.device is not None
    assert (state.device.vendor, state.device.model) == ("Hikvision", "DS-2CD2T47")
    assert state.device.stream_uris == DEVICE.stream_uris
    assert state.device.clock_skew_seconds == 41.0


def test_a_new_identity_replaces_the_old_one_whole():
    replaced = DeviceFacts("Dahua", "IPC-HFW", None, serial="NEW", clock_skew_seconds=0.5)
    state, _ = run([Observation(K.onvif, device=DEVICE), Observation(K.onvif, device=replaced)])
    assert state.device == replaced
