"""What a probe reports: success or one failure code, the time of each phase, the facts learned.

Probes never decide whether a camera is healthy; ``camhealth.health`` does that from these facts.
Every text in a result has had credentials removed (see ``camhealth.probes.redact``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np
import numpy.typing as npt


class ProbeKind(StrEnum):
    onvif = "onvif"  # GetSystemDateAndTime, GetDeviceInformation (and discovery)
    rtsp = "rtsp"  # OPTIONS and DESCRIBE, no media
    frames = "frames"  # play the stream, decode the first keyframe
    platform = "platform"  # the RTSP probe through the sharing platform's relay


class FailureCode(StrEnum):
    """Why a probe failed, in DESIGN.md's words (metric labels and API values: never rename)."""

    unreachable = "unreachable"  # no route, host down, name does not resolve
    timeout = "timeout"  # the deadline passed (a hung camera)
    refused = "refused"  # TCP connection refused: the port is closed
    auth_failed = "auth_failed"  # the credentials were refused
    protocol_error = "protocol_error"  # malformed, oversized or unexpected replies; 5xx
    not_found = "not_found"  # 404 / 454: no such stream or session
    no_frames = "no_frames"  # the stream plays but no keyframe arrived in time
    decode_error = "decode_error"  # a keyframe arrived but could not be decoded
    unsupported_codec = "unsupported_codec"  # neither H.264 nor H.265


class ProbeError(Exception):
    """A probe failed with ``code``; ``str(exc)`` is a redacted text for people."""

    def __init__(self, code: FailureCode, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class Phase:
    """One step of a probe (``connect``, ``describe``, ``first_keyframe``, ...) and its duration."""

    name: str
    seconds: float


@dataclass(frozen=True)
class StreamFacts:
    """What the stream description says, read from the parameter sets without decoding video."""

    codec: str  # "h264" or "h265"
    profile: str | None = None  # e.g. "High", "Main"
    level: float | None = None  # e.g. 4.0 (H.264) or 4.1 (H.265)
    width: int | None = None
    height: int | None = None
    fps: float | None = None  # from the SDP's a=framerate when given


@dataclass(frozen=True)
class DeviceFacts:
    """What the ONVIF device service says about the device (None where it did not say)."""

    vendor: str | None = None
    model: str | None = None
    firmware: str | None = None
    serial: str | None = None
    clock_skew_seconds: float | None = None  # device clock minus ours; positive = camera ahead
    stream_uris: tuple[str, ...] = ()  # discovered by GetProfiles/GetStreamUri, main first


Image = npt.NDArray[np.uint8]


@dataclass(frozen=True, eq=False)
class FrameSample:
    """The first keyframe of a stream, decoded.

    ``image`` is BGR (OpenCV's order, what ``camhealth.health.quality`` takes); ``small`` a
    downscaled copy (``camhealth.probes.frames.SMALL_WIDTH`` wide) for the cheap measures;
    ``jpeg`` a thumbnail for evidence. ``small`` is ``image`` itself when the frame is no wider,
    so neither may be modified in place.
    """

    image: Image
    small: Image
    jpeg: bytes
    width: int
    height: int
    codec: str
    keyframe_seconds: float  # from PLAY sent to the keyframe's last packet received


@dataclass(frozen=True, eq=False)
class ProbeResult:
    """One attempt to talk to one camera. ``failure`` is None when the probe succeeded."""

    kind: ProbeKind
    target: str  # the camera id, or the redacted URL for a one-shot probe
    started_at: float  # wall-clock time (time.time()) when the probe started
    duration: float  # seconds, the whole probe
    failure: FailureCode | None = None
    detail: str = ""  # redacted, for people: "401 after credentials", "connection refused"
    phases: tuple[Phase, ...] = ()
    stream: StreamFacts | None = None
    device: DeviceFacts | None = None
    frame: FrameSample | None = None
    # platform probes: the same camera's direct RTSP probe of the same round, so a platform
    # or line fault (platform fails, camera answers) is told apart from a camera that is down.
    direct: ProbeResult | None = field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        return self.failure is None

    @property
    def result_label(self) -> str:
        """The ``result`` label of ``camhealth_probes_total``: ``ok`` or the failure code."""
        return "ok" if self.failure is None else self.failure.value
