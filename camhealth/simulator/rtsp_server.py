"""RTSP 1.0 server of simulated cameras (asyncio): real H.264/H.265 over RTP, every fault.

Usage (the fleet does this for each camera; ``RtspServer`` fits ``fleet.Listeners``)::

    library = ClipLibrary(default_cache_dir())
    rtsp = RtspServer(library)
    await rtsp.start()
    await rtsp.open(camera)    # listen on camera.host:camera.rtsp_port, MAIN_PATH and SUB_PATH
    await rtsp.close(camera)   # port closed (offline / flapping down); its connections die
    await rtsp.stop()          # every listener, connection and stream ends

Several cameras on one host:port (the sharing platform's relay) use ``listen`` with a resolver:
a function from the request's path (and query; the ``/trackID=N`` suffix removed) to a
``Target`` (camera, "main"/"sub", and the ``FaultState`` whose RTSP-level faults apply, e.g. one
the relay composes from its own and the camera's state), or None for 404::

    port = await rtsp.listen("127.0.0.1", 8554, relay_resolver)   # returns the bound port
    await rtsp.unlisten("127.0.0.1", port)

How each fault shows (read from the target's FaultState on every request; picture faults and
low_resolution choose the clip at PLAY time, so a change shows on the next play):

- ``offline``/``flapping`` (down now): the connection is dropped; ``close(camera)`` refuses it.
- ``hung``: requests are read and never answered.  ``slow``: each reply ``slow_seconds`` late.
- ``auth_failed``: 401 for every authenticated request (OPTIONS needs no authentication).
- ``rtsp_404``, ``nothing_to_play``: DESCRIBE 404.  ``rtsp_503``: DESCRIBE/SETUP/PLAY 503.
- ``rtsp_454``: SETUP and PLAY 454 Session Not Found (DESCRIBE works).
- ``no_frames``: PLAY 200, then no RTP.  ``undecodable``: RTP carries random slice payloads.
- ``huge_headers``: every reply carries about 4 MiB of headers.
- ``endless_sdp``: DESCRIBE announces a 2 GiB SDP and sends until the client goes (≤ 256 MiB).
- ``udp_only``: 461 for RTP over TCP.  ``no_cseq_401``: 401 replies without CSeq.
- ``no_sprop``: SDP without parameter sets.  ``starts_with_p``: P-frames before the first IDR.

A clip that is neither in memory nor in the disk cache is encoded (in a thread) when a DESCRIBE
or PLAY first needs it, which takes seconds to a minute: ``await library.warm(keys)`` (the
fleet's ``warm``) encodes them before the cameras listen.

Authentication: Digest (MD5, RFC 2617) and Basic, against the camera's username/password.
A PLAY starts at a GOP chosen by wall time (never the same as that stream's previous play), sends
one frame per 1/fps in real time, and waits for a slow TCP reader (no unbounded buffering).
"""

from __future__ import annotations

import asyncio
import errno
import re
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from camhealth.simulator.auth import Authenticator
from camhealth.simulator.camera import MAIN_PATH, SUB_PATH, SimCamera
from camhealth.simulator.clips import ClipLibrary, Stream
from camhealth.simulator.faults import Fault, FaultState
from camhealth.simulator.rtp import RtpPacketizer
from camhealth.simulator.rtsp_media import Sender, TcpSender, garbage, open_udp, play_order, pump
from camhealth.simulator.rtsp_protocol import ProtocolError, Request, read_request, reply_head
from camhealth.simulator.sdp import TRACK, describe

SESSION_TIMEOUT = 60  # seconds a UDP session lives without a request or RTCP from its client
PUBLIC = "OPTIONS, DESCRIBE, SETUP, PLAY, PAUSE, TEARDOWN, GET_PARAMETER, SET_PARAMETER"
HUGE_HEADERS_BYTES = 4 * 1024 * 1024
ENDLESS_SDP_BYTES = 256 * 1024 * 1024
_CHUNK = 64 * 1024
_AUTHENTICATED_METHODS = frozenset(PUBLIC.replace(",", "").split()) - {"OPTIONS"}


@dataclass(frozen=True)
class Target:
    """What a request URL names: a camera's stream, and the faults that govern the reply."""

    camera: SimCamera
    stream: Stream
    faults: FaultState


Resolver = Callable[[str], Target | None]


def camera_resolver(camera: SimCamera) -> Resolver:
    """A camera's own paths: MAIN_PATH and SUB_PATH (``/`` means main, as on many cameras)."""
    streams: dict[str, Stream] = {MAIN_PATH: "main", SUB_PATH: "sub", "/": "main"}

    def resolve(path: str) -> Target | None:
        stream = streams.get(path.rstrip("/") or "/")
        return Target(camera, stream, camera.faults) if stream else None

    return resolve


class _Drop(Exception):
    """End the connection without a reply (the camera went away, or must look as if)."""


@dataclass
class _Session:
    id: str
    target: Target
    sender: Sender
    last_seen: float = field(default_factory=time.monotonic)
    task: asyncio.Task[None] | None = None

    def stop_streaming(self) -> None:
        if self.task is not None:
            self.task.cancel()
            self.task = None

    def close(self) -> None:
        self.stop_streaming()
        self.sender.close()


@dataclass
class _Listener:
    server: asyncio.Server
    resolver: Resolver
    faults: FaultState  # for requests whose URL names no stream
    tasks: set[asyncio.Task[None]] = field(default_factory=set)


@dataclass(frozen=True)
class _Reply:
    status: int
    headers: Sequence[tuple[str, str]] = ()
    body: bytes = b""


class RtspServer:
    """All RTSP listeners of a simulated fleet, sharing one clip library."""

    def __init__(
        self,
        library: ClipLibrary,
        auth_schemes: tuple[str, ...] = ("digest", "basic"),
        session_timeout: float = SESSION_TIMEOUT,
    ) -> None:
        self.library = library
        self.auth = Authenticator(schemes=auth_schemes)
        self.session_timeout = session_timeout
        self._listeners: dict[tuple[str, int], _Listener] = {}
        self._camera_listeners: dict[str, tuple[str, int]] = {}
        self._last_gop: dict[tuple[str, Stream], int] = {}

    async def start(self) -> None:
        """Nothing to prepare: listeners open per camera (``open``) or per relay (``listen``)."""

    async def stop(self) -> None:
        for key in list(self._listeners):
            await self.unlisten(*key)
        self._camera_listeners.clear()

    async def open(self, camera: SimCamera) -> None:
        """Listen for this camera on its host and RTSP port; a no-op when it already listens."""
        if camera.id not in self._camera_listeners:
            port = await self.listen(
                camera.host, camera.rtsp_port, camera_resolver(camera), camera.faults
            )
            self._camera_listeners[camera.id] = (camera.host, port)

    async def close(self, camera: SimCamera) -> None:
        """Stop listening for this camera: new connections are refused, open ones die."""
        key = self._camera_listeners.pop(camera.id, None)
        if key is not None:
            await self.unlisten(*key)

    def port(self, camera: SimCamera) -> int | None:
        """The port the camera listens on now (useful with ``rtsp_port=0`` in tests)."""
        key = self._camera_listeners.get(camera.id)
        return key[1] if key else None

    async def listen(
        self, host: str, port: int, resolver: Resolver, faults: FaultState | None = None
    ) -> int:
        """Serve the streams ``resolver`` names on host:port; the bound port."""
        listener: _Listener

        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            task = asyncio.current_task()
            assert task is not None
            listener.tasks.add(task)
            try:
                await _Connection(self, listener, reader, writer).run()
            finally:
                listener.tasks.discard(task)

        server = await asyncio.start_server(handle, host, port, reuse_address=True, limit=_CHUNK)
        if not server.sockets:
            # asyncio skips a socket it could not create (EMFILE: out of file descriptors)
            # and returns a server listening nowhere.
            server.close()
            raise OSError(errno.EMFILE, f"no socket could be opened for {host}:{port}")
        bound = server.sockets[0].getsockname()[1]
        listener = _Listener(server, resolver, faults or FaultState())
        self._listeners[(host, bound)] = listener
        return int(bound)

    async def unlisten(self, host: str, port: int) -> None:
        listener = self._listeners.pop((host, port), None)
        if listener is None:
            return
        listener.server.close()
        for task in list(listener.tasks):
            task.cancel()
        await asyncio.gather(*listener.tasks, return_exceptions=True)
        await listener.server.wait_closed()

    def start_gop(self, target: Target, gops: int) -> int:
        """The GOP after the one this stream started at last time (the first by wall time), so
        a monitor sampling the first keyframe of a healthy camera sees another picture each
        time, even when other clients (the platform's relay) started the stream in between:
        fewer than ``gops - 1`` starts in between never bring one back. (A GOP by wall time
        brought one back whenever a relay's start fell between two samples: false ``frozen``.)"""
        key = (target.camera.id, target.stream)
        last = self._last_gop.get(key)
        gop = int(time.time()) % gops if last is None else (last + 1) % gops
        self._last_gop[key] = gop
        return gop


class _Connection:
    """One client connection: reads requests, answers them, owns its sessions."""

    def __init__(
        self,
        server: RtspServer,
        listener: _Listener,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
    ) -> None:
        self.server, self.listener = server, listener
        self.reader, self.writer = reader, writer
        self.host = writer.get_extra_info("sockname")[0]
        self.sessions: dict[str, _Session] = {}

    async def run(self) -> None:
        try:
            while (request := await read_request(self.reader)) is not None:
                await self._serve(request)
        except (_Drop, ProtocolError, ConnectionError, asyncio.IncompleteReadError):
            self.writer.transport.abort()
        finally:
            streams = [s.task for s in self.sessions.values() if s.task is not None]
            for session in self.sessions.values():
                session.close()
            self.writer.close()
            await asyncio.gather(*streams, return_exceptions=True)

    async def _serve(self, request: Request) -> None:
        target = self.listener.resolver(request.path) if request.url != "*" else None
        faults = target.faults if target else self.listener.faults
        if faults.is_down(time.time()):
            raise _Drop
        if faults.has(Fault.hung):
            while await self.reader.read(_CHUNK):
                pass
            raise _Drop
        if faults.has(Fault.slow):
            await asyncio.sleep(faults.slow_seconds)
        reply = await self._dispatch(request, target, faults)
        await self._send(request, reply, faults)

    async def _dispatch(
        self, request: Request, target: Target | None, faults: FaultState
    ) -> _Reply:
        method = request.method
        if method == "OPTIONS":
            return _Reply(200, [("Public", PUBLIC)])
        if method not in _AUTHENTICATED_METHODS:
            return _Reply(501)
        if target is None:
            return _Reply(404)
        if faults.has(Fault.auth_failed) or not self._authorized(request, target):
            return _Reply(401, [("WWW-Authenticate", c) for c in self.server.auth.challenges()])
        handler = getattr(self, "_" + method.lower())
        reply: _Reply = await handler(request, target, faults)
        return reply

    def _authorized(self, request: Request, target: Target) -> bool:
        camera = target.camera
        authorization = request.headers.get("authorization")
        return self.server.auth.verify(
            authorization, request.method, camera.username, camera.password
        )

    async def _describe(self, request: Request, target: Target, faults: FaultState) -> _Reply:
        if faults.has(Fault.rtsp_404) or faults.has(Fault.nothing_to_play):
            return _Reply(404)
        if faults.has(Fault.rtsp_503):
            return _Reply(503)
        if faults.has(Fault.endless_sdp):
            await self._endless_sdp(request)
        clip = await self.server.library.aget(
            self.server.library.key_for(target.camera, target.stream)
        )
        sdp = describe(
            clip, self.host, secrets.randbelow(10**9), sprop=not faults.has(Fault.no_sprop)
        )
        base = request.url.rstrip("/") + "/"
        return _Reply(
            200, [("Content-Type", "application/sdp"), ("Content-Base", base)], sdp.encode()
        )

    async def _setup(self, request: Request, target: Target, faults: FaultState) -> _Reply:
        if faults.has(Fault.rtsp_503):
            return _Reply(503)
        if faults.has(Fault.rtsp_454):
            return _Reply(454)
        transport = request.headers.get("transport", "")
        tcp = "TCP" in transport.upper() or "interleaved" in transport
        if tcp and faults.has(Fault.udp_only):
            return _Reply(461)
        session_id = request.session or str(secrets.randbelow(10**8))
        old = self.sessions.pop(session_id, None)
        if old is not None:
            old.close()
        opened = await self._open_transport(transport, tcp, session_id)
        if opened is None:
            return _Reply(461)
        sender, reply_transport = opened
        self.sessions[session_id] = _Session(session_id, target, sender)
        session = f"{session_id};timeout={int(self.server.session_timeout)}"
        return _Reply(200, [("Transport", reply_transport), ("Session", session)])

    async def _open_transport(
        self, transport: str, tcp: bool, session_id: str
    ) -> tuple[Sender, str] | None:
        """Where the session's RTP goes, and the Transport header that says so."""
        if tcp:
            channel = (_ints(r"interleaved=(\d+)(?:-(\d+))?", transport) or [0])[0]
            return TcpSender(self.writer, channel), (
                f"RTP/AVP/TCP;unicast;interleaved={channel}-{channel + 1}"
            )
        ports = _ints(r"client_port=(\d+)(?:-(\d+))?", transport)
        if not ports:
            return None
        peer = self.writer.get_extra_info("peername")[0]
        udp = await open_udp(self.host, (peer, ports[0]), lambda: self._touch(session_id))
        client_ports = "-".join(map(str, ports))
        server_ports = "-".join(map(str, udp.server_ports))
        return udp, f"RTP/AVP;unicast;client_port={client_ports};server_port={server_ports}"

    async def _play(self, request: Request, target: Target, faults: FaultState) -> _Reply:
        session = self._session(request)
        if faults.has(Fault.rtsp_503):
            return _Reply(503)
        if session is None or faults.has(Fault.rtsp_454):
            return _Reply(454)
        session.stop_streaming()
        library = self.server.library
        clip = await library.aget(library.key_for(target.camera, target.stream))
        packetizer = RtpPacketizer(
            clip.codec, ssrc=secrets.randbits(32), sequence=secrets.randbits(16)
        )
        first_timestamp = secrets.randbits(32)
        track_url = f"{request.url.rstrip('/')}/{TRACK}"
        rtp_info = f"url={track_url};seq={packetizer.sequence};rtptime={first_timestamp}"
        if not faults.has(Fault.no_frames):
            units = play_order(
                clip, self.server.start_gop(target, len(clip.gops)), faults.has(Fault.starts_with_p)
            )
            if faults.has(Fault.undecodable):
                units = garbage(units, clip.codec)
            alive = self._alive(session)
            session.task = asyncio.create_task(
                pump(session.sender, units, packetizer, clip.fps, first_timestamp, alive)
            )
        headers = [("Session", session.id), ("Range", "npt=0.000-"), ("RTP-Info", rtp_info)]
        return _Reply(200, headers)

    def _alive(self, session: _Session) -> Callable[[], bool]:
        if isinstance(session.sender, TcpSender):
            return lambda: True  # lives as long as the connection
        timeout = self.server.session_timeout
        return lambda: time.monotonic() - session.last_seen < timeout

    async def _pause(self, request: Request, target: Target, faults: FaultState) -> _Reply:
        session = self._session(request)
        if session is None:
            return _Reply(454)
        session.stop_streaming()
        return _Reply(200, [("Session", session.id)])

    async def _teardown(self, request: Request, target: Target, faults: FaultState) -> _Reply:
        session = self.sessions.pop(request.session, None)
        if session is not None:
            session.close()
        return _Reply(200)

    async def _get_parameter(self, request: Request, target: Target, faults: FaultState) -> _Reply:
        session = self._session(request)
        return _Reply(200, [("Session", session.id)] if session else [])

    _set_parameter = _get_parameter

    def _session(self, request: Request) -> _Session | None:
        self._touch(request.session)
        return self.sessions.get(request.session)

    def _touch(self, session_id: str) -> None:
        """A request, RTCP or a NAT punch from the client keeps its session alive."""
        session = self.sessions.get(session_id)
        if session is not None:
            session.last_seen = time.monotonic()

    async def _send(self, request: Request, reply: _Reply, faults: FaultState) -> None:
        cseq = None if reply.status == 401 and faults.has(Fault.no_cseq_401) else request.cseq
        head = reply_head(reply.status, cseq, reply.headers, len(reply.body))
        if faults.has(Fault.huge_headers):
            status_line, _, head = head.partition(b"\r\n")
            await self._huge_headers(status_line + b"\r\n")
        self.writer.write(head + reply.body)
        await self.writer.drain()

    async def _huge_headers(self, status_line: bytes) -> None:
        """A status line followed by megabytes of (valid) headers; the real ones come last."""
        self.writer.write(status_line)
        line = b"X-Filler: " + b"x" * 1014 + b"\r\n"
        for _ in range(HUGE_HEADERS_BYTES // _CHUNK):
            self.writer.write(line * (_CHUNK // len(line)))
            await self.writer.drain()

    async def _endless_sdp(self, request: Request) -> None:
        """A DESCRIBE reply whose SDP never ends: until the client leaves (or 256 MiB)."""
        head = reply_head(200, request.cseq, [("Content-Type", "application/sdp")], 2**31 - 1)
        self.writer.write(head + b"v=0\r\n")
        line = b"a=x-filler:" + b"x" * 117 + b"\r\n"
        for _ in range(ENDLESS_SDP_BYTES // _CHUNK):
            self.writer.write(line * (_CHUNK // len(line)))
            await self.writer.drain()
        raise _Drop


def _ints(pattern: str, text: str) -> list[int]:
    match = re.search(pattern, text)
    return [int(g) for g in match.groups() if g is not None] if match else []
