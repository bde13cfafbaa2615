"""Where a played stream's RTP packets come from: the RTSP connection itself, or a UDP socket.

RTP over TCP interleaved is the default (one connection, passes NAT and firewalls, what
``ffmpeg -rtsp_transport tcp`` does). UDP is only for servers that refuse TCP with 461.
Both are read under the probe's deadline; neither holds more than a bounded queue.
"""

from __future__ import annotations

import asyncio
from typing import Protocol

from camhealth.probes.wire import read_message

UDP_QUEUE = 4096  # packets; a keyframe of a 4K stream is a few thousand at most
DOLLAR, CRLF = ord("$"), b"\r\n"


class RtpSource(Protocol):
    async def next_packet(self) -> bytes: ...

    def close(self) -> None: ...


class InterleavedSource:
    """RTP packets of one channel of the control connection (``$`` frames, RFC 2326 10.12)."""

    def __init__(self, reader: asyncio.StreamReader, channel: int) -> None:
        self._reader = reader
        self._channel = channel

    async def next_packet(self) -> bytes:
        """The next packet of the channel. A frame's ``$``, channel and length are read at
        once (a 4K keyframe is some 300 frames); other messages (a server's request, a stray
        reply, blank lines) between frames are read whole and dropped."""
        reader = self._reader
        while True:  # bounded by the caller's deadline; every read awaits the network
            head = await reader.readexactly(4)
            while head[0] in CRLF:  # blank lines after a message
                head = head[1:] + await reader.readexactly(1)
            if head[0] == DOLLAR:
                packet = await reader.readexactly(head[2] << 8 | head[3])
                if head[1] == self._channel:
                    return packet
            else:
                await read_message(reader, head)

    def close(self) -> None:
        """Nothing to close: the RTSP connection is the client's."""


class UdpSource(asyncio.DatagramProtocol):
    """RTP packets arriving on a local UDP port (the RTCP port next to it is not bound)."""

    def __init__(self) -> None:
        self._queue: asyncio.Queue[bytes] = asyncio.Queue(UDP_QUEUE)
        self._transport: asyncio.DatagramTransport | None = None

    @classmethod
    async def open(cls, host: str) -> UdpSource:
        loop = asyncio.get_running_loop()
        transport, protocol = await loop.create_datagram_endpoint(cls, local_addr=(host, 0))
        protocol._transport = transport
        return protocol

    def datagram_received(self, data: bytes, addr: tuple[str | object, int]) -> None:
        if not self._queue.full():  # a flood is dropped, not buffered
            self._queue.put_nowait(data)

    @property
    def transport(self) -> str:
        """The SETUP Transport header asking for RTP on this socket."""
        assert self._transport is not None
        port = self._transport.get_extra_info("sockname")[1]
        return f"RTP/AVP;unicast;client_port={port}-{port + 1}"

    async def next_packet(self) -> bytes:
        return await self._queue.get()

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()
