"""The JPEG at a simulated camera's snapshot URI, behind HTTP Basic or Digest authentication.

Real cameras guard their snapshot URI with HTTP Digest (the onvif client's default) and often
accept Basic too; the simulator takes both.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from urllib.request import parse_http_list, parse_keqv_list

import cv2
import numpy as np
from aiohttp import web
from multidict import CIMultiDict

from camhealth.simulator.camera import SimCamera

REALM = "Simcam"
_NONCE = secrets.token_hex(16)  # one per process: the simulator keeps no per-client state


def plain_jpeg(camera: SimCamera, width: int, height: int) -> bytes:
    """A grey frame with the camera's name, for when no scene renderer is given."""
    frame = np.full((height, width, 3), 96, np.uint8)
    scale = max(0.5, height / 720)
    cv2.putText(
        frame, camera.id, (16, int(48 * scale)), cv2.FONT_HERSHEY_SIMPLEX, scale, (255, 255, 255)
    )
    ok, jpeg = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, 80])
    assert ok
    return jpeg.tobytes()


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
