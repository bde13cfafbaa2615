"""RTSP 1.0 messages on the server side: reading requests (skipping interleaved RTCP from the
client) and writing replies. Sizes are limited: a request head over ``MAX_HEAD`` or a body over
``MAX_BODY`` ends the connection."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

MAX_HEAD = 16 * 1024
MAX_BODY = 16 * 1024
REASONS = {
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    405: "Method Not Allowed",
    454: "Session Not Found",
    455: "Method Not Valid in This State",
    459: "Aggregate Operation Not Allowed",
    461: "Unsupported Transport",
    501: "Not Implemented",
    503: "Service Unavailable",
}
_TRACK_SUFFIX = re.compile(r"/trackID=\d+$")


class ProtocolError(Exception):
    """The client sent something that is not RTSP; the connection ends."""


@dataclass(frozen=True)
class Request:
    method: str
    url: str
    headers: dict[str, str]  # names in lower case
    body: bytes = b""

    @property
    def cseq(self) -> str | None:
        return self.headers.get("cseq")

    @property
    def session(self) -> str:
        """The Session header's id (without ``;timeout=``), or "" when there is none."""
        return self.headers.get("session", "").split(";")[0].strip()

    @property
    def path(self) -> str:
        """Path and query of the URL, without a track's control suffix: what names a stream."""
        parts = urlsplit(self.url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        return _TRACK_SUFFIX.sub("", path) or "/"

    @property
    def track(self) -> bool:
        """The URL names a track (SETUP of ``.../trackID=1``) rather than the presentation."""
        return _TRACK_SUFFIX.search(self.url) is not None


async def read_request(reader: asyncio.StreamReader) -> Request | None:
    """The next request, or None at the end of the connection."""
    while True:
        first = await reader.read(1)
        if not first:
            return None
        if first == b"$":  # interleaved RTCP from the client (receiver reports): skip
            header = await reader.readexactly(3)
            await reader.readexactly(int.from_bytes(header[1:], "big"))
            continue
        if first in b"\r\n":
            continue
        try:
            head = first + await reader.readuntil(b"\r\n\r\n")
        except asyncio.LimitOverrunError as exc:
            raise ProtocolError("request head too long") from exc
        except asyncio.IncompleteReadError:
            return None
        return await _parse(head, reader)


async def _parse(head: bytes, reader: asyncio.StreamReader) -> Request:
    if len(head) > MAX_HEAD:
        raise ProtocolError("request head too long")
    lines = head.decode("utf-8", "replace").split("\r\n")
    parts = lines[0].split()
    if len(parts) != 3 or not parts[2].startswith("RTSP/"):
        raise ProtocolError("not an RTSP request line")
    headers = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    try:
        length = int(headers.get("content-length", "0") or 0)
    except ValueError as exc:
        raise ProtocolError("Content-Length is not a number") from exc
    if not 0 <= length <= MAX_BODY:
        raise ProtocolError("request body too long")
    body = await reader.readexactly(length) if length else b""
    return Request(parts[0].upper(), parts[1], headers, body)


def reply_head(
    status: int, cseq: str | None, headers: Sequence[tuple[str, str]] = (), body_length: int = 0
) -> bytes:
    """Status line and headers of a reply; ``cseq=None`` leaves CSeq out (some cameras do)."""
    lines = [f"RTSP/1.0 {status} {REASONS.get(status, 'Error')}"]
    if cseq is not None:
        lines.append(f"CSeq: {cseq}")
    lines += [f"{name}: {value}" for name, value in headers]
    lines.append("Server: camhealth-simulator")
    if body_length:
        lines.append(f"Content-Length: {body_length}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()
