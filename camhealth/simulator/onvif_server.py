"""The simulated ONVIF device and media services of many cameras, in one aiohttp application.

Each camera has its own listener (an aiohttp ``TCPSite`` on its address and ONVIF port); a
request's camera is the one whose address and port the connection arrived on. Idle cameras cost
a listening socket and nothing else: no per-camera task runs. The camera's fault state is read on
every request, so a change made through the control API shows on the next request.

Usage::

    server = OnvifServer()
    await server.start()
    await server.open(camera)      # listen on camera.host:camera.onvif_port
    ...
    await server.stop()            # closes every listener and connection
"""

from __future__ import annotations

import asyncio
import time
import zlib
from collections.abc import Callable

from aiohttp import web

from camhealth.simulator.auth import Authenticator
from camhealth.simulator.camera import SimCamera
from camhealth.simulator.faults import Fault
from camhealth.simulator.onvif_operations import (
    OPERATIONS,
    PRE_AUTH,
    SNAPSHOT_PATH,
    now_utc,
    snapshot_size,
)
from camhealth.simulator.onvif_snapshot import challenge, scene_jpeg
from camhealth.simulator.onvif_soap import (
    CONTENT_TYPE,
    MAX_REQUEST_BYTES,
    SoapFault,
    SoapRequest,
    envelope,
    fault_envelope,
    not_authorized,
    parse_request,
)

SnapshotRenderer = Callable[[SimCamera, int, int], bytes]
HUGE_HEADER_COUNT = 16
HUGE_HEADER_BYTES = 64 * 1024  # 1 MiB of headers in all: more than any sane client accepts

# Billion laughs: ten levels of ten references expand to 10^9 "lol"s (3 GB) in a naive parser.
_BOMB_ENTITIES = '<!ENTITY lol0 "lol">' + "".join(
    f'<!ENTITY lol{level} "{f"&lol{level - 1};" * 10}">' for level in range(1, 10)
)
XML_BOMB = (
    f'<?xml version="1.0"?>\n<!DOCTYPE Envelope [{_BOMB_ENTITIES}]>\n'
    + envelope("<tds:GetSystemDateAndTimeResponse>&lol9;</tds:GetSystemDateAndTimeResponse>")
    .decode()
    .split("\n", 1)[1]
).encode()


class OnvifServer:
    def __init__(self, snapshot: SnapshotRenderer = scene_jpeg) -> None:
        self._snapshot = snapshot
        self._auth = Authenticator(realm="Simcam")
        self._cameras: dict[tuple[str, int], SimCamera] = {}
        self._sites: dict[str, web.TCPSite] = {}
        self._closing = asyncio.Event()
        app = web.Application(client_max_size=MAX_REQUEST_BYTES)
        app.router.add_post("/onvif/{service}", self._soap)
        app.router.add_get(SNAPSHOT_PATH, self._snapshot_jpeg)
        # Cancel a handler when its client goes away, so a hung camera's waiting handlers end
        # with the probes that gave up on them instead of piling up.
        self._runner = web.AppRunner(
            app,
            handle_signals=False,
            handler_cancellation=True,
            shutdown_timeout=1.0,
            access_log=None,
        )

    async def start(self) -> None:
        await self._runner.setup()

    async def stop(self) -> None:
        self._closing.set()
        await self._runner.cleanup()
        self._sites.clear()

    def is_open(self, camera: SimCamera) -> bool:
        return camera.id in self._sites

    async def open(self, camera: SimCamera) -> None:
        """Listen for this camera; a no-op when it already listens."""
        if camera.id in self._sites:
            return
        site = web.TCPSite(self._runner, camera.host, camera.onvif_port, reuse_address=True)
        await site.start()
        self._sites[camera.id] = site
        self._cameras[(camera.host, camera.onvif_port)] = camera

    async def close(self, camera: SimCamera) -> None:
        """Stop listening (new connections are refused) and cut the camera's open ones."""
        site = self._sites.pop(camera.id, None)
        if site is None:
            return
        await site.stop()
        server = self._runner.server
        for handler in server.connections if server else ():
            transport = handler.transport
            if transport and transport.get_extra_info("sockname")[:2] == (
                camera.host,
                camera.onvif_port,
            ):
                transport.abort()

    def _camera(self, request: web.Request) -> SimCamera:
        transport = request.transport
        sockname = transport.get_extra_info("sockname") if transport else None
        camera = self._cameras.get(tuple(sockname[:2])) if sockname else None
        if camera is None:
            raise web.HTTPNotFound()
        return camera

    async def _reachable(self, request: web.Request, camera: SimCamera) -> None:
        """Play the camera's reachability faults; return when it may answer."""
        if camera.faults.is_down(time.time()):
            # A connection kept alive across the moment the camera went down dies with it.
            _drop(request)
        if camera.faults.has(Fault.hung):
            await self._closing.wait()
            _drop(request)
        if camera.faults.has(Fault.slow):
            await asyncio.sleep(camera.faults.slow_seconds)

    async def _soap(self, request: web.Request) -> web.StreamResponse:
        camera = self._camera(request)
        await self._reachable(request, camera)
        hostile = _hostile_reply(camera)
        if hostile is None:
            status, body = _answer(camera, await request.read())
            reply = web.Response(status=status, body=body, headers={"Content-Type": CONTENT_TYPE})
        else:
            reply = hostile
        if camera.faults.has(Fault.huge_headers):
            for index in range(HUGE_HEADER_COUNT):
                reply.headers[f"X-Padding-{index}"] = "x" * HUGE_HEADER_BYTES
        return reply

    async def _snapshot_jpeg(self, request: web.Request) -> web.StreamResponse:
        camera = self._camera(request)
        await self._reachable(request, camera)
        stream = snapshot_size(camera, request.match_info["token"])
        if stream is None:
            raise web.HTTPNotFound()
        authorization = request.headers.get("Authorization")
        login = (camera.username, camera.password)
        if camera.faults.has(Fault.auth_failed) or not self._auth.verify(
            authorization, request.method, *login
        ):
            return challenge(self._auth)
        # Drawing and encoding a picture takes tens of ms: keep the other cameras answering.
        jpeg = await asyncio.to_thread(self._snapshot, camera, stream.width, stream.height)
        return web.Response(body=jpeg, content_type="image/jpeg")


def _drop(request: web.Request) -> None:
    """Cut the connection without a reply: aiohttp ends a cancelled handler silently."""
    if request.transport is not None:
        request.transport.abort()
    raise asyncio.CancelledError


def _answer(camera: SimCamera, data: bytes) -> tuple[int, bytes]:
    """HTTP status and SOAP envelope answering one request to the camera."""
    try:
        request = parse_request(data)
        _authorize(camera, request)
        operation = OPERATIONS.get((request.namespace, request.operation))
        if operation is None:
            raise SoapFault("Receiver", "ActionNotSupported", "optional action not implemented")
        return 200, envelope(operation(camera, request, now_utc()))
    except SoapFault as fault:
        return fault.http_status, fault_envelope(fault)


def _authorize(camera: SimCamera, request: SoapRequest) -> None:
    """WS-Security as a strict device does it: a token sent is always checked."""
    required = request.operation not in PRE_AUTH or camera.faults.has(Fault.onvif_auth_always)
    token = request.token
    if token is None:
        if required:
            raise not_authorized()
        return
    if camera.faults.has(Fault.auth_failed) or not token.matches(camera.username, camera.password):
        raise not_authorized()


def _hostile_reply(camera: SimCamera) -> web.Response | None:
    if camera.faults.has(Fault.xml_bomb):
        return web.Response(body=XML_BOMB, headers={"Content-Type": CONTENT_TYPE})
    if not camera.faults.has(Fault.garbage_soap):
        return None
    # Half the garbage cameras send bytes that are not XML, half well-formed XML that is no SOAP.
    if zlib.crc32(camera.id.encode()) % 2:
        body = b"<?xml version='1.0'?><s:Envelope \x00\xff\xfe garbage <<<"
    else:
        body = b"<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>"
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE})
