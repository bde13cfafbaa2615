"""Running the pipeline as a service: open the databases, run until a signal or a duration."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator

from camhealth.camera_registry.store import Registry
from camhealth.config import Settings
from camhealth.exporter.app import build_app, serve
from camhealth.monitor.pipeline import Pipeline
from camhealth.monitor.store import MonitorStore

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@contextlib.asynccontextmanager
async def running_pipeline(settings: Settings) -> AsyncIterator[Pipeline]:
    """The registry, the monitor's store, the pipeline over them and the exporter serving its
    Snapshot, all started; all stopped and closed after, in reverse order."""
    async with await Registry.open(settings) as registry:
        store = await MonitorStore.open(settings)
        try:
            async with Pipeline(settings, registry, store) as pipeline:
                app = build_app(
                    lambda: pipeline.snapshot, settings, registry=registry, history=store
                )
                async with serve(app, settings.exporter):
                    yield pipeline
        finally:
            await store.close()


def exporter_url(settings: Settings) -> str:
    config = settings.exporter
    scheme = "https" if config.tls_cert else "http"
    return f"{scheme}://{config.host}:{config.port}"


@contextlib.contextmanager
def stop_signals() -> Iterator[asyncio.Event]:
    """An event set by SIGINT/SIGTERM; installed first, so a signal during start-up still
    stops the service cleanly once it has started."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in STOP_SIGNALS:
        loop.add_signal_handler(signum, stop.set)
    try:
        yield stop
    finally:
        for signum in STOP_SIGNALS:
            loop.remove_signal_handler(signum)


async def until_stopped(
    stop: asyncio.Event, duration: float | None, first_cycle: Awaitable[None] | None = None
) -> None:
    """Wait for ``stop`` or ``duration`` seconds; ``first_cycle`` runs alongside."""
    side = asyncio.ensure_future(first_cycle) if first_cycle is not None else None
    try:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), duration)
    finally:
        if side is not None:
            side.cancel()
            await asyncio.gather(side, return_exceptions=True)


async def after_first_cycle(pipeline: Pipeline, then: Callable[[Pipeline], None]) -> None:
    await pipeline.first_cycle.wait()
    pipeline.publish()
    then(pipeline)
