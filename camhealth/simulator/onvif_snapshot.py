"""The JPEG at a simulated camera's snapshot URI, behind HTTP Basic or Digest authentication.

Real cameras guard their snapshot URI with HTTP Digest (the onvif client's default) and often
accept Basic too; the simulator takes both.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from urllib.request import parse_http_list, parse_keqv_list

import cv2
from aiohttp import web
from multidict import CIMultiDict

from camhealth.simulator.camera import SimCamera
from camhealth.simulator.scenes import View, osd_label, picture_fault, still

REALM = "Simcam"
_NONCE = secrets.token_hex(16)  # one per process: the simulator keeps no per-client state


def scene_jpeg(camera: SimCamera, width: int, height: int) -> bytes:
    """The camera's picture now, with its picture fault and OSD, as the stream would show it."""
    fault = picture_fault(camera.faults.faults)
    view = View(camera.scene, width, height, osd_label(camera.name, camera.id), camera.night, fault)
    picture = cv2.cvtColor(still(view, time.time()), cv2.COLOR_RGB2BGR)
    ok, jpeg = cv2.imencode(".jpg", picture, [cv2.IMWRITE_JPEG_QUALITY, 85])
    assert ok
    return bytes(jpeg.tobytes())


def challenge() -> web.Response:
    headers = CIMultiDict(
        [
            ("WWW-Authenticate", f'Digest realm="{REALM}", qop="auth", nonce="{_NONCE}"'),
            ("WWW-Authenticate", f'Basic realm="{REALM}"'),
        ]
    )
    return web.Response(status=401, headers=headers)


def authorized(request: web.Request, camera: SimCamera) -> bool:
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "basic":
        expected = base64.b64encode(f"{camera.username}:{camera.password}".encode())
        return hmac.compare_digest(value.strip().encode(), expected)
    if scheme.lower() == "digest":
        return _digest_ok(parse_keqv_list(parse_http_list(value)), request.method, camera)
    return False


def _md5(*parts: str) -> str:
    return hashlib.md5(":".join(parts).encode()).hexdigest()  # noqa: S324 - RFC 7616 MD5


def _digest_ok(params: dict[str, str], method: str, camera: SimCamera) -> bool:
    """RFC 7616 with MD5, with or without ``qop=auth``."""
    if params.get("username") != camera.username or params.get("nonce") != _NONCE:
        return False
    ha1 = _md5(camera.username, REALM, camera.password)
    ha2 = _md5(method, params.get("uri", ""))
    if params.get("qop") == "auth":
        expected = _md5(ha1, _NONCE, params.get("nc", ""), params.get("cnonce", ""), "auth", ha2)
    else:
        expected = _md5(ha1, _NONCE, ha2)
    return hmac.compare_digest(expected, params.get("response", ""))
