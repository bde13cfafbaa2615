"""Per-host limits: at most ``per_host`` probes in one host's slots; a probe cancelled while it
waits for a slot takes none, and a host nobody uses is forgotten."""

from __future__ import annotations

import asyncio

from camhealth.probes.scheduler import HostLimits


async def test_a_host_admits_per_host_probes_and_forgets_idle_hosts() -> None:
    limits = HostLimits(2)
    inside, most = 0, 0
    release = asyncio.Event()

    async def probe() -> None:
        nonlocal inside, most
        async with limits.slot("nvr"):
            inside += 1
            most = max(most, inside)
            await release.wait()
            inside -= 1

    tasks = [asyncio.create_task(probe()) for _ in range(5)]
    await asyncio.sleep(0.01)
    assert inside == 2 and len(limits) == 1
    release.set()
    await asyncio.gather(*tasks)
    assert most == 2 and len(limits) == 0


async def test_a_probe_cancelled_while_waiting_takes_no_slot() -> None:
    limits = HostLimits(1)
    async with limits.slot("nvr"):
        waiting = asyncio.create_task(limits.slot("nvr").__aenter__())
        await asyncio.sleep(0.01)
        waiting.cancel()
        await asyncio.gather(waiting, return_exceptions=True)
    assert len(limits) == 0
    async with asyncio.timeout(1):  # the slot is free again, not leaked
        async with limits.slot("nvr"):
            pass
