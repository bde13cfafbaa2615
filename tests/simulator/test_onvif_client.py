"""Conformance: the third-party onvif-zeep-async client (ONVIFCamera) against the simulator."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import cv2
import numpy as np
import pytest
import zeep.exceptions
from onvif import ONVIFCamera

from camhealth.simulator.camera import Codec, SimCamera, StreamSpec
from camhealth.simulator.faults import Fault
from camhealth.simulator.onvif_server import OnvifServer
from tests.simulator.addresses import random_host

PORT = 8080


@pytest.fixture
async def camera() -> AsyncIterator[SimCamera]:
    camera = SimCamera(
        id="37068200001320000001",
        name="Station square east",
        host=random_host(),
        scene="launch_site",
        main=StreamSpec(2560, 1440, Codec.h265),
        onvif_port=PORT,
        rtsp_port=8554,
        serial="SC0001",
    )
    server = OnvifServer()
    await server.start()
    await server.open(camera)
    yield camera
    await server.stop()


async def client(camera: SimCamera, password: str | None = None) -> ONVIFCamera:
    onvif = ONVIFCamera(
        camera.host, camera.onvif_port, camera.username, password or camera.password
    )
    await onvif.update_xaddrs()
    return onvif


async def test_device_service(camera: SimCamera) -> None:
    onvif = await client(camera)
    try:
        device = await onvif.create_devicemgmt_service()
        clock = await device.GetSystemDateAndTime()
        utc = clock.UTCDateTime
        reported = datetime(
            utc.Date.Year,
            utc.Date.Month,
            utc.Date.Day,
            utc.Time.Hour,
            utc.Time.Minute,
            utc.Time.Second,
            tzinfo=UTC,
        )
        assert abs((reported - datetime.now(UTC)).total_seconds()) < 5
        info = await device.GetDeviceInformation()
        assert (info.Manufacturer, info.Model, info.SerialNumber) == ("Simcam", "SC-2000", "SC0001")
        capabilities = await onvif.get_capabilities()
        assert capabilities["Media"]["XAddr"] == f"http://{camera.host}:{PORT}/onvif/media_service"
    finally:
        await onvif.close()


async def test_media_service(camera: SimCamera) -> None:
    onvif = await client(camera)
    try:
        media = await onvif.create_media_service()
        profiles = await media.GetProfiles()
        sizes = [
            (
                p.VideoEncoderConfiguration.Resolution.Width,
                p.VideoEncoderConfiguration.Resolution.Height,
                p.VideoEncoderConfiguration.Encoding,
            )
            for p in profiles
        ]
        assert sizes == [(2560, 1440, "H265"), (640, 360, "H264")]
        uris = []
        for profile in profiles:
            request = media.create_type("GetStreamUri")
            request.ProfileToken = profile.token
            request.StreamSetup = {"Stream": "RTP-Unicast", "Transport": {"Protocol": "RTSP"}}
            uris.append((await media.GetStreamUri(request)).Uri)
        assert uris == [
            f"rtsp://{camera.host}:8554/Streaming/Channels/101",
            f"rtsp://{camera.host}:8554/Streaming/Channels/102",
        ]
        encoders = await media.GetVideoEncoderConfigurations()
        assert [e.Resolution.Height for e in encoders] == [1440, 360]
        jpeg = await onvif.get_snapshot(profiles[1].token)
        assert jpeg is not None
        picture = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
        assert picture.shape == (360, 640, 3) and picture.std() > 20  # a scene, not a flat frame
        camera.faults.faults.add(Fault.low_resolution)  # the encoder reports what it streams
        low = (await media.GetProfiles())[0].VideoEncoderConfiguration.Resolution
        assert (low.Width, low.Height) == (704, 576)
        assert await onvif.get_snapshot(profiles[1].token, basic_auth=True) is not None
    finally:
        await onvif.close()


async def not_authorized(onvif: ONVIFCamera, operation: str) -> None:
    device = await onvif.create_devicemgmt_service()
    with pytest.raises(zeep.exceptions.Fault) as caught:
        await getattr(device, operation)()
    assert caught.value.subcodes[0].localname == "NotAuthorized"


@pytest.mark.parametrize("fault", [None, Fault.auth_failed])
async def test_refused_credentials_give_a_not_authorized_fault(
    camera: SimCamera, fault: Fault | None
) -> None:
    """A wrong password, or a camera refusing the right one; the clock answers without a login."""
    if fault:
        camera.faults.faults.add(fault)
    password = "wrong" if fault is None else camera.password
    onvif = ONVIFCamera(camera.host, camera.onvif_port, camera.username, password)
    try:
        await not_authorized(onvif, "GetDeviceInformation")
        with pytest.raises(zeep.exceptions.Fault):
            await onvif.update_xaddrs()
        device = await onvif.create_devicemgmt_service()
        assert (await device.authless_GetSystemDateAndTime()).UTCDateTime.Date.Year > 2000
    finally:
        await onvif.close()


async def test_onvif_auth_always_demands_a_login_for_the_clock(camera: SimCamera) -> None:
    camera.faults.faults.add(Fault.onvif_auth_always)
    onvif = ONVIFCamera(camera.host, camera.onvif_port, camera.username, camera.password)
    try:
        device = await onvif.create_devicemgmt_service()
        with pytest.raises(zeep.exceptions.Fault) as caught:
            await device.authless_GetSystemDateAndTime()
        assert caught.value.subcodes[0].localname == "NotAuthorized"
        assert (await device.GetSystemDateAndTime()).UTCDateTime.Date.Year > 2000
    finally:
        await onvif.close()
