"""RTP packetisation of H.264 (RFC 6184) and H.265 (RFC 7798) access units.

A NAL unit that fits the MTU travels alone (single NAL unit packet); a larger one is cut into
fragmentation units (FU-A for H.264, FU for H.265). All packets of one access unit carry the
same 90 kHz timestamp and the last one has the marker bit set. ``interleaved`` frames a packet
for RTP over the RTSP connection (RFC 2326 §10.12).
"""

from __future__ import annotations

import struct
from collections.abc import Sequence

from camhealth.simulator.camera import Codec

CLOCK_RATE = 90_000  # RTP clock of video
PAYLOAD_TYPE = 96  # the first dynamic payload type, as the SDP announces it
DEFAULT_MTU = 1400  # payload budget that fits an Ethernet frame with IP/UDP/RTP headers
_FU_A = 28  # H.264 NAL type of a fragmentation unit
_FU = 49  # H.265 NAL type of a fragmentation unit


class RtpPacketizer:
    """Turns access units into RTP packets of one stream (one SSRC, running sequence numbers)."""

    def __init__(self, codec: Codec, *, ssrc: int, sequence: int, mtu: int = DEFAULT_MTU) -> None:
        self.codec = codec
        self.ssrc = ssrc
        self.sequence = sequence & 0xFFFF  # of the next packet
        self.mtu = mtu

    def packetize(self, nals: Sequence[bytes], timestamp: int) -> list[bytes]:
        """The packets of one access unit sent at ``timestamp`` (90 kHz units)."""
        payloads = [p for nal in nals for p in self._payloads(nal)]
        return [
            self._header(timestamp, marker=i == len(payloads) - 1) + payload
            for i, payload in enumerate(payloads)
        ]

    def _header(self, timestamp: int, marker: bool) -> bytes:
        header = struct.pack(
            ">BBHII",
            0x80,  # version 2, no padding, no extension, no CSRC
            (0x80 if marker else 0) | PAYLOAD_TYPE,
            self.sequence,
            timestamp & 0xFFFFFFFF,
            self.ssrc,
        )
        self.sequence = (self.sequence + 1) & 0xFFFF
        return header

    def _payloads(self, nal: bytes) -> list[bytes]:
        if len(nal) <= self.mtu:
            return [nal]
        if self.codec is Codec.h265:
            # PayloadHdr keeps F, LayerId and TID of the NAL header, with type FU.
            prefix = bytes([(nal[0] & 0x81) | (_FU << 1), nal[1]])
            nal_type, body = (nal[0] >> 1) & 0x3F, nal[2:]
        else:
            prefix = bytes([(nal[0] & 0xE0) | _FU_A])  # F and NRI of the NAL, type FU-A
            nal_type, body = nal[0] & 0x1F, nal[1:]
        size = self.mtu - len(prefix) - 1
        chunks = [body[i : i + size] for i in range(0, len(body), size)]
        return [
            prefix
            + bytes([(0x80 if i == 0 else 0) | (0x40 if i == len(chunks) - 1 else 0) | nal_type])
            + chunk
            for i, chunk in enumerate(chunks)
        ]


def interleaved(channel: int, packet: bytes) -> bytes:
    """An RTP/RTCP packet framed for the RTSP connection: ``$``, channel, length, packet."""
    return struct.pack(">cBH", b"$", channel, len(packet)) + packet
