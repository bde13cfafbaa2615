"""Real encodes for the tests: one frame through PyAV's libx264/libx265, split into NAL units."""

from __future__ import annotations

import base64
import re
from fractions import Fraction
from functools import cache

import av
import numpy as np

ENCODERS = {"h264": "libx264", "h265": "libx265"}


def split_annexb(data: bytes) -> list[bytes]:
    """NAL units of an Annex B byte stream (start codes removed)."""
    return [nal for nal in re.split(b"\x00\x00\x00\x01|\x00\x00\x01", data) if nal]


@cache
def encode(
    codec: str, width: int, height: int, options: tuple[tuple[str, str], ...] = (), frames: int = 1
) -> tuple[bytes, ...]:
    """Access units (Annex B) of ``frames`` frames of a gradient; the first is a keyframe."""
    ctx = av.codec.CodecContext.create(ENCODERS[codec], "w")
    ctx.width, ctx.height, ctx.time_base = width, height, Fraction(1, 25)
    opts = {"preset": "ultrafast", **dict(options)}
    ctx.pix_fmt = opts.pop("pix_fmt", "yuv420p")
    if codec == "h265":
        opts.setdefault("x265-params", "log-level=error")
    ctx.options = opts
    ramp = np.linspace(0, 255, width, dtype=np.uint8)
    packets = []
    for i in range(frames):
        image = np.dstack([np.tile(ramp, (height, 1))] * 3)
        image[:, :, 0] = (image[:, :, 0].astype(np.uint16) + 7 * i).astype(np.uint8)
        frame = av.VideoFrame.from_ndarray(image, format="bgr24").reformat(format=ctx.pix_fmt)
        frame.pts = i
        packets += ctx.encode(frame)
    packets += ctx.encode(None)
    return tuple(bytes(p) for p in packets)


def parameter_sets(codec: str, width: int, height: int, **options: str) -> list[bytes]:
    """The VPS/SPS/PPS NAL units of a real encode."""
    au = encode(codec, width, height, tuple(sorted(options.items())))[0]
    kinds = {7, 8} if codec == "h264" else {32, 33, 34}
    return [nal for nal in split_annexb(au) if nal_type(codec, nal) in kinds]


def nal_type(codec: str, nal: bytes) -> int:
    return nal[0] & 0x1F if codec == "h264" else (nal[0] >> 1) & 0x3F


def b64(nal: bytes) -> str:
    return base64.b64encode(nal).decode()


def h264_sdp(width: int = 1920, height: int = 1080, control: str = "trackID=1") -> bytes:
    sps, pps = parameter_sets("h264", width, height)
    return (
        "v=0\r\no=- 1 1 IN IP4 10.0.0.5\r\ns=Media\r\nt=0 0\r\na=control:*\r\n"
        "m=audio 0 RTP/AVP 8\r\na=control:trackID=2\r\n"
        "m=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n"
        f"a=fmtp:96 packetization-mode=1;profile-level-id=42c028;"
        f"sprop-parameter-sets={b64(sps)},{b64(pps)}\r\n"
        f"a=framerate:25\r\na=control:{control}\r\n"
    ).encode()
