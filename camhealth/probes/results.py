"""What a probe reports: success or one failure code, the time of each phase, the facts learned.

Probes never decide whether a camera is healthy; ``camhealth.health`` does that from these facts.
Every text in a result has had credentials removed (see ``camhealth.probes.redact``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

import av
import cv2
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

THUMB_WIDTH = 640  # the thumbnail's width: enough to see what a camera shows
JPEG_QUALITY = 80


class DecodedPicture:
    """A decoded frame as the decoder made it (YUV planes), converted only where asked.

    Conversions are by swscale: OpenCV's ``cvtColor`` costs about twice the CPU in a worker
    thread (1080p: 2.7 ms against 1.3 ms), its own thread pool waking the other core each time.
    The two differ by about one grey level.
    """

    def __init__(self, frame: av.VideoFrame) -> None:
        self._frame = frame
        self.width, self.height = frame.width, frame.height
        # 16-235 unless the stream says 0-255 (AVCOL_RANGE_JPEG): swscale would not look.
        full_range = frame.format.name.startswith("yuvj") or frame.color_range == 2
        self._range = "JPEG" if full_range else "MPEG"

    def __reduce__(self) -> tuple[object, tuple[Image, str, int]]:
        """Pickled as its planes (1.5 bytes a pixel for 4:2:0), for a diagnosis process: the
        conversion stays the receiver's work."""
        frame = self._frame
        if frame.format.name not in PICKLED_FORMATS:
            frame = frame.reformat(format="yuv420p")
        planes = np.asarray(frame.to_ndarray(), dtype=np.uint8)
        return _picture_of_planes, (planes, frame.format.name, frame.color_range)

    def bgr(self, width: int | None = None) -> Image:
        """The frame in BGR, ``width`` wide (the aspect kept, area-averaged) or full size."""
        height = None if width is None else max(2, round(self.height * width / self.width))
        converted = self._frame.reformat(
            width=width,
            height=height,
            format="bgr24",
            interpolation="AREA",  # the right filter for a 2-6x reduction, and a cheap one
            src_color_range=self._range,
            threads=1,  # auto would spread one conversion over the cores: same CPU, more wakes
        )
        return np.asarray(converted.to_ndarray(), dtype=np.uint8)  # no copy: already u8


PICKLED_FORMATS = frozenset({"yuv420p", "yuvj420p", "nv12", "yuv444p", "gray"})


def _picture_of_planes(planes: Image, format_name: str, color_range: int) -> DecodedPicture:
    frame = av.VideoFrame.from_ndarray(planes, format=format_name)
    frame.color_range = color_range
    return DecodedPicture(frame)


class FrameSample:
    """The first keyframe of a stream, decoded.

    The frames probe makes it from the decoder's picture (:meth:`of`) and converts nothing: what
    a sample costs is the decode. Copies are made when first asked for, once, in the thread that
    asks: ``image`` (full-size BGR, OpenCV's order: what ``camhealth.health.quality`` takes, so
    the conversion is the diagnosis's work, in its pool), ``small`` (``THUMB_WIDTH`` wide) and
    ``jpeg`` (a thumbnail of ``small``, for evidence and reference views: most pictures never
    need one). A sample made from arrays (stills, tests) has them as given. None may be modified
    in place (``small`` may be ``image`` itself).
    """

    def __init__(
        self,
        image: Image | None,
        small: Image | None,
        jpeg: bytes | None,
        width: int,
        height: int,
        codec: str,
        keyframe_seconds: float,  # from PLAY sent to the keyframe's last packet received
        decoded: DecodedPicture | None = None,
    ) -> None:
        if image is None and decoded is None:
            raise ValueError("a frame sample needs an image or a decoded picture")
        self._image, self._small, self._jpeg = image, small, jpeg
        self.width, self.height = width, height
        self.codec = codec
        self.keyframe_seconds = keyframe_seconds
        self.decoded = decoded

    @classmethod
    def of(cls, frame: av.VideoFrame, codec: str, keyframe_seconds: float) -> FrameSample:
        """A sample of a decoder's frame, nothing converted yet."""
        picture = DecodedPicture(frame)
        return cls(
            None, None, None, picture.width, picture.height, codec, keyframe_seconds, picture
        )

    @property
    def image(self) -> Image:
        if self._image is None:
            assert self.decoded is not None  # one of the two, by the constructor
            self._image = self.decoded.bgr()
        return self._image

    @property
    def small(self) -> Image:
        if self._small is None:
            if self.width <= THUMB_WIDTH:
                self._small = self.image  # a sub-stream is already small
            elif self.decoded is not None:
                self._small = self.decoded.bgr(THUMB_WIDTH)  # scaled and converted in one pass
            else:
                size = (THUMB_WIDTH, max(2, round(self.height * THUMB_WIDTH / self.width)))
                self._small = np.asarray(cv2.resize(self.image, size, interpolation=cv2.INTER_AREA))
        return self._small

    @property
    def jpeg(self) -> bytes:
        if self._jpeg is None:
            ok, data = cv2.imencode(".jpg", self.small, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
            if not ok:
                raise ValueError("the picture does not encode as JPEG")
            self._jpeg = data.tobytes()
        return self._jpeg


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
