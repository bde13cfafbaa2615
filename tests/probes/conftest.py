"""A simulated camera (the simulator's real RTSP and ONVIF servers) for the probe tests."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from camhealth.probes.auth import Credentials
from camhealth.probes.frames import FrameDecoder
from camhealth.probes.onvif import OnvifClients
from camhealth.probes.steps import Target
from camhealth.simulator.camera import MAIN_PATH, SUB_PATH, Codec, SimCamera, StreamSpec
from camhealth.simulator.clips import ClipLibrary, default_cache_dir
from camhealth.simulator.faults import Fault
from camhealth.simulator.onvif_server import OnvifServer
from camhealth.simulator.rtsp_server import RtspServer
from tests.simulator.addresses import random_host


@dataclass
class Sim:
    camera: SimCamera

    def url(self, path: str = MAIN_PATH) -> str:
        return f"rtsp://{self.camera.host}:{self.camera.rtsp_port}{path}"

    @property
    def onvif_url(self) -> str:
        return f"http://{self.camera.host}:{self.camera.onvif_port}/onvif/device_service"

    @property
    def credentials(self) -> Credentials:
        return Credentials(self.camera.username, self.camera.password)

    def target(self, path: str = MAIN_PATH, seconds: float = 5.0) -> Target:
        return Target(self.url(path), self.credentials, seconds, name=self.camera.id)

    @property
    def sub(self) -> Target:
        return self.target(SUB_PATH)

    def fault(self, *faults: Fault) -> None:
        self.camera.faults.faults = set(faults)


@pytest.fixture(scope="session")
def clips() -> ClipLibrary:
    """Clips cached on disk across runs: the first run encodes them once (a few seconds).

    They are loaded before the tests, so no probe's deadline pays for an encode.
    """
    library = ClipLibrary(default_cache_dir(), gops=2)
    for codec in Codec:
        camera = make_camera(codec)
        for stream in ("main", "sub"):
            library.get(library.key_for(camera, stream))
    return library


def make_camera(codec: Codec = Codec.h264) -> SimCamera:
    return SimCamera(
        id="cam-1",
        name="Gate 1",
        host=random_host(),
        scene="launch_site",
        main=StreamSpec(1280, 720, codec=codec, gop_seconds=1.0),
        sub=StreamSpec(640, 360, codec=codec, gop_seconds=1.0),
        rtsp_port=8554,
        onvif_port=8080,
        serial="SN0001",
    )


@contextlib.asynccontextmanager
async def running(clips: ClipLibrary, camera: SimCamera) -> AsyncIterator[Sim]:
    """The camera's RTSP and ONVIF servers listening, for the time of the block."""
    rtsp, onvif = RtspServer(clips), OnvifServer()
    await rtsp.start()
    await onvif.start()
    await rtsp.open(camera)
    await onvif.open(camera)
    try:
        yield Sim(camera)
    finally:
        await rtsp.stop()
        await onvif.stop()


@pytest.fixture
async def sim(clips: ClipLibrary) -> AsyncIterator[Sim]:
    async with running(clips, make_camera()) as simulated:
        yield simulated


@pytest.fixture
async def decoder() -> AsyncIterator[FrameDecoder]:
    frame_decoder = FrameDecoder(workers=1)
    yield frame_decoder
    frame_decoder.close()


@pytest.fixture
async def clients() -> AsyncIterator[OnvifClients]:
    """ONVIF clients (parsed WSDLs, one HTTP session) shared by a test's probes."""
    shared = OnvifClients()
    await shared.start()
    yield shared
    await shared.close()
