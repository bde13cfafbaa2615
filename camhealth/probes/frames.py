"""The ``frames`` probe: play a stream over RTSP/TCP, take the first keyframe, decode it.

Why not let FFmpeg open the URL: an FFmpeg open (PyAV, OpenCV or the ``ffmpeg`` command alike)
costs 0.1-0.25 s of CPU in probing alone, several times the decode of one keyframe. Here our own
RTSP client plays the stream, :mod:`camhealth.probes.depacketize` reassembles the first IDR/IRAP
access unit, and a bare PyAV decoder context fed the parameter sets decodes just that.

DESCRIBE is sent first, without OPTIONS. A camera that refuses it on a fresh connection for any
reason but 401/404 (a 400/405/454/501, a closed connection, garbage) is asked once more with
OPTIONS first, as FFmpeg and VLC always ask; a camera that then answers is remembered
(:data:`OPTIONS_FIRST`, bounded), so its later samples send OPTIONS from the start.

Decoding runs in a small thread pool behind a semaphore (:class:`FrameDecoder`), so the event
loop never blocks and at most ``workers`` decodes run at once whatever the fleet's size. The
decode step is our own work (the keyframe has arrived): a timeout there, whether waiting for a
worker or decoding, is the monitor's overload, which the result says (``steps.monitor_late``).
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import urlsplit

import av

from camhealth.probes.depacketize import CODECS, AccessUnit, Depacketizer
from camhealth.probes.media import RtpSource
from camhealth.probes.results import (
    FailureCode,
    FrameSample,
    ProbeError,
    ProbeKind,
    ProbeResult,
)
from camhealth.probes.rtsp import RtspClient, StatusError, open_described
from camhealth.probes.sdp import VideoTrack
from camhealth.probes.steps import DECODE, Steps, Target, run_probe

DECODE_SECONDS = 5.0  # allowed for decoding beyond the camera's deadline (our CPU, not its)
DECODERS = {"h264": "h264", "h265": "hevc"}
MAX_OPTIONS_HOSTS = 4096  # cameras remembered as needing OPTIONS (least recently seen dropped)
OPTIONS_FIRST: OrderedDict[str, None] = OrderedDict()  # their host:port, LRU order


def decode_keyframe(codec: str, data: bytes, keyframe_seconds: float) -> FrameSample:
    """Decode one Annex B keyframe (parameter sets included) into a FrameSample. Blocking.

    Nothing is converted here: the BGR frame is made by the diagnosis that needs it, in its
    pool, and the JPEG thumbnail only for a picture kept as evidence or a reference view.
    """
    context = av.CodecContext.create(DECODERS[codec], "r")
    assert isinstance(context, av.VideoCodecContext)
    context.thread_count = 1  # one core per decode; the pool gives parallelism across cameras
    try:
        frames = context.decode(av.Packet(data)) + context.decode(None)
    except av.FFmpegError as exc:
        raise ProbeError(
            FailureCode.decode_error, f"the keyframe does not decode ({exc})"
        ) from None
    if not frames:
        raise ProbeError(FailureCode.decode_error, "the keyframe decoded to no picture")
    return FrameSample.of(frames[0], codec, keyframe_seconds)


class FrameDecoder:
    """A bounded pool for keyframe decodes, shared by every frames probe of a process."""

    def __init__(self, workers: int = 2, seconds: float = DECODE_SECONDS) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="decode")
        self._slots = asyncio.Semaphore(workers)
        self.seconds = seconds  # allowed for waiting for a worker and decoding, per sample

    async def decode(self, codec: str, data: bytes, keyframe_seconds: float) -> FrameSample:
        async with self._slots:  # wait here, cancellable, instead of in the pool's queue
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(
                self._pool, decode_keyframe, codec, data, keyframe_seconds
            )

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


@dataclass
class _Keyframe:
    unit: AccessUnit
    seconds: float


async def _first_keyframe(source: RtpSource, track: VideoTrack) -> _Keyframe:
    codec = CODECS[track.codec or ""]
    depacketizer = Depacketizer(codec, track.payload_type)
    started = time.perf_counter()
    while True:  # bounded by the probe's deadline
        unit = depacketizer.push(await source.next_packet())
        if unit is not None:
            return _Keyframe(unit, time.perf_counter() - started)


def _host(url: str) -> str:
    return urlsplit(url).netloc.rpartition("@")[2].lower()


def _options_may_help(exc: BaseException) -> bool:
    """Whether a failed DESCRIBE is worth asking again after OPTIONS (not 401/404: those mean
    what they say)."""
    if isinstance(exc, StatusError):
        return exc.status != 404
    if isinstance(exc, ProbeError):
        return exc.code is FailureCode.protocol_error
    return isinstance(exc, ConnectionError | asyncio.IncompleteReadError)


async def _open(steps: Steps, target: Target) -> tuple[RtspClient, VideoTrack]:
    """Connect and DESCRIBE, with OPTIONS first for a camera known or found to need it."""
    host = _host(target.url)
    if host in OPTIONS_FIRST:
        OPTIONS_FIRST.move_to_end(host)
        return await open_described(steps, target.url, target.credentials)
    try:
        return await open_described(steps, target.url, target.credentials, options=False)
    except (ProbeError, ConnectionError, asyncio.IncompleteReadError) as exc:
        if steps.current != "describe" or not _options_may_help(exc):
            raise
    opened = await open_described(steps, target.url, target.credentials)
    OPTIONS_FIRST[host] = None
    if len(OPTIONS_FIRST) > MAX_OPTIONS_HOSTS:
        OPTIONS_FIRST.popitem(last=False)
    return opened


async def _play_keyframe(steps: Steps, target: Target) -> tuple[VideoTrack, _Keyframe]:
    client, track = await _open(steps, target)
    source: RtpSource | None = None
    try:
        async with steps.step("setup"):
            source = await client.setup(track)
        async with steps.step("play"):
            await client.play(track)
        try:
            async with steps.step("first_keyframe"):
                keyframe = await _first_keyframe(source, track)
        except TimeoutError:
            raise ProbeError(
                FailureCode.no_frames, "the stream plays but no keyframe came"
            ) from None
    finally:
        if source is not None:
            source.close()
        await client.close(track)
    return track, keyframe


async def probe_frames(
    target: Target, decoder: FrameDecoder, kind: ProbeKind = ProbeKind.frames
) -> ProbeResult:
    """Play the target's stream, decode its first keyframe; the frame and facts in the result."""

    async def body(steps: Steps) -> None:
        track, keyframe = await _play_keyframe(steps, target)
        data = keyframe.unit.annexb(track.parameter_sets + keyframe.unit.parameter_sets)
        steps.deadline = max(steps.deadline, asyncio.get_running_loop().time() + decoder.seconds)
        try:
            async with steps.step(DECODE):
                steps.frame = await decoder.decode(track.codec or "", data, keyframe.seconds)
        except TimeoutError:
            raise ProbeError(
                FailureCode.timeout, "the monitor's decoders were too busy to decode in time"
            ) from None

    return await run_probe(kind, target, body)
