"""A decode our own pool could not do in time is the monitor's lateness, not the camera's."""

from __future__ import annotations

from camhealth.probes.auth import Credentials
from camhealth.probes.frames import FrameDecoder, probe_frames
from camhealth.probes.results import FailureCode
from camhealth.probes.steps import Target, monitor_late
from tests.probes.scripted import scripted_server
from tests.probes.test_frames_wire import reply_for


async def camera_reply(line: str, headers: dict[str, str]) -> bytes:
    return reply_for(line.split()[0], headers.get("cseq", "0"))


async def test_a_busy_decode_pool_is_late_not_a_camera_timeout() -> None:
    decoder = FrameDecoder(workers=1, seconds=0.2)
    await decoder._slots.acquire()  # the one worker busy with another camera's keyframe
    try:
        async with scripted_server(camera_reply) as server:
            result = await probe_frames(Target(server.url, Credentials(), 1.0), decoder)
    finally:
        decoder.close()
    assert result.failure is FailureCode.timeout
    assert result.phases[-1].name == "decode" and "decoders were too busy" in result.detail
    assert monitor_late(result)


async def test_a_camera_that_does_not_answer_is_not_late(decoder: FrameDecoder) -> None:
    async def silent(line: str, headers: dict[str, str]) -> bytes:
        return b""  # DESCRIBE never answered

    async with scripted_server(silent) as server:
        result = await probe_frames(Target(server.url, Credentials(), 0.3), decoder)
    assert result.failure is FailureCode.timeout
    assert not monitor_late(result)


async def test_a_decoded_sample_is_not_late(decoder: FrameDecoder) -> None:
    async with scripted_server(camera_reply) as server:
        result = await probe_frames(Target(server.url, Credentials(), 3.0), decoder)
    assert result.ok and not monitor_late(result)
