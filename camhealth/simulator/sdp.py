"""The SDP a simulated camera sends in reply to DESCRIBE (RFC 4566; RFC 6184 / RFC 7798 fmtp)."""

from __future__ import annotations

import base64

from camhealth.simulator.camera import Codec
from camhealth.simulator.clips import Clip
from camhealth.simulator.rtp import CLOCK_RATE, PAYLOAD_TYPE

TRACK = "trackID=1"  # the video track's control URL, relative to Content-Base


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _fmtp(clip: Clip, sprop: bool) -> str:
    if clip.codec is Codec.h265:
        vps, sps, pps = clip.parameter_sets
        sets = f";sprop-vps={_b64(vps)};sprop-sps={_b64(sps)};sprop-pps={_b64(pps)}"
        return "profile-id=1" + (sets if sprop else "")
    sps, pps = clip.parameter_sets
    params = f"packetization-mode=1;profile-level-id={sps[1:4].hex().upper()}"
    return params + (f";sprop-parameter-sets={_b64(sps)},{_b64(pps)}" if sprop else "")


def describe(clip: Clip, host: str, session_id: int, *, sprop: bool = True) -> str:
    """The session description of a one-video-track stream; ``sprop=False`` leaves out the
    parameter sets (some cameras do; they are in-band before every IDR)."""
    encoding = "H265" if clip.codec is Codec.h265 else "H264"
    lines = [
        "v=0",
        f"o=- {session_id} 1 IN IP4 {host}",
        "s=Media Presentation",
        f"c=IN IP4 {host}",
        "t=0 0",
        "a=control:*",
        "a=range:npt=0-",
        f"m=video 0 RTP/AVP {PAYLOAD_TYPE}",
        f"a=rtpmap:{PAYLOAD_TYPE} {encoding}/{CLOCK_RATE}",
        f"a=fmtp:{PAYLOAD_TYPE} {_fmtp(clip, sprop)}",
        f"a=framerate:{clip.fps}",
        f"a=x-dimensions:{clip.width},{clip.height}",
        f"a=control:{TRACK}",
    ]
    return "\r\n".join(lines) + "\r\n"
