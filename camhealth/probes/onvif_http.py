"""One ONVIF probe's HTTP/1.1 connection: POST a SOAP envelope, read a size-capped reply.

The per-minute ONVIF probe sends two requests to one device; they share one keep-alive
connection (a device that closes it after a reply gets a new one, and so does a reused
connection found dead before any reply byte arrived). The probe closes it when done, so no pool
of idle sockets to 20,000 cameras builds up. Interim 1xx replies are skipped. Every line of the
reply is capped at ``MAX_LINE`` bytes, its headers at ``MAX_HEADERS`` and its body at
``MAX_REPLY`` bytes however it is framed (Content-Length, chunked, or up to the close), so a
hostile device costs a few hundred kilobytes and its deadline.
"""

from __future__ import annotations

import asyncio
import functools
import re
import ssl
from urllib.parse import urlsplit

from camhealth.probes.results import FailureCode, ProbeError
from camhealth.probes.sockets import open_connection
from camhealth.probes.wire import MAX_HEADERS, MAX_LINE, READ_LIMIT, protocol_error, read_line

MAX_REPLY = 256 * 1024  # a GetProfiles reply of a 16-channel NVR is ~100 KB
MAX_INTERIM = 8  # 1xx replies (100 Continue, 102 Processing) skipped before the real one
SOAP_STATUSES = (200, 400, 500)  # SOAP 1.2 over HTTP: 400 and 500 carry faults
HTTP_STATUS = {
    401: (FailureCode.auth_failed, "HTTP 401: the device refused the credentials"),
    403: (FailureCode.auth_failed, "HTTP 403: the device refused the credentials"),
    404: (FailureCode.not_found, "HTTP 404: no ONVIF service at this URL"),
}
_CHUNK_SIZE = re.compile(rb"[0-9A-Fa-f]{1,8}")  # a chunk's size; extensions after ";" ignored


@functools.cache  # one per setting: a context loads the trust store, milliseconds of CPU
def tls_context(verify: bool) -> ssl.SSLContext:
    """The TLS settings for https:// devices: the system's trust store, or none at all.

    Cameras nearly always serve a self-signed certificate, so by default it is not checked
    (the traffic is still encrypted); with ``verify`` a certificate the system does not trust
    is a ``protocol_error``, not an unreachable camera.
    """
    context = ssl.create_default_context()
    if not verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def status_error(status: int) -> ProbeError:
    """The failure of an HTTP status that carries no SOAP reply."""
    code, text = HTTP_STATUS.get(status, (FailureCode.protocol_error, ""))
    return ProbeError(code, text or f"HTTP {status} from the ONVIF service")


def too_large() -> ProbeError:
    return protocol_error("SOAP reply too large")


def untrusted() -> ProbeError:
    return protocol_error("TLS certificate not trusted (probes.onvif_verify_tls is on)")


def _malformed(what: str) -> ProbeError:
    return protocol_error(f"malformed HTTP reply ({what})")


def _closed() -> ProbeError:
    return protocol_error("connection closed by the camera")


class _Stale(Exception):
    """A reused connection closed before any byte of the reply."""


class SoapChannel:
    """POSTs to one URL over one connection, opened on first use; ``close`` when done."""

    def __init__(self, url: str, tls: ssl.SSLContext | None = None) -> None:
        parts = urlsplit(url)
        self._host = parts.hostname or ""
        https = parts.scheme == "https"
        self._tls = (tls or tls_context(verify=False)) if https else None
        self._port = parts.port or (443 if self._tls is not None else 80)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        self._head = f"POST {path} HTTP/1.1\r\nHost: {parts.netloc.rpartition('@')[2]}\r\n"
        self._streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def post(self, action: str, envelope: bytes) -> tuple[int, bytes]:
        """The HTTP status (200, 400 or 500) and body of the reply to a SOAP request.

        Any other status is a ProbeError (401/403 auth_failed, 404 not_found, else
        protocol_error), as is a reply that breaks a limit.
        """
        reused = self._streams is not None
        try:
            return await self._exchange(action, envelope)
        except _Stale:
            if not reused:
                raise _closed() from None
        self.close()  # a kept-alive connection the device had dropped: once more on a new one
        try:
            return await self._exchange(action, envelope)
        except _Stale:
            raise _closed() from None

    def close(self) -> None:
        if self._streams is not None:
            self._streams[1].close()
            self._streams = None

    async def _exchange(self, action: str, envelope: bytes) -> tuple[int, bytes]:
        if self._streams is None:
            try:  # READ_LIMIT, not MAX_LINE: see wire.py; lines are capped as they are read
                self._streams = await open_connection(
                    self._host, self._port, tls=self._tls, limit=READ_LIMIT
                )
            except ssl.SSLCertVerificationError:
                raise untrusted() from None
        reader, writer = self._streams
        writer.write(
            f'{self._head}Content-Type: application/soap+xml; charset=utf-8; action="{action}"'
            f"\r\nContent-Length: {len(envelope)}\r\n\r\n".encode()
            + envelope
        )
        status, keep_alive, body = await _reply(reader)
        if not keep_alive:
            self.close()
        return status, body


async def _status_line(reader: asyncio.StreamReader, first: bool) -> tuple[str, int]:
    """The HTTP version and status; ``_Stale`` when the ``first`` line never came."""
    try:
        line = await reader.readuntil(b"\n")
    except asyncio.IncompleteReadError as exc:
        if exc.partial or not first:
            raise _malformed("cut short") from None
        raise _Stale from None
    except ConnectionResetError:
        if not first:
            raise _closed() from None
        raise _Stale from None
    except asyncio.LimitOverrunError:
        line = b""  # over the reader's limit, so over MAX_LINE too
    if not line or len(line.rstrip(b"\r\n")) > MAX_LINE:
        raise _malformed(f"status line over {MAX_LINE} bytes")
    version, _, rest = line.decode("latin-1").strip().partition(" ")
    code = rest[:3]
    if not version.startswith("HTTP/1.") or not (code.isascii() and code.isdigit()):
        raise _malformed("status line")
    return version, int(code)


async def _reply(reader: asyncio.StreamReader) -> tuple[int, bool, bytes]:
    """Status, whether the connection stays open, and body of one HTTP/1.x reply."""
    for interim in range(MAX_INTERIM + 1):
        version, code = await _status_line(reader, first=interim == 0)
        headers = await _headers(reader)
        if not 100 <= code < 200:  # an interim 1xx has headers only: the reply follows
            break
    else:
        raise _malformed(f"more than {MAX_INTERIM} interim 1xx replies")
    if code not in SOAP_STATUSES:
        raise status_error(code)
    chunked = "chunked" in headers.get("transfer-encoding", "").lower()
    length = headers.get("content-length")
    if chunked:
        body = await _chunked(reader)
    elif length is not None:
        body = await _sized(reader, length)
    else:
        body = await _until_closed(reader)
    keep_alive = version == "HTTP/1.1" and headers.get("connection", "").lower() != "close"
    return code, keep_alive and (chunked or length is not None), body


async def _headers(reader: asyncio.StreamReader) -> dict[str, str]:
    headers: dict[str, str] = {}
    for _ in range(MAX_HEADERS + 1):
        line = await read_line(reader)
        if not line:
            return headers
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    raise _malformed(f"more than {MAX_HEADERS} headers")


async def _sized(reader: asyncio.StreamReader, length: str) -> bytes:
    if not (length.isascii() and length.isdigit()):
        raise _malformed("Content-Length")
    if int(length) > MAX_REPLY:
        raise too_large()
    return await reader.readexactly(int(length))


async def _chunked(reader: asyncio.StreamReader) -> bytes:
    body = bytearray()
    while True:
        size_text = (await read_line(reader)).split(b";", 1)[0].strip()
        if not _CHUNK_SIZE.fullmatch(size_text):
            raise _malformed("chunk size")
        size = int(size_text, 16)
        if size == 0:
            break
        if len(body) + size > MAX_REPLY:
            raise too_large()
        body += await reader.readexactly(size)
        await read_line(reader)  # the chunk's CRLF
    await _headers(reader)  # trailers, capped like headers
    return bytes(body)


async def _until_closed(reader: asyncio.StreamReader) -> bytes:
    body = bytearray()
    while chunk := await reader.read(64 * 1024):
        body += chunk
        if len(body) > MAX_REPLY:
            raise too_large()
    return bytes(body)
