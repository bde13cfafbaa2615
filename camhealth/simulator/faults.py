"""What can be wrong with a simulated camera, in DESIGN.md's words, and each camera's fault state.

The fault state is mutable at run time (the control API changes it) and read by every server of
the camera (RTSP, ONVIF, snapshot, platform relay) on each request, so a change shows at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Fault(StrEnum):
    # reachability
    offline = "offline"  # ports closed
    hung = "hung"  # accepts TCP, never answers
    slow = "slow"  # every reply delayed by FaultState.slow_seconds
    auth_failed = "auth_failed"  # the configured credentials are refused
    rtsp_404 = "rtsp_404"
    rtsp_454 = "rtsp_454"
    rtsp_503 = "rtsp_503"
    no_frames = "no_frames"  # SDP, then no RTP after PLAY
    undecodable = "undecodable"  # RTP carries garbage instead of video
    flapping = "flapping"  # offline for half of each FaultState.flap_period
    # the picture (image faults of DESIGN.md)
    blank = "blank"
    too_dark = "too_dark"
    too_bright = "too_bright"
    blur = "blur"
    occlusion = "occlusion"
    color_cast = "color_cast"
    noise = "noise"
    stripes = "stripes"
    frozen = "frozen"  # the whole picture stops, OSD clock included
    frozen_osd = "frozen_osd"  # the scene stops while the OSD clock keeps ticking
    scene_change = "scene_change"
    low_resolution = "low_resolution"  # main stream below HD
    # identity and time
    clock_skew = "clock_skew"  # device clock off by FaultState.clock_skew_seconds
    replaced = "replaced"  # a new serial number
    # hostile replies
    huge_headers = "huge_headers"
    endless_sdp = "endless_sdp"
    garbage_soap = "garbage_soap"
    xml_bomb = "xml_bomb"
    # the sharing platform's relay of this camera
    platform_down = "platform_down"
    # real devices' deviations from the standards
    udp_only = "udp_only"  # 461 Unsupported Transport for RTP over TCP
    no_cseq_401 = "no_cseq_401"  # 401 replies without a CSeq header
    no_sprop = "no_sprop"  # SDP without parameter sets (they are in the stream)
    onvif_auth_always = "onvif_auth_always"  # WS-Security even for GetSystemDateAndTime
    starts_with_p = "starts_with_p"  # the stream begins with P-frames before the first keyframe
    nothing_to_play = "nothing_to_play"  # answers OPTIONS, 404 for every DESCRIBE


PICTURE_FAULTS = frozenset(
    {
        Fault.blank,
        Fault.too_dark,
        Fault.too_bright,
        Fault.blur,
        Fault.occlusion,
        Fault.color_cast,
        Fault.noise,
        Fault.stripes,
        Fault.frozen,
        Fault.frozen_osd,
        Fault.scene_change,
    }
)


@dataclass
class FaultState:
    """The faults a camera has now; the servers consult it on every request."""

    faults: set[Fault] = field(default_factory=set)
    slow_seconds: float = 3.0
    clock_skew_seconds: float = 40.0
    flap_period: float = 60.0

    def has(self, fault: Fault) -> bool:
        return fault in self.faults

    def is_down(self, now: float) -> bool:
        """Offline now: offline outright, or in the down half of a flapping period."""
        if Fault.offline in self.faults:
            return True
        return Fault.flapping in self.faults and (now % self.flap_period) >= self.flap_period / 2
