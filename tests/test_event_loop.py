"""Long-lived commands run on the configured event loop."""

from __future__ import annotations

import asyncio
import gc

import pytest
import uvloop

from camhealth.commands.context import run_async
from camhealth.config import ConfigError, load_settings
from camhealth.monitor import memory


async def _loop_type() -> type:
    return type(asyncio.get_running_loop())


def test_uvloop_is_the_default_and_asyncio_can_be_chosen() -> None:
    settings = load_settings(None, environ={})
    assert settings.monitor.event_loop == "uvloop"
    assert issubclass(run_async(_loop_type(), settings.monitor.event_loop), uvloop.Loop)
    chosen = load_settings(None, environ={"CAMHEALTH_MONITOR__EVENT_LOOP": "asyncio"})
    loop_type = run_async(_loop_type(), chosen.monitor.event_loop)
    assert not issubclass(loop_type, uvloop.Loop)
    assert issubclass(loop_type, asyncio.AbstractEventLoop)


def test_an_unknown_loop_is_a_configuration_error() -> None:
    with pytest.raises(ConfigError, match="event_loop"):
        load_settings(None, environ={"CAMHEALTH_MONITOR__EVENT_LOOP": "trio"})


def test_long_lived_commands_run_with_the_tuned_collector() -> None:
    default = gc.get_threshold()

    async def thresholds() -> tuple[int, ...]:
        return gc.get_threshold()

    try:
        gc.set_threshold(700, 10, 10)  # Python's own (an earlier run_async may have tuned it)
        assert run_async(thresholds()) == memory.COLLECTOR_THRESHOLDS
    finally:
        gc.set_threshold(*default)
