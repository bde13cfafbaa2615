"""Replies no well-behaved server sends, from a scripted server: each is a clean failure code."""

import asyncio
import hashlib
import re
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from camhealth.probes.auth import Credentials
from camhealth.probes.results import FailureCode, ProbeResult
from camhealth.probes.rtsp import probe_rtsp
from camhealth.probes.steps import Target
from tests.probes.encoded import h264_sdp
from tests.probes.scripted import scripted_server

PASSWORD = "s3cret-Pw"
CREDS = Credentials("admin", PASSWORD)


def ok(headers: dict[str, str], body: bytes = b"", extra: str = "") -> bytes:
    cseq = f"CSeq: {headers.get('cseq', '0')}\r\n"
    length = f"Content-Length: {len(body)}\r\n" if body else ""
    return f"RTSP/1.0 200 OK\r\n{cseq}{extra}{length}\r\n".encode() + body


def status(code: int, reason: str, headers: dict[str, str]) -> bytes:
    return f"RTSP/1.0 {code} {reason}\r\nCSeq: {headers.get('cseq')}\r\n\r\n".encode()


async def probe(url: str, creds: Credentials = CREDS, seconds: float = 2.0) -> ProbeResult:
    return await probe_rtsp(Target(url, creds, seconds, name="cam-1"))


def digest_valid(
    header: str, method: str, realm: str, nonce: str, password: str = PASSWORD
) -> bool:
    fields = dict(re.findall(r'(\w+)="?([^",]*)"?', header.removeprefix("Digest ")))

    def h(text: str) -> str:
        return hashlib.md5(text.encode()).hexdigest()

    ha1 = h(f"admin:{realm}:{password}")
    ha2 = h(f"{method}:{fields['uri']}")
    if "qop" in fields:
        expected = h(f"{ha1}:{nonce}:{fields['nc']}:{fields['cnonce']}:auth:{ha2}")
    else:
        expected = h(f"{ha1}:{nonce}:{ha2}")
    return fields["response"] == expected and fields["nonce"] == nonce


@pytest.mark.parametrize("qop", [True, False])
async def test_digest_after_401_without_cseq(qop: bool) -> None:
    challenge = 'Digest realm="cam", nonce="abc123"' + (', qop="auth"' if qop else "")

    async def reply(line: str, headers: dict[str, str]) -> bytes:
        method = line.split()[0]
        if "authorization" not in headers:  # a 401 without CSeq, as real cameras send
            return f"RTSP/1.0 401 Unauthorized\r\nWWW-Authenticate: {challenge}\r\n\r\n".encode()
        assert digest_valid(headers["authorization"], method, "cam", "abc123")
        return ok(headers, h264_sdp() if method == "DESCRIBE" else b"")

    async with scripted_server(reply) as server:
        result = await probe(server.url)
    assert result.ok, result.detail
    assert result.stream is not None and (result.stream.width, result.stream.height) == (1920, 1080)
    assert [p.name for p in result.phases] == ["connect", "options", "describe"]
    assert result.target == "cam-1"


async def test_basic_auth() -> None:
    async def reply(line: str, headers: dict[str, str]) -> bytes:
        if headers.get("authorization") != "Basic YWRtaW46czNjcmV0LVB3":
            return b'RTSP/1.0 401 Unauthorized\r\nWWW-Authenticate: Basic realm="x"\r\n\r\n'
        return ok(headers, h264_sdp() if line.startswith("DESCRIBE") else b"")

    async with scripted_server(reply) as server:
        assert (await probe(server.url)).ok


async def test_wrong_password_is_tried_once() -> None:
    async def reply(line: str, headers: dict[str, str]) -> bytes:
        return b'RTSP/1.0 401 Unauthorized\r\nWWW-Authenticate: Digest realm="c", nonce="n"\r\n\r\n'

    async with scripted_server(reply) as server:
        result = await probe(server.url)
    assert result.failure == FailureCode.auth_failed
    assert len(server.requests) == 2  # the request, and one retry with credentials: no storm
    assert PASSWORD not in result.detail


async def test_401_without_credentials() -> None:
    async def reply(line: str, headers: dict[str, str]) -> bytes:
        return b'RTSP/1.0 401 Unauthorized\r\nWWW-Authenticate: Basic realm="x"\r\n\r\n'

    async with scripted_server(reply) as server:
        result = await probe(server.url, Credentials())
    assert result.failure == FailureCode.auth_failed and len(server.requests) == 1


@pytest.mark.parametrize(
    ("code", "failure"),
    [
        (404, FailureCode.not_found),
        (454, FailureCode.not_found),
        (503, FailureCode.protocol_error),
        (400, FailureCode.protocol_error),
    ],
)
async def test_status_codes(code: int, failure: FailureCode) -> None:
    async def reply(line: str, headers: dict[str, str]) -> bytes:
        return status(code, "Nope", headers) if line.startswith("DESCRIBE") else ok(headers)

    async with scripted_server(reply) as server:
        result = await probe(server.url)
    assert result.failure == failure
    assert str(code) in result.detail


HOSTILE = {
    "huge header line": b"RTSP/1.0 200 OK\r\nX-Junk: " + b"A" * 100_000 + b"\r\n\r\n",
    "long header line": b"RTSP/1.0 200 OK\r\nX-Junk: " + b"A" * 10_000 + b"\r\n\r\n",
    "endless headers": b"RTSP/1.0 200 OK\r\n" + b"X-H: 1\r\n" * 10_000,
    "huge body": b"RTSP/1.0 200 OK\r\nCSeq: 1\r\nContent-Length: 10000000\r\n\r\n" + b"v" * 70_000,
    "bad length": b"RTSP/1.0 200 OK\r\nContent-Length: -5\r\n\r\n",
    "http reply": b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
    "bad status": b"RTSP/1.0 abc OK\r\n\r\n",
    "binary": bytes(range(256)) * 4,
}


@pytest.mark.parametrize("name", HOSTILE)
async def test_hostile_replies_are_protocol_errors(name: str) -> None:
    async def reply(line: str, headers: dict[str, str]) -> bytes:
        return HOSTILE[name]

    async with scripted_server(reply) as server:
        started = time.perf_counter()
        result = await probe(server.url)
    assert result.failure == FailureCode.protocol_error, result.detail
    assert time.perf_counter() - started < 1.5  # found out by the limits, not by the deadline


async def test_hung_server_costs_its_timeout() -> None:
    async def reply(line: str, headers: dict[str, str]) -> bytes:
        await asyncio.sleep(30)
        return b""

    async with scripted_server(reply) as server:
        result = await probe(server.url, seconds=0.3)
    assert result.failure == FailureCode.timeout
    assert 0.3 <= result.duration < 1.0
    assert "options" in result.detail


async def test_closed_port_is_refused() -> None:
    async with scripted_server(lambda *_: asyncio.sleep(0)) as server:  # type: ignore[arg-type,return-value]
        port = server.port
    result = await probe(f"rtsp://127.0.0.1:{port}/x")
    assert result.failure == FailureCode.refused


async def test_credentials_in_url_are_redacted() -> None:
    result = await probe_rtsp(Target(f"rtsp://admin:{PASSWORD}@127.0.0.1:1/x", CREDS, 1.0))
    assert PASSWORD not in result.target + result.detail
    assert result.failure == FailureCode.refused


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.binary(max_size=2000), describe_only=st.booleans())
async def test_fuzzed_replies_give_a_failure_code(data: bytes, describe_only: bool) -> None:
    async def reply(line: str, headers: dict[str, str]) -> bytes:
        if describe_only and line.startswith("OPTIONS"):
            return ok(headers)
        return data

    async with scripted_server(reply) as server:
        result = await probe(server.url, seconds=0.2)
    assert result.failure is not None or result.stream is not None


async def test_accepted_challenge_is_reused_and_dropped_on_401() -> None:
    password = {"now": PASSWORD}

    async def reply(line: str, headers: dict[str, str]) -> bytes:
        method = line.split()[0]
        auth = headers.get("authorization", "")
        if not auth or not digest_valid(auth, method, "cam", "n1", password["now"]):
            challenge = 'WWW-Authenticate: Digest realm="cam", nonce="n1"'
            return f"RTSP/1.0 401 Unauthorized\r\n{challenge}\r\n\r\n".encode()
        return ok(headers, h264_sdp() if method == "DESCRIBE" else b"")

    async with scripted_server(reply) as server:
        assert (await probe(server.url)).ok
        first = len(server.requests)
        assert (await probe(server.url)).ok
        assert len(server.requests) - first == 2  # OPTIONS and DESCRIBE, no 401 round trip
        password["now"] = "changed-on-the-camera"
        before = len(server.requests)
        assert (await probe(server.url)).failure == FailureCode.auth_failed
        assert len(server.requests) - before == 2  # the remembered login, one fresh retry
        before = len(server.requests)
        assert (await probe(server.url)).failure == FailureCode.auth_failed
        assert len(server.requests) - before == 2  # forgotten: no login, one login
