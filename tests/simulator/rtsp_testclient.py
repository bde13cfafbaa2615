"""A deliberately small RTSP client for the simulator's tests: raw requests on a socket, so a
test sees exactly what the server sends (missing CSeq, huge headers, interleaved RTP)."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import re
import struct
from dataclasses import dataclass, field

import av

from camhealth.simulator.camera import Codec

USER, PASSWORD = "admin", "admin12345"


@dataclass
class Reply:
    status: int
    headers: dict[str, list[str]]
    body: bytes = b""
    head_size: int = 0

    def header(self, name: str) -> str | None:
        values = self.headers.get(name.lower())
        return values[0] if values else None


@dataclass
class RtpPacket:
    sequence: int
    timestamp: int
    marker: bool
    payload: bytes


@dataclass
class RawRtsp:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    cseq: int = 0
    scheme: str | None = None  # "basic" or "digest" once authenticated
    challenge: str = ""
    packets: list[RtpPacket] = field(default_factory=list)

    @classmethod
    async def connect(cls, port: int, host: str = "127.0.0.1", limit: int = 64 * 1024) -> RawRtsp:
        reader, writer = await asyncio.open_connection(host, port, limit=limit)
        return cls(reader, writer)

    async def close(self) -> None:
        self.writer.close()
        await self.writer.wait_closed()

    def send(self, method: str, url: str, headers: dict[str, str] | None = None) -> None:
        self.cseq += 1
        lines = [f"{method} {url} RTSP/1.0", f"CSeq: {self.cseq}"]
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        authorization = self._authorization(method, url)
        if authorization:
            lines.append(f"Authorization: {authorization}")
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())

    async def request(self, method: str, url: str, headers: dict[str, str] | None = None) -> Reply:
        self.send(method, url, headers)
        return await self.reply()

    async def login(self, scheme: str, url: str) -> Reply:
        """DESCRIBE, answer the challenge with ``scheme``, DESCRIBE again."""
        first = await self.request("DESCRIBE", url)
        assert first.status == 401, first
        self.challenge = next(
            c for c in first.headers["www-authenticate"] if c.lower().startswith(scheme)
        )
        self.scheme = scheme
        return await self.request("DESCRIBE", url)

    async def reply(self) -> Reply:
        while (first := await self.reader.readexactly(1)) == b"$":
            self.packets.append(await self._interleaved())
        head = first + await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode().split("\r\n")
        headers: dict[str, list[str]] = {}
        for line in lines[1:]:
            name, sep, value = line.partition(":")
            if sep:
                headers.setdefault(name.strip().lower(), []).append(value.strip())
        length = int(headers.get("content-length", ["0"])[0])
        body = await self.reader.readexactly(length) if length else b""
        return Reply(int(lines[0].split()[1]), headers, body, len(head))

    async def packet(self) -> RtpPacket:
        """The next interleaved RTP packet (skipping nothing else: call after PLAY)."""
        assert await self.reader.readexactly(1) == b"$"
        return await self._interleaved()

    async def _interleaved(self) -> RtpPacket:
        _channel, length = struct.unpack(">BH", await self.reader.readexactly(3))
        return parse_rtp(await self.reader.readexactly(length))

    async def access_unit(self, codec: Codec) -> tuple[RtpPacket, list[bytes]]:
        """The NAL units of the next complete access unit, and its first packet."""
        packets = [await self.packet()]
        while not packets[-1].marker:
            packets.append(await self.packet())
        return packets[0], depacketize(codec, [p.payload for p in packets])

    async def play(self, url: str, transport: str = "RTP/AVP/TCP;unicast;interleaved=0-1") -> Reply:
        setup = await self.request("SETUP", f"{url}/trackID=1", {"Transport": transport})
        assert setup.status == 200, setup
        session = (setup.header("session") or "").split(";")[0]
        return await self.request("PLAY", url, {"Session": session, "Range": "npt=0.000-"})

    def _authorization(self, method: str, url: str) -> str | None:
        if self.scheme == "basic":
            return "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
        if self.scheme == "digest":
            return digest(self.challenge, method, url)
        return None


def digest(
    challenge: str, method: str, uri: str, user: str = USER, password: str = PASSWORD
) -> str:
    params = dict(re.findall(r'(\w+)="([^"]*)"', challenge))
    md5 = lambda text: hashlib.md5(text.encode()).hexdigest()  # noqa: E731
    ha1 = md5(f"{user}:{params['realm']}:{password}")
    response = md5(f"{ha1}:{params['nonce']}:{md5(f'{method}:{uri}')}")
    return (
        f'Digest username="{user}", realm="{params["realm"]}", nonce="{params["nonce"]}", '
        f'uri="{uri}", response="{response}"'
    )


def parse_rtp(data: bytes) -> RtpPacket:
    first, second, sequence, timestamp, _ssrc = struct.unpack(">BBHII", data[:12])
    assert first == 0x80 and second & 0x7F == 96
    return RtpPacket(sequence, timestamp, bool(second & 0x80), data[12:])


def depacketize(codec: Codec, payloads: list[bytes]) -> list[bytes]:
    """NAL units from single-NAL and fragmentation-unit payloads (RFC 6184 / RFC 7798)."""
    nals: list[bytes] = []
    for payload in payloads:
        if codec is Codec.h264 and payload[0] & 0x1F == 28:
            start, nal_header, body = (
                payload[1] & 0x80,
                (payload[0] & 0xE0) | (payload[1] & 0x1F),
                payload[2:],
            )
            header = bytes([nal_header])
        elif codec is Codec.h265 and (payload[0] >> 1) & 0x3F == 49:
            fu = payload[2]
            start, body = fu & 0x80, payload[3:]
            header = bytes([(payload[0] & 0x81) | ((fu & 0x3F) << 1), payload[1]])
        else:
            nals.append(payload)
            continue
        if start:
            nals.append(header + body)
        else:
            nals[-1] += body
    return nals


def decode(codec: Codec, data: bytes) -> list[av.VideoFrame]:
    """Every frame PyAV decodes from an Annex B byte string."""
    ctx = av.CodecContext.create("hevc" if codec is Codec.h265 else "h264", "r")
    assert isinstance(ctx, av.VideoCodecContext)
    frames = [f for p in [*ctx.parse(data), *ctx.parse(None)] for f in ctx.decode(p)]
    return frames + ctx.decode(None)  # frames a threaded decoder still holds


def annexb(nals: list[bytes]) -> bytes:
    return b"".join(b"\0\0\0\1" + nal for nal in nals)


def sprop_sets(sdp: str) -> list[bytes]:
    """Parameter sets of an SDP's fmtp line (H.264 sprop-parameter-sets or H.265 sprop-*)."""
    fmtp = next(line for line in sdp.splitlines() if line.startswith("a=fmtp:"))
    found = re.search(r"sprop-parameter-sets=([^;\s]+)", fmtp)
    if found:
        return [base64.b64decode(s) for s in found.group(1).split(",")]
    return [base64.b64decode(v) for v in re.findall(r"sprop-(?:vps|sps|pps)=([^;\s]+)", fmtp)]
