"""The frames probe against cameras that want OPTIONS before DESCRIBE (a real RTSP peer)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

from camhealth.probes import frames
from camhealth.probes.auth import Credentials
from camhealth.probes.frames import FrameDecoder, probe_frames
from camhealth.probes.results import FailureCode, ProbeResult
from camhealth.probes.steps import Target
from tests.probes.scripted import Scripted, scripted_server
from tests.probes.test_frames_wire import reply_for

PLAYED = ["SETUP", "PLAY", "TEARDOWN"]
CLOSE = None  # the camera drops the connection


@asynccontextmanager
async def strict_camera(refusal: bytes | None) -> AsyncIterator[Scripted]:
    """A camera that answers DESCRIBE only right after OPTIONS, else with ``refusal``."""

    async def reply(line: str, headers: dict[str, str]) -> bytes | None:
        method, cseq = line.split()[0], headers.get("cseq", "0")
        previous = server.requests[-2][0].split()[0] if len(server.requests) > 1 else ""
        if method == "OPTIONS":
            return f"RTSP/1.0 200 OK\r\nCSeq: {cseq}\r\nPublic: DESCRIBE, PLAY\r\n\r\n".encode()
        if method == "DESCRIBE" and previous != "OPTIONS":
            return refusal if refusal is None else refusal % cseq.encode()
        return reply_for(method, cseq)

    async with scripted_server(reply) as server:
        yield server


def status(code: bytes) -> bytes:
    return b"RTSP/1.0 " + code + b"\r\nCSeq: %s\r\n\r\n"


async def sample(server: Scripted, decoder: FrameDecoder, sent: int) -> ProbeResult:
    """One frames probe; waits until ``sent`` requests (its unanswered TEARDOWN too) arrived."""
    before = len(server.requests)
    result = await probe_frames(Target(server.url, Credentials(), 3.0), decoder)
    for _ in range(100):
        if len(server.requests) - before >= sent:
            break
        await asyncio.sleep(0.01)
    return result


def methods(server: Scripted) -> list[str]:
    return [line.split()[0] for line, _ in server.requests]


@pytest.fixture(autouse=True)
def forget_hosts() -> None:
    frames.OPTIONS_FIRST.clear()


@pytest.mark.parametrize(
    "refusal",
    [
        status(b"405 Method Not Allowed"),
        status(b"400 Bad Request"),
        status(b"501 Not Implemented"),
        status(b"454 Session Not Found"),
        b"garbage\r\n\r\n",
        CLOSE,
    ],
)
async def test_describe_refused_is_asked_again_after_options_and_remembered(
    decoder: FrameDecoder, refusal: bytes | None
) -> None:
    async with strict_camera(refusal) as server:
        first = await sample(server, decoder, 6)
        assert first.ok, first.detail
        assert methods(server) == ["DESCRIBE", "OPTIONS", "DESCRIBE", *PLAYED]
        server.requests.clear()
        second = await sample(server, decoder, 5)
    assert second.ok, second.detail
    assert methods(server) == ["OPTIONS", "DESCRIBE", *PLAYED]  # no refused DESCRIBE first


@pytest.mark.parametrize(
    ("refusal", "failure"),
    [
        (status(b"404 Not Found"), FailureCode.not_found),
        (status(b'401 Unauthorized\r\nWWW-Authenticate: Basic realm="c"'), FailureCode.auth_failed),
    ],
)
async def test_401_and_404_are_not_asked_again(
    decoder: FrameDecoder, refusal: bytes, failure: FailureCode
) -> None:
    async with strict_camera(refusal) as server:
        result = await sample(server, decoder, 1)
    assert result.failure is failure
    assert methods(server) == ["DESCRIBE"]
    assert not frames.OPTIONS_FIRST


async def test_a_camera_that_refuses_both_ways_is_not_remembered(decoder: FrameDecoder) -> None:
    server_refuses_all = status(b"405 Method Not Allowed")

    async def refuse(line: str, headers: dict[str, str]) -> bytes:
        if line.startswith("OPTIONS"):
            return b"RTSP/1.0 200 OK\r\nCSeq: %s\r\n\r\n" % headers["cseq"].encode()
        return server_refuses_all % headers["cseq"].encode()

    async with scripted_server(refuse) as server:
        result = await sample(server, decoder, 3)
    assert result.failure is FailureCode.protocol_error and "405" in result.detail
    assert methods(server) == ["DESCRIBE", "OPTIONS", "DESCRIBE"]  # one retry, no more
    assert not frames.OPTIONS_FIRST


async def test_the_remembered_hosts_are_bounded(
    decoder: FrameDecoder, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(frames, "MAX_OPTIONS_HOSTS", 1)
    async with strict_camera(CLOSE) as one, strict_camera(CLOSE) as two:
        assert (await sample(one, decoder, 6)).ok
        assert (await sample(two, decoder, 6)).ok
    assert list(frames.OPTIONS_FIRST) == [f"127.0.0.1:{two.port}"]
