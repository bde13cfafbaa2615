"""RTP → access units for H.264 (RFC 6184) and H.265 (RFC 7798), until the first keyframe.

Pure: feed RTP packets in arrival order to :meth:`Depacketizer.push`; it returns the first
complete IDR (H.264) or IRAP (H.265) access unit, with the parameter sets seen in-band so a
stream whose SDP has none can still be decoded. Everything before the keyframe (P-frames of a
stream that starts mid-GOP, audio on other payload types) is dropped without being kept.

Loss is handled simply: a fragmented NAL unit missing a piece is discarded, and an access
unit with a discarded piece is not offered as the keyframe; the next keyframe will be.
Memory is bounded by ``MAX_ACCESS_UNIT``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

MAX_ACCESS_UNIT = 16 * 1024 * 1024  # a 4K IDR is 1-3 MB; more is not a camera's keyframe
START_CODE = b"\x00\x00\x00\x01"


class RtpError(ValueError):
    """A packet that is not RTP."""


class RtpPacket(NamedTuple):  # a tuple, not a dataclass: one is made per packet
    payload_type: int
    marker: bool
    sequence: int
    timestamp: int
    payload: bytes


def parse_rtp(packet: bytes) -> RtpPacket:
    """RFC 3550 fixed header, CSRCs, extension and padding removed."""
    start, end = payload_bounds(packet)
    if start < 0:
        raise RtpError("not an RTP packet, or truncated")
    return RtpPacket(
        payload_type=packet[1] & 0x7F,
        marker=bool(packet[1] & 0x80),
        sequence=int.from_bytes(packet[2:4], "big"),
        timestamp=int.from_bytes(packet[4:8], "big"),
        payload=packet[start:end],
    )


def payload_bounds(packet: bytes) -> tuple[int, int]:
    """Where an RTP packet's payload starts and ends (CSRCs, extension and padding left out);
    (-1, -1) when it is not RTP or is truncated. No objects made: one call per packet."""
    size = len(packet)
    if size < 12 or packet[0] >> 6 != 2:
        return -1, -1
    start = 12 + 4 * (packet[0] & 0x0F)
    if packet[0] & 0x10:  # header extension
        if size < start + 4:
            return -1, -1
        start += 4 + 4 * int.from_bytes(packet[start + 2 : start + 4], "big")
    end = size - (packet[-1] if packet[0] & 0x20 else 0)
    return (start, end) if start <= end else (-1, -1)


@dataclass(frozen=True)
class Codec:
    """What differs between H.264 and H.265 packetisation."""

    name: str
    header_size: int  # NAL unit header bytes
    aggregate: int  # STAP-A / AP
    fragment: int  # FU-A / FU
    parameter_sets: frozenset[int]
    keyframes: frozenset[int]

    def nal_type(self, nal: bytes) -> int:
        return nal[0] & 0x1F if self.header_size == 1 else (nal[0] >> 1) & 0x3F

    def fragment_header(self, payload: bytes, fu: int) -> bytes:
        """The NAL header of the fragmented unit, rebuilt from the FU indicator and header."""
        if self.header_size == 1:
            return bytes([payload[0] & 0xE0 | fu & 0x1F])
        return bytes([payload[0] & 0x81 | (fu & 0x3F) << 1, payload[1]])


H264 = Codec("h264", 1, 24, 28, frozenset({7, 8}), frozenset({5}))
H265 = Codec("h265", 2, 48, 49, frozenset({32, 33, 34}), frozenset(range(16, 24)))
CODECS = {"h264": H264, "h265": H265}


@dataclass(frozen=True)
class AccessUnit:
    """A keyframe's NAL units (no start codes) and the in-band parameter sets seen before it."""

    nals: tuple[bytes, ...]
    parameter_sets: tuple[bytes, ...]

    def annexb(self, parameter_sets: tuple[bytes, ...] = ()) -> bytes:
        """One Annex B packet for a decoder: the parameter sets, then the keyframe."""
        return b"".join(START_CODE + nal for nal in (*parameter_sets, *self.nals))


@dataclass
class Depacketizer:
    codec: Codec
    payload_type: int
    _nals: list[bytes] = field(default_factory=list)
    _size: int = 0
    _timestamp: int | None = None
    _fragment: bytearray | None = None
    _damaged: bool = False
    _last_seq: int | None = None
    _param_sets: dict[int, bytes] = field(default_factory=dict)

    def push(self, packet: bytes) -> AccessUnit | None:
        """Take one RTP packet; the first complete keyframe access unit, once there is one.

        The header is read inline, not through :func:`parse_rtp`: a 4K keyframe is some 300
        packets, and the objects and calls per packet were half of this method's time.
        """
        start, end = payload_bounds(packet)
        if end - start <= 0 or packet[1] & 0x7F != self.payload_type:
            return None  # not RTP, empty, or another payload type (audio)
        sequence = packet[2] << 8 | packet[3]
        expected = self._last_seq
        self._last_seq = sequence
        gap = expected is not None and sequence != (expected + 1) & 0xFFFF
        timestamp = int.from_bytes(packet[4:8], "big")
        done = None
        if self._timestamp is not None and timestamp != self._timestamp:
            # A new timestamp ends the previous unit (its marker packet may have been lost).
            self._damaged = self._damaged or gap
            done = self._finish()
        if gap:  # the lost packets may belong to this unit as well
            self._damaged, self._fragment = True, None
        self._timestamp = timestamp
        self._payload(packet, start, end)
        if packet[1] & 0x80:  # the marker: the unit's last packet
            done = done or self._finish()
        return done

    def _payload(self, packet: bytes, start: int, end: int) -> None:
        codec, header = self.codec, self.codec.header_size
        if end - start <= header:
            return
        first = packet[start]
        kind = first & 0x1F if header == 1 else (first >> 1) & 0x3F
        if kind == codec.fragment:
            self._fragment_unit(packet, start, end)
        elif kind == codec.aggregate:
            self._aggregate(packet[start + header : end])
        else:
            self._add(packet[start:end])

    def _aggregate(self, data: bytes) -> None:
        while len(data) >= 2:
            size = int.from_bytes(data[:2], "big")
            if size == 0 or size > len(data) - 2:
                self._damaged = True
                return
            self._add(data[2 : 2 + size])
            data = data[2 + size :]

    def _fragment_unit(self, packet: bytes, start: int, end: int) -> None:
        header = self.codec.header_size
        if end - start < header + 2:
            return
        fu = packet[start + header]
        if fu & 0x80:  # the unit's first fragment
            nal_header = self.codec.fragment_header(packet[start : start + header], fu)
            self._fragment = bytearray(nal_header)
        if self._fragment is None:  # the middle of a unit whose start we did not see
            self._damaged = True
            return
        self._fragment += memoryview(packet)[start + header + 1 : end]  # no copy of a slice
        if len(self._fragment) > MAX_ACCESS_UNIT:
            self._fragment, self._damaged = None, True
        elif fu & 0x40:  # the last fragment
            self._add(bytes(self._fragment))
            self._fragment = None

    def _add(self, nal: bytes) -> None:
        kind = self.codec.nal_type(nal)
        if kind in self.codec.parameter_sets:
            self._param_sets[kind] = nal
        self._size += len(nal)
        if self._size > MAX_ACCESS_UNIT:
            self._nals, self._damaged = [], True
            return
        self._nals.append(nal)

    def _finish(self) -> AccessUnit | None:
        nals, damaged = self._nals, self._damaged or self._fragment is not None
        self._nals, self._size, self._damaged, self._fragment = [], 0, False, None
        if damaged or not any(self.codec.nal_type(n) in self.codec.keyframes for n in nals):
            return None
        kept = tuple(n for n in nals if self.codec.nal_type(n) not in self.codec.parameter_sets)
        order = sorted(self._param_sets)  # VPS, SPS, PPS / SPS, PPS
        return AccessUnit(kept, tuple(self._param_sets[k] for k in order))
