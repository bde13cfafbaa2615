"""The RTSP server against a raw-socket client: the protocol, the media, and every fault."""

from __future__ import annotations

import asyncio
import itertools
import os
import time
from collections.abc import AsyncIterator

import av
import pytest

from camhealth.simulator.camera import Codec, SimCamera, StreamSpec
from camhealth.simulator.clips import ClipLibrary
from camhealth.simulator.faults import Fault
from camhealth.simulator.rtsp_server import RtspServer, Target
from tests.simulator.addresses import random_host
from tests.simulator.rtsp_testclient import RawRtsp, annexb, decode, sprop_sets

MAIN = "/Streaming/Channels/101"


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> ClipLibrary:
    return ClipLibrary(tmp_path_factory.mktemp("clips"), gops=3)


def make_camera(codec: Codec = Codec.h264) -> SimCamera:
    spec = StreamSpec(320, 240, codec, gop_seconds=0.2)  # 5 frames per GOP: quick to encode
    return SimCamera(
        "cam1",
        "Gate 3",
        random_host(),
        "garage",
        main=spec,
        sub=StreamSpec(256, 144, codec, gop_seconds=0.2),
        rtsp_port=0,
    )


@pytest.fixture
def camera() -> SimCamera:
    return make_camera()


@pytest.fixture
async def server(library: ClipLibrary) -> AsyncIterator[RtspServer]:
    rtsp = RtspServer(library, session_timeout=1.0)
    await rtsp.start()
    yield rtsp
    await rtsp.stop()
    leftover = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    assert leftover == [], "the server left tasks running"


async def connect(server: RtspServer, camera: SimCamera, *faults: Fault) -> tuple[RawRtsp, str]:
    """A raw client of the camera with these faults, and the camera's main stream URL."""
    camera.faults.faults.update(faults)
    await server.open(camera)
    port = server.port(camera)
    assert port
    return await RawRtsp.connect(
        port, camera.host, limit=8 * 1024 * 1024
    ), f"rtsp://{camera.host}:{port}{MAIN}"


async def playing(
    server: RtspServer, camera: SimCamera, *faults: Fault, scheme: str = "digest"
) -> tuple[RawRtsp, str, str]:
    """A client that logged in and PLAYs the main stream over TCP; and the URL and SDP."""
    client, url = await connect(server, camera, *faults)
    sdp = (await client.login(scheme, url)).body.decode()
    assert (await client.play(url)).status == 200
    return client, url, sdp


async def first_keyframe(client: RawRtsp, codec: Codec, limit: int = 40) -> list[bytes]:
    for _ in range(limit):
        _first, nals = await client.access_unit(codec)
        types = {(n[0] >> 1) & 0x3F if codec is Codec.h265 else n[0] & 0x1F for n in nals}
        if types & ({19, 20, 21} if codec is Codec.h265 else {5}):
            return nals
    raise AssertionError("no keyframe")


async def test_options_needs_no_authentication_and_describe_offers_both_schemes(
    server: RtspServer, camera: SimCamera
) -> None:
    client, url = await connect(server, camera)
    options = await client.request("OPTIONS", url)
    assert options.status == 200 and "DESCRIBE" in (options.header("public") or "")
    assert options.header("cseq") == "1"
    refused = await client.request("DESCRIBE", url)
    assert refused.status == 401
    assert [c.split()[0] for c in refused.headers["www-authenticate"]] == ["Digest", "Basic"]
    await client.close()


@pytest.mark.parametrize("scheme", ["basic", "digest"])
@pytest.mark.parametrize("codec", list(Codec))
async def test_sdp_parameter_sets_decode_the_first_keyframe(
    server: RtspServer, scheme: str, codec: Codec
) -> None:
    camera = make_camera(codec)
    client, url = await connect(server, camera)
    described = await client.login(scheme, url)
    sdp = described.body.decode()
    assert described.status == 200 and described.header("content-base") == url + "/"
    assert (
        "H265/90000" if codec is Codec.h265 else "H264/90000"
    ) in sdp and "a=framerate:25" in sdp
    played = await client.play(url)
    assert played.status == 200
    info = dict(part.split("=", 1) for part in (played.header("rtp-info") or "").split(";"))
    first, _ = await client.access_unit(codec)
    assert (first.sequence, first.timestamp) == (int(info["seq"]), int(info["rtptime"]))
    keyframe = [n for n in await first_keyframe(client, codec) if n not in sprop_sets(sdp)]
    frames = decode(codec, annexb(sprop_sets(sdp) + keyframe))
    assert [(f.width, f.height) for f in frames] == [(320, 240)]
    await client.close()


async def test_rtp_is_paced_at_25_fps_with_90khz_timestamps(
    server: RtspServer, camera: SimCamera
) -> None:
    client, _url, _sdp = await playing(server, camera)
    units = [await client.access_unit(Codec.h264) for _ in range(8)]
    stamps = [u[0].timestamp for u in units]
    assert [b - a for a, b in itertools.pairwise(stamps)] == [3600] * 7
    started = time.monotonic()
    for _ in range(5):
        await client.access_unit(Codec.h264)
    assert time.monotonic() - started >= 0.1  # real time, not a flood: 5 frames are 0.2 s
    await client.close()


async def test_udp_transport_and_the_session_timeout(server: RtspServer, camera: SimCamera) -> None:
    received: asyncio.Queue[bytes] = asyncio.Queue()

    class Sink(asyncio.DatagramProtocol):
        def datagram_received(self, data: bytes, addr: object) -> None:
            received.put_nowait(data)

    loop = asyncio.get_running_loop()
    rtp, _ = await loop.create_datagram_endpoint(Sink, local_addr=("127.0.0.1", 0))
    port = rtp.get_extra_info("sockname")[1]
    client, url = await connect(server, camera)
    await client.login("digest", url)
    played = await client.play(url, f"RTP/AVP;unicast;client_port={port}-{port + 1}")
    assert played.status == 200
    assert (await asyncio.wait_for(received.get(), 5))[0] == 0x80
    await asyncio.sleep(1.5)  # session_timeout is 1 s and the client sent nothing since
    while not received.empty():
        received.get_nowait()
    await asyncio.sleep(0.3)
    assert received.empty(), "a timed-out UDP session kept streaming"
    rtp.close()
    await client.close()


async def test_teardown_ends_the_stream_and_get_parameter_keeps_it(
    server: RtspServer, camera: SimCamera
) -> None:
    client, url = await connect(server, camera)
    await client.login("basic", url)
    played = await client.play(url)
    session = played.header("session") or ""
    assert (await client.request("GET_PARAMETER", url, {"Session": session})).status == 200
    assert (await client.request("TEARDOWN", url, {"Session": session})).status == 200
    client.packets.clear()
    assert (await client.request("OPTIONS", url)).status == 200
    await asyncio.sleep(0.2)
    assert client.reader._buffer == b""  # type: ignore[attr-defined]  # nothing after TEARDOWN
    await client.close()


async def test_stop_ends_listeners_and_streaming_connections(
    library: ClipLibrary, camera: SimCamera
) -> None:
    rtsp = RtspServer(library)
    client, url = await connect(rtsp, camera)
    await client.login("digest", url)
    await client.play(url)
    await client.packet()
    port = rtsp.port(camera)
    await rtsp.stop()
    with pytest.raises((asyncio.IncompleteReadError, ConnectionError)):
        while True:
            await client.packet()
    with pytest.raises(ConnectionRefusedError):
        await asyncio.open_connection(camera.host, port)
    await client.close()


async def test_close_refuses_and_reopen_serves(server: RtspServer, camera: SimCamera) -> None:
    client, _url = await connect(server, camera)
    await client.close()
    port = server.port(camera)
    await server.close(camera)
    assert server.port(camera) is None
    with pytest.raises(ConnectionRefusedError):
        await asyncio.open_connection(camera.host, port)
    again, url = await connect(server, camera)
    assert (await again.request("OPTIONS", url)).status == 200
    await again.close()


async def test_sub_stream_and_unknown_paths(server: RtspServer, camera: SimCamera) -> None:
    client, url = await connect(server, camera)
    await client.login("digest", url)
    sub = await client.request("DESCRIBE", url.replace("101", "102"))
    assert "a=x-dimensions:256,144" in sub.body.decode()
    assert (await client.request("DESCRIBE", url.replace("101", "999"))).status == 404
    assert (await client.request("RECORD", url)).status == 501
    await client.close()


# ---- faults --------------------------------------------------------------------------------


async def test_offline_drops_the_connection(server: RtspServer, camera: SimCamera) -> None:
    client, url = await connect(server, camera)
    camera.faults.faults.add(Fault.offline)
    client.send("OPTIONS", url)
    assert await client.reader.read() == b""
    await client.close()


async def test_hung_never_answers(server: RtspServer, camera: SimCamera) -> None:
    client, url = await connect(server, camera, Fault.hung)
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(client.request("OPTIONS", url), 0.5)
    await client.close()


async def test_slow_delays_every_reply(server: RtspServer, camera: SimCamera) -> None:
    camera.faults.faults.add(Fault.slow)
    camera.faults.slow_seconds = 0.3
    client, url = await connect(server, camera)
    started = time.monotonic()
    assert (await client.request("OPTIONS", url)).status == 200
    assert time.monotonic() - started >= 0.3
    await client.close()


async def test_auth_failed_refuses_the_right_password(
    server: RtspServer, camera: SimCamera
) -> None:
    client, url = await connect(server, camera, Fault.auth_failed)
    client.scheme = "basic"
    assert (await client.request("DESCRIBE", url)).status == 401
    assert (await client.request("OPTIONS", url)).status == 200
    await client.close()


@pytest.mark.parametrize(
    ("fault", "describe", "setup"),
    [
        (Fault.rtsp_404, 404, None),
        (Fault.nothing_to_play, 404, None),
        (Fault.rtsp_503, 503, None),
        (Fault.rtsp_454, 200, 454),
        (Fault.udp_only, 200, 461),
    ],
)
async def test_rtsp_error_statuses(
    server: RtspServer, camera: SimCamera, fault: Fault, describe: int, setup: int | None
) -> None:
    camera.faults.faults.add(fault)
    client, url = await connect(server, camera)
    assert (await client.request("OPTIONS", url)).status == 200
    assert (await client.login("basic", url)).status == describe
    if setup is not None:
        tcp = {"Transport": "RTP/AVP/TCP;unicast;interleaved=0-1"}
        assert (await client.request("SETUP", f"{url}/trackID=1", tcp)).status == setup
    await client.close()


async def test_udp_only_still_serves_udp(server: RtspServer, camera: SimCamera) -> None:
    client, url = await connect(server, camera, Fault.udp_only)
    await client.login("basic", url)
    udp = {"Transport": "RTP/AVP;unicast;client_port=50000-50001"}
    reply = await client.request("SETUP", f"{url}/trackID=1", udp)
    assert reply.status == 200 and "server_port=" in (reply.header("transport") or "")
    await client.close()


async def test_no_cseq_401(server: RtspServer, camera: SimCamera) -> None:
    client, url = await connect(server, camera, Fault.no_cseq_401)
    refused = await client.request("DESCRIBE", url)
    assert refused.status == 401 and refused.header("cseq") is None
    assert (await client.request("OPTIONS", url)).header("cseq") == "2"
    await client.close()


async def test_no_frames_plays_nothing(server: RtspServer, camera: SimCamera) -> None:
    client, url = await connect(server, camera, Fault.no_frames)
    await client.login("digest", url)
    assert (await client.play(url)).status == 200
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(client.packet(), 0.5)
    await client.close()


async def test_undecodable_sends_garbage_slices(server: RtspServer, camera: SimCamera) -> None:
    client, _url, sdp = await playing(server, camera, Fault.undecodable)
    keyframe = await first_keyframe(client, Codec.h264)
    try:
        frames = decode(Codec.h264, annexb(sprop_sets(sdp) + keyframe))
    except av.error.InvalidDataError:
        frames = []
    assert frames == [] or frames[0].to_ndarray().std() < 1  # nothing, or a flat grey error
    await client.close()


async def test_no_sprop_leaves_parameter_sets_in_band(
    server: RtspServer, camera: SimCamera
) -> None:
    client, url = await connect(server, camera, Fault.no_sprop)
    sdp = (await client.login("digest", url)).body.decode()
    assert "sprop" not in sdp and "packetization-mode=1" in sdp
    await client.play(url)
    keyframe = await first_keyframe(client, Codec.h264)
    assert {n[0] & 0x1F for n in keyframe} >= {7, 8, 5}
    assert len(decode(Codec.h264, annexb(keyframe))) == 1
    await client.close()


async def test_starts_with_p_frames(server: RtspServer, camera: SimCamera) -> None:
    client, _url, _sdp = await playing(server, camera, Fault.starts_with_p)
    _first, nals = await client.access_unit(Codec.h264)
    assert {n[0] & 0x1F for n in nals} == {1}  # a P slice, before any IDR
    await first_keyframe(client, Codec.h264)
    await client.close()


async def test_huge_headers(server: RtspServer, camera: SimCamera) -> None:
    client, url = await connect(server, camera, Fault.huge_headers)
    reply = await client.request("OPTIONS", url)
    assert reply.status == 200 and reply.head_size > 4_000_000
    assert reply.header("cseq") == "1"
    await client.close()


async def test_endless_sdp_announces_a_body_that_never_ends(
    server: RtspServer, camera: SimCamera
) -> None:
    client, url = await connect(server, camera, Fault.endless_sdp)
    client.scheme = "basic"
    client.send("DESCRIBE", url)
    head = await client.reader.readuntil(b"\r\n\r\n")
    assert b"Content-Length: 2147483647" in head
    body = await client.reader.readexactly(2_000_000)
    assert body.startswith(b"v=0\r\n")
    await client.close()  # the server notices; the fixture checks that nothing is left running


async def test_low_resolution_shows_in_the_sdp(server: RtspServer, camera: SimCamera) -> None:
    camera.main = StreamSpec(1280, 720, gop_seconds=0.2)
    client, url = await connect(server, camera, Fault.low_resolution)
    sdp = (await client.login("digest", url)).body.decode()
    assert "a=x-dimensions:704,576" in sdp
    await client.close()


async def keyframe_picture(server: RtspServer, camera: SimCamera) -> bytes:
    client, _url, sdp = await playing(server, camera)
    keyframe = await first_keyframe(client, Codec.h264)
    await client.close()
    (frame,) = decode(Codec.h264, annexb(sprop_sets(sdp) + keyframe))
    return bytes(frame.to_ndarray(format="rgb24"))


async def test_picture_faults_apply_at_play_time(server: RtspServer, camera: SimCamera) -> None:
    healthy = [await keyframe_picture(server, camera) for _ in range(2)]
    assert healthy[0] != healthy[1], "two plays of a healthy camera showed one picture"
    camera.faults.faults.add(Fault.frozen)
    frozen = [await keyframe_picture(server, camera) for _ in range(2)]
    assert frozen[0] == frozen[1]


async def test_start_stop_leaks_no_sockets(library: ClipLibrary, camera: SimCamera) -> None:
    def open_fds() -> int:
        return len(os.listdir("/proc/self/fd"))

    before = open_fds()
    rtsp = RtspServer(library)
    await rtsp.start()
    tcp, _url, _sdp = await playing(rtsp, camera)
    udp, url = await connect(rtsp, camera)
    await udp.login("digest", url)
    assert (await udp.play(url, "RTP/AVP;unicast;client_port=50000-50001")).status == 200
    await tcp.packet()
    await rtsp.stop()
    await tcp.close()
    await udp.close()
    assert open_fds() == before


async def test_a_client_leaving_ends_its_stream(server: RtspServer, camera: SimCamera) -> None:
    client, _url, _sdp = await playing(server, camera)
    await client.packet()
    await client.close()
    for _ in range(50):  # the handler notices within a frame or two
        if [t for t in asyncio.all_tasks() if t is not asyncio.current_task()] == []:
            break
        await asyncio.sleep(0.02)
    assert [t for t in asyncio.all_tasks() if t is not asyncio.current_task()] == []


@pytest.mark.parametrize(
    "junk",
    [
        b"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
        b"OPTIONS * RTSP/1.0\r\nCSeq: 1\r\nContent-Length: many\r\n\r\n",
        b"OPTIONS * RTSP/1.0\r\nContent-Length: 99999999\r\n\r\n",
        b"OPTIONS * RTSP/1.0\r\nX: " + b"y" * 100_000 + b"\r\n\r\n",
    ],
)
async def test_what_is_not_rtsp_ends_the_connection(
    server: RtspServer, camera: SimCamera, junk: bytes
) -> None:
    client, _url = await connect(server, camera)
    client.writer.write(junk)
    try:
        answer = await asyncio.wait_for(client.reader.read(), 5)
    except ConnectionResetError:  # closed while our junk was still unread: also the end
        answer = b""
    assert answer == b""
    await client.close()


def test_a_stream_never_restarts_at_a_gop_it_started_at_lately(
    library: ClipLibrary, camera: SimCamera, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A monitor's samples of a camera, with relay starts of the same stream in between and
    all within one second, still see a new picture each time (no false ``frozen``)."""
    monkeypatch.setattr(time, "time", lambda: 1_000_000.0)
    server = RtspServer(library)
    target = Target(camera, "sub", camera.faults)
    starts = [server.start_gop(target, 8) for _ in range(24)]
    monitor = starts[::3]  # two relay starts between the monitor's samples
    assert all(a != b for a, b in itertools.pairwise(monitor)), monitor
    assert all(len(set(starts[i : i + 8])) == 8 for i in range(len(starts) - 7))
