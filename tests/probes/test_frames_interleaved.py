"""What the frames probe reads from its RTSP connection while it waits for the keyframe: RTP
frames of its channel, among frames of other channels and messages a server may send between
them (its own requests, a stray reply, blank lines)."""

from __future__ import annotations

import asyncio

import pytest

from camhealth.probes.media import InterleavedSource
from camhealth.probes.results import FailureCode, ProbeError


def frame(channel: int, payload: bytes) -> bytes:
    return b"$" + bytes([channel]) + len(payload).to_bytes(2, "big") + payload


async def packets(data: bytes, count: int) -> list[bytes]:
    reader = asyncio.StreamReader()
    reader.feed_data(data)
    reader.feed_eof()
    source = InterleavedSource(reader, 0)
    return [await source.next_packet() for _ in range(count)]


async def test_frames_of_the_channel_among_everything_a_server_may_send() -> None:
    data = b"".join(
        [
            frame(0, b"first"),
            frame(1, b"rtcp report"),  # the RTCP channel: skipped
            b"\r\n",
            b"GET_PARAMETER rtsp://cam/ RTSP/1.0\r\nCSeq: 1\r\nContent-Length: 3\r\n\r\nabc",
            b"\r\n\r\n",
            frame(0, b""),  # an empty frame is a frame
            b"RTSP/1.0 200 OK\r\nCSeq: 5\r\n\r\n",  # the reply to a request we did not wait for
            frame(0, bytes(range(256)) * 30),  # longer than 255: a two-byte length
            b"\n",
            frame(0, b"$\r\n"),
        ]
    )
    got = await packets(data, 4)
    assert got == [b"first", b"", bytes(range(256)) * 30, b"$\r\n"]


@pytest.mark.parametrize(
    "garbage",
    [b"HTTP/1.1 200 OK\r\n\r\n", b"ab\r\nxyz\r\n\r\n", b"RTSP/1.0 2x0 OK\r\n\r\n"],
)
async def test_anything_else_is_a_protocol_error(garbage: bytes) -> None:
    with pytest.raises(ProbeError) as info:
        await packets(frame(1, b"rtcp") + garbage + frame(0, b"late"), 1)
    assert info.value.code is FailureCode.protocol_error


async def test_a_connection_closed_mid_frame_is_an_incomplete_read() -> None:
    with pytest.raises(asyncio.IncompleteReadError):
        await packets(frame(0, b"whole")[:-2], 1)
