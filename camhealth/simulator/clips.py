"""Encoded clips: each (picture, stream spec) is encoded once with PyAV and its packets looped.

A clip is a few GOPs of H.264 or H.265 kept in memory as access units of NAL units (no start
codes), each GOP starting with an IDR that carries its parameter sets in-band. Every camera with
the same view (scene, resolution, night, picture fault, OSD label) and stream spec shares one
clip, so a streamed camera costs almost no CPU. Clips are also cached on disk (under
``$XDG_CACHE_HOME/camhealth/clips``), so a second run of a fleet starts at once.

The GOPs differ (moving objects, sensor noise, OSD time), so a monitor sampling the first keyframe
of a healthy camera minutes apart sees different pictures; ``frozen`` clips repeat one GOP.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import struct
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from fractions import Fraction
from pathlib import Path
from typing import Literal

import av
import cv2
import numpy as np

from camhealth.simulator import scenes
from camhealth.simulator.camera import Codec, SimCamera, StreamSpec
from camhealth.simulator.faults import Fault
from camhealth.simulator.scenes import Renderer, View, osd_label, picture_fault

Stream = Literal["main", "sub"]
LOW_RESOLUTION = (704, 576)  # what a camera with the low_resolution fault streams on main
DEFAULT_LABEL = "Camera 01"  # the factory OSD name most real cameras keep
# Pixel-frames one clip may encode (H.265 counts thrice): 400 frames of 1080p H.264, about
# 10 s on one core of this kind of machine; a 4K H.265 clip is cut to 2 GOPs instead.
ENCODE_BUDGET = 400 * 1920 * 1080
QP = 27  # constant quality: visibly compressed, as from a real camera
_FORMAT = b"CAMHEALTH-CLIP-1\n"
_START_CODE = b"\x00\x00\x00\x01"


@dataclass(frozen=True)
class ClipKey:
    view: View
    codec: Codec
    fps: int
    gop_frames: int
    gops: int

    def file_name(self) -> str:
        versions = f"{_FORMAT!r} {scenes.VERSION} {QP}"
        digest = hashlib.sha256(f"{self!r} {versions}".encode()).hexdigest()[:16]
        v = self.view
        variant = f"{'night' if v.night else 'day'}-{v.fault or 'ok'}"
        return f"{v.scene}-{v.width}x{v.height}-{self.codec}-{variant}-{digest}.clip"


@dataclass(frozen=True)
class AccessUnit:
    """One frame: its NAL units without start codes."""

    nals: tuple[bytes, ...]
    keyframe: bool

    def annexb(self) -> bytes:
        return b"".join(_START_CODE + nal for nal in self.nals)


@dataclass(frozen=True)
class Clip:
    key: ClipKey
    gops: tuple[tuple[AccessUnit, ...], ...]

    @property
    def codec(self) -> Codec:
        return self.key.codec

    @property
    def width(self) -> int:
        return self.key.view.width

    @property
    def height(self) -> int:
        return self.key.view.height

    @property
    def fps(self) -> int:
        return self.key.fps

    @property
    def parameter_sets(self) -> tuple[bytes, ...]:
        """VPS (H.265 only), SPS and PPS, in that order, as the SDP announces them."""
        types = (32, 33, 34) if self.codec is Codec.h265 else (7, 8)
        first = self.gops[0][0].nals
        return tuple(next(nal for nal in first if nal_type(self.codec, nal) == t) for t in types)

    @property
    def nbytes(self) -> int:
        return sum(len(nal) for gop in set(self.gops) for au in gop for nal in au.nals)

    def annexb(self) -> bytes:
        """The whole clip as an Annex B elementary stream (what ffmpeg reads as .h264/.h265)."""
        return b"".join(au.annexb() for gop in self.gops for au in gop)


def nal_type(codec: Codec, nal: bytes) -> int:
    return (nal[0] >> 1) & 0x3F if codec is Codec.h265 else nal[0] & 0x1F


def split_annexb(data: bytes) -> tuple[bytes, ...]:
    """NAL units of an Annex B byte string, start codes and trailing zero bytes removed."""
    nals = []
    pos = data.find(b"\x00\x00\x01")
    while pos >= 0:
        start = pos + 3
        end = data.find(b"\x00\x00\x01", start)
        nal = data[start : end if end >= 0 else len(data)].rstrip(b"\x00")
        if nal:
            nals.append(nal)
        pos = end
    return tuple(nals)


def stream_spec(camera: SimCamera, stream: Stream) -> StreamSpec:
    """The spec a camera streams now: its main stream drops below HD under low_resolution."""
    if stream == "sub":
        return camera.sub
    if camera.faults.has(Fault.low_resolution) and camera.main.height > LOW_RESOLUTION[1]:
        return replace(camera.main, width=LOW_RESOLUTION[0], height=LOW_RESOLUTION[1])
    return camera.main


def _encoder(key: ClipKey) -> av.VideoCodecContext:
    gop = key.gop_frames
    common = f"keyint={gop}:min-keyint={gop}:scenecut=0:repeat-headers=1:qp={QP}"
    if key.codec is Codec.h265:
        name, option, params = (
            "libx265",
            "x265-params",
            f"{common}:open-gop=0:bframes=0:log-level=error",
        )
    else:
        name, option, params = "libx264", "x264-params", f"{common}:bframes=0"
    ctx = av.CodecContext.create(name, "w")
    assert isinstance(ctx, av.VideoCodecContext)
    ctx.width, ctx.height, ctx.pix_fmt = key.view.width, key.view.height, "yuv420p"
    ctx.time_base = Fraction(1, key.fps)
    ctx.framerate = Fraction(key.fps)
    ctx.options = {"preset": "ultrafast", "tune": "zerolatency", option: params}
    return ctx


def _yuv_frames(renderer: Renderer, gop: int, frames: int) -> Iterator[av.VideoFrame]:
    for index in range(frames):
        rgb = renderer.frame(gop, index)
        yuv = np.asarray(cv2.cvtColor(rgb, cv2.COLOR_RGB2YUV_I420), np.uint8)
        frame = av.VideoFrame.from_ndarray(yuv, format="yuv420p")
        frame.pts = index
        yield frame


def _encode_gop(key: ClipKey, renderer: Renderer, gop: int) -> tuple[AccessUnit, ...]:
    """One GOP from a fresh encoder: no rate-control history, so an IDR of the same picture
    is the same bytes in every GOP (a frozen_osd camera's keyframes differ in the OSD only)."""
    ctx = _encoder(key)
    units = [
        AccessUnit(split_annexb(bytes(packet)), packet.is_keyframe)
        for frame in [*_yuv_frames(renderer, gop, key.gop_frames), None]
        for packet in ctx.encode(frame)
    ]
    if not units[0].keyframe or any(unit.keyframe for unit in units[1:]):
        raise RuntimeError("the encoder did not make one GOP")
    return tuple(units)


def encode(key: ClipKey) -> Clip:
    """Render and encode the clip (seconds for HD, tens of seconds for 4K H.265)."""
    # A frozen camera repeats one picture: encode one GOP and loop it.
    distinct = 1 if key.view.fault is Fault.frozen else key.gops
    renderer = Renderer(key.view, key.fps)
    return _looped(key, [_encode_gop(key, renderer, gop) for gop in range(distinct)])


def _looped(key: ClipKey, distinct: list[tuple[AccessUnit, ...]]) -> Clip:
    """The clip of ``key.gops`` GOPs made of these distinct ones (fewer when frozen)."""
    return Clip(key, tuple(distinct[i % len(distinct)] for i in range(key.gops)))


def _save(clip: Clip, path: Path) -> None:
    distinct = list(dict.fromkeys(clip.gops))
    index = [[[len(au.annexb()), au.keyframe] for au in gop] for gop in distinct]
    header = json.dumps({"index": index}).encode()
    body = b"".join(au.annexb() for gop in distinct for au in gop)
    tmp = path.with_suffix(f".tmp{os.getpid()}.{threading.get_ident()}")
    with tmp.open("wb") as out:
        out.write(_FORMAT + struct.pack(">I", len(header)) + header + body)
    tmp.replace(path)  # atomic: a reader never sees half a clip


def _load(key: ClipKey, path: Path) -> Clip | None:
    data = path.read_bytes()
    if not data.startswith(_FORMAT):
        return None
    offset = len(_FORMAT)
    (size,) = struct.unpack_from(">I", data, offset)
    offset += 4
    index = json.loads(data[offset : offset + size])["index"]
    offset += size
    gops = []
    for gop in index:
        units = []
        for length, keyframe in gop:
            units.append(AccessUnit(split_annexb(data[offset : offset + length]), keyframe))
            offset += length
        gops.append(tuple(units))
    return _looped(key, gops)


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "camhealth" / "clips"


class ClipLibrary:
    """All clips of a simulator: encoded once per process (or loaded from the disk cache).

    ``gops`` distinct GOPs per clip (fewer where encoding is slow, see ``key``);
    ``osd_per_camera`` draws each camera's own name in its OSD, which makes every camera's clip
    its own: use it for small fleets only. Otherwise all cameras show ``DEFAULT_LABEL``.
    """

    def __init__(
        self, cache_dir: Path | None = None, gops: int = 8, osd_per_camera: bool = False
    ) -> None:
        self.cache_dir = cache_dir
        self.gops = gops
        self.osd_per_camera = osd_per_camera
        self._clips: dict[ClipKey, Clip] = {}
        self._lock = threading.Lock()

    def key_for(self, camera: SimCamera, stream: Stream) -> ClipKey:
        """The clip a camera's stream plays now (its faults decide the picture)."""
        spec = stream_spec(camera, stream)
        label = osd_label(camera.name, camera.id) if self.osd_per_camera else DEFAULT_LABEL
        fault = picture_fault(camera.faults.faults)
        view = View(camera.scene, spec.width, spec.height, label, camera.night, fault)
        return self.key(view, spec)

    def key(self, view: View, spec: StreamSpec) -> ClipKey:
        """The clip of this view and spec: ``gops`` GOPs, fewer (never under 2) where encoding
        is expensive, so no clip costs much more than ``ENCODE_BUDGET``."""
        gop_frames = max(1, round(spec.fps * spec.gop_seconds))
        cost = gop_frames * view.width * view.height * (3 if spec.codec is Codec.h265 else 1)
        gops = min(self.gops, max(2, ENCODE_BUDGET // cost))
        return ClipKey(view, spec.codec, spec.fps, gop_frames, gops)

    async def warm(self, keys: Iterable[ClipKey]) -> None:
        """Have these clips ready (encode or load them now), so that no DESCRIBE or PLAY of a
        fleet waits for an encode; a fleet calls it at start for its cameras' streams."""
        for key in dict.fromkeys(keys):
            await self.aget(key)

    def get(self, key: ClipKey) -> Clip:
        """The clip, from memory, the disk cache or a fresh encode (blocking; see ``aget``)."""
        clip = self._clips.get(key)
        if clip is not None:
            return clip
        with self._lock:  # one encode at a time: encoders use every core already
            clip = self._clips.get(key) or self._from_disk(key) or self._encode(key)
            self._clips[key] = clip
            return clip

    async def aget(self, key: ClipKey) -> Clip:
        """``get`` without blocking the event loop when the clip is not in memory yet."""
        clip = self._clips.get(key)
        if clip is not None:
            return clip
        return await asyncio.to_thread(self.get, key)

    @property
    def nbytes(self) -> int:
        return sum(clip.nbytes for clip in self._clips.values())

    def _from_disk(self, key: ClipKey) -> Clip | None:
        if self.cache_dir is None:
            return None
        path = self.cache_dir / key.file_name()
        try:
            return _load(key, path) if path.exists() else None
        except (OSError, ValueError, KeyError, struct.error):
            return None  # a damaged cache file is re-encoded and overwritten

    def _encode(self, key: ClipKey) -> Clip:
        clip = encode(key)
        if self.cache_dir is not None:
            self.cache_dir.mkdir(parents=True, exist_ok=True)
            _save(clip, self.cache_dir / key.file_name())
        return clip
