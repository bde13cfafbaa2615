"""Running the pipeline as a service: open the databases, run until a signal or a duration."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import AsyncIterator, Awaitable, Callable

from camhealth.camera_registry.store import Registry
from camhealth.config import Settings
from camhealth.monitor.pipeline import Pipeline
from camhealth.monitor.store import MonitorStore

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@contextlib.asynccontextmanager
async def running_pipeline(settings: Settings) -> AsyncIterator[Pipeline]:
    """The registry, the monitor's store and the pipeline over them, started; all closed after."""
    async with await Registry.open(settings) as registry:
        store = await MonitorStore.open(settings)
        try:
            async with Pipeline(settings, registry, store) as pipeline:
                yield pipeline
        finally:
            await store.close()


async def until_stopped(duration: float | None, first_cycle: Awaitable[None] | None = None) -> None:
    """Wait for SIGINT/SIGTERM or ``duration`` seconds; ``first_cycle`` runs alongside."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in STOP_SIGNALS:
        loop.add_signal_handler(signum, stop.set)
    side = asyncio.ensure_future(first_cycle) if first_cycle is not None else None
    try:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), duration)
    finally:
        for signum in STOP_SIGNALS:
            loop.remove_signal_handler(signum)
        if side is not None:
            side.cancel()
            await asyncio.gather(side, return_exceptions=True)


async def after_first_cycle(pipeline: Pipeline, then: Callable[[Pipeline], None]) -> None:
    await pipeline.first_cycle.wait()
    pipeline.publish()
    then(pipeline)
