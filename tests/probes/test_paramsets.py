import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from camhealth.probes.paramsets import (
    BitReader,
    ParamSetError,
    h264_sps,
    h265_sps,
    h265_vps,
    stream_facts,
    unescape,
)
from tests.probes.encoded import nal_type, parameter_sets

SIZES = [(640, 360), (704, 576), (1280, 720), (1920, 1080), (2560, 1440), (3840, 2160)]


@pytest.mark.parametrize(("width", "height"), SIZES)
@pytest.mark.parametrize("codec", ["h264", "h265"])
def test_size_from_real_encodes(codec: str, width: int, height: int) -> None:
    facts = stream_facts(codec, parameter_sets(codec, width, height))
    assert (facts.codec, facts.width, facts.height) == (codec, width, height)


def test_1080p_is_cropped_from_1088() -> None:
    sps = next(n for n in parameter_sets("h264", 1920, 1080) if nal_type("h264", n) == 7)
    # 68 macroblock rows = 1088 lines; the frame cropping brings it to 1080.
    assert h264_sps(sps).height == 1080


@pytest.mark.parametrize(
    ("options", "profile"),
    [
        ({}, "Constrained Baseline"),
        ({"preset": "medium"}, "High"),
        ({"preset": "medium", "pix_fmt": "yuv444p"}, "High 4:4:4 Predictive"),
        ({"preset": "medium", "pix_fmt": "yuv422p"}, "High 4:2:2"),
        ({"preset": "medium", "x264-params": "cqm=jvt"}, "High"),  # scaling matrices in the SPS
        ({"preset": "medium", "x264-params": "tff=1"}, "High"),  # interlaced: frame_mbs_only 0
    ],
)
def test_h264_profiles_and_syntax_variants(options: dict[str, str], profile: str) -> None:
    facts = stream_facts("h264", parameter_sets("h264", 1920, 1080, **options))
    assert (facts.profile, facts.width, facts.height) == (profile, 1920, 1080)
    assert facts.level is not None and facts.level >= 4.0


def test_h265_profile_level_from_vps_and_sps() -> None:
    nals = parameter_sets("h265", 3840, 2160)
    vps = next(n for n in nals if nal_type("h265", n) == 32)
    sps = next(n for n in nals if nal_type("h265", n) == 33)
    assert h265_vps(vps).profile == h265_sps(sps).profile == "Main"
    assert h265_sps(sps).level == pytest.approx(5.0)
    assert h265_vps(vps).width is None


def test_h265_main10() -> None:
    facts = stream_facts("h265", parameter_sets("h265", 1280, 720, pix_fmt="yuv420p10le"))
    assert (facts.profile, facts.width, facts.height) == ("Main 10", 1280, 720)


def test_vps_alone_gives_profile_only() -> None:
    vps = [n for n in parameter_sets("h265", 1280, 720) if nal_type("h265", n) == 32]
    facts = stream_facts("h265", vps)
    assert facts.profile == "Main" and facts.width is None


def test_exp_golomb_and_emulation_prevention() -> None:
    # ue: 1 → 0, 010 → 1, 011 → 2, 00100 → 3; se: 00101 → -2 (code 4)
    r = BitReader(bytes([0b10100110, 0b01000010, 0b10000000]))
    assert [r.ue(), r.ue(), r.ue(), r.ue(), r.se()] == [0, 1, 2, 3, -2]
    assert unescape(b"\x67\x00\x00\x03\x01") == b"\x67\x00\x00\x01"


def test_no_sps() -> None:
    with pytest.raises(ParamSetError):
        stream_facts("h264", [b"\x68\xce\x3c\x80"])  # a PPS only


def test_endless_zero_bits_do_not_hang() -> None:
    with pytest.raises(ParamSetError):
        h264_sps(b"\x67\x64\x00\x28" + b"\x00\x00\x01" * 1000)


@settings(max_examples=300, deadline=None)
@given(codec=st.sampled_from(["h264", "h265"]), data=st.lists(st.binary(max_size=80), max_size=4))
def test_garbage_is_a_clean_error(codec: str, data: list[bytes]) -> None:
    try:
        facts = stream_facts(codec, data)
    except ParamSetError:
        return
    assert facts.width is None or 0 < facts.width <= 16384


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_mutated_real_sps_is_a_clean_error(data: st.DataObject) -> None:
    codec = data.draw(st.sampled_from(["h264", "h265"]))
    sps = bytearray(parameter_sets(codec, 1920, 1080)[1 if codec == "h265" else 0])
    for _ in range(data.draw(st.integers(1, 4))):
        sps[data.draw(st.integers(2, len(sps) - 1))] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(2, len(sps)))
    with contextlib.suppress(ParamSetError):
        stream_facts(codec, [bytes(sps[:cut])])
