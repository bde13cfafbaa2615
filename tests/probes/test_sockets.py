"""A probe's connection leaves no TIME_WAIT behind (a reset on close), where a plain one does."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

from camhealth.probes import sockets

Opener = Callable[[str, int], Awaitable[tuple[asyncio.StreamReader, asyncio.StreamWriter]]]


def _time_wait() -> set[tuple[int, int]]:
    """(local port, remote port) of IPv4 TCP sockets in TIME_WAIT (06 in /proc/net/tcp)."""
    rows = [line.split() for line in Path("/proc/net/tcp").read_text().splitlines()[1:]]
    return {(int(f[1][-4:], 16), int(f[2][-4:], 16)) for f in rows if f[3] == "06"}


async def _closed_after_a_reply(
    opener: Opener,
) -> tuple[tuple[int, int], bytes | type[Exception]]:
    """Our (local port, server port), and what the server read after we closed (EOF or a
    reset)."""
    seen: asyncio.Future[bytes | type[Exception]] = asyncio.get_running_loop().create_future()

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readexactly(7)
        writer.write(b"200 OK\n")
        await writer.drain()
        try:
            seen.set_result(await reader.read(10))
        except ConnectionResetError:
            seen.set_result(ConnectionResetError)
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    reader, writer = await opener("127.0.0.1", port)
    ports = (writer.get_extra_info("sockname")[1], port)
    writer.write(b"OPTIONS")
    assert await reader.readline() == b"200 OK\n"
    writer.close()
    await writer.wait_closed()
    result = await asyncio.wait_for(seen, 5)
    server.close()
    await server.wait_closed()
    return ports, result


async def test_a_probe_connection_is_reset_on_close_and_keeps_no_port() -> None:
    ports, read = await _closed_after_a_reply(
        lambda host, port: sockets.open_connection(host, port, limit=1024)
    )
    assert read is ConnectionResetError
    assert ports not in _time_wait()


async def test_a_plain_connection_closed_first_keeps_its_port_in_time_wait() -> None:
    ports, read = await _closed_after_a_reply(asyncio.open_connection)
    assert read == b""  # a FIN
    assert ports in _time_wait()
