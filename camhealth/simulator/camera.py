"""One simulated camera: who it is, what it streams, where it listens, and its faults now."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from camhealth.simulator.faults import FaultState


class Codec(StrEnum):
    h264 = "h264"
    h265 = "h265"


@dataclass(frozen=True)
class StreamSpec:
    """One encoded stream of a camera (main or sub)."""

    width: int
    height: int
    codec: Codec = Codec.h264
    fps: int = 25
    gop_seconds: float = 2.0


@dataclass
class SimCamera:
    """A camera of the simulated fleet; servers read ``faults`` on every request."""

    id: str
    name: str
    host: str  # its own loopback address, e.g. 127.0.3.17
    scene: str  # name of a scene picture, see camhealth.simulator.scenes
    main: StreamSpec = StreamSpec(1920, 1080)
    sub: StreamSpec = StreamSpec(640, 360)
    username: str = "admin"
    password: str = "admin12345"  # noqa: S105 - a simulated camera's factory password
    rtsp_port: int = 554
    onvif_port: int = 80
    night: bool = False  # monochrome IR picture
    vendor: str = "Simcam"
    model: str = "SC-2000"
    firmware: str = "V5.7.3"
    serial: str = ""
    faults: FaultState = field(default_factory=FaultState)


# Paths in the style of the most common city cameras; the platform relay adds the camera id.
MAIN_PATH = "/Streaming/Channels/101"
SUB_PATH = "/Streaming/Channels/102"
