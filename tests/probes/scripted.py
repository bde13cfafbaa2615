"""A real RTSP-speaking TCP server on 127.0.0.1 whose replies a test scripts, for framing cases.

The simulator is the camera for protocol tests; this server exists only to send replies no
well-behaved server would (no CSeq, endless headers, garbage) and to count what we sent.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

Reply = Callable[[str, dict[str, str]], Awaitable[bytes | None]]


@dataclass
class Scripted:
    port: int
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"rtsp://127.0.0.1:{self.port}/Streaming/Channels/101"


async def _read_request(reader: asyncio.StreamReader) -> tuple[str, dict[str, str]] | None:
    line = await reader.readline()
    if not line:
        return None
    headers = {}
    while (header := await reader.readline()).strip():
        name, _, value = header.decode().partition(":")
        headers[name.strip().lower()] = value.strip()
    return line.decode().strip(), headers


@contextlib.asynccontextmanager
async def scripted_server(reply: Reply) -> AsyncIterator[Scripted]:
    """Serve: each request goes to ``reply``; None closes the connection, b"" sends nothing."""
    state = Scripted(0)
    handlers: set[asyncio.Task[None]] = set()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        handlers.add(asyncio.current_task())  # type: ignore[arg-type]
        try:
            while request := await _read_request(reader):
                state.requests.append(request)
                answer = await reply(*request)
                if answer is None:
                    break
                writer.write(answer)
                await writer.drain()
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    state.port = server.sockets[0].getsockname()[1]
    try:
        yield state
    finally:
        server.close()
        for task in handlers:
            task.cancel()
        await server.wait_closed()
