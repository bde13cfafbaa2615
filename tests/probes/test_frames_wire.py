"""The frames probe's requests on the wire, against a scripted server that plays a real encode."""

from __future__ import annotations

import asyncio

from camhealth.probes.auth import Credentials
from camhealth.probes.frames import FrameDecoder, probe_frames
from camhealth.probes.steps import Target
from tests.probes.encoded import encode, h264_sdp
from tests.probes.rtp import packetize
from tests.probes.scripted import scripted_server

WIDTH, HEIGHT = 640, 360


def reply_for(method: str, cseq: str) -> bytes:
    head = f"RTSP/1.0 200 OK\r\nCSeq: {cseq}\r\n"
    if method == "DESCRIBE":
        sdp = h264_sdp(WIDTH, HEIGHT)
        return f"{head}Content-Length: {len(sdp)}\r\n\r\n".encode() + sdp
    if method == "SETUP":
        transport = "RTP/AVP/TCP;unicast;interleaved=0-1"
        return f"{head}Transport: {transport}\r\nSession: 12345678;timeout=60\r\n\r\n".encode()
    if method == "PLAY":  # the reply, then the stream on channel 0
        frames = [b"$\x00" + len(p).to_bytes(2, "big") + p for p in keyframe_packets()]
        return f"{head}Session: 12345678\r\n\r\n".encode() + b"".join(frames)
    return b""  # TEARDOWN: a camera that does not answer it costs nothing


def keyframe_packets() -> list[bytes]:
    return packetize("h264", list(encode("h264", WIDTH, HEIGHT, frames=2)))


async def test_frames_probe_asks_only_what_it_needs(decoder: FrameDecoder) -> None:
    async def reply(line: str, headers: dict[str, str]) -> bytes:
        return reply_for(line.split()[0], headers.get("cseq", "0"))

    async with scripted_server(reply) as server:
        result = await probe_frames(Target(server.url, Credentials(), 3.0), decoder)
        for _ in range(100):  # the TEARDOWN is sent, not waited for: let the server read it
            if len(server.requests) == 4:
                break
            await asyncio.sleep(0.01)
    assert result.ok, result.detail
    assert result.frame is not None and (result.frame.width, result.frame.height) == (640, 360)
    methods = [line.split()[0] for line, _ in server.requests]
    assert methods == ["DESCRIBE", "SETUP", "PLAY", "TEARDOWN"]  # no OPTIONS
    assert server.requests[-1][1]["session"] == "12345678"
    assert result.duration < 0.45  # the unanswered TEARDOWN is not waited for (0.5 s before)
