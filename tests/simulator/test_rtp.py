"""RTP packetisation: RFC 6184 (H.264) and RFC 7798 (H.265) single NAL and fragmentation units."""

from __future__ import annotations

import os

import pytest

from camhealth.simulator.camera import Codec
from camhealth.simulator.rtp import RtpPacketizer, interleaved
from tests.simulator.rtsp_testclient import depacketize, parse_rtp

H264_IDR = bytes([0x65]) + os.urandom(5000)
H265_IDR = bytes([0x28, 0x01]) + os.urandom(5000)  # IDR_N_LP (type 20)


@pytest.mark.parametrize(
    ("codec", "idr", "small"),
    [(Codec.h264, H264_IDR, b"\x67abc"), (Codec.h265, H265_IDR, b"\x42\x01abc")],
)
def test_access_unit_roundtrip(codec: Codec, idr: bytes, small: bytes) -> None:
    packetizer = RtpPacketizer(codec, ssrc=0x1234, sequence=0xFFFE, mtu=1400)
    packets = [parse_rtp(p) for p in packetizer.packetize([small, idr], timestamp=2**32 + 90)]
    assert all(len(p.payload) <= 1400 for p in packets)
    assert packets[0].payload == small  # fits: single NAL unit packet
    assert len(packets) == 1 + 4  # 5000 bytes in 1400-byte fragments
    assert [p.sequence for p in packets] == [0xFFFE, 0xFFFF, 0, 1, 2]  # wraps at 16 bits
    assert {p.timestamp for p in packets} == {90}
    assert [p.marker for p in packets] == [False] * 4 + [True]  # only the access unit's last
    assert depacketize(codec, [p.payload for p in packets]) == [small, idr]
    assert packetizer.sequence == 3


def test_fragment_headers() -> None:
    h264 = RtpPacketizer(Codec.h264, ssrc=1, sequence=0).packetize([H264_IDR], 0)
    assert h264[0][12] == 0x60 | 28 and h264[0][13] == 0x80 | 5  # NRI kept, FU-A; start, IDR
    assert h264[-1][13] == 0x40 | 5  # end
    h265 = RtpPacketizer(Codec.h265, ssrc=1, sequence=0).packetize([H265_IDR], 0)
    assert (h265[0][12] >> 1) & 0x3F == 49 and h265[0][14] == 0x80 | 20
    assert h265[1][14] == 20 and h265[-1][14] == 0x40 | 20


def test_interleaved_frame() -> None:
    assert interleaved(1, b"abc") == b"$\x01\x00\x03abc"
