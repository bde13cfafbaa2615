"""Codec, profile, level and picture size from H.264 SPS and H.265 VPS/SPS, without decoding video.

Pure functions over NAL units (bytes, without start codes). Only the fields before the size are
read (the VUI is not needed), so a stream's resolution costs microseconds. Malformed input raises
:class:`ParamSetError`; every loop is bounded by the standard's limits, so no input can hang.
"""

from __future__ import annotations

from collections.abc import Iterable

from camhealth.probes.results import StreamFacts

H264_SPS, H264_PPS, H264_IDR = 7, 8, 5
H265_VPS, H265_SPS, H265_PPS = 32, 33, 34
MAX_NAL = 64 * 1024  # a parameter set is tens of bytes; anything this large is not one
MAX_DIMENSION = 16384  # H.264 level 6.2 and H.265 level 6.2 stay below this


class ParamSetError(ValueError):
    """The bytes are not a parameter set this module can read."""


def unescape(nal: bytes) -> bytes:
    """The RBSP: ``00 00 03`` emulation-prevention sequences with the ``03`` removed."""
    if len(nal) > MAX_NAL:
        raise ParamSetError(f"parameter set of {len(nal)} bytes is too large")
    return nal.replace(b"\x00\x00\x03", b"\x00\x00")


class BitReader:
    """Big-endian bit reader with the exp-Golomb codes of H.264/H.265."""

    def __init__(self, data: bytes) -> None:
        self._value = int.from_bytes(data, "big")
        self._size = len(data) * 8
        self._pos = 0

    def u(self, bits: int) -> int:
        if self._pos + bits > self._size:
            raise ParamSetError("parameter set ends early")
        self._pos += bits
        return (self._value >> (self._size - self._pos)) & ((1 << bits) - 1)

    def flag(self) -> bool:
        return self.u(1) == 1

    def skip(self, bits: int) -> None:
        self.u(bits)

    def ue(self) -> int:
        zeros = 0
        while self.u(1) == 0:
            zeros += 1
            if zeros > 31:  # no syntax element is coded longer than 32 bits
                raise ParamSetError("exp-Golomb code too long")
        return (1 << zeros) - 1 + self.u(zeros)

    def se(self) -> int:
        code = self.ue()
        return (code + 1) // 2 if code % 2 else -(code // 2)


def _sub_sampling(chroma_format_idc: int) -> tuple[int, int]:
    """(SubWidthC, SubHeightC): the crop units of 4:2:0, 4:2:2, 4:4:4 and monochrome."""
    return {0: (1, 1), 1: (2, 2), 2: (2, 1), 3: (1, 1)}[chroma_format_idc]


def _checked_size(width: int, height: int) -> tuple[int, int]:
    if not (0 < width <= MAX_DIMENSION and 0 < height <= MAX_DIMENSION):
        raise ParamSetError(f"implausible picture size {width}x{height}")
    return width, height


# ---------------------------------------------------------------- H.264

H264_PROFILES = {
    66: "Baseline",
    77: "Main",
    88: "Extended",
    100: "High",
    110: "High 10",
    122: "High 4:2:2",
    244: "High 4:4:4 Predictive",
    44: "CAVLC 4:4:4 Intra",
}
# Profiles whose SPS carries chroma format, bit depths and scaling matrices.
_H264_HIGH = {100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135}


def h264_sps(nal: bytes) -> StreamFacts:
    """Profile, level and cropped picture size of an H.264 sequence parameter set."""
    rbsp = unescape(nal)
    if not rbsp or rbsp[0] & 0x1F != H264_SPS:
        raise ParamSetError("not an H.264 SPS")
    r = BitReader(rbsp[1:])
    profile_idc, constraints, level_idc = r.u(8), r.u(8), r.u(8)
    r.ue()  # seq_parameter_set_id
    chroma_format_idc, separate_planes = 1, False
    if profile_idc in _H264_HIGH:
        chroma_format_idc = r.ue()
        if chroma_format_idc > 3:
            raise ParamSetError("bad chroma_format_idc")
        if chroma_format_idc == 3:
            separate_planes = r.flag()
        r.ue()  # bit_depth_luma_minus8
        r.ue()  # bit_depth_chroma_minus8
        r.skip(1)  # qpprime_y_zero_transform_bypass_flag
        if r.flag():  # seq_scaling_matrix_present_flag
            _skip_h264_scaling_lists(r, 12 if chroma_format_idc == 3 else 8)
    r.ue()  # log2_max_frame_num_minus4
    _skip_h264_poc(r)
    r.ue()  # max_num_ref_frames
    r.skip(1)  # gaps_in_frame_num_value_allowed_flag
    width_mbs, height_units = r.ue() + 1, r.ue() + 1
    frame_mbs_only = r.flag()
    if not frame_mbs_only:
        r.skip(1)  # mb_adaptive_frame_field_flag
    r.skip(1)  # direct_8x8_inference_flag
    crop = (r.ue(), r.ue(), r.ue(), r.ue()) if r.flag() else (0, 0, 0, 0)
    field_factor = 1 if frame_mbs_only else 2
    sub_w, sub_h = (1, 1) if separate_planes else _sub_sampling(chroma_format_idc)
    width = width_mbs * 16 - sub_w * (crop[0] + crop[1])
    height = field_factor * height_units * 16 - sub_h * field_factor * (crop[2] + crop[3])
    width, height = _checked_size(width, height)
    return StreamFacts(
        codec="h264",
        profile=_h264_profile_name(profile_idc, constraints),
        level=level_idc / 10,
        width=width,
        height=height,
    )


def _h264_profile_name(profile_idc: int, constraints: int) -> str:
    if profile_idc == 66 and constraints & 0x40:  # constraint_set1_flag
        return "Constrained Baseline"
    return H264_PROFILES.get(profile_idc, f"profile {profile_idc}")


def _skip_h264_scaling_lists(r: BitReader, count: int) -> None:
    for i in range(count):
        if not r.flag():  # seq_scaling_list_present_flag[i]
            continue
        last, nxt = 8, 8
        for _ in range(16 if i < 6 else 64):
            if nxt != 0:
                nxt = (last + r.se() + 256) % 256
            last = nxt if nxt != 0 else last


def _skip_h264_poc(r: BitReader) -> None:
    poc_type = r.ue()
    if poc_type == 0:
        r.ue()  # log2_max_pic_order_cnt_lsb_minus4
    elif poc_type == 1:
        r.skip(1)  # delta_pic_order_always_zero_flag
        r.se()  # offset_for_non_ref_pic
        r.se()  # offset_for_top_to_bottom_field
        cycle = r.ue()
        if cycle > 255:
            raise ParamSetError("num_ref_frames_in_pic_order_cnt_cycle out of range")
        for _ in range(cycle):
            r.se()
    elif poc_type != 2:
        raise ParamSetError("bad pic_order_cnt_type")


# ---------------------------------------------------------------- H.265

H265_PROFILES = {
    1: "Main",
    2: "Main 10",
    3: "Main Still Picture",
    4: "Range Extensions",
    5: "High Throughput",
    9: "Screen Content Coding",
}


def h265_nal_type(nal: bytes) -> int:
    if len(nal) < 2:
        raise ParamSetError("NAL unit too short")
    return (nal[0] >> 1) & 0x3F


def _profile_tier_level(r: BitReader, max_sub_layers_minus1: int) -> tuple[str, float]:
    """general profile name and level of a profile_tier_level(1, maxNumSubLayersMinus1)."""
    r.skip(2)  # general_profile_space
    r.skip(1)  # general_tier_flag
    profile_idc = r.u(5)
    compatibility = r.u(32)
    r.skip(4 + 43 + 1)  # source flags, constraint flags, general_inbld/reserved
    level_idc = r.u(8)
    present = [(r.flag(), r.flag()) for _ in range(max_sub_layers_minus1)]
    if max_sub_layers_minus1 > 0:
        r.skip(2 * (8 - max_sub_layers_minus1))  # reserved_zero_2bits
    for profile_present, level_present in present:
        r.skip((88 if profile_present else 0) + (8 if level_present else 0))
    if profile_idc == 0:  # some encoders leave it 0 and only set the compatibility flag
        profile_idc = next((j for j in range(1, 32) if compatibility >> (31 - j) & 1), 0)
    return H265_PROFILES.get(profile_idc, f"profile {profile_idc}"), level_idc / 30


def h265_vps(nal: bytes) -> StreamFacts:
    """Profile and level of an H.265 video parameter set (it carries no picture size)."""
    rbsp = unescape(nal)
    if h265_nal_type(rbsp) != H265_VPS:
        raise ParamSetError("not an H.265 VPS")
    r = BitReader(rbsp[2:])
    r.skip(4 + 1 + 1 + 6)  # vps id, base layer internal/available, max_layers_minus1
    max_sub_layers_minus1 = r.u(3)
    r.skip(1 + 16)  # temporal_id_nesting, vps_reserved_0xffff_16bits
    profile, level = _profile_tier_level(r, _checked_sub_layers(max_sub_layers_minus1))
    return StreamFacts(codec="h265", profile=profile, level=round(level, 1))


def _checked_sub_layers(value: int) -> int:
    if value > 6:
        raise ParamSetError("max_sub_layers_minus1 out of range")
    return value


def h265_sps(nal: bytes) -> StreamFacts:
    """Profile, level and conformance-cropped picture size of an H.265 SPS."""
    rbsp = unescape(nal)
    if h265_nal_type(rbsp) != H265_SPS:
        raise ParamSetError("not an H.265 SPS")
    r = BitReader(rbsp[2:])
    r.skip(4)  # sps_video_parameter_set_id
    max_sub_layers_minus1 = _checked_sub_layers(r.u(3))
    r.skip(1)  # sps_temporal_id_nesting_flag
    profile, level = _profile_tier_level(r, max_sub_layers_minus1)
    r.ue()  # sps_seq_parameter_set_id
    chroma_format_idc = r.ue()
    if chroma_format_idc > 3:
        raise ParamSetError("bad chroma_format_idc")
    separate_planes = chroma_format_idc == 3 and r.flag()
    width, height = r.ue(), r.ue()
    if r.flag():  # conformance_window_flag
        sub_w, sub_h = (1, 1) if separate_planes else _sub_sampling(chroma_format_idc)
        left, right, top, bottom = r.ue(), r.ue(), r.ue(), r.ue()
        width -= sub_w * (left + right)
        height -= sub_h * (top + bottom)
    width, height = _checked_size(width, height)
    return StreamFacts(
        codec="h265", profile=profile, level=round(level, 1), width=width, height=height
    )


# ---------------------------------------------------------------- both


def stream_facts(codec: str, nals: Iterable[bytes]) -> StreamFacts:
    """Facts from a stream's parameter sets: the SPS's, or the VPS's when there is no SPS.

    Raises :class:`ParamSetError` when none of ``nals`` is a readable SPS or VPS.
    """
    found: StreamFacts | None = None
    for nal in nals:
        if codec == "h264" and nal and nal[0] & 0x1F == H264_SPS:
            return h264_sps(nal)
        if codec == "h265" and len(nal) >= 2:
            kind = h265_nal_type(nal)
            if kind == H265_SPS:
                return h265_sps(nal)
            if kind == H265_VPS:
                found = h265_vps(nal)
    if found is None:
        raise ParamSetError(f"no {codec} sequence parameter set")
    return found
