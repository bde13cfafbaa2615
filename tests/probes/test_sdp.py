import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from camhealth.probes.sdp import MAX_SDP, SdpError, parse_sdp
from tests.probes.encoded import b64, h264_sdp, parameter_sets

BASE = "rtsp://10.0.0.5/Streaming/Channels/101/"


def test_h264_track() -> None:
    track = parse_sdp(h264_sdp(), BASE)
    assert (track.payload_type, track.codec, track.clock_rate) == (96, "h264", 90000)
    assert track.control == BASE + "trackID=1"
    assert track.fmtp["packetization-mode"] == "1"
    facts = track.facts()
    assert (facts.width, facts.height, facts.fps) == (1920, 1080, 25.0)


def test_h265_track_with_separate_sprops() -> None:
    vps, sps, pps = parameter_sets("h265", 3840, 2160)
    body = (
        "v=0\no=- 0 0 IN IP4 0.0.0.0\ns=-\nt=0 0\nm=video 0 RTP/AVP 98\n"
        "a=rtpmap:98 H265/90000\n"
        f"a=fmtp:98 sprop-vps={b64(vps)}; sprop-sps={b64(sps)}; sprop-pps={b64(pps)}\n"
        "a=control:rtsp://10.0.0.5/live/track0\n"
    ).encode()
    track = parse_sdp(body, BASE)
    assert track.control == "rtsp://10.0.0.5/live/track0"
    assert track.parameter_sets == (vps, sps, pps)
    facts = track.facts()
    assert (facts.codec, facts.profile, facts.width, facts.height) == ("h265", "Main", 3840, 2160)


@pytest.mark.parametrize(
    ("base", "control", "expected"),
    [
        ("rtsp://h/a", "trackID=1", "rtsp://h/a/trackID=1"),
        ("rtsp://h/a/", "trackID=1", "rtsp://h/a/trackID=1"),
        ("rtsp://h/a/", "*", "rtsp://h/a/"),
        ("rtsp://h/a", "rtsp://other/x", "rtsp://other/x"),
    ],
)
def test_control_url_resolution(base: str, control: str, expected: str) -> None:
    assert parse_sdp(h264_sdp(control=control), base).control == expected


def test_without_parameter_sets_only_codec() -> None:
    body = b"v=0\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n"
    facts = parse_sdp(body, BASE).facts()
    assert (facts.codec, facts.width) == ("h264", None)


def test_other_codec_is_named() -> None:
    track = parse_sdp(b"v=0\r\nm=video 0 RTP/AVP 26\r\n", BASE)
    assert track.codec is None and track.encoding == "JPEG"


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"RTSP/1.0 200 OK\r\n",
        b"v=0\r\nm=audio 0 RTP/AVP 0\r\n",
        b"v=0\r\nm=video 0 RTP/AVP\r\n",
        b"v=0\r\nm=video 0 RTP/AVP x\r\n",
        b"v=0\r\n" + b"a=x\r\n" * (MAX_SDP // 5),
        b"v=0\r\n" + b"a=x\n" * 3000,
    ],
)
def test_malformed_descriptions(body: bytes) -> None:
    with pytest.raises(SdpError):
        parse_sdp(body, BASE)


def test_bad_sprop_keeps_codec() -> None:
    body = (
        b"v=0\nm=video 0 RTP/AVP 96\na=rtpmap:96 H264/90000\na=fmtp:96 sprop-parameter-sets=!!,@@\n"
    )
    assert parse_sdp(body, BASE).facts().codec == "h264"


@settings(max_examples=300, deadline=None)
@given(lines=st.lists(st.text(max_size=60), max_size=30), video=st.booleans())
def test_fuzzed_descriptions_never_crash(lines: list[str], video: bool) -> None:
    head = ["v=0", "m=video 0 RTP/AVP 96"] if video else ["v=0"]
    body = "\r\n".join(head + lines).encode("utf-8", "surrogatepass")
    with contextlib.suppress(SdpError):
        parse_sdp(body, BASE).facts()
