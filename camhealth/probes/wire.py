"""RTSP message framing on a control connection: replies, interleaved RTP frames, hard limits.

A status or header line over ``MAX_LINE`` bytes, more than ``MAX_HEADERS`` headers, or a body
over ``MAX_BODY`` bytes is a ``protocol_error``. A connection's reader buffers at most about
``2 * READ_LIMIT`` bytes, so a camera sending endless headers or an endless SDP costs a hundred
kilobytes or so and its deadline. (``READ_LIMIT`` is larger than a line because it is also the
reader's flow-control mark: at a few kilobytes a keyframe's RTP would be read in small pieces,
with the socket's reading paused and resumed every few packets.)
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from camhealth.probes.results import FailureCode, ProbeError

MAX_LINE = 4096
READ_LIMIT = 64 * 1024  # the StreamReader's limit: the most a line can be before we see it
MAX_HEADERS = 64
MAX_BODY = 64 * 1024
MAX_SKIPPED = 256  # interleaved packets or stray responses skipped while awaiting a reply


@dataclass(frozen=True)
class Response:
    status: int
    reason: str
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""

    def header(self, name: str) -> str | None:
        name = name.lower()
        return next((v for k, v in self.headers if k == name), None)

    def all(self, name: str) -> list[str]:
        name = name.lower()
        return [v for k, v in self.headers if k == name]


def protocol_error(text: str) -> ProbeError:
    """A ``protocol_error`` ProbeError with ``text``, the one way every parser here fails."""
    return ProbeError(FailureCode.protocol_error, text)


async def read_line(reader: asyncio.StreamReader) -> bytes:
    """One CRLF- or LF-terminated line of at most MAX_LINE bytes."""
    too_long = f"reply line longer than {MAX_LINE} bytes"
    try:
        line = (await reader.readuntil(b"\n")).rstrip(b"\r\n")
    except asyncio.LimitOverrunError:
        raise protocol_error(too_long) from None
    except asyncio.IncompleteReadError:
        raise protocol_error("connection closed by the camera") from None
    if len(line) > MAX_LINE:
        raise protocol_error(too_long)
    return line


Interleaved = tuple[int, bytes]  # channel, payload of one "$" frame


async def read_item(reader: asyncio.StreamReader) -> Response | Interleaved | None:
    """The next thing on a control connection: a response, an interleaved frame, or None.

    None stands for a blank line or a request from the server (read whole and dropped).
    """
    first = await reader.readexactly(1)
    if first == b"$":
        head = await reader.readexactly(3)
        return head[0], await reader.readexactly(int.from_bytes(head[1:3], "big"))
    if first in b"\r\n":
        return None
    return await read_message(reader, first)


async def read_message(reader: asyncio.StreamReader, start: bytes) -> Response | None:
    """A response, or a request from the server (read whole and dropped: None), of which
    ``start`` (no line end in it) has been read already."""
    if b"\n" in start:
        raise protocol_error("reply is not RTSP")
    line = start + await read_line(reader)
    is_reply = line.startswith(b"RTSP/")
    if not is_reply and not line.endswith(b" RTSP/1.0"):  # nor a request from the server
        raise protocol_error("reply is not RTSP")
    headers, body = await _read_headers_and_body(reader)
    return _response(line, headers, body) if is_reply else None


async def read_response(reader: asyncio.StreamReader) -> Response:
    """The next RTSP response; interleaved packets and server requests before it are skipped."""
    for _ in range(MAX_SKIPPED):
        item = await read_item(reader)
        if isinstance(item, Response):
            return item
    raise protocol_error("no RTSP reply among the camera's data")


def _response(status_line: bytes, headers: list[tuple[str, str]], body: bytes) -> Response:
    parts = status_line.decode("latin-1").split(" ", 2)
    if len(parts) < 2 or len(parts[1]) != 3 or not parts[1].isdigit():
        raise protocol_error("malformed status line")
    return Response(int(parts[1]), parts[2] if len(parts) > 2 else "", headers, body)


async def _read_headers_and_body(
    reader: asyncio.StreamReader,
) -> tuple[list[tuple[str, str]], bytes]:
    headers: list[tuple[str, str]] = []
    while line := await read_line(reader):
        if len(headers) >= MAX_HEADERS:
            raise protocol_error(f"more than {MAX_HEADERS} reply headers")
        name, sep, value = line.decode("latin-1").partition(":")
        if sep:
            headers.append((name.strip().lower(), value.strip()))
    length = next((v for k, v in headers if k == "content-length"), "0")
    if not length.isdigit() or int(length) > MAX_BODY:
        raise protocol_error(f"reply body larger than {MAX_BODY} bytes or malformed length")
    return headers, await reader.readexactly(int(length)) if int(length) else b""
