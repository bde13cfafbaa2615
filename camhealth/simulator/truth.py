"""What a correct monitor should conclude about each simulated camera: the truth manifest.

Statuses use DESIGN.md's words. ``None`` means the injected faults do not decide it: a flapping
camera is up or down depending on when it is probed, and a slow camera's video plays or not
depending on the monitor's deadline against ``slow_seconds`` per reply.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from camhealth.simulator.camera import SimCamera
from camhealth.simulator.clips import stream_spec
from camhealth.simulator.faults import PICTURE_FAULTS, Fault
from camhealth.simulator.platform import CANNOT_PULL

HD_HEIGHT = 720  # DESIGN.md: HD is a decoded frame of at least 1280×720
UNREACHABLE = frozenset({Fault.offline, Fault.hung})
# The camera answers, but a monitor gets no decodable picture from its main stream.
NO_VIDEO = frozenset(
    {
        Fault.auth_failed,
        Fault.rtsp_404,
        Fault.rtsp_454,
        Fault.rtsp_503,
        Fault.no_frames,
        Fault.undecodable,
        Fault.nothing_to_play,
        Fault.endless_sdp,
        Fault.huge_headers,
    }
)
UNDECIDED = frozenset({Fault.flapping, Fault.slow})
# The relay passes these through; with CANNOT_PULL nothing plays through the platform either.
BROKEN_STREAM = frozenset({Fault.no_frames, Fault.undecodable})


@dataclass(frozen=True)
class Expected:
    online: bool | None
    hd: bool | None
    intact: bool | None
    networked: bool | None


def expected(camera: SimCamera, relayed: bool, platform_down: bool = False) -> Expected:
    faults = camera.faults.faults
    if faults & UNREACHABLE:
        return Expected(False, False, False, False)
    if faults & UNDECIDED:
        return Expected(None if Fault.flapping in faults else True, None, None, None)
    plays = not faults & NO_VIDEO
    hd = plays and stream_spec(camera, "main").height >= HD_HEIGHT
    relay_plays = not faults & (CANNOT_PULL | BROKEN_STREAM)
    networked = relayed and relay_plays and not platform_down and Fault.platform_down not in faults
    return Expected(True, hd, plays and not faults & PICTURE_FAULTS, networked)


def truth_entry(
    camera: SimCamera, area_id: str, relayed: bool, platform_down: bool = False
) -> dict[str, Any]:
    state = camera.faults
    return {
        "id": camera.id,
        "host": camera.host,
        "area_id": area_id,
        "faults": sorted(state.faults),
        "slow_seconds": state.slow_seconds if Fault.slow in state.faults else None,
        "clock_skew_seconds": state.clock_skew_seconds
        if Fault.clock_skew in state.faults
        else None,
        "flap_period": state.flap_period if Fault.flapping in state.faults else None,
        "main": f"{stream_spec(camera, 'main').width}x{stream_spec(camera, 'main').height}",
        "codec": str(camera.main.codec),
        "night": camera.night,
        "relayed": relayed,
        "expected": vars(expected(camera, relayed, platform_down)),
    }
