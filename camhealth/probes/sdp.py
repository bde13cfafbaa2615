"""The video track of an RTSP session description (SDP, RFC 4566) and its parameter sets.

Pure and size-limited: a DESCRIBE body is parsed only up to ``MAX_SDP`` bytes and
``MAX_LINES`` lines, so a hostile camera cannot make us hold or walk a huge description.
Only what a probe needs is kept: the first video track's payload type, codec, clock rate,
control URL, frame rate and the parameter sets from ``sprop-parameter-sets`` (H.264, RFC 6184)
or ``sprop-vps``/``sprop-sps``/``sprop-pps`` (H.265, RFC 7798).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field, replace

from camhealth.probes.paramsets import ParamSetError, stream_facts
from camhealth.probes.results import StreamFacts

MAX_SDP = 64 * 1024
MAX_LINES = 2000
CODECS = {"H264": "h264", "H265": "h265", "HEVC": "h265"}


class SdpError(ValueError):
    """The description is malformed, too large or has no video track."""


@dataclass(frozen=True)
class VideoTrack:
    payload_type: int
    encoding: str  # the rtpmap encoding name as given, e.g. "H264"
    clock_rate: int
    control: str  # absolute URL for SETUP
    fmtp: dict[str, str] = field(default_factory=dict)
    fps: float | None = None
    session_url: str = ""  # aggregate control URL, for PLAY and TEARDOWN

    @property
    def codec(self) -> str | None:
        """``h264``, ``h265`` or None for anything else (MJPEG, MPEG-4, ...)."""
        return CODECS.get(self.encoding.upper())

    @property
    def parameter_sets(self) -> tuple[bytes, ...]:
        """NAL units of the fmtp's sprop attributes (VPS, SPS, PPS order for H.265)."""
        keys = ("sprop-vps", "sprop-sps", "sprop-pps", "sprop-parameter-sets")
        values = ",".join(self.fmtp[k] for k in keys if self.fmtp.get(k))
        return tuple(_b64(item) for item in values.split(",") if item.strip())

    def facts(self) -> StreamFacts:
        """What the parameter sets say; only codec and fps when there are none or they are bad."""
        codec = self.codec or self.encoding.lower()
        try:
            facts = stream_facts(codec, self.parameter_sets)
        except (ParamSetError, SdpError):
            return StreamFacts(codec=codec, fps=self.fps)
        return StreamFacts(
            codec=codec,
            profile=facts.profile,
            level=facts.level,
            width=facts.width,
            height=facts.height,
            fps=self.fps,
        )


def parse_sdp(body: bytes, base_url: str) -> VideoTrack:
    """The first video track of ``body``; its control URL resolved against ``base_url``.

    ``base_url`` is the Content-Base (or Content-Location, or the DESCRIBE URL).
    """
    if len(body) > MAX_SDP:
        raise SdpError(f"session description larger than {MAX_SDP} bytes")
    lines = body.decode("utf-8", "replace").splitlines()
    if len(lines) > MAX_LINES:
        raise SdpError(f"session description has more than {MAX_LINES} lines")
    if not lines or not lines[0].startswith("v="):
        raise SdpError("not a session description (no v= line)")
    session_control, media = _split_media(lines)
    session_url = _resolve(base_url, session_control or "*")
    for section in media:
        if section[0].startswith("m=video "):
            return replace(_video_track(section, session_url), session_url=session_url)
    raise SdpError("no video track")


def _split_media(lines: list[str]) -> tuple[str | None, list[list[str]]]:
    """The session-level a=control and the lines of each m= section."""
    session_control: str | None = None
    media: list[list[str]] = []
    for line in lines:
        if line.startswith("m="):
            media.append([line])
        elif media:
            media[-1].append(line)
        elif line.startswith("a=control:"):
            session_control = line[len("a=control:") :].strip()
    return session_control, media


def _video_track(section: list[str], base_url: str) -> VideoTrack:
    fields = section[0][2:].split()
    if len(fields) < 4:
        raise SdpError("malformed m=video line")
    payload_type = _int(fields[3], "payload type")
    encoding, clock_rate, control, fps = "", 90000, "*", None
    fmtp: dict[str, str] = {}
    for line in section[1:]:
        key, _, value = line.partition(":")
        head, _, rest = value.strip().partition(" ")
        if key == "a=rtpmap" and _int(head, "payload type") == payload_type:
            encoding, _, clock = rest.partition("/")
            clock_rate = _int(clock.partition("/")[0] or "90000", "clock rate")
        elif key == "a=fmtp" and head == str(payload_type):
            fmtp = _fmtp(rest)
        elif key == "a=control":
            control = value.strip()
        elif key == "a=framerate":
            fps = _fps(value)
    if not encoding:
        encoding = {"26": "JPEG", "32": "MPV"}.get(str(payload_type), f"payload {payload_type}")
    return VideoTrack(
        payload_type, encoding.strip(), clock_rate, _resolve(base_url, control), fmtp, fps
    )


def _fmtp(text: str) -> dict[str, str]:
    params: dict[str, str] = {}
    for item in text.split(";"):
        key, _, value = item.strip().partition("=")
        if key:
            params[key.strip().lower()] = value.strip()
    return params


def _resolve(base: str, control: str) -> str:
    """RFC 2326 C.1.1, the way FFmpeg and cameras read it: relative controls append to the base."""
    if control in ("", "*"):
        return base
    if "://" in control:
        return control
    return base + ("" if base.endswith("/") else "/") + control.lstrip("/")


def _b64(item: str) -> bytes:
    try:
        return base64.b64decode(item.strip() + "=" * (-len(item.strip()) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise SdpError("parameter set is not base64") from None


def _int(text: str, what: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise SdpError(f"malformed {what}") from None
    if not 0 <= value < 1 << 32:
        raise SdpError(f"{what} out of range")
    return value


def _fps(text: str) -> float | None:
    try:
        fps = float(text.strip())
    except ValueError:
        return None
    return fps if 0 < fps <= 1000 else None
