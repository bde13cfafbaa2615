"""``camhealth run``: the monitor itself, watching every camera of the registry until stopped."""

from __future__ import annotations

import logging
from typing import Annotated

import typer

from camhealth.camera_registry.credentials import CredentialsError
from camhealth.camera_registry.store import RegistryError
from camhealth.commands.context import fail, get_context, run_async
from camhealth.config import Settings
from camhealth.health.indicators import Indicator
from camhealth.monitor.pipeline import Pipeline
from camhealth.monitor.service import (
    after_first_cycle,
    running_pipeline,
    stop_signals,
    until_stopped,
)

log = logging.getLogger(__name__)

Duration = Annotated[
    float | None, typer.Option(help="Stop after this many seconds (default: at Ctrl-C/SIGTERM).")
]


def run(ctx: typer.Context, duration: Duration = None) -> None:
    """Watch every camera of the registry: probe, diagnose, decide, store, publish.

    Statuses, events and the indicators' history go to the registry's database; a restart
    resumes where the last run stopped. Logs are JSON lines when stderr is not a terminal.

    Examples:
      camhealth run
      camhealth -c /etc/camhealth/camhealth.yml run --duration 900
    """
    settings = get_context(ctx).settings
    try:
        run_async(_run(settings, duration), settings.monitor.event_loop)
    except (RegistryError, CredentialsError) as exc:
        fail(str(exc))


async def _run(settings: Settings, duration: float | None) -> None:
    with stop_signals() as stop:
        async with running_pipeline(settings) as pipeline:
            await until_stopped(stop, duration, after_first_cycle(pipeline, _log_indicators))


def _log_indicators(pipeline: Pipeline) -> None:
    city = pipeline.snapshot.indicators.city
    rates = {indicator.value: city.rate(indicator).ratio for indicator in Indicator}
    log.info("indicators after the first cycle", extra=rates)
