"""A plain RTP packetiser for the tests (RFC 6184 / RFC 7798): single NAL, STAP-A/AP, FU-A/FU."""

from __future__ import annotations

import struct
from collections.abc import Iterator

from tests.probes.encoded import nal_type, split_annexb


def rtp(pt: int, seq: int, ts: int, payload: bytes, marker: bool) -> bytes:
    return (
        struct.pack("!BBHII", 0x80, pt | (0x80 if marker else 0), seq & 0xFFFF, ts, 0x1234)
        + payload
    )


def nal_payloads(codec: str, nals: list[bytes], mtu: int) -> Iterator[bytes]:
    """Payloads for one access unit: parameter sets aggregated, big NAL units fragmented."""
    small = [n for n in nals if nal_type(codec, n) in (7, 8, 32, 33, 34)]
    if small:
        header = bytes([24]) if codec == "h264" else bytes([48 << 1, 1])
        yield header + b"".join(struct.pack("!H", len(n)) + n for n in small)
    for nal in (n for n in nals if n not in small):
        if len(nal) <= mtu:
            yield nal
        else:
            yield from fragments(codec, nal, mtu)


def fragments(codec: str, nal: bytes, mtu: int) -> Iterator[bytes]:
    size = 1 if codec == "h264" else 2
    kind, body = nal_type(codec, nal), nal[size:]
    if codec == "h264":
        indicator = bytes([nal[0] & 0xE0 | 28])
    else:
        indicator = bytes([nal[0] & 0x81 | 49 << 1, nal[1]])
    chunks = [body[i : i + mtu] for i in range(0, len(body), mtu)]
    for i, chunk in enumerate(chunks):
        flags = (0x80 if i == 0 else 0) | (0x40 if i == len(chunks) - 1 else 0)
        yield indicator + bytes([flags | kind]) + chunk


def packetize(codec: str, units: list[bytes], pt: int = 96, mtu: int = 1400) -> list[bytes]:
    """RTP packets of Annex B access units at 25 fps, marker bit on each unit's last packet."""
    packets, seq = [], 1000
    for index, unit in enumerate(units):
        payloads = list(nal_payloads(codec, split_annexb(unit), mtu))
        for i, payload in enumerate(payloads):
            packets.append(rtp(pt, seq, 3600 * index, payload, i == len(payloads) - 1))
            seq += 1
    return packets
