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
    if len(packet) < 12 or packet[0] >> 6 != 2:
        raise RtpError("not an RTP packet")
    offset = 12 + 4 * (packet[0] & 0x0F)
    if packet[0] & 0x10:  # header extension
        if len(packet) < offset + 4:
            raise RtpError("truncated RTP extension")
        offset += 4 + 4 * int.from_bytes(packet[offset + 2 : offset + 4], "big")
    end = len(packet) - (packet[-1] if packet[0] & 0x20 else 0)
    if offset > end:
        raise RtpError("truncated RTP packet")
    return RtpPacket(
        payload_type=packet[1] & 0x7F,
        marker=bool(packet[1] & 0x80),
        sequence=int.from_bytes(packet[2:4], "big"),
        timestamp=int.from_bytes(packet[4:8], "big"),
        payload=packet[offset:end],
    )


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
        """Take one RTP packet; the first complete keyframe access unit, once there is one."""
        try:
            rtp = parse_rtp(packet)
        except RtpError:
            return None
        if rtp.payload_type != self.payload_type or not rtp.payload:
            return None
        gap = self._gap(rtp.sequence)
        done = None
        if self._timestamp is not None and rtp.timestamp != self._timestamp:
            # A new timestamp ends the previous unit (its marker packet may have been lost).
            self._damaged = self._damaged or gap
            done = self._finish()
        if gap:  # the lost packets may belong to this unit as well
            self._damaged, self._fragment = True, None
        self._timestamp = rtp.timestamp
        self._payload(rtp.payload)
        if rtp.marker:
            done = done or self._finish()
        return done

    def _gap(self, seq: int) -> bool:
        expected = None if self._last_seq is None else (self._last_seq + 1) & 0xFFFF
        self._last_seq = seq
        return expected is not None and seq != expected

    def _payload(self, payload: bytes) -> None:
        codec, header = self.codec, self.codec.header_size
        if len(payload) <= header:
            return
        kind = codec.nal_type(payload)
        if kind == codec.aggregate:
            self._aggregate(payload[header:])
        elif kind == codec.fragment:
            self._fragment_unit(payload)
        else:
            self._add(payload)

    def _aggregate(self, data: bytes) -> None:
        while len(data) >= 2:
            size = int.from_bytes(data[:2], "big")
            if size == 0 or size > len(data) - 2:
                self._damaged = True
                return
            self._add(data[2 : 2 + size])
            data = data[2 + size :]

    def _fragment_unit(self, payload: bytes) -> None:
        header = self.codec.header_size
        if len(payload) < header + 2:
            return
        fu = payload[header]
        start, end = fu & 0x80, fu & 0x40
        if start:
            self._fragment = bytearray(self.codec.fragment_header(payload, fu))
        if self._fragment is None:  # the middle of a unit whose start we did not see
            self._damaged = True
            return
        self._fragment += memoryview(payload)[header + 1 :]  # no copy of a slice first
        if len(self._fragment) > MAX_ACCESS_UNIT:
            self._fragment, self._damaged = None, True
        elif end:
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
