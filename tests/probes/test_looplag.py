import asyncio
import time

from camhealth.probes.looplag import LoopLag


async def test_a_blocked_loop_shows_as_lag() -> None:
    lag = LoopLag(interval=0.02)
    task = asyncio.get_running_loop().create_task(lag.run())
    await asyncio.sleep(0.1)
    lag.take_worst()
    time.sleep(0.3)  # noqa: ASYNC251 - the blocking call whose lag is measured
    await asyncio.sleep(0.1)
    task.cancel()
    assert lag.take_worst() >= 0.25
    assert lag.samples >= 5
