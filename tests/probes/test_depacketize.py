import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from camhealth.probes.depacketize import CODECS, Depacketizer, parse_rtp
from camhealth.probes.frames import decode_keyframe
from camhealth.probes.results import FailureCode, ProbeError
from tests.probes.encoded import encode, nal_type, split_annexb
from tests.probes.rtp import packetize, rtp

KEYFRAME_TYPES = {"h264": {5}, "h265": set(range(16, 24))}


def first_keyframe(codec: str, packets: list[bytes]) -> tuple[int, object]:
    depacketizer = Depacketizer(CODECS[codec], 96)
    for index, packet in enumerate(packets):
        unit = depacketizer.push(packet)
        if unit is not None:
            return index, unit
    return -1, None


def is_keyframe(codec: str, unit: bytes) -> bool:
    return any(nal_type(codec, n) in KEYFRAME_TYPES[codec] for n in split_annexb(unit))


def gop(codec: str, frames: int = 6, gop_size: str = "3") -> list[bytes]:
    key = "x264-params" if codec == "h264" else "x265-params"
    value = f"keyint={gop_size}:min-keyint={gop_size}:scenecut=0:bframes=0"
    if codec == "h265":
        value += ":log-level=error"
    return list(encode(codec, 320, 240, ((key, value),), frames))


@pytest.mark.parametrize("codec", ["h264", "h265"])
def test_keyframe_reassembled_and_decodes(codec: str) -> None:
    units = gop(codec)
    _, unit = first_keyframe(codec, packetize(codec, units, mtu=200))
    assert unit is not None
    assert [n for n in unit.nals] == [
        n for n in split_annexb(units[0]) if nal_type(codec, n) not in (7, 8, 32, 33, 34)
    ]
    assert is_keyframe(codec, units[0])
    sample = decode_keyframe(codec, unit.annexb(unit.parameter_sets), 0.1)
    assert (sample.width, sample.height, sample.image.shape) == (320, 240, (240, 320, 3))
    assert sample.jpeg[:2] == b"\xff\xd8"


@pytest.mark.parametrize("codec", ["h264", "h265"])
def test_stream_starting_with_p_frames_waits_for_next_keyframe(codec: str) -> None:
    units = gop(codec)[1:]  # starts with P-frames
    keyframe = next(i for i, u in enumerate(units) if is_keyframe(codec, u))
    assert keyframe > 0
    index, unit = first_keyframe(codec, packetize(codec, units, mtu=200))
    assert unit is not None
    assert index == len(packetize(codec, units[: keyframe + 1], mtu=200)) - 1
    decode_keyframe(codec, unit.annexb(unit.parameter_sets), 0.1)


def test_lost_fragment_skips_that_keyframe() -> None:
    units = gop("h264")
    packets = packetize("h264", units, mtu=200)
    first_size = len(packetize("h264", units[:1], mtu=200))
    damaged = packets[:2] + packets[3:]  # one fragment of the first IDR is lost
    index, unit = first_keyframe("h264", damaged)
    assert unit is not None and index >= first_size  # the second keyframe, not the broken one


def test_other_payload_types_are_ignored() -> None:
    units = gop("h264")
    audio = [rtp(8, 5, 0, b"\x55" * 160, False)] * 50
    index, unit = first_keyframe("h264", audio + packetize("h264", units))
    assert unit is not None and index >= 50


def test_rtp_header_with_csrc_extension_and_padding() -> None:
    header = bytes([0xB1, 96 | 0x80, 0, 7, 0, 0, 0, 9, 0, 0, 0, 1])  # padding, ext, 1 CSRC
    packet = header + b"CSRC" + b"\xbe\xde\x00\x01" + b"EXT!" + b"\x65abc" + b"\x00\x00\x03"
    parsed = parse_rtp(packet)
    assert (parsed.payload, parsed.marker, parsed.sequence, parsed.timestamp) == (
        b"\x65abc",
        True,
        7,
        9,
    )


def test_garbage_keyframe_is_a_decode_error() -> None:
    data = b"\x00\x00\x00\x01\x65" + random.Random(1).randbytes(5000)
    with pytest.raises(ProbeError) as info:
        decode_keyframe("h264", data, 0.1)
    assert info.value.code == FailureCode.decode_error


@settings(max_examples=200, deadline=None)
@given(
    codec=st.sampled_from(["h264", "h265"]),
    packets=st.lists(st.binary(max_size=300), max_size=40),
)
def test_garbage_packets_never_crash(codec: str, packets: list[bytes]) -> None:
    depacketizer = Depacketizer(CODECS[codec], 96)
    for packet in packets:
        depacketizer.push(rtp(96, len(packet), 0, packet, len(packet) % 2 == 0))
        depacketizer.push(packet)
