"""The media side of a simulated RTSP session: where RTP goes (interleaved on the RTSP
connection or UDP) and the paced loop that sends a clip's access units at its frame rate."""

from __future__ import annotations

import asyncio
import itertools
import random
import socket
from collections.abc import Callable, Iterator
from typing import Protocol

from camhealth.simulator.camera import Codec
from camhealth.simulator.clips import AccessUnit, Clip, nal_type
from camhealth.simulator.rtp import CLOCK_RATE, RtpPacketizer, interleaved

PARAMETER_SET_TYPES = {Codec.h264: {7, 8}, Codec.h265: {32, 33, 34}}


class Sender(Protocol):
    def send(self, packet: bytes) -> None: ...
    async def flush(self) -> None: ...
    def close(self) -> None: ...


class TcpSender:
    """RTP interleaved on the RTSP connection; ``flush`` waits while the client reads slowly."""

    def __init__(self, writer: asyncio.StreamWriter, channel: int) -> None:
        self.writer = writer
        self.channel = channel

    def send(self, packet: bytes) -> None:
        self.writer.write(interleaved(self.channel, packet))

    async def flush(self) -> None:
        await self.writer.drain()

    def close(self) -> None:
        """The connection belongs to the RTSP handler, which closes it."""


class _Discard(asyncio.DatagramProtocol):
    """What a client sends to our RTP/RTCP ports (NAT punches, receiver reports) is a sign of
    life and nothing more."""

    def __init__(self, on_packet: Callable[[], None]) -> None:
        self.on_packet = on_packet

    def datagram_received(self, data: bytes, addr: tuple[str | int, ...]) -> None:
        self.on_packet()


class UdpSender:
    def __init__(
        self,
        rtp: asyncio.DatagramTransport,
        rtcp: asyncio.DatagramTransport,
        client: tuple[str, int],
    ):
        self.rtp, self.rtcp, self.client = rtp, rtcp, client

    @property
    def server_ports(self) -> tuple[int, int]:
        return self.rtp.get_extra_info("sockname")[1], self.rtcp.get_extra_info("sockname")[1]

    def send(self, packet: bytes) -> None:
        self.rtp.sendto(packet, self.client)

    async def flush(self) -> None:
        """UDP has no backpressure: a slow client loses packets, as with a real camera."""

    def close(self) -> None:
        self.rtp.close()
        self.rtcp.close()


async def open_udp(host: str, client: tuple[str, int], on_packet: Callable[[], None]) -> UdpSender:
    """Bind an RTP port and, next to it if free, an RTCP port on the camera's address."""
    loop = asyncio.get_running_loop()
    rtp, _ = await loop.create_datagram_endpoint(lambda: _Discard(on_packet), local_addr=(host, 0))
    port = rtp.get_extra_info("sockname")[1]
    try:
        rtcp, _ = await loop.create_datagram_endpoint(
            lambda: _Discard(on_packet), local_addr=(host, port + 1), family=socket.AF_INET
        )
    except OSError:  # taken: any port will do, the Transport reply names both
        rtcp, _ = await loop.create_datagram_endpoint(
            lambda: _Discard(on_packet), local_addr=(host, 0)
        )
    return UdpSender(rtp, rtcp, client)


def play_order(clip: Clip, start_gop: int, starts_with_p: bool) -> Iterator[AccessUnit]:
    """The clip's access units from GOP ``start_gop`` on, looping for ever. ``starts_with_p``
    first sends the tail of the previous GOP: P-frames whose reference the client never saw."""
    n = len(clip.gops)
    if starts_with_p:
        previous = clip.gops[(start_gop - 1) % n]
        yield from previous[max(1, len(previous) - 12) :]
    for gop in itertools.cycle(clip.gops[start_gop:] + clip.gops[:start_gop]):
        yield from gop


def garbage(units: Iterator[AccessUnit], codec: Codec) -> Iterator[AccessUnit]:
    """The same access units with every slice's payload replaced by random bytes: the NAL
    headers still say "IDR" or "slice", the decoder fails on what follows."""
    rng = random.Random(0)
    header = 2 if codec is Codec.h265 else 1
    keep = PARAMETER_SET_TYPES[codec]
    for unit in units:
        nals = tuple(
            nal if nal_type(codec, nal) in keep else nal[:header] + rng.randbytes(len(nal) - header)
            for nal in unit.nals
        )
        yield AccessUnit(nals, unit.keyframe)


async def pump(
    sender: Sender,
    units: Iterator[AccessUnit],
    packetizer: RtpPacketizer,
    fps: int,
    first_timestamp: int,
    alive: Callable[[], bool],
) -> None:
    """Send one access unit per frame interval, in real time, until cancelled, not alive, or
    the client's connection is gone."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    step = CLOCK_RATE // fps
    try:
        for frame, unit in enumerate(units):
            if not alive():
                return
            delay = start + frame / fps - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            for packet in packetizer.packetize(unit.nals, first_timestamp + frame * step):
                sender.send(packet)
            await sender.flush()
    except ConnectionError:
        return  # the RTSP handler sees the closed connection too and ends the session
