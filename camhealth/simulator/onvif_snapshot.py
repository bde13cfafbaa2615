"""The JPEG at a simulated camera's snapshot URI, and the 401 that guards it.

Real cameras guard their snapshot URI with HTTP Digest (the onvif client's default) and often
accept Basic too; the simulator takes both (``camhealth.simulator.auth``).
"""

from __future__ import annotations

import time

import cv2
from aiohttp import web
from multidict import CIMultiDict

from camhealth.simulator.auth import Authenticator
from camhealth.simulator.camera import SimCamera
from camhealth.simulator.scenes import View, osd_label, picture_fault, still


def scene_jpeg(camera: SimCamera, width: int, height: int) -> bytes:
    """The camera's picture now, with its picture fault and OSD, as the stream would show it."""
    fault = picture_fault(camera.faults.faults)
    view = View(camera.scene, width, height, osd_label(camera.name, camera.id), camera.night, fault)
    picture = cv2.cvtColor(still(view, time.time()), cv2.COLOR_RGB2BGR)
    ok, jpeg = cv2.imencode(".jpg", picture, [cv2.IMWRITE_JPEG_QUALITY, 85])
    assert ok
    return bytes(jpeg.tobytes())


def challenge(auth: Authenticator) -> web.Response:
    headers = CIMultiDict(("WWW-Authenticate", value) for value in auth.challenges())
    return web.Response(status=401, headers=headers)
