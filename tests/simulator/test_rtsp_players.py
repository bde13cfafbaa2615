"""Third-party players (ffprobe/ffmpeg and PyAV) play every kind of simulated stream."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import av
import pytest

from camhealth.simulator.camera import Codec, SimCamera, StreamSpec
from camhealth.simulator.clips import ClipLibrary
from camhealth.simulator.rtsp_server import RtspServer
from tests.conftest import require_command
from tests.simulator.addresses import random_host

RESOLUTIONS = [(640, 480), (704, 576), (1280, 720), (1920, 1080), (2560, 1440), (3840, 2160)]
SUB = (640, 360)


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> ClipLibrary:
    return ClipLibrary(tmp_path_factory.mktemp("clips"), gops=1)


@pytest.fixture
async def rtsp(library: ClipLibrary) -> AsyncIterator[RtspServer]:
    server = RtspServer(library)
    await server.start()
    yield server
    await server.stop()


async def serve(rtsp: RtspServer, main: tuple[int, int], codec: Codec) -> tuple[str, str]:
    """The main and sub URL (with credentials) of a camera; short GOPs keep 4K encodes short."""
    camera = SimCamera(
        f"{codec}-{main[0]}x{main[1]}",
        "Gate 3",
        random_host(),
        "launch_site",
        main=StreamSpec(*main, codec, gop_seconds=0.2),
        sub=StreamSpec(*SUB, codec, gop_seconds=0.2),
        rtsp_port=0,
    )
    await rtsp.open(camera)
    base = f"rtsp://admin:admin12345@{camera.host}:{rtsp.port(camera)}/Streaming/Channels/10"
    return base + "1", base + "2"


async def run(*argv: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        *argv, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def probe_frames(url: str, transport: str = "tcp") -> list[dict[str, object]]:
    """Decoded frames of the first two frames, as ffprobe reports them."""
    ffprobe = require_command("ffprobe")
    code, out, err = await run(
        ffprobe, "-v", "error", "-rtsp_transport", transport, "-select_streams", "v:0",
        "-read_intervals", "%+#2",
        "-show_entries", "stream=codec_name:frame=width,height,pict_type",
        "-of", "json", url,
    )  # fmt: skip
    assert code == 0, err
    result = json.loads(out)
    frames: list[dict[str, object]] = result["frames"]
    for frame in frames:
        frame["codec"] = result["streams"][0]["codec_name"]
    return frames


@pytest.mark.slow
@pytest.mark.parametrize("codec", list(Codec))
async def test_ffprobe_decodes_every_resolution(rtsp: RtspServer, codec: Codec) -> None:
    name = "hevc" if codec is Codec.h265 else "h264"
    for width, height in RESOLUTIONS:
        main, sub = await serve(rtsp, (width, height), codec)
        frames = await probe_frames(main)
        assert [(f["codec"], f["width"], f["height"]) for f in frames] == [
            (name, width, height)
        ] * 2
        assert frames[0]["pict_type"] == "I"
    frames = await probe_frames(sub)
    assert (frames[0]["width"], frames[0]["height"]) == SUB


@pytest.mark.parametrize("codec", list(Codec))
async def test_ffmpeg_plays_over_udp(rtsp: RtspServer, codec: Codec) -> None:
    _main, sub = await serve(rtsp, (1280, 720), codec)
    frames = await probe_frames(sub, transport="udp")
    assert len(frames) == 2 and frames[0]["width"] == 640


@pytest.mark.parametrize("schemes", [("basic",), ("digest",)])
async def test_ffmpeg_authenticates(library: ClipLibrary, schemes: tuple[str, ...]) -> None:
    ffmpeg = require_command("ffmpeg")
    server = RtspServer(library, auth_schemes=schemes)
    try:
        _main, sub = await serve(server, (1280, 720), Codec.h264)
        argv = [ffmpeg, "-v", "error", "-rtsp_transport", "tcp", "-i"]
        code, _out, err = await run(*argv, sub, "-frames:v", "10", "-f", "null", "-")
        assert code == 0, err
        wrong = sub.replace("admin12345", "wrong")
        code, _out, err = await run(*argv, wrong, "-frames:v", "1", "-f", "null", "-")
        assert code != 0 and "401" in err
    finally:
        await server.stop()


@pytest.mark.parametrize("codec", list(Codec))
async def test_pyav_plays_the_stream(rtsp: RtspServer, codec: Codec) -> None:
    main, _sub = await serve(rtsp, (1280, 720), codec)

    def play() -> list[tuple[int, int]]:
        with av.open(main, options={"rtsp_transport": "tcp"}, timeout=10) as container:
            frames = []
            for frame in container.decode(video=0):
                frames.append((frame.width, frame.height))
                if len(frames) == 5:
                    return frames
        return frames

    assert await asyncio.to_thread(play) == [(1280, 720)] * 5
