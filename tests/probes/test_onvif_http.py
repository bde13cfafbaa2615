"""The ONVIF probe's own HTTP/1.1 client against raw servers: limits, framings, TLS, secrets."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from camhealth.config import ProbesConfig
from camhealth.probes import onvif
from camhealth.probes.auth import Credentials
from camhealth.probes.onvif import OnvifClients, probe_onvif
from camhealth.probes.onvif_http import SoapChannel
from camhealth.probes.results import FailureCode, ProbeError
from camhealth.probes.steps import Target
from camhealth.probes.targets import Probers
from camhealth.probes.wire import MAX_HEADERS, MAX_LINE, READ_LIMIT
from tests.exporter.test_auth import _self_signed
from tests.probes.test_onvif_fast import DEVICE_INFO, NOW, time_reply
from tests.probes.test_onvif_hostile import ENVELOPE

Writer = Callable[[asyncio.StreamWriter], Awaitable[None]]
SECRET = "pw-secret"


@asynccontextmanager
async def raw_server(reply: Writer, tls: ssl.SSLContext | None = None) -> AsyncIterator[str]:
    """A server that reads each request and answers it with ``reply``; yields its URL."""

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while head := await reader.readuntil(b"\r\n\r\n"):
                length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
                sent = await reader.readexactly(length)
                if b"GetDeviceInformation" in sent:
                    payload = ENVELOPE.format(DEVICE_INFO).encode()
                else:
                    payload = ENVELOPE.format(time_reply(NOW, False)).encode()
                await reply(writer)
                if writer.is_closing():
                    return
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(payload))
                writer.write(payload)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0, ssl=tls)
    port = server.sockets[0].getsockname()[1]
    async with server:
        yield f"{'https' if tls else 'http'}://127.0.0.1:{port}/onvif/device_service"


def sends(data: bytes, close: bool = True) -> Writer:
    async def reply(writer: asyncio.StreamWriter) -> None:
        writer.write(data)
        await writer.drain()
        if close:
            writer.close()

    return reply


def endless(head: bytes, line: bytes) -> Writer:
    async def reply(writer: asyncio.StreamWriter) -> None:
        writer.write(head)
        for _ in range(100_000):  # bounded: far beyond every limit
            writer.write(line)
            await writer.drain()
        writer.close()

    return reply


async def post(url: str) -> tuple[int, bytes]:
    channel = SoapChannel(url)
    try:
        return await asyncio.wait_for(channel.post("a", b"<x/>"), 10)
    finally:
        channel.close()


async def refused(reply: Writer) -> str:
    async with raw_server(reply) as url:
        with pytest.raises(ProbeError) as caught:
            await post(url)
    assert caught.value.code is FailureCode.protocol_error
    return caught.value.detail


OK = b"HTTP/1.1 200 OK\r\n"


@pytest.mark.parametrize("length", ["\u00b2", "1\u00b2", "-1", "+5", " "])
async def test_a_content_length_not_in_ascii_digits_is_malformed(length: str) -> None:
    head = OK + b"Content-Length: " + length.encode("latin-1") + b"\r\n\r\n"
    assert "Content-Length" in await refused(sends(head + b"<x/>"))


@pytest.mark.parametrize("size", [b"0x10", b"+a", b"1_0", b"-1", b" ", b"", b"123456789"])
async def test_a_chunk_size_not_in_hex_digits_is_malformed(size: bytes) -> None:
    head = OK + b"Transfer-Encoding: chunked\r\n\r\n"
    body = size + b"\r\n" + b"x" * 16 + b"\r\n0\r\n\r\n"
    assert "chunk size" in await refused(sends(head + body))


async def test_chunk_extensions_are_ignored() -> None:
    reply = OK + b"Transfer-Encoding: chunked\r\n\r\n4;name=value\r\nabcd\r\n0\r\n\r\n"
    async with raw_server(sends(reply)) as url:
        assert await post(url) == (200, b"abcd")


async def test_interim_replies_are_skipped() -> None:
    interim = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 102 Processing\r\nX: 1\r\n\r\n"
    async with raw_server(sends(interim + OK + b"Content-Length: 4\r\n\r\nabcd")) as url:
        assert await post(url) == (200, b"abcd")


async def test_endless_interim_replies_are_malformed() -> None:
    detail = await refused(endless(b"", b"HTTP/1.1 100 Continue\r\n\r\n"))
    assert "interim" in detail


async def test_a_chunked_body_over_the_cap_is_too_large() -> None:
    chunk = b"%x\r\n%s\r\n" % (64 * 1024, b"x" * 64 * 1024)
    detail = await refused(endless(OK + b"Transfer-Encoding: chunked\r\n\r\n", chunk))
    assert detail == "SOAP reply too large"


async def test_endless_trailers_are_cut_off() -> None:
    head = OK + b"Transfer-Encoding: chunked\r\n\r\n2\r\nab\r\n0\r\n"
    assert f"more than {MAX_HEADERS} headers" in await refused(endless(head, b"X-T: 1\r\n"))


async def test_too_many_headers() -> None:
    assert f"more than {MAX_HEADERS} headers" in await refused(endless(OK, b"X-H: 1\r\n"))


@pytest.mark.parametrize("length", [MAX_LINE + 10, READ_LIMIT + 10])
async def test_an_overlong_status_line(length: int) -> None:
    line = b"HTTP/1.1 200 " + b"O" * length + b"\r\n\r\n"
    assert "status line over" in await refused(sends(line))


async def test_an_overlong_header_line() -> None:
    assert "longer than" in await refused(sends(OK + b"X: " + b"h" * MAX_LINE + b"\r\n\r\n"))


async def test_the_reader_limit_is_not_the_line_cap() -> None:
    """At 4 KiB the reader pauses and resumes its socket every 8 KiB of a 100 KB reply."""
    async with raw_server(sends(OK + b"Content-Length: 1\r\n\r\nx", close=False)) as url:
        channel = SoapChannel(url)
        await channel.post("a", b"<x/>")
        assert channel._streams is not None
        assert channel._streams[0]._limit == READ_LIMIT  # type: ignore[attr-defined]
        channel.close()


def test_the_password_is_in_no_repr() -> None:
    target = Target("http://127.0.0.1:1/", Credentials("admin", SECRET))
    login = onvif._login(target)
    assert login is not None and SECRET not in repr(login)
    assert SECRET not in repr(target)


async def test_the_password_is_in_no_error_text() -> None:
    fault = (
        '<s:Fault><s:Code><s:Value>s:Sender</s:Value></s:Code><s:Reason><s:Text xml:lang="en">'
        f"bad password {SECRET}</s:Text></s:Reason></s:Fault>"
    )
    reply = ENVELOPE.format(fault).encode()
    head = b"HTTP/1.1 500 Error\r\nContent-Length: %d\r\n\r\n" % len(reply)
    async with raw_server(sends(head + reply)) as url:
        result = await probe_onvif(Target(url, Credentials("admin", SECRET), 2.0), OnvifClients())
    assert result.failure is FailureCode.protocol_error
    assert SECRET not in result.detail and SECRET not in repr(result)


def self_signed(directory: Path) -> ssl.SSLContext:
    """A server context with a fresh self-signed certificate."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*_self_signed(directory))
    return context


async def nothing(writer: asyncio.StreamWriter) -> None:
    """The server's default reply follows."""


async def test_a_self_signed_camera_is_probed_by_default(tmp_path: Path) -> None:
    async with raw_server(nothing, self_signed(tmp_path)) as url:
        clients = OnvifClients()
        result = await probe_onvif(Target(url, Credentials("u", "p"), 3.0), clients)
        await clients.close()
    assert result.ok and result.device is not None, result.detail
    assert result.device.serial == "SN9"


async def test_an_untrusted_certificate_is_a_protocol_error_when_verifying(
    tmp_path: Path,
) -> None:
    async with raw_server(nothing, self_signed(tmp_path)) as url:
        clients = OnvifClients(verify_tls=True)
        result = await probe_onvif(Target(url, Credentials("u", "p"), 3.0), clients)
        await clients.close()
    assert result.failure is FailureCode.protocol_error
    assert "TLS certificate not trusted" in result.detail


async def test_an_untrusted_certificate_in_discovery(tmp_path: Path) -> None:
    """zeep's path (stream discovery) checks certificates the same way."""
    clients = OnvifClients(verify_tls=True)
    await clients.start()
    async with raw_server(nothing, self_signed(tmp_path)) as url:
        with pytest.raises(Exception) as caught:
            await clients.call("devicemgmt", url, "GetCapabilities", None, Category="Media")
    await clients.close()
    code, detail = onvif._classify_onvif(caught.value, "discovery")
    assert code is FailureCode.protocol_error and "TLS certificate not trusted" in detail


@pytest.mark.parametrize("verify", [True, False])
def test_the_probers_check_certificates_as_configured(verify: bool) -> None:
    probers = Probers(ProbesConfig(onvif_verify_tls=verify))
    expected = ssl.CERT_REQUIRED if verify else ssl.CERT_NONE
    assert probers.onvif.tls.verify_mode is expected
