"""The rtsp and frames probes against the simulator's RTSP server, one test per fault."""

from __future__ import annotations

import pytest

from camhealth.probes.auth import Credentials
from camhealth.probes.frames import FrameDecoder, probe_frames
from camhealth.probes.results import FailureCode
from camhealth.probes.rtsp import probe_rtsp
from camhealth.probes.steps import Target
from camhealth.simulator.camera import Codec
from camhealth.simulator.clips import ClipLibrary
from camhealth.simulator.faults import Fault
from tests.probes.conftest import Sim, make_camera, running


async def test_rtsp_probe_reads_stream_facts(sim: Sim) -> None:
    result = await probe_rtsp(sim.target())
    assert result.ok, result.detail
    assert result.stream is not None
    assert (result.stream.codec, result.stream.width, result.stream.height) == ("h264", 1280, 720)
    assert [p.name for p in result.phases] == ["connect", "options", "describe"]
    sub = await probe_rtsp(sim.sub)
    assert sub.stream is not None and (sub.stream.width, sub.stream.height) == (640, 360)


async def test_frames_probe_decodes_the_first_keyframe(sim: Sim, decoder: FrameDecoder) -> None:
    result = await probe_frames(sim.target(), decoder)
    assert result.ok, result.detail
    frame = result.frame
    assert frame is not None
    assert (frame.width, frame.height, frame.image.shape) == (1280, 720, (720, 1280, 3))
    assert frame.small.shape == (360, 640, 3)
    assert frame.jpeg.startswith(b"\xff\xd8") and 0 < frame.keyframe_seconds < 5
    assert frame.image.std() > 10  # a picture, not a grey field
    names = [p.name for p in result.phases]
    assert names == ["connect", "describe", "setup", "play", "first_keyframe", "decode"]


async def test_h265_frames(clips: ClipLibrary, decoder: FrameDecoder) -> None:
    async with running(clips, make_camera(Codec.h265)) as sim:
        result = await probe_frames(sim.sub, decoder)
    assert result.ok, result.detail
    assert result.frame is not None and result.frame.codec == "h265"
    assert result.stream is not None and result.stream.codec == "h265"
    assert (result.frame.width, result.frame.height) == (640, 360)


@pytest.mark.parametrize(
    ("fault", "failure"),
    [
        (Fault.auth_failed, FailureCode.auth_failed),
        (Fault.rtsp_404, FailureCode.not_found),
        (Fault.nothing_to_play, FailureCode.not_found),
        (Fault.rtsp_503, FailureCode.protocol_error),
        (Fault.huge_headers, FailureCode.protocol_error),
        (Fault.endless_sdp, FailureCode.protocol_error),
        (Fault.hung, FailureCode.timeout),
    ],
)
async def test_rtsp_faults(sim: Sim, fault: Fault, failure: FailureCode) -> None:
    sim.fault(fault)
    result = await probe_rtsp(sim.target(seconds=1.0))
    assert result.failure == failure, result.detail
    assert result.duration < 1.5
    assert sim.camera.password not in result.detail


async def test_wrong_password(sim: Sim) -> None:
    target = Target(sim.url(), Credentials("admin", "wrong-password"), 2.0)
    result = await probe_rtsp(target)
    assert result.failure == FailureCode.auth_failed
    assert "wrong-password" not in result.detail


@pytest.mark.parametrize(
    ("fault", "failure"),
    [
        (Fault.rtsp_454, FailureCode.not_found),
        (Fault.nothing_to_play, FailureCode.not_found),  # DESCRIBE first, no OPTIONS
        (Fault.huge_headers, FailureCode.protocol_error),
        (Fault.endless_sdp, FailureCode.protocol_error),
        (Fault.no_frames, FailureCode.no_frames),
        (Fault.undecodable, FailureCode.decode_error),
    ],
)
async def test_frames_faults(
    sim: Sim, decoder: FrameDecoder, fault: Fault, failure: FailureCode
) -> None:
    sim.fault(fault)
    result = await probe_frames(sim.target(seconds=3.0), decoder)
    assert result.failure == failure, result.detail


@pytest.mark.parametrize(
    "fault", [Fault.udp_only, Fault.no_cseq_401, Fault.no_sprop, Fault.starts_with_p, Fault.slow]
)
async def test_deviations_still_give_a_frame(sim: Sim, decoder: FrameDecoder, fault: Fault) -> None:
    sim.fault(fault)
    sim.camera.faults.slow_seconds = 0.2
    result = await probe_frames(sim.sub, decoder)
    assert result.ok, f"{fault}: {result.failure} {result.detail}"
    assert result.frame is not None and (result.frame.width, result.frame.height) == (640, 360)


async def test_no_sprop_facts_come_from_the_stream(sim: Sim, decoder: FrameDecoder) -> None:
    sim.fault(Fault.no_sprop)
    described = await probe_rtsp(sim.target())
    assert described.ok and described.stream is not None and described.stream.width is None
